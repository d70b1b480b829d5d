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

/// Writes each of `slices` into the matching shared output of `loop` at
/// index `b` of its leading dimension (the loop's in_parallel terminator).
void parallelInsertLeading(LinalgEmitter &emit, scf::ForallOp loop,
                           ArrayRef<Value> slices, ValueRange outputs,
                           Value b) {
  OpBuilder &builder = emit.builder();
  SmallVector<SmallVector<OpFoldResult>> offsets, sizes, strides;
  for (Value dest : outputs) {
    auto type = cast<RankedTensorType>(dest.getType());
    SmallVector<OpFoldResult> destSizes = emit.sizes(dest);
    destSizes[0] = builder.getIndexAttr(1);
    SmallVector<OpFoldResult> destOffsets(type.getRank(),
                                          builder.getIndexAttr(0));
    destOffsets[0] = b;
    offsets.push_back(destOffsets);
    sizes.push_back(destSizes);
    strides.push_back(
        SmallVector<OpFoldResult>(type.getRank(), builder.getIndexAttr(1)));
  }
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(loop.getTerminator().getBody());
  for (auto [i, slice] : llvm::enumerate(slices))
    tensor::ParallelInsertSliceOp::create(builder, emit.location(), slice,
                                          outputs[i], offsets[i], sizes[i],
                                          strides[i]);
}

struct LowerLatentAttention : public OpConversionPattern<LatentAttentionOp> {
  using OpConversionPattern::OpConversionPattern;

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
    ValueRange results = loop.getRegionIterArgs();
    Value length = sequenceLength(emit, in.seqLens, b);
    SequenceKeys keys{in.cache, in.blockTable, b, length, emit.index(0),
                      length,   op.getCausal()};
    SequenceAttention attention = attendSequence(
        emit, config, in.pageSize, sliceLeading(emit, in.query, b),
        sliceLeading(emit, in.qRope, b), keys);
    Value out = attention.out;
    if (wUv)
      out = emitAbsorbOutput(emit, out, wUv);
    out = emit.convert(out, storage);
    parallelInsertLeading(emit, loop, {out, attention.lse}, results, b);
    rewriter.replaceOp(op, loop.getResults());
    return success();
  }
};

struct LowerPartialLatentAttention
    : public OpConversionPattern<PartialLatentAttentionOp> {
  using OpConversionPattern::OpConversionPattern;

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
    Value batch = getValueOrCreateConstantIndexOp(rewriter, loc, outSizes[1]);
    Value splitCount = emit.index(splits);
    auto loop = scf::ForOp::create(
        rewriter, loc, emit.index(0), batch, emit.index(1),
        ValueRange{emit.empty(outSizes, f32), emit.empty(lseSizes, f32)},
        [&](OpBuilder &lb, Location ll, Value b, ValueRange results) {
          LinalgEmitter body(lb, ll);
          Value length = sequenceLength(body, in.seqLens, b);
          Value chunk = arith::CeilDivUIOp::create(lb, ll, length, splitCount);
          Value query = sliceLeading(body, in.query, b);
          Value qRope = sliceLeading(body, in.qRope, b);
          auto splitLoop = scf::ForOp::create(
              lb, ll, body.index(0), splitCount, body.index(1), results,
              [&](OpBuilder &sb, Location sl, Value n, ValueRange parts) {
                LinalgEmitter split(sb, sl);
                // Split n covers [n * chunk, min((n + 1) * chunk, length)).
                Value begin = arith::MinUIOp::create(
                    sb, sl, arith::MulIOp::create(sb, sl, n, chunk), length);
                Value end = arith::MinUIOp::create(
                    sb, sl, arith::AddIOp::create(sb, sl, begin, chunk),
                    length);
                SequenceKeys keys{in.cache, in.blockTable, b, length, begin,
                                  end,      op.getCausal()};
                SequenceAttention attention = attendSequence(
                    split, config, in.pageSize, query, qRope, keys);
                scf::YieldOp::create(
                    sb, sl,
                    ValueRange{insertLeading(split, attention.out, parts[0],
                                             ValueRange{n, b}),
                               insertLeading(split, attention.lse, parts[1],
                                             ValueRange{n, b})});
              });
          scf::YieldOp::create(lb, ll, splitLoop.getResults());
        });
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
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<LowerLatentAttention, LowerMhaAttention,
               LowerPartialLatentAttention, LowerCombine>(
      converter, patterns.getContext());
}
