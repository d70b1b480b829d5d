//===- HeadProjections.cpp - per-head absorptions and batch slicing -------===//

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "passes/lowering/AttentionLowering.h"

using namespace mlir;
using namespace mlir::mla;

using IteratorType = utils::IteratorType;

/// Contracts x[lead..., h, k] with w[h, j, k] (wTransposed: w[h, k, j]) into
/// [lead..., h, j], in f32.
static Value contractPerHead(LinalgEmitter &emit, Value x, Value w,
                             bool wTransposed) {
  OpBuilder &b = emit.builder();
  MLIRContext *context = b.getContext();
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  unsigned lead = xType.getRank() - 2;
  // loops (lead..., h, j, k)
  unsigned numLoops = lead + 3;
  auto d = [&](unsigned i) { return getAffineDimExpr(i, context); };
  SmallVector<AffineExpr> xExprs, outExprs;
  for (unsigned i = 0; i < lead; ++i) {
    xExprs.push_back(d(i));
    outExprs.push_back(d(i));
  }
  AffineExpr h = d(lead), j = d(lead + 1), k = d(lead + 2);
  xExprs.append({h, k});
  outExprs.append({h, j});
  SmallVector<AffineExpr> wExprs = wTransposed
                                       ? SmallVector<AffineExpr>{h, k, j}
                                       : SmallVector<AffineExpr>{h, j, k};
  int64_t outDim = wType.getDimSize(wTransposed ? 2 : 1);

  SmallVector<OpFoldResult> outSizes = emit.sizes(x);
  outSizes.back() = b.getIndexAttr(outDim);
  SmallVector<IteratorType> iterators(numLoops, IteratorType::parallel);
  iterators.back() = IteratorType::reduction;
  Value init = emit.filled(outSizes, b.getF32Type(), 0.0);
  return emit.contract(x, AffineMap::get(numLoops, 0, xExprs, context), w,
                       AffineMap::get(numLoops, 0, wExprs, context), init,
                       AffineMap::get(numLoops, 0, outExprs, context),
                       iterators);
}

Value mlir::mla::emitAbsorbQuery(LinalgEmitter &emit, Value qNope, Value wUk) {
  // W_UK is [h, n, c]: contract over n, keep c.
  return contractPerHead(emit, qNope, wUk, /*wTransposed=*/true);
}

Value mlir::mla::emitAbsorbOutput(LinalgEmitter &emit, Value oLatent,
                                  Value wUv) {
  // W_UV is [h, v, c]: contract over c, keep v.
  return contractPerHead(emit, oLatent, wUv, /*wTransposed=*/false);
}

namespace {
/// Offsets, sizes and strides of the slice of `tensor` at `indices` of its
/// leading dimensions (size 1 there, whole elsewhere).
struct LeadingSlice {
  SmallVector<OpFoldResult> offsets, sizes, strides;

  LeadingSlice(LinalgEmitter &emit, Value tensor, ValueRange indices) {
    OpBuilder &b = emit.builder();
    int64_t rank = cast<RankedTensorType>(tensor.getType()).getRank();
    sizes = emit.sizes(tensor);
    strides.assign(rank, b.getIndexAttr(1));
    offsets.assign(rank, b.getIndexAttr(0));
    for (auto [i, index] : llvm::enumerate(indices)) {
      offsets[i] = index;
      sizes[i] = b.getIndexAttr(1);
    }
  }
};
} // namespace

Value mlir::mla::sliceLeading(LinalgEmitter &emit, Value tensor,
                              ValueRange indices) {
  auto type = cast<RankedTensorType>(tensor.getType());
  LeadingSlice slice(emit, tensor, indices);
  auto sliceType = RankedTensorType::get(
      type.getShape().drop_front(indices.size()), type.getElementType());
  return tensor::ExtractSliceOp::create(emit.builder(), emit.location(),
                                        sliceType, tensor, slice.offsets,
                                        slice.sizes, slice.strides);
}

void mlir::mla::parallelInsertLeading(LinalgEmitter &emit, scf::ForallOp loop,
                                      ArrayRef<Value> slices,
                                      ValueRange indices) {
  OpBuilder &builder = emit.builder();
  ValueRange outputs = loop.getRegionIterArgs();
  SmallVector<LeadingSlice> where;
  for (Value dest : outputs)
    where.emplace_back(emit, dest, indices);
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(loop.getTerminator().getBody());
  for (auto [i, slice] : llvm::enumerate(slices))
    tensor::ParallelInsertSliceOp::create(builder, emit.location(), slice,
                                          outputs[i], where[i].offsets,
                                          where[i].sizes, where[i].strides);
}
