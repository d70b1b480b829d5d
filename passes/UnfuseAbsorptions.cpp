//===- UnfuseAbsorptions.cpp - absorptions back into their own ops --------===//
//
// The inverse of mla-fuse's absorption fusion, for the CUDA path: a
// W_UK prologue or W_UV epilogue on latent attention (whole or split) or on
// the combine becomes mla.absorb_query / mla.absorb_output around the
// unfused op, which the CUDA printer generates as their own kernels (fused
// into a split-KV kernel, W_UK would be re-read by every split and CTA).
// The latent between them is held in the storage type, like the absorbed
// form on the CPU.
//
//===----------------------------------------------------------------------===//

#include "dialect/MlaOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "passes/Passes.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLAUNFUSEABSORPTIONS
#include "passes/Passes.h.inc"
} // namespace mlir::mla

using namespace mlir;
using namespace mlir::mla;

namespace {

/// `type` with its last dimension the latent width, in the storage type.
RankedTensorType latentType(Value value, ConfigAttr config) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = config.getKvLoraRank();
  return RankedTensorType::get(shape, config.getStorageType());
}

/// absorb_query(q_nope, w_uk) in front of `op`, or `query` when unfused.
Value absorbedQuery(PatternRewriter &rewriter, Operation *op, Value query,
                    Value wUk, ConfigAttr config) {
  if (!wUk)
    return query;
  return AbsorbQueryOp::create(rewriter, op->getLoc(),
                               latentType(query, config), query, wUk, config);
}

struct UnfuseLatentAttention : public OpRewritePattern<LatentAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LatentAttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getWUk() && !op.getWUv())
      return rewriter.notifyMatchFailure(op, "no absorption fused");
    ConfigAttr config = op.getConfig();
    Value query =
        absorbedQuery(rewriter, op, op.getQuery(), op.getWUk(), config);
    Type outType =
        op.getWUv() ? latentType(op.getOut(), config) : op.getOut().getType();
    auto attention = LatentAttentionOp::create(
        rewriter, op.getLoc(), outType, op.getLse().getType(), query,
        op.getQRope(), op.getCache(), op.getBlockTable(), op.getSeqLens(),
        /*w_uk=*/Value(), /*w_uv=*/Value(), config, op.getCausalAttr(),
        op.getScheduleAttr());
    Value out = attention.getOut();
    if (op.getWUv())
      out = AbsorbOutputOp::create(rewriter, op.getLoc(), op.getOut().getType(),
                                   out, op.getWUv(), config);
    rewriter.replaceOp(op, {out, attention.getLse()});
    return success();
  }
};

struct UnfusePartialAttention
    : public OpRewritePattern<PartialLatentAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(PartialLatentAttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getWUk())
      return rewriter.notifyMatchFailure(op, "no absorption fused");
    Value query =
        absorbedQuery(rewriter, op, op.getQuery(), op.getWUk(), op.getConfig());
    rewriter.replaceOpWithNewOp<PartialLatentAttentionOp>(
        op, op.getPartialOut().getType(), op.getPartialLse().getType(), query,
        op.getQRope(), op.getCache(), op.getBlockTable(), op.getSeqLens(),
        /*w_uk=*/Value(), op.getNumSplitsAttr(), op.getConfig(),
        op.getCausalAttr());
    return success();
  }
};

struct UnfuseCombine : public OpRewritePattern<CombineOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(CombineOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getWUv())
      return rewriter.notifyMatchFailure(op, "no absorption fused");
    ConfigAttr config = op.getConfig();
    auto combine = CombineOp::create(
        rewriter, op.getLoc(), latentType(op.getOut(), config),
        op.getLse().getType(), op.getPartialOut(), op.getPartialLse(),
        /*w_uv=*/Value(), config);
    Value out =
        AbsorbOutputOp::create(rewriter, op.getLoc(), op.getOut().getType(),
                               combine.getOut(), op.getWUv(), config);
    rewriter.replaceOp(op, {out, combine.getLse()});
    return success();
  }
};

struct UnfuseAbsorptionsPass
    : public mla::impl::MlaUnfuseAbsorptionsBase<UnfuseAbsorptionsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateUnfuseAbsorptionsPatterns(patterns);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace

void mlir::mla::populateUnfuseAbsorptionsPatterns(RewritePatternSet &patterns) {
  patterns.add<UnfuseLatentAttention, UnfusePartialAttention, UnfuseCombine>(
      patterns.getContext());
}
