//===- AbsorbWeights.cpp - naive MHA form into absorbed latent form -------===//

#include "dialect/MlaOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "passes/BypassedProducers.h"
#include "passes/Passes.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLAABSORBWEIGHTS
#include "passes/Passes.h.inc"
} // namespace mlir::mla

using namespace mlir;
using namespace mlir::mla;

namespace {

/// A pattern that records the producers its rewrite bypasses.
template <typename OpTy>
struct BypassingPattern : public OpRewritePattern<OpTy> {
  BypassingPattern(MLIRContext *context, BypassedProducers *bypassed,
                   int64_t premultiplyLimit = 0)
      : OpRewritePattern<OpTy>(context), bypassed(bypassed),
        premultiplyLimit(premultiplyLimit) {}

  void bypass(ArrayRef<Operation *> ops) const {
    if (bypassed)
      for (Operation *op : ops)
        bypassed->add(op);
  }

  BypassedProducers *bypassed;
  int64_t premultiplyLimit;
};

/// attention(q, up_k(read.c_kv), read.k_rope, up_v(read.c_kv)) over the
/// gathered cache ->
/// absorb_output(latent_attention(absorb_query(q), cache pages)).
struct AbsorbMhaAttention : public BypassingPattern<MhaAttentionOp> {
  using BypassingPattern::BypassingPattern;

  LogicalResult matchAndRewrite(MhaAttentionOp op,
                                PatternRewriter &rewriter) const override {
    auto upK = op.getKNope().getDefiningOp<UpProjectKOp>();
    auto upV = op.getV().getDefiningOp<UpProjectVOp>();
    if (!upK || !upV)
      return rewriter.notifyMatchFailure(op, "K or V is not an up-projection");
    auto read = upK.getCKv().getDefiningOp<CacheReadOp>();
    if (!read || upK.getCKv() != read.getCKv() || upV.getCKv() != read.getCKv())
      return rewriter.notifyMatchFailure(
          op, "K and V are not projected from one gathered cache");
    if (op.getKRope() != read.getKRope() ||
        op.getSeqLens() != read.getSeqLens())
      return rewriter.notifyMatchFailure(
          op, "rope key or lengths do not come from the same cache read");
    ConfigAttr config = op.getConfig();
    if (upK.getConfig() != config || upV.getConfig() != config ||
        read.getConfig() != config)
      return rewriter.notifyMatchFailure(op, "configs differ");

    Location loc = op.getLoc();
    auto qNopeType = cast<RankedTensorType>(op.getQNope().getType());
    SmallVector<int64_t> latentShape(qNopeType.getShape());
    latentShape.back() = config.getKvLoraRank();
    auto latentType =
        RankedTensorType::get(latentShape, config.getStorageType());

    Value qLatent = AbsorbQueryOp::create(rewriter, loc, latentType,
                                          op.getQNope(), upK.getWUk(), config);
    auto attention = LatentAttentionOp::create(
        rewriter, loc, latentType, op.getLse().getType(), qLatent,
        op.getQRope(), read.getCache(), read.getBlockTable(), read.getSeqLens(),
        /*w_uk=*/Value(), /*w_uv=*/Value(), config, op.getCausalAttr(),
        /*schedule=*/nullptr);
    Value out =
        AbsorbOutputOp::create(rewriter, loc, op.getOut().getType(),
                               attention.getOut(), upV.getWUv(), config);
    rewriter.replaceOp(op, {out, attention.getLse()});
    bypass({upK, upV, read});
    return success();
  }
};

/// Reads a constant float tensor as doubles, row-major.
std::vector<double> toDoubles(DenseElementsAttr values) {
  std::vector<double> result;
  result.reserve(values.getNumElements());
  for (APFloat value : values.getValues<APFloat>()) {
    bool losesInfo;
    value.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                  &losesInfo);
    result.push_back(value.convertToDouble());
  }
  return result;
}

/// output_projection(absorb_output(o_latent, W_UV), W_O) with constant
/// weights -> output_projection(o_latent, W_OV), W_OV computed here.
struct PremultiplyOutputWeights : public BypassingPattern<OutputProjectionOp> {
  using BypassingPattern::BypassingPattern;

  LogicalResult matchAndRewrite(OutputProjectionOp op,
                                PatternRewriter &rewriter) const override {
    auto absorb = op.getHeadsOut().getDefiningOp<AbsorbOutputOp>();
    if (!absorb || !absorb->hasOneUse())
      return rewriter.notifyMatchFailure(op, "input is not a private "
                                             "absorb_output");
    ConfigAttr config = op.getConfig();
    DenseElementsAttr wUv, wO;
    if (absorb.getConfig() != config ||
        !matchPattern(absorb.getWUv(), m_Constant(&wUv)) ||
        !matchPattern(op.getWO(), m_Constant(&wO)))
      return rewriter.notifyMatchFailure(op, "weights are not constants");

    int64_t dModel = config.getDModel(), heads = config.getHeads();
    int64_t dv = config.getVHeadDim(), dc = config.getKvLoraRank();
    if (dModel * heads * dc > premultiplyLimit)
      return rewriter.notifyMatchFailure(op, "the fused weight would exceed "
                                             "premultiply-limit elements");
    std::vector<double> uv = toDoubles(wUv), o = toDoubles(wO);
    // W_OV[m, h, c] = sum_v W_O[m, h, v] * W_UV[h, v, c]
    std::vector<double> fused(dModel * heads * dc, 0.0);
    for (int64_t m = 0; m < dModel; ++m)
      for (int64_t h = 0; h < heads; ++h) {
        double *row = &fused[(m * heads + h) * dc];
        for (int64_t v = 0; v < dv; ++v) {
          double scale = o[(m * heads + h) * dv + v];
          const double *uvRow = &uv[(h * dv + v) * dc];
          for (int64_t c = 0; c < dc; ++c)
            row[c] += scale * uvRow[c];
        }
      }

    auto storage = cast<FloatType>(config.getStorageType());
    SmallVector<APFloat> rounded;
    rounded.reserve(fused.size());
    for (double value : fused) {
      APFloat element(value);
      bool losesInfo;
      element.convert(storage.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                      &losesInfo);
      rounded.push_back(element);
    }
    auto fusedType = RankedTensorType::get({dModel, heads, dc}, storage);
    Value fusedWeight = arith::ConstantOp::create(
        rewriter, op.getLoc(), DenseElementsAttr::get(fusedType, rounded));
    // The producers go unused; recorded before the replacement erases `op`
    // (its operands are not to be read after).
    bypass(
        {absorb, absorb.getWUv().getDefiningOp(), op.getWO().getDefiningOp()});
    rewriter.replaceOpWithNewOp<OutputProjectionOp>(
        op, op.getOut().getType(), absorb.getOLatent(), fusedWeight, config);
    return success();
  }
};

struct AbsorbWeightsPass
    : public mla::impl::MlaAbsorbWeightsBase<AbsorbWeightsPass> {
  using Base::Base;

  void runOnOperation() override {
    BypassedProducers bypassed;
    RewritePatternSet patterns(&getContext());
    populateAbsorbWeightsPatterns(patterns, premultiplyLimit, &bypassed);
    walkAndApplyPatterns(getOperation(), std::move(patterns), &bypassed);
    bypassed.eraseDead();
  }
};

} // namespace

void mlir::mla::populateAbsorbWeightsPatterns(RewritePatternSet &patterns,
                                              int64_t premultiplyLimit,
                                              BypassedProducers *bypassed) {
  patterns.add<AbsorbMhaAttention, PremultiplyOutputWeights>(
      patterns.getContext(), bypassed, premultiplyLimit);
}
