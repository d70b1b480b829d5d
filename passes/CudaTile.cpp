//===- CudaTile.cpp - choose the CUDA kernel variant of each op -----------===//

#include "dialect/MlaOps.h"
#include "passes/Passes.h"

#include "llvm/Support/MathExtras.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLACUDATILE
#include "passes/Passes.h.inc"
} // namespace mlir::mla

using namespace mlir;
using namespace mlir::mla;

namespace {

constexpr llvm::StringLiteral kTilingName = "mla.cuda_tiling";

/// Query rows (tokens x heads) of an attention op, or 0 for other ops.
int64_t queryRows(Operation *op) {
  Value query;
  if (auto a = dyn_cast<LatentAttentionOp>(op))
    query = a.getQuery();
  else if (auto a = dyn_cast<PartialLatentAttentionOp>(op))
    query = a.getQuery();
  else
    return 0;
  auto type = cast<RankedTensorType>(query.getType());
  if (type.isDynamicDim(1) || type.isDynamicDim(2))
    return 0;
  return type.getDimSize(1) * type.getDimSize(2);
}

struct CudaTilePass : public mla::impl::MlaCudaTileBase<CudaTilePass> {
  using Base::Base;

  void runOnOperation() override {
    std::optional<MmaFlavor> flavor = chooseFlavor();
    if (!flavor) {
      emitError(getOperation()->getLoc())
          << "mla-cuda-tile: mma must be mma_sync, wgmma or auto, got '" << mma
          << "'";
      return signalPassFailure();
    }
    WalkResult result = getOperation()->walk([&](Operation *op) {
      if (!isa<LatentAttentionOp, PartialLatentAttentionOp, CombineOp,
               CacheAppendOp>(op))
        return WalkResult::advance();
      if (op->hasAttr(kTilingName) && !overwrite)
        return WalkResult::advance();
      int64_t rows = rowsPerCta;
      if (rows == 0)
        rows = std::clamp<int64_t>(llvm::PowerOf2Ceil(queryRows(op)), 16, 64);
      auto emitOptionError = [&]() {
        return emitError(op->getLoc()) << "mla-cuda-tile: ";
      };
      auto tiling = CudaTilingAttr::getChecked(
          emitOptionError, op->getContext(), StringRef(arch), rows,
          int64_t(keysPerTile), int64_t(warps), int64_t(stages), *flavor);
      if (!tiling)
        return WalkResult::interrupt();
      op->setAttr(kTilingName, tiling);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }

  std::optional<MmaFlavor> chooseFlavor() {
    if (mma == "auto")
      return StringRef(arch) == "sm_90a" ? MmaFlavor::Wgmma
                                         : MmaFlavor::MmaSync;
    return symbolizeMmaFlavor(StringRef(mma));
  }
};

} // namespace
