//===- Fuse.cpp - RoPE + append, absorption prologue/epilogue fusion ------===//

#include "dialect/MlaOps.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "passes/BypassedProducers.h"
#include "passes/Passes.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLAFUSE
#include "passes/Passes.h.inc"
} // namespace mlir::mla

using namespace mlir;
using namespace mlir::mla;

namespace {

/// A pattern that records the producers its rewrite bypasses.
template <typename OpTy> struct FusionPattern : public OpRewritePattern<OpTy> {
  FusionPattern(MLIRContext *context, BypassedProducers *bypassed)
      : OpRewritePattern<OpTy>(context), bypassed(bypassed) {}

  void bypass(Operation *op) const {
    if (bypassed)
      bypassed->add(op);
  }

  BypassedProducers *bypassed;
};

/// cache_append(rope(k_rope, positions)) -> cache_append(k_rope)
/// rope(positions): the new keys are rotated while they are written.
struct FuseRopeIntoAppend : public FusionPattern<CacheAppendOp> {
  using FusionPattern::FusionPattern;

  LogicalResult matchAndRewrite(CacheAppendOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getPositions())
      return rewriter.notifyMatchFailure(op, "already fused");
    auto rope = op.getKRope().getDefiningOp<RopeOp>();
    if (!rope || !rope->hasOneUse() || rope.getConfig() != op.getConfig())
      return rewriter.notifyMatchFailure(op, "k_rope is not a private rope");
    rewriter.replaceOpWithNewOp<CacheAppendOp>(
        op, op.getResult().getType(), op.getCache(), op.getBlockTable(),
        op.getSeqLens(), op.getCKv(), rope.getInput(), rope.getPositions(),
        op.getConfig());
    bypass(rope);
    return success();
  }
};

/// latent_attention(absorb_query(q_nope, w_uk)) ->
/// latent_attention(q_nope) absorb_query(w_uk).
struct FuseQueryAbsorption : public FusionPattern<LatentAttentionOp> {
  using FusionPattern::FusionPattern;

  LogicalResult matchAndRewrite(LatentAttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getWUk())
      return rewriter.notifyMatchFailure(op, "prologue already fused");
    auto absorb = op.getQuery().getDefiningOp<AbsorbQueryOp>();
    if (!absorb || !absorb->hasOneUse() || absorb.getConfig() != op.getConfig())
      return rewriter.notifyMatchFailure(op, "query is not a private "
                                             "absorb_query");
    rewriter.replaceOpWithNewOp<LatentAttentionOp>(
        op, op.getOut().getType(), op.getLse().getType(), absorb.getQNope(),
        op.getQRope(), op.getCache(), op.getBlockTable(), op.getSeqLens(),
        absorb.getWUk(), op.getWUv(), op.getConfig(), op.getCausalAttr(),
        op.getScheduleAttr());
    bypass(absorb);
    return success();
  }
};

/// absorb_output(latent_attention(...).out, w_uv) ->
/// latent_attention(...) absorb_output(w_uv).
struct FuseOutputAbsorption : public FusionPattern<AbsorbOutputOp> {
  using FusionPattern::FusionPattern;

  LogicalResult matchAndRewrite(AbsorbOutputOp op,
                                PatternRewriter &rewriter) const override {
    auto attention = op.getOLatent().getDefiningOp<LatentAttentionOp>();
    if (!attention || attention.getWUv() || !attention.getOut().hasOneUse() ||
        attention.getConfig() != op.getConfig())
      return rewriter.notifyMatchFailure(
          op, "input is not the private output of an unfused attention");
    // The fused op takes the attention's place, so W_UV must be available
    // there already.
    DominanceInfo dominance(attention->getParentOp());
    if (!dominance.properlyDominates(op.getWUv(), attention))
      return rewriter.notifyMatchFailure(op, "w_uv is defined after the "
                                             "attention");
    rewriter.setInsertionPoint(attention);
    auto fused = LatentAttentionOp::create(
        rewriter, attention.getLoc(), op.getOut().getType(),
        attention.getLse().getType(), attention.getQuery(),
        attention.getQRope(), attention.getCache(), attention.getBlockTable(),
        attention.getSeqLens(), attention.getWUk(), op.getWUv(), op.getConfig(),
        attention.getCausalAttr(), attention.getScheduleAttr());
    rewriter.replaceOp(op, fused.getOut());
    rewriter.replaceAllUsesWith(attention.getLse(), fused.getLse());
    bypass(attention);
    return success();
  }
};

struct FusePass : public mla::impl::MlaFuseBase<FusePass> {
  using Base::Base;

  void runOnOperation() override {
    BypassedProducers bypassed;
    RewritePatternSet patterns(&getContext());
    populateFusePatterns(patterns, &bypassed, absorptions);
    walkAndApplyPatterns(getOperation(), std::move(patterns), &bypassed);
    bypassed.eraseDead();
  }
};

} // namespace

void mlir::mla::populateFusePatterns(RewritePatternSet &patterns,
                                     BypassedProducers *bypassed,
                                     bool absorptions) {
  patterns.add<FuseRopeIntoAppend>(patterns.getContext(), bypassed);
  if (absorptions)
    patterns.add<FuseQueryAbsorption, FuseOutputAbsorption>(
        patterns.getContext(), bypassed);
}
