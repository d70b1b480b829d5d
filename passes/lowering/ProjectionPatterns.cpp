//===- ProjectionPatterns.cpp - lowering of projections and RoPE ----------===//

#include "dialect/MlaOps.h"
#include "mlir/Transforms/DialectConversion.h"
#include "passes/Passes.h"
#include "passes/lowering/AttentionLowering.h"
#include "passes/lowering/ProjectionLowering.h"

using namespace mlir;
using namespace mlir::mla;

using IteratorType = utils::IteratorType;

namespace {

struct LowerCompressQuery : public OpConversionPattern<CompressQueryOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(CompressQueryOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    LinalgEmitter emit(rewriter, op.getLoc());
    ConfigAttr config = op.getConfig();
    Value projected = emitLinear(emit, adaptor.getHidden(), adaptor.getWDq());
    Value normed = emitRmsNorm(emit, projected, adaptor.getNormWeight(),
                               config.getEpsilon());
    rewriter.replaceOp(op, emit.convert(normed, config.getStorageType()));
    return success();
  }
};

struct LowerCompressKv : public OpConversionPattern<CompressKvOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(CompressKvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    LinalgEmitter emit(rewriter, op.getLoc());
    ConfigAttr config = op.getConfig();
    int64_t dc = config.getKvLoraRank(), dr = config.getQkRopeHeadDim();
    Value projected = emitLinear(emit, adaptor.getHidden(), adaptor.getWDkv());
    // Only the latent is normalized; the rope key is not.
    Value latent = emitRmsNorm(emit, sliceLast(emit, projected, 0, dc),
                               adaptor.getNormWeight(), config.getEpsilon());
    Value ropeKey = sliceLast(emit, projected, dc, dr);
    Type storage = config.getStorageType();
    rewriter.replaceOp(
        op, {emit.convert(latent, storage), emit.convert(ropeKey, storage)});
    return success();
  }
};

struct LowerUpProjectQuery : public OpConversionPattern<UpProjectQueryOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(UpProjectQueryOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    LinalgEmitter emit(rewriter, op.getLoc());
    ConfigAttr config = op.getConfig();
    int64_t dn = config.getQkNopeHeadDim(), dr = config.getQkRopeHeadDim();
    // Per head, the nope rows come first, then the rope rows.
    Value heads = emitLinear(emit, adaptor.getInput(), adaptor.getWUq());
    Type storage = config.getStorageType();
    rewriter.replaceOp(op,
                       {emit.convert(sliceLast(emit, heads, 0, dn), storage),
                        emit.convert(sliceLast(emit, heads, dn, dr), storage)});
    return success();
  }
};

/// Ops that are one projection of their first operand by their second,
/// rounded to the storage type: the up-projections of K and V and the
/// absorptions.
template <typename OpTy, Value (*emitProjection)(LinalgEmitter &, Value, Value)>
struct LowerProjection : public OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    LinalgEmitter emit(rewriter, op.getLoc());
    ValueRange operands = adaptor.getOperands();
    Value projected = emitProjection(emit, operands[0], operands[1]);
    rewriter.replaceOp(
        op, emit.convert(projected, op.getConfig().getStorageType()));
    return success();
  }
};

struct LowerOutputProjection : public OpConversionPattern<OutputProjectionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OutputProjectionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    LinalgEmitter emit(rewriter, op.getLoc());
    // out[b, s, m] = sum_{h, d} o[b, s, h, d] w_o[m, h, d]: one projection
    // over the heads' values side by side (h * d wide, no copy).
    Value out = emitLinear(emit, emit.collapseLastTwo(adaptor.getHeadsOut()),
                           emit.collapseLastTwo(adaptor.getWO()));
    rewriter.replaceOp(op, emit.convert(out, op.getConfig().getStorageType()));
    return success();
  }
};

struct LowerRope : public OpConversionPattern<RopeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RopeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    LinalgEmitter emit(rewriter, op.getLoc());
    rewriter.replaceOp(op, emitRope(emit, op.getConfig(), adaptor.getInput(),
                                    adaptor.getPositions()));
    return success();
  }
};

} // namespace

void mlir::mla::populateProjectionLoweringPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<LowerCompressQuery, LowerCompressKv, LowerUpProjectQuery,
               LowerProjection<UpProjectKOp, emitLinear>,
               LowerProjection<UpProjectVOp, emitLinear>,
               LowerProjection<AbsorbQueryOp, emitAbsorbQuery>,
               LowerProjection<AbsorbOutputOp, emitAbsorbOutput>,
               LowerOutputProjection, LowerRope>(converter,
                                                 patterns.getContext());
}
