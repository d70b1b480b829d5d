//===- AttentionPatterns.cpp - lowering of the attention ops --------------===//

#include "dialect/MlaOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"
#include "passes/Passes.h"
#include "passes/lowering/AttentionLowering.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mla;

using IteratorType = utils::IteratorType;

namespace {

/// Common parts of the lowerings of latent_attention and
/// partial_latent_attention.
struct LatentOperands {
  Value query; // [B, S, H, kv_lora_rank], absorbed when W_UK was fused
  Value qRope, cache, blockTable, seqLens;
  int64_t pageSize;
};

LatentOperands prepare(LinalgEmitter &emit, Value query, Value qRope,
                       Value cache, Value blockTable, Value seqLens, Value wUk,
                       PagedCacheType cacheType) {
  if (wUk)
    query = emitAbsorbQuery(emit, query, wUk);
  return {query, qRope, cache, blockTable, seqLens, cacheType.getPageSize()};
}

Value sequenceLength(LinalgEmitter &emit, Value seqLens, Value b) {
  OpBuilder &builder = emit.builder();
  Value length =
      tensor::ExtractOp::create(builder, emit.location(), seqLens, b);
  return arith::IndexCastOp::create(builder, emit.location(),
                                    builder.getIndexType(), length);
}

struct LowerLatentAttention : public OpConversionPattern<LatentAttentionOp> {
  LowerLatentAttention(const TypeConverter &converter, MLIRContext *context,
                       PageStepProducts products)
      : OpConversionPattern(converter, context), products(products) {}
  PageStepProducts products;

  LogicalResult
  matchAndRewrite(LatentAttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    LinalgEmitter emit(rewriter, loc);
    ConfigAttr config = op.getConfig();
    LatentOperands in = prepare(emit, adaptor.getQuery(), adaptor.getQRope(),
                                adaptor.getCache(), adaptor.getBlockTable(),
                                adaptor.getSeqLens(), adaptor.getWUk(),
                                cast<PagedCacheType>(op.getCache().getType()));
    Value wUv = adaptor.getWUv();
    Type storage = config.getStorageType();

    SmallVector<OpFoldResult> outSizes = emit.sizes(in.query);
    outSizes.back() = rewriter.getIndexAttr(wUv ? config.getVHeadDim()
                                                : config.getKvLoraRank());
    SmallVector<OpFoldResult> lseSizes(
        ArrayRef<OpFoldResult>(outSizes).drop_back());
    // Sequences are independent: one parallel iteration each.
    auto loop = scf::ForallOp::create(
        rewriter, loc, ArrayRef<OpFoldResult>{outSizes[0]},
        ValueRange{emit.empty(outSizes, storage),
                   emit.empty(lseSizes, rewriter.getF32Type())},
        std::nullopt);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(loop.getBody());
    Value b = loop.getInductionVars()[0];
    Value length = sequenceLength(emit, in.seqLens, b);
    SequenceKeys keys{in.cache, in.blockTable, b, length, emit.index(0),
                      length,   op.getCausal()};
    SequenceAttention attention = attendSequence(
        emit, config, in.pageSize, sliceLeading(emit, in.query, b),
        sliceLeading(emit, in.qRope, b), keys, products);
    Value out = attention.out;
    if (wUv)
      out = emitAbsorbOutput(emit, out, wUv);
    out = emit.convert(out, storage);
    parallelInsertLeading(emit, loop, {out, attention.lse}, b);
    rewriter.replaceOp(op, loop.getResults());
    return success();
  }
};

struct LowerPartialLatentAttention
    : public OpConversionPattern<PartialLatentAttentionOp> {
  LowerPartialLatentAttention(const TypeConverter &converter,
                              MLIRContext *context, PageStepProducts products)
      : OpConversionPattern(converter, context), products(products) {}
  PageStepProducts products;

  LogicalResult
  matchAndRewrite(PartialLatentAttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    LinalgEmitter emit(rewriter, loc);
    ConfigAttr config = op.getConfig();
    LatentOperands in = prepare(emit, adaptor.getQuery(), adaptor.getQRope(),
                                adaptor.getCache(), adaptor.getBlockTable(),
                                adaptor.getSeqLens(), adaptor.getWUk(),
                                cast<PagedCacheType>(op.getCache().getType()));
    Type f32 = rewriter.getF32Type();
    int64_t splits = op.getNumSplits();

    SmallVector<OpFoldResult> outSizes = {rewriter.getIndexAttr(splits)};
    llvm::append_range(outSizes, emit.sizes(in.query));
    SmallVector<OpFoldResult> lseSizes(
        ArrayRef<OpFoldResult>(outSizes).drop_back());
    // Every (split, sequence) pair is independent: one parallel iteration
    // each, so that a short batch still spreads over the threads.
    auto loop = scf::ForallOp::create(
        rewriter, loc, ArrayRef<OpFoldResult>{outSizes[0], outSizes[1]},
        ValueRange{emit.empty(outSizes, f32), emit.empty(lseSizes, f32)},
        std::nullopt);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(loop.getBody());
    Value n = loop.getInductionVars()[0], b = loop.getInductionVars()[1];
    Value length = sequenceLength(emit, in.seqLens, b);
    // Split n covers [n * chunk, min((n + 1) * chunk, length)).
    Value chunk =
        arith::CeilDivUIOp::create(rewriter, loc, length, emit.index(splits));
    Value begin = arith::MinUIOp::create(
        rewriter, loc, arith::MulIOp::create(rewriter, loc, n, chunk), length);
    Value end = arith::MinUIOp::create(
        rewriter, loc, arith::AddIOp::create(rewriter, loc, begin, chunk),
        length);
    SequenceKeys keys{in.cache, in.blockTable, b, length, begin,
                      end,      op.getCausal()};
    SequenceAttention attention = attendSequence(
        emit, config, in.pageSize, sliceLeading(emit, in.query, b),
        sliceLeading(emit, in.qRope, b), keys, products);
    parallelInsertLeading(emit, loop, {attention.out, attention.lse},
                          ValueRange{n, b});
    rewriter.replaceOp(op, loop.getResults());
    return success();
  }
};

struct LowerCombine : public OpConversionPattern<CombineOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(CombineOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    LinalgEmitter emit(rewriter, loc);
    ConfigAttr config = op.getConfig();
    Type f32 = rewriter.getF32Type();
    Value partialOut = adaptor.getPartialOut(),
          partialLse = adaptor.getPartialLse();
    SmallVector<OpFoldResult> partSizes = emit.sizes(partialLse); // N,B,S,H
    SmallVector<OpFoldResult> rows(
        ArrayRef<OpFoldResult>(partSizes).drop_front());
    SmallVector<OpFoldResult> outSizes(rows);
    outSizes.push_back(rewriter.getIndexAttr(config.getKvLoraRank()));
    const auto par = IteratorType::parallel, red = IteratorType::reduction;

    // loops (b, s, h, n)
    Value max = emit.generic(
        partialLse, emit.affineMap(4, {3, 0, 1, 2}),
        emit.filled(rows, f32, -INFINITY), emit.affineMap(4, {0, 1, 2}),
        {par, par, par, red},
        [](OpBuilder &nb, Location nl, ValueRange in, auto) -> Value {
          return arith::MaximumFOp::create(nb, nl, in[0], in[1]);
        });
    Value weights = emit.generic(
        {partialLse, max},
        {emit.affineMap(4, {0, 1, 2, 3}), emit.affineMap(4, {1, 2, 3})},
        emit.empty(partSizes, f32), emit.affineMap(4, {0, 1, 2, 3}),
        {par, par, par, par},
        [](OpBuilder &nb, Location nl, ValueRange in, auto) {
          return expRelativeTo(nb, nl, in[0], in[1]);
        });
    Value sum = emit.generic(
        weights, emit.affineMap(4, {3, 0, 1, 2}), emit.filled(rows, f32, 0.0),
        emit.affineMap(4, {0, 1, 2}), {par, par, par, red},
        [](OpBuilder &nb, Location nl, ValueRange in, auto) -> Value {
          return arith::AddFOp::create(nb, nl, in[0], in[1]);
        });
    // loops (b, s, h, c, n)
    Value weighted = emit.contract(
        weights, emit.affineMap(5, {4, 0, 1, 2}), partialOut,
        emit.affineMap(5, {4, 0, 1, 2, 3}), emit.filled(outSizes, f32, 0.0),
        emit.affineMap(5, {0, 1, 2, 3}), {par, par, par, par, red});
    auto [out, lse] = normalizeBySum(emit, weighted, max, sum);
    if (Value wUv = adaptor.getWUv())
      out = emitAbsorbOutput(emit, out, wUv);
    rewriter.replaceOp(op, {emit.convert(out, config.getStorageType()), lse});
    return success();
  }
};

/// Naive MHA attention over materialized K and V: scores [B, S, H, T], a
/// masked softmax over T, then the weighted sum of V.
struct LowerMhaAttention : public OpConversionPattern<MhaAttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MhaAttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    LinalgEmitter emit(rewriter, loc);
    ConfigAttr config = op.getConfig();
    Type f32 = rewriter.getF32Type();
    const auto par = IteratorType::parallel, red = IteratorType::reduction;
    SmallVector<OpFoldResult> q = emit.sizes(adaptor.getQNope());
    SmallVector<OpFoldResult> rows = {q[0], q[1], q[2]};
    SmallVector<OpFoldResult> scoreShape = {q[0], q[1], q[2],
                                            emit.sizes(adaptor.getKNope())[1]};
    Value tokens = getValueOrCreateConstantIndexOp(rewriter, loc, q[1]);

    // loops (b, s, h, t, d)
    Value dots = emit.filled(scoreShape, f32, 0.0);
    dots = emit.contract(adaptor.getQNope(), emit.affineMap(5, {0, 1, 2, 4}),
                         adaptor.getKNope(), emit.affineMap(5, {0, 3, 2, 4}),
                         dots, emit.affineMap(5, {0, 1, 2, 3}),
                         {par, par, par, par, red});
    dots = emit.contract(adaptor.getQRope(), emit.affineMap(5, {0, 1, 2, 4}),
                         adaptor.getKRope(), emit.affineMap(5, {0, 3, 4}), dots,
                         emit.affineMap(5, {0, 1, 2, 3}),
                         {par, par, par, par, red});
    Value lengths = adaptor.getSeqLens();
    bool causal = op.getCausal();
    double scale = config.getSoftmaxScale();
    // Whether query row s of sequence `batch` sees key t.
    auto visible = [&](OpBuilder &b, Location l, Value batch, Value s,
                       Value t) -> Value {
      Value length = arith::IndexCastOp::create(
          b, l, b.getIndexType(),
          tensor::ExtractOp::create(b, l, lengths, batch));
      return keyVisible(b, l, t, length, tokens, s, causal);
    };
    Value scores = emit.map(
        dots, emit.empty(scoreShape, f32),
        [&](OpBuilder &b, Location l, ValueRange in,
            function_ref<Value(int64_t)> index) -> Value {
          Value scaled = arith::MulFOp::create(
              b, l, in[0],
              arith::ConstantOp::create(b, l, b.getF32FloatAttr(scale)));
          return arith::SelectOp::create(
              b, l, visible(b, l, index(0), index(1), index(3)), scaled,
              arith::ConstantOp::create(b, l, b.getF32FloatAttr(-INFINITY)));
        });
    // loops (b, s, h, t)
    Value max = emit.generic(
        scores, emit.affineMap(4, {0, 1, 2, 3}),
        emit.filled(rows, f32, -INFINITY), emit.affineMap(4, {0, 1, 2}),
        {par, par, par, red},
        [](OpBuilder &b, Location l, ValueRange in, auto) -> Value {
          return arith::MaximumFOp::create(b, l, in[0], in[1]);
        });
    Value weights = emit.generic(
        {scores, max},
        {emit.affineMap(4, {0, 1, 2, 3}), emit.affineMap(4, {0, 1, 2})},
        emit.empty(scoreShape, f32), emit.affineMap(4, {0, 1, 2, 3}),
        {par, par, par, par},
        [](OpBuilder &b, Location l, ValueRange in, auto) {
          return expRelativeTo(b, l, in[0], in[1]);
        });
    Value sum = emit.generic(
        weights, emit.affineMap(4, {0, 1, 2, 3}), emit.filled(rows, f32, 0.0),
        emit.affineMap(4, {0, 1, 2}), {par, par, par, red},
        [](OpBuilder &b, Location l, ValueRange in, auto) -> Value {
          return arith::AddFOp::create(b, l, in[0], in[1]);
        });
    SmallVector<OpFoldResult> outShape(rows);
    outShape.push_back(rewriter.getIndexAttr(config.getVHeadDim()));
    // loops (b, s, h, v, t)
    Value weighted = emit.contract(
        weights, emit.affineMap(5, {0, 1, 2, 4}), adaptor.getV(),
        emit.affineMap(5, {0, 4, 2, 3}), emit.filled(outShape, f32, 0.0),
        emit.affineMap(5, {0, 1, 2, 3}), {par, par, par, par, red},
        [&](OpBuilder &b, Location l, auto index) {
          return visible(b, l, index(0), index(1), index(4));
        });
    auto [out, lse] = normalizeBySum(emit, weighted, max, sum);
    rewriter.replaceOp(op, {emit.convert(out, config.getStorageType()), lse});
    return success();
  }
};

} // namespace

void mlir::mla::populateAttentionLoweringPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns,
    PageStepProducts products) {
  patterns.add<LowerMhaAttention, LowerCombine>(converter,
                                                patterns.getContext());
  patterns.add<LowerLatentAttention, LowerPartialLatentAttention>(
      converter, patterns.getContext(), products);
}
