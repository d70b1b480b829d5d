//===- CudaTile.cpp - choose the CUDA kernel variant of each op -----------===//
//
// Each op's kernel family (passes/cuda/KernelFamily.h) fills in what the
// options leave open and decides whether the tiling fits: a tiling that
// does not is refused at the op, with the family's reason.
//
//===----------------------------------------------------------------------===//

#include "dialect/MlaOps.h"
#include "passes/Passes.h"
#include "passes/cuda/KernelFamily.h"
#include "passes/cuda/KernelShapes.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLACUDATILE
#include "passes/Passes.h.inc"
} // namespace mlir::mla

using namespace mlir;
using namespace mlir::mla;

namespace {

/// Query rows (tokens x heads) of a latent attention op, or 0.
int64_t queryRows(Operation *op) {
  if (!isa<LatentAttentionOp, PartialLatentAttentionOp>(op))
    return 0;
  auto query = cast<RankedTensorType>(op->getOperand(0).getType());
  if (query.isDynamicDim(1) || query.isDynamicDim(2))
    return 0;
  return query.getDimSize(1) * query.getDimSize(2);
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
      auto carried = op->getAttrOfType<CudaTilingAttr>(kCudaTilingAttrName);
      if (carried && !overwrite)
        return checkCarried(op, carried);
      MmaFlavor opFlavor = flavorFor(op, *flavor);
      const KernelFamily *family = kernelFamilyOf(op, opFlavor);
      if (!family)
        return WalkResult::advance();
      TilingRequest request{arch,  rowsPerCta,      keysPerTile,
                            warps, int64_t(stages), opFlavor};
      TilingRequest chosen = family->defaultTiling(op, request);
      auto emitOptionError = [&]() {
        return emitError(op->getLoc()) << "mla-cuda-tile: ";
      };
      auto tiling = CudaTilingAttr::getChecked(
          emitOptionError, op->getContext(), StringRef(chosen.arch),
          chosen.rowsPerCta, chosen.keysPerTile, chosen.warps, chosen.stages,
          chosen.mma);
      if (!tiling)
        return WalkResult::interrupt();
      if (std::optional<std::string> why = family->problem(op, tiling)) {
        emitOptionError() << "no " << family->name() << " kernel for " << tiling
                          << ": " << *why;
        return WalkResult::interrupt();
      }
      op->setAttr(kCudaTilingAttrName, tiling);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }

  /// A tiling an op already carries (an autotuner's) stays if its family
  /// can generate it.
  WalkResult checkCarried(Operation *op, CudaTilingAttr tiling) {
    const KernelFamily *family = kernelFamilyOf(op, tiling.getMma());
    std::optional<std::string> why =
        family ? family->problem(op, tiling) : std::nullopt;
    if (!why)
      return WalkResult::advance();
    emitError(op->getLoc())
        << "mla-cuda-tile: no " << family->name()
        << " kernel for the tiling the op carries, " << tiling << ": " << *why
        << " (retile with overwrite=true)";
    return WalkResult::interrupt();
  }

  /// mma=auto: the wgmma kernel for latent attention on sm_90a with at
  /// least 64 query rows (wgmma's M; fewer would leave most of each MMA
  /// idle) unless the options ask for another row count or the wgmma
  /// family refuses the op; mma_sync elsewhere.
  MmaFlavor flavorFor(Operation *op, MmaFlavor requested) {
    if (mma != "auto")
      return requested;
    constexpr int64_t kWgmmaRows = mlagen_decode_wgmma_shape::rows;
    bool wgmma = StringRef(arch) == "sm_90a" && queryRows(op) >= kWgmmaRows &&
                 (rowsPerCta == 0 || rowsPerCta == kWgmmaRows);
    if (!wgmma)
      return MmaFlavor::MmaSync;
    // Where the wgmma kernel cannot take the op (its widths), auto falls
    // back to mma_sync rather than failing.
    const KernelFamily &family = decodeWgmmaFamily();
    CudaTilingAttr tiling = validTiling(
        op->getContext(),
        family.defaultTiling(op, {arch, rowsPerCta, keysPerTile, warps,
                                  int64_t(stages), MmaFlavor::Wgmma}));
    return tiling && !family.problem(op, tiling) ? MmaFlavor::Wgmma
                                                 : MmaFlavor::MmaSync;
  }

  /// The requested flavour (auto: mma_sync, refined per op by flavorFor).
  std::optional<MmaFlavor> chooseFlavor() {
    if (mma == "auto")
      return MmaFlavor::MmaSync;
    return symbolizeMmaFlavor(StringRef(mma));
  }
};

} // namespace
