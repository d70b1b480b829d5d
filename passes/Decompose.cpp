//===- Decompose.cpp - mla.decode_step into primitive ops -----------------===//

#include "dialect/MlaOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "passes/Passes.h"
#include "llvm/Support/CheckedArithmetic.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLADECOMPOSE
#include "passes/Passes.h.inc"
} // namespace mlir::mla

using namespace mlir;
using namespace mlir::mla;

namespace {

/// Sizes of the decode step being decomposed; B, S and P may be dynamic.
struct StepShape {
  int64_t batch, tokens, blockTableWidth;
  ConfigAttr config;

  RankedTensorType storage(ArrayRef<int64_t> shape) const {
    return RankedTensorType::get(shape, config.getStorageType());
  }
  RankedTensorType accum(ArrayRef<int64_t> shape) const {
    return RankedTensorType::get(shape, config.getAccumType());
  }
  /// Keys the block table can address: P * page_size (dynamic when P is,
  /// or when the product does not fit).
  int64_t keyTokens(PagedCacheType cache) const {
    if (ShapedType::isDynamic(blockTableWidth))
      return ShapedType::kDynamic;
    return llvm::checkedMul(blockTableWidth, cache.getPageSize())
        .value_or(ShapedType::kDynamic);
  }
};

/// positions[b][k] = seq_lens[b] + k: the new tokens follow the cached ones.
Value buildPositions(PatternRewriter &rewriter, Location loc, Value hidden,
                     Value seqLens) {
  auto hiddenType = cast<RankedTensorType>(hidden.getType());
  SmallVector<Value> dynamicExtents;
  for (int64_t i : {0, 1})
    if (hiddenType.isDynamicDim(i))
      dynamicExtents.push_back(tensor::DimOp::create(rewriter, loc, hidden, i));
  auto type = RankedTensorType::get(hiddenType.getShape().take_front(2),
                                    rewriter.getI32Type());
  return tensor::GenerateOp::create(
      rewriter, loc, type, dynamicExtents,
      [&](OpBuilder &b, Location loc, ValueRange indices) {
        Value length =
            tensor::ExtractOp::create(b, loc, seqLens, indices.take_front());
        Value offset =
            arith::IndexCastOp::create(b, loc, b.getI32Type(), indices[1]);
        Value position = arith::AddIOp::create(b, loc, length, offset);
        tensor::YieldOp::create(b, loc, position);
      });
}

/// seq_lens + S: the lengths once the new tokens are appended.
Value buildTotalLengths(PatternRewriter &rewriter, Location loc, Value hidden,
                        Value seqLens) {
  auto lensType = cast<RankedTensorType>(seqLens.getType());
  Value tokens = arith::IndexCastOp::create(
      rewriter, loc, rewriter.getI32Type(),
      tensor::DimOp::create(rewriter, loc, hidden, 1));
  SmallVector<Value> dynamicSizes;
  if (lensType.isDynamicDim(0))
    dynamicSizes.push_back(tensor::DimOp::create(rewriter, loc, seqLens, 0));
  Value splat =
      tensor::SplatOp::create(rewriter, loc, lensType, tokens, dynamicSizes);
  return arith::AddIOp::create(rewriter, loc, seqLens, splat);
}

struct DecomposeDecodeStep : public OpRewritePattern<DecodeStepOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DecodeStepOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    ConfigAttr config = op.getConfig();
    auto hiddenType = cast<RankedTensorType>(op.getHidden().getType());
    auto cacheType = cast<PagedCacheType>(op.getCache().getType());
    StepShape shape{hiddenType.getDimSize(0), hiddenType.getDimSize(1),
                    op.getBlockTable().getType().getDimSize(1), config};
    int64_t b = shape.batch, s = shape.tokens, h = config.getHeads();
    int64_t t = shape.keyTokens(cacheType);
    int64_t dn = config.getQkNopeHeadDim(), dr = config.getQkRopeHeadDim();
    int64_t dc = config.getKvLoraRank(), dv = config.getVHeadDim();

    // Query path.
    Value queryInput = op.getHidden();
    if (config.hasQueryCompression())
      queryInput = CompressQueryOp::create(
          rewriter, loc, shape.storage({b, s, config.getQLoraRank()}),
          op.getHidden(), op.getWDq(), op.getQNorm(), config);
    auto query = UpProjectQueryOp::create(
        rewriter, loc, shape.storage({b, s, h, dn}),
        shape.storage({b, s, h, dr}), queryInput, op.getWUq(), config);
    Value positions =
        buildPositions(rewriter, loc, op.getHidden(), op.getSeqLens());
    Value qRope = RopeOp::create(rewriter, loc, query.getQRope().getType(),
                                 query.getQRope(), positions, config);

    // Key/value path: the new tokens go into the cache first.
    auto latent = CompressKvOp::create(
        rewriter, loc, shape.storage({b, s, dc}), shape.storage({b, s, dr}),
        op.getHidden(), op.getWDkv(), op.getKvNorm(), config);
    Value kRope = RopeOp::create(rewriter, loc, latent.getKRope().getType(),
                                 latent.getKRope(), positions, config);
    Value newCache = CacheAppendOp::create(
        rewriter, loc, cacheType, op.getCache(), op.getBlockTable(),
        op.getSeqLens(), latent.getCKv(), kRope, /*positions=*/Value(), config);

    // Naive MHA attention over every cached token, the new ones included.
    Value lengths =
        buildTotalLengths(rewriter, loc, op.getHidden(), op.getSeqLens());
    auto history = CacheReadOp::create(rewriter, loc, shape.storage({b, t, dc}),
                                       shape.storage({b, t, dr}), newCache,
                                       op.getBlockTable(), lengths, config);
    Value keys =
        UpProjectKOp::create(rewriter, loc, shape.storage({b, t, h, dn}),
                             history.getCKv(), op.getWUk(), config);
    Value values =
        UpProjectVOp::create(rewriter, loc, shape.storage({b, t, h, dv}),
                             history.getCKv(), op.getWUv(), config);
    auto attention = MhaAttentionOp::create(
        rewriter, loc, shape.storage({b, s, h, dv}), shape.accum({b, s, h}),
        query.getQNope(), qRope, keys, history.getKRope(), values, lengths,
        config, rewriter.getUnitAttr());
    Value out =
        OutputProjectionOp::create(rewriter, loc, op.getOut().getType(),
                                   attention.getOut(), op.getWO(), config);
    rewriter.replaceOp(op, {out, newCache});
    return success();
  }
};

struct DecomposePass : public mla::impl::MlaDecomposeBase<DecomposePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateDecomposePatterns(patterns);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace

void mlir::mla::populateDecomposePatterns(RewritePatternSet &patterns) {
  patterns.add<DecomposeDecodeStep>(patterns.getContext());
}
