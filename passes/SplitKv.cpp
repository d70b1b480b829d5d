//===- SplitKv.cpp - split latent attention over the KV range -------------===//

#include "dialect/MlaOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "passes/Passes.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLASPLITKV
#include "passes/Passes.h.inc"
} // namespace mlir::mla

using namespace mlir;
using namespace mlir::mla;

namespace {

// Query rows (tokens x heads) one work item takes (the split rule's other
// constants are in Passes.h).
constexpr int64_t kRowsPerWorkItem = 64;
// The most splits a set count may ask for (a CUDA grid's y extent).
constexpr int64_t kMaxSetSplits = 65535;

/// Keys the op's block table can address, if static.
std::optional<int64_t> addressableKeys(LatentAttentionOp op) {
  int64_t tableWidth = op.getBlockTable().getType().getDimSize(1);
  auto cache = cast<PagedCacheType>(op.getCache().getType());
  if (ShapedType::isDynamic(tableWidth))
    return std::nullopt;
  return llvm::checkedMul(tableWidth, cache.getPageSize());
}

/// Splits that fill `smCount` multiprocessors with (batch x row tiles x
/// splits) work items, or 1 when the batch is only known at run time.
int64_t chooseSplitCount(LatentAttentionOp op, int64_t smCount) {
  auto query = cast<RankedTensorType>(op.getQuery().getType());
  int64_t batch = query.getDimSize(0), tokens = query.getDimSize(1);
  if (ShapedType::isDynamic(batch) || ShapedType::isDynamic(tokens))
    return 1;
  int64_t rows = tokens * op.getConfig().getHeads();
  int64_t workItems = batch * llvm::divideCeil(rows, kRowsPerWorkItem);
  if (workItems == 0)
    return 1; // an empty batch: nothing to spread
  int64_t splits = llvm::divideCeil(smCount, workItems);
  if (std::optional<int64_t> maxKeys = addressableKeys(op))
    splits =
        std::min(splits, std::max<int64_t>(1, *maxKeys / kMinKeysPerSplit));
  return std::clamp<int64_t>(splits, 1, kMaxChosenSplits);
}

struct SplitLatentAttention : public OpRewritePattern<LatentAttentionOp> {
  SplitLatentAttention(MLIRContext *context, int64_t numSplits, int64_t smCount)
      : OpRewritePattern(context), numSplits(numSplits), smCount(smCount) {}

  LogicalResult matchAndRewrite(LatentAttentionOp op,
                                PatternRewriter &rewriter) const override {
    int64_t splits = numSplits > 0 ? numSplits : chooseSplitCount(op, smCount);
    // A split beyond the keys the table can address would attend nothing.
    std::optional<int64_t> maxKeys = addressableKeys(op);
    if (maxKeys && splits > std::max<int64_t>(1, *maxKeys)) {
      op.emitRemark() << "mla-split-kv: " << splits << " splits capped to "
                      << std::max<int64_t>(1, *maxKeys)
                      << ", the keys the block table can address";
      splits = std::max<int64_t>(1, *maxKeys);
    }
    if (splits <= 1)
      return rewriter.notifyMatchFailure(op, "one split: nothing to do");

    ConfigAttr config = op.getConfig();
    auto lseType = cast<RankedTensorType>(op.getLse().getType());
    SmallVector<int64_t> lseShape = {splits};
    llvm::append_range(lseShape, lseType.getShape());
    SmallVector<int64_t> outShape(lseShape);
    outShape.push_back(config.getKvLoraRank());
    Type accum = config.getAccumType();

    auto partial = PartialLatentAttentionOp::create(
        rewriter, op.getLoc(), RankedTensorType::get(outShape, accum),
        RankedTensorType::get(lseShape, accum), op.getQuery(), op.getQRope(),
        op.getCache(), op.getBlockTable(), op.getSeqLens(), op.getWUk(),
        rewriter.getI64IntegerAttr(splits), config, op.getCausalAttr());
    rewriter.replaceOpWithNewOp<CombineOp>(
        op, op.getOut().getType(), lseType, partial.getPartialOut(),
        partial.getPartialLse(), op.getWUv(), config);
    return success();
  }

  int64_t numSplits, smCount;
};

/// Gives a latent attention the balanced schedule for `smCount`
/// multiprocessors.
struct ScheduleLatentAttention : public OpRewritePattern<LatentAttentionOp> {
  ScheduleLatentAttention(MLIRContext *context, int64_t smCount)
      : OpRewritePattern(context), smCount(smCount) {}

  LogicalResult matchAndRewrite(LatentAttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getScheduleAttr())
      return rewriter.notifyMatchFailure(op, "scheduled already");
    auto query = cast<RankedTensorType>(op.getQuery().getType());
    int64_t tokens = query.getDimSize(1);
    int64_t rowBlocks =
        ShapedType::isDynamic(tokens)
            ? 1
            : llvm::divideCeil(tokens * op.getConfig().getHeads(),
                               kRowsPerWorkItem);
    auto schedule = DecodeScheduleAttr::get(
        op.getContext(), balancedParts(smCount, rowBlocks),
        kScheduleKeysPerUnit, kScheduleOverheadUnits);
    rewriter.modifyOpInPlace(op, [&] { op.setScheduleAttr(schedule); });
    return success();
  }

  int64_t smCount;
};

struct SplitKvPass : public mla::impl::MlaSplitKvBase<SplitKvPass> {
  using Base::Base;

  void runOnOperation() override {
    if (numSplits < 0 || numSplits > kMaxSetSplits || smCount < 1) {
      emitError(getOperation()->getLoc())
          << "mla-split-kv: num-splits must be in [0, " << kMaxSetSplits
          << "] and sm-count >= 1, got " << numSplits.getValue() << " and "
          << smCount.getValue();
      return signalPassFailure();
    }
    if (schedule != "even" && schedule != "balanced") {
      emitError(getOperation()->getLoc())
          << "mla-split-kv: schedule must be even or balanced, got '"
          << schedule.getValue() << "'";
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    populateSplitKvPatterns(patterns, numSplits, smCount,
                            schedule == "balanced");
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace

void mlir::mla::populateSplitKvPatterns(RewritePatternSet &patterns,
                                        int64_t numSplits, int64_t smCount,
                                        bool balanced) {
  if (balanced)
    patterns.add<ScheduleLatentAttention>(patterns.getContext(), smCount);
  else
    patterns.add<SplitLatentAttention>(patterns.getContext(), numSplits,
                                       smCount);
}
