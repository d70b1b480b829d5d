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

constexpr int64_t kDefaultKeysPerTile = 32, kMinWarps = 4, kMaxWarps = 16;
constexpr int64_t kPrefillRows = 64, kPrefillKeysPerTile = 64;
constexpr int64_t kWgmmaRows = 64, kWgmmaWarps = 8;
// Output accumulators per thread the attention kernel keeps in registers.
constexpr int64_t kAccumulatorsPerThread = 64;

/// The query and the latent width of an attention op.
std::optional<std::pair<RankedTensorType, int64_t>> attention(Operation *op) {
  if (auto a = dyn_cast<LatentAttentionOp>(op))
    return std::pair{cast<RankedTensorType>(a.getQuery().getType()),
                     a.getConfig().getKvLoraRank()};
  if (auto a = dyn_cast<PartialLatentAttentionOp>(op))
    return std::pair{cast<RankedTensorType>(a.getQuery().getType()),
                     a.getConfig().getKvLoraRank()};
  return std::nullopt;
}

/// Query rows (tokens x heads) of an attention op, or 0.
int64_t queryRows(Operation *op) {
  auto found = attention(op);
  if (!found || found->first.isDynamicDim(1) || found->first.isDynamicDim(2))
    return 0;
  return found->first.getDimSize(1) * found->first.getDimSize(2);
}

/// Warps for `rows` query rows: enough that the P x V accumulators fit.
int64_t warpsFor(Operation *op, int64_t rows) {
  auto found = attention(op);
  int64_t latent = found ? found->second : 0;
  int64_t needed = llvm::divideCeil(rows * latent, 32 * kAccumulatorsPerThread);
  return std::clamp<int64_t>(llvm::PowerOf2Ceil(needed), kMinWarps, kMaxWarps);
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
               CacheAppendOp, AbsorbQueryOp, AbsorbOutputOp, MhaAttentionOp,
               CompressQueryOp, CompressKvOp, UpProjectQueryOp,
               OutputProjectionOp, RopeOp>(op))
        return WalkResult::advance();
      if (op->hasAttr(kCudaTilingAttrName) && !overwrite)
        return WalkResult::advance();
      MmaFlavor opFlavor = flavorFor(op, *flavor);
      auto [rows, warpCount, keys] =
          isa<MhaAttentionOp>(op) ? prefillChoice(cast<MhaAttentionOp>(op))
          : opFlavor == MmaFlavor::Wgmma && isAttention(op) ? wgmmaChoice()
                                                            : decodeChoice(op);
      auto emitOptionError = [&]() {
        return emitError(op->getLoc()) << "mla-cuda-tile: ";
      };
      auto tiling = CudaTilingAttr::getChecked(
          emitOptionError, op->getContext(), StringRef(arch), rows, keys,
          warpCount, int64_t(stages), opFlavor);
      if (!tiling)
        return WalkResult::interrupt();
      op->setAttr(kCudaTilingAttrName, tiling);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }

  static bool isAttention(Operation *op) {
    return isa<LatentAttentionOp, PartialLatentAttentionOp>(op);
  }

  /// mma=auto: the wgmma kernel for latent attention on sm_90a with at
  /// least 64 query rows (wgmma's M; fewer would leave most of each MMA
  /// idle) unless the options ask for another row count; mma_sync
  /// elsewhere.
  MmaFlavor flavorFor(Operation *op, MmaFlavor requested) {
    if (mma != "auto")
      return requested;
    bool wgmma = isAttention(op) && StringRef(arch) == "sm_90a" &&
                 queryRows(op) >= kWgmmaRows &&
                 (rowsPerCta == 0 || rowsPerCta == kWgmmaRows);
    return wgmma ? MmaFlavor::Wgmma : MmaFlavor::MmaSync;
  }

  /// The wgmma kernel: 64 rows, two warpgroups, 32-key tiles.
  std::tuple<int64_t, int64_t, int64_t> wgmmaChoice() {
    int64_t rows = rowsPerCta ? int64_t(rowsPerCta) : kWgmmaRows;
    int64_t warpCount = warps ? int64_t(warps) : kWgmmaWarps;
    int64_t keys = keysPerTile ? int64_t(keysPerTile) : kDefaultKeysPerTile;
    return {rows, warpCount, keys};
  }

  /// Rows, warps and keys for a decode op (or an append, combine,
  /// absorption): rows = S x H rounded to [16, 64], warps so that the
  /// P x V accumulators fit.
  std::tuple<int64_t, int64_t, int64_t> decodeChoice(Operation *op) {
    int64_t rows = rowsPerCta;
    if (rows == 0)
      rows = std::clamp<int64_t>(llvm::PowerOf2Ceil(queryRows(op)), 16, 64);
    int64_t warpCount = warps ? int64_t(warps) : warpsFor(op, rows);
    int64_t keys = keysPerTile ? int64_t(keysPerTile) : kDefaultKeysPerTile;
    return {rows, warpCount, keys};
  }

  /// The prefill kernel gives each warp 16 query tokens: 64 tokens (fewer
  /// for a short static prompt) on 4 warps, 64-key tiles.
  std::tuple<int64_t, int64_t, int64_t> prefillChoice(MhaAttentionOp op) {
    int64_t rows = rowsPerCta;
    if (rows == 0 && warps)
      rows = 16 * warps;
    if (rows == 0) {
      int64_t tokens =
          cast<RankedTensorType>(op.getQNope().getType()).getDimSize(1);
      rows = ShapedType::isDynamic(tokens)
                 ? kPrefillRows
                 : std::clamp<int64_t>(llvm::PowerOf2Ceil(tokens), 16,
                                       kPrefillRows);
    }
    int64_t warpCount =
        warps ? int64_t(warps) : std::max<int64_t>(rows / 16, 1);
    int64_t keys = keysPerTile ? int64_t(keysPerTile) : kPrefillKeysPerTile;
    return {rows, warpCount, keys};
  }

  /// The requested flavour (auto: mma_sync, refined per op by flavorFor).
  std::optional<MmaFlavor> chooseFlavor() {
    if (mma == "auto")
      return MmaFlavor::MmaSync;
    return symbolizeMmaFlavor(StringRef(mma));
  }
};

} // namespace
