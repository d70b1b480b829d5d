//===- LinalgEmitter.cpp - the linalg the MLA lowerings are made of -------===//

#include "passes/lowering/LinalgEmitter.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::mla;

AffineMap LinalgEmitter::affineMap(unsigned numDims, ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(b.getAffineDimExpr(d));
  return AffineMap::get(numDims, 0, exprs, b.getContext());
}

Value LinalgEmitter::index(int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

SmallVector<OpFoldResult> LinalgEmitter::sizes(Value tensor) {
  return tensor::getMixedSizes(b, loc, tensor);
}

Value LinalgEmitter::empty(ArrayRef<OpFoldResult> sizes, Type elementType) {
  return tensor::EmptyOp::create(b, loc, sizes, elementType);
}

Value LinalgEmitter::filled(ArrayRef<OpFoldResult> sizes, Type elementType,
                            double value) {
  Value scalar =
      arith::ConstantOp::create(b, loc, b.getFloatAttr(elementType, value));
  return linalg::FillOp::create(b, loc, scalar, empty(sizes, elementType))
      .getResult(0);
}

Value LinalgEmitter::castScalar(OpBuilder &b, Location loc, Value value,
                                Type type) {
  unsigned from = value.getType().getIntOrFloatBitWidth();
  unsigned to = type.getIntOrFloatBitWidth();
  if (value.getType() == type)
    return value;
  if (from < to)
    return arith::ExtFOp::create(b, loc, type, value);
  return arith::TruncFOp::create(b, loc, type, value);
}

Value LinalgEmitter::generic(ValueRange inputs, ArrayRef<AffineMap> inputMaps,
                             Value init, AffineMap initMap,
                             ArrayRef<IteratorType> iterators, BodyFn body) {
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(initMap);
  auto op = linalg::GenericOp::create(
      b, loc, init.getType(), inputs, init, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        auto indexOf = [&](int64_t d) -> Value {
          return linalg::IndexOp::create(nested, nestedLoc, d);
        };
        Value result = body(nested, nestedLoc, args, indexOf);
        linalg::YieldOp::create(nested, nestedLoc, result);
      });
  return op.getResult(0);
}

Value LinalgEmitter::map(ValueRange inputs, Value init, BodyFn body) {
  int64_t rank = cast<RankedTensorType>(init.getType()).getRank();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  SmallVector<AffineMap> maps(inputs.size(), identity);
  SmallVector<IteratorType> iterators(rank, IteratorType::parallel);
  return generic(inputs, maps, init, identity, iterators, body);
}

Value LinalgEmitter::contract(Value lhs, AffineMap lhsMap, Value rhs,
                              AffineMap rhsMap, Value init, AffineMap initMap,
                              ArrayRef<IteratorType> iterators,
                              TermMaskFn rhsMask) {
  Type accum = cast<RankedTensorType>(init.getType()).getElementType();
  return generic(
      {lhs, rhs}, {lhsMap, rhsMap}, init, initMap, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange in, auto index) {
        Value x = castScalar(nb, nl, in[0], accum);
        Value y = castScalar(nb, nl, in[1], accum);
        if (rhsMask) {
          Value zero =
              arith::ConstantOp::create(nb, nl, nb.getFloatAttr(accum, 0.0));
          y = arith::SelectOp::create(nb, nl, rhsMask(nb, nl, index), y, zero);
        }
        // A multiply-add may be fused into one FMA.
        auto fastmath = arith::FastMathFlags::contract;
        Value product = arith::MulFOp::create(nb, nl, x, y, fastmath);
        return arith::AddFOp::create(nb, nl, in[2], product, fastmath)
            .getResult();
      });
}

Value LinalgEmitter::convert(Value tensor, Type elementType) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (type.getElementType() == elementType)
    return tensor;
  return map(tensor, empty(sizes(tensor), elementType),
             [&](OpBuilder &nb, Location nl, ValueRange in, auto) {
               return castScalar(nb, nl, in[0], elementType);
             });
}

Value LinalgEmitter::collapseLastTwo(Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  ArrayRef<int64_t> shape = type.getShape();
  SmallVector<int64_t> collapsed(shape.drop_back(2));
  collapsed.push_back(ShapedType::isDynamic(shape[rank - 2]) ||
                              ShapedType::isDynamic(shape[rank - 1])
                          ? ShapedType::kDynamic
                          : shape[rank - 2] * shape[rank - 1]);
  SmallVector<ReassociationIndices> groups;
  for (int64_t i = 0; i + 2 < rank; ++i)
    groups.push_back({i});
  groups.push_back({rank - 2, rank - 1});
  return tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(collapsed, type.getElementType()), x,
      groups);
}

Value LinalgEmitter::splitLanes(Value x, int64_t lanes) {
  return splitDim(x, cast<RankedTensorType>(x.getType()).getRank() - 1, lanes);
}

Value LinalgEmitter::splitDim(Value x, int64_t dim, int64_t inner) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  int64_t outer = type.getShape()[dim] / inner;
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] = outer;
  shape.insert(shape.begin() + dim + 1, inner);
  SmallVector<OpFoldResult> sizes = this->sizes(x);
  sizes[dim] = b.getIndexAttr(outer);
  sizes.insert(sizes.begin() + dim + 1, b.getIndexAttr(inner));
  SmallVector<ReassociationIndices> groups;
  for (int64_t i = 0; i < rank; ++i) {
    if (i < dim)
      groups.push_back({i});
    else if (i == dim)
      groups.push_back({i, i + 1});
    else
      groups.push_back({i + 1});
  }
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), x, groups,
      sizes);
}
