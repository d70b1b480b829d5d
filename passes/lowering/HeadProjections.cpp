//===- HeadProjections.cpp - per-head absorptions and batch slicing -------===//

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "passes/lowering/AttentionLowering.h"
#include "passes/lowering/ProjectionLowering.h"

using namespace mlir;
using namespace mlir::mla;

using IteratorType = utils::IteratorType;

Value mlir::mla::emitAbsorbQuery(LinalgEmitter &emit, Value qNope, Value wUk) {
  // q_latent[lead..., h, c] = sum_n q_nope[lead..., h, n] W_UK[h, n, c]:
  // loops (lead..., h, n, c), c innermost, so that the CPU vectorizer reads
  // W_UK's rows as they lie and keeps a register block of outputs along c.
  OpBuilder &b = emit.builder();
  auto xType = cast<RankedTensorType>(qNope.getType());
  auto wType = cast<RankedTensorType>(wUk.getType());
  unsigned lead = xType.getRank() - 2, loops = lead + 3;
  unsigned h = lead, n = lead + 1, c = lead + 2;
  SmallVector<unsigned> xDims, outDims;
  for (unsigned i = 0; i < lead; ++i) {
    xDims.push_back(i);
    outDims.push_back(i);
  }
  xDims.append({h, n});
  outDims.append({h, c});
  SmallVector<OpFoldResult> outSizes = emit.sizes(qNope);
  outSizes.back() = b.getIndexAttr(wType.getDimSize(2));
  SmallVector<IteratorType> iterators(loops, IteratorType::parallel);
  iterators[n] = IteratorType::reduction;
  return emit.contract(qNope, emit.affineMap(loops, xDims), wUk,
                       emit.affineMap(loops, {h, n, c}),
                       emit.filled(outSizes, b.getF32Type(), 0.0),
                       emit.affineMap(loops, outDims), iterators);
}

Value mlir::mla::emitAbsorbOutput(LinalgEmitter &emit, Value oLatent,
                                  Value wUv) {
  // W_UV is [h, v, c]: contract over c, keep v, one head at a time.
  return emitPerHeadLinear(emit, oLatent, wUv);
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
