//===- ProjectionLowering.cpp - linear maps, RMSNorm and RoPE -------------===//

#include "passes/lowering/ProjectionLowering.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::mla;

using IteratorType = utils::IteratorType;

// Lanes of a split dot product (one 512-bit vector of f32).
constexpr int64_t kLinearLanes = 16;

/// y[lead..., shared..., rows...] = sum_k x[lead..., shared..., k]
/// w[shared..., rows..., k].
static Value linear(LinalgEmitter &emit, Value x, Value w, unsigned shared) {
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  int64_t width = wType.getShape().back();
  // A long static dot product accumulates in `lanes` partial sums, added
  // at the end, so that the CPU vectorizer can block it in registers.
  int64_t lanes =
      width % kLinearLanes == 0 && width > kLinearLanes ? kLinearLanes : 1;
  if (lanes > 1) {
    x = emit.splitLanes(x, lanes);
    w = emit.splitLanes(w, lanes);
  }
  // Loops (lead..., shared..., kept..., k[, lane]).
  unsigned lead = xType.getRank() - 1 - shared;
  unsigned kept = wType.getRank() - 1 - shared;
  unsigned split = lanes > 1 ? 1 : 0, outRank = lead + shared + kept;
  unsigned loops = outRank + 1 + split, k = outRank;
  SmallVector<unsigned> xDims, wDims, outDims;
  for (unsigned i = 0; i < lead + shared; ++i)
    xDims.push_back(i);
  xDims.push_back(k);
  for (unsigned i = lead; i < outRank; ++i)
    wDims.push_back(i);
  wDims.push_back(k);
  for (unsigned i = 0; i < outRank; ++i)
    outDims.push_back(i);
  if (split) {
    xDims.push_back(k + 1);
    wDims.push_back(k + 1);
    outDims.push_back(k + 1);
  }
  SmallVector<OpFoldResult> outSizes = emit.sizes(x);
  outSizes.pop_back();
  if (split)
    outSizes.pop_back();
  for (int64_t size : wType.getShape().slice(shared, kept))
    outSizes.push_back(emit.builder().getIndexAttr(size));
  SmallVector<OpFoldResult> partialSizes(outSizes);
  if (split)
    partialSizes.push_back(emit.builder().getIndexAttr(lanes));
  SmallVector<IteratorType> iterators(loops, IteratorType::parallel);
  iterators[k] = IteratorType::reduction;
  Type f32 = emit.builder().getF32Type();
  Value partial = emit.contract(x, emit.affineMap(loops, xDims), w,
                                emit.affineMap(loops, wDims),
                                emit.filled(partialSizes, f32, 0.0),
                                emit.affineMap(loops, outDims), iterators);
  if (!split)
    return partial;
  // The lanes added: loops (out..., lane).
  SmallVector<unsigned> all;
  for (unsigned i = 0; i <= outRank; ++i)
    all.push_back(i);
  outDims.pop_back();
  SmallVector<IteratorType> sumIterators(outRank + 1, IteratorType::parallel);
  sumIterators.back() = IteratorType::reduction;
  return emit.generic(
      partial, emit.affineMap(outRank + 1, all),
      emit.filled(outSizes, f32, 0.0), emit.affineMap(outRank + 1, outDims),
      sumIterators,
      [](OpBuilder &b, Location loc, ValueRange in, auto) -> Value {
        return arith::AddFOp::create(b, loc, in[0], in[1]);
      });
}

Value mlir::mla::emitLinear(LinalgEmitter &emit, Value x, Value w) {
  return linear(emit, x, w, /*shared=*/0);
}

Value mlir::mla::emitPerHeadLinear(LinalgEmitter &emit, Value x, Value w) {
  return linear(emit, x, w, /*shared=*/1);
}

Value mlir::mla::emitRmsNorm(LinalgEmitter &emit, Value x, Value weight,
                             double eps) {
  auto type = cast<RankedTensorType>(x.getType());
  unsigned rank = type.getRank();
  int64_t width = type.getShape().back();
  SmallVector<unsigned> all, lead;
  for (unsigned i = 0; i < rank; ++i) {
    all.push_back(i);
    if (i + 1 < rank)
      lead.push_back(i);
  }
  SmallVector<IteratorType> reduce(rank, IteratorType::parallel);
  reduce.back() = IteratorType::reduction;
  SmallVector<OpFoldResult> rows = emit.sizes(x);
  rows.pop_back();
  Type f32 = emit.builder().getF32Type();
  Value sumOfSquares = emit.generic(
      x, emit.affineMap(rank, all), emit.filled(rows, f32, 0.0),
      emit.affineMap(rank, lead), reduce,
      [&](OpBuilder &b, Location loc, ValueRange in, auto) -> Value {
        Value v = emit.castScalar(b, loc, in[0], b.getF32Type());
        return arith::AddFOp::create(b, loc, in[1],
                                     arith::MulFOp::create(b, loc, v, v));
      });
  return emit.generic(
      {x, sumOfSquares, weight},
      {emit.affineMap(rank, all), emit.affineMap(rank, lead),
       emit.affineMap(rank, {rank - 1})},
      emit.empty(emit.sizes(x), f32), emit.affineMap(rank, all),
      SmallVector<IteratorType>(rank, IteratorType::parallel),
      [&](OpBuilder &b, Location loc, ValueRange in, auto) -> Value {
        Type f32 = b.getF32Type();
        Value v = emit.castScalar(b, loc, in[0], f32);
        Value mean = arith::DivFOp::create(
            b, loc, in[1],
            arith::ConstantOp::create(b, loc, b.getF32FloatAttr(width)));
        Value inverse = math::RsqrtOp::create(
            b, loc,
            arith::AddFOp::create(
                b, loc, mean,
                arith::ConstantOp::create(b, loc, b.getF32FloatAttr(eps))));
        Value w = emit.castScalar(b, loc, in[2], f32);
        return arith::MulFOp::create(
            b, loc, arith::MulFOp::create(b, loc, v, inverse), w);
      });
}

Value mlir::mla::sliceLast(LinalgEmitter &emit, Value x, int64_t offset,
                           int64_t size) {
  OpBuilder &b = emit.builder();
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = emit.sizes(x);
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  offsets.back() = b.getIndexAttr(offset);
  sizes.back() = b.getIndexAttr(size);
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = size;
  return tensor::ExtractSliceOp::create(
      b, emit.location(), RankedTensorType::get(shape, type.getElementType()),
      x, offsets, sizes, strides);
}

Value mlir::mla::emitRope(LinalgEmitter &emit, ConfigAttr config, Value input,
                          Value positions) {
  OpBuilder &b = emit.builder();
  Location loc = emit.location();
  auto type = cast<RankedTensorType>(input.getType());
  unsigned rank = type.getRank();
  int64_t dim = type.getShape().back(), pairs = dim / 2;
  RopeAttr rope = config.getRope();
  bool interleaved = rope.getPairing() == RopePairing::Interleaved;
  SmallVector<double> frequencies = rope.getInverseFrequencies(dim);
  auto tableType = RankedTensorType::get({pairs}, b.getF64Type());
  Value table = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(tableType, ArrayRef<double>(frequencies)));
  double scale = rope.getCosSinScale();

  SmallVector<unsigned> all;
  for (unsigned i = 0; i < rank; ++i)
    all.push_back(i);
  return emit.generic(
      {input, positions},
      {emit.affineMap(rank, all), emit.affineMap(rank, {0, 1})},
      emit.empty(emit.sizes(input), type.getElementType()),
      emit.affineMap(rank, all),
      SmallVector<IteratorType>(rank, IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange in,
          function_ref<Value(int64_t)> index) -> Value {
        auto constant = [&](int64_t v) {
          return arith::ConstantIndexOp::create(nb, nl, v).getResult();
        };
        SmallVector<Value> indices;
        for (unsigned i = 0; i < rank; ++i)
          indices.push_back(index(i));
        Value e = indices.back();
        // Which pair the element belongs to, whether it is the pair's first
        // element, and where its partner is.
        Value pair, first, partner;
        if (interleaved) {
          pair = arith::DivUIOp::create(nb, nl, e, constant(2));
          Value parity = arith::RemUIOp::create(nb, nl, e, constant(2));
          first = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq,
                                        parity, constant(0));
          partner = arith::SelectOp::create(
              nb, nl, first, arith::AddIOp::create(nb, nl, e, constant(1)),
              arith::SubIOp::create(nb, nl, e, constant(1)));
        } else {
          first = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::ult, e,
                                        constant(pairs));
          Value second = arith::SubIOp::create(nb, nl, e, constant(pairs));
          pair = arith::SelectOp::create(nb, nl, first, e, second);
          partner = arith::SelectOp::create(
              nb, nl, first, arith::AddIOp::create(nb, nl, e, constant(pairs)),
              second);
        }
        Type f64 = nb.getF64Type(), f32 = nb.getF32Type();
        Value frequency = tensor::ExtractOp::create(nb, nl, table, pair);
        Value position = arith::SIToFPOp::create(nb, nl, f64, in[1]);
        Value angle = arith::MulFOp::create(nb, nl, position, frequency);
        Value scaleValue =
            arith::ConstantOp::create(nb, nl, nb.getF64FloatAttr(scale));
        auto scaled = [&](Value v) -> Value {
          return arith::TruncFOp::create(
              nb, nl, f32, arith::MulFOp::create(nb, nl, v, scaleValue));
        };
        Value c = scaled(math::CosOp::create(nb, nl, angle));
        Value s = scaled(math::SinOp::create(nb, nl, angle));
        indices.back() = partner;
        Value x = emit.castScalar(nb, nl, in[0], f32);
        Value xPartner = emit.castScalar(
            nb, nl, tensor::ExtractOp::create(nb, nl, input, indices), f32);
        Value xc = arith::MulFOp::create(nb, nl, x, c);
        Value ps = arith::MulFOp::create(nb, nl, xPartner, s);
        Value rotated = arith::SelectOp::create(
            nb, nl, first, arith::SubFOp::create(nb, nl, xc, ps),
            arith::AddFOp::create(nb, nl, xc, ps));
        return emit.castScalar(nb, nl, rotated, type.getElementType());
      });
}
