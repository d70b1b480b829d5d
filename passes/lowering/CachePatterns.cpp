//===- CachePatterns.cpp - lowering of the paged cache ops ----------------===//

#include "dialect/MlaOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/DialectConversion.h"
#include "passes/Passes.h"
#include "passes/lowering/AttentionLowering.h"
#include "passes/lowering/ProjectionLowering.h"

using namespace mlir;
using namespace mlir::mla;

using IteratorType = utils::IteratorType;

namespace {

Value toIndex(OpBuilder &b, Location loc, Value i32) {
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), i32);
}

/// Rows t < seq_lens[b] of each sequence, read through the block table;
/// zero beyond (where the table may hold anything, so it is not followed).
struct LowerCacheRead : public OpConversionPattern<CacheReadOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(CacheReadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    LinalgEmitter emit(rewriter, op.getLoc());
    ConfigAttr config = op.getConfig();
    int64_t pageSize = op.getCache().getType().getPageSize();
    int64_t dc = config.getKvLoraRank();
    Value cache = adaptor.getCache(), table = adaptor.getBlockTable();
    Value lengths = adaptor.getSeqLens();
    // T = P * page_size: every key the block table addresses.
    SmallVector<OpFoldResult> sizes = emit.sizes(adaptor.getBlockTable());
    OpFoldResult keys = rewriter.getIndexAttr(0);
    if (std::optional<int64_t> width = getConstantIntValue(sizes[1]))
      keys = rewriter.getIndexAttr(*width * pageSize);
    else
      keys = arith::MulIOp::create(rewriter, op.getLoc(),
                                   getValueOrCreateConstantIndexOp(
                                       rewriter, op.getLoc(), sizes[1]),
                                   emit.index(pageSize))
                 .getResult();
    SmallVector<OpFoldResult> rowsShape = {
        sizes[0], keys, rewriter.getIndexAttr(config.getLatentRowWidth())};
    Type storage = config.getStorageType();
    Value rows = emit.generic(
        {}, {}, emit.empty(rowsShape, storage), emit.affineMap(3, {0, 1, 2}),
        SmallVector<IteratorType>(3, IteratorType::parallel),
        [&](OpBuilder &b, Location loc, ValueRange in,
            function_ref<Value(int64_t)> index) -> Value {
          Value seq = index(0), token = index(1), column = index(2);
          auto constant = [&](int64_t v) {
            return arith::ConstantIndexOp::create(b, loc, v).getResult();
          };
          Value length =
              toIndex(b, loc, tensor::ExtractOp::create(b, loc, lengths, seq));
          Value valid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                              token, length);
          Value entry = tensor::ExtractOp::create(
              b, loc, table,
              ValueRange{seq, arith::DivUIOp::create(b, loc, token,
                                                     constant(pageSize))});
          Value page = arith::SelectOp::create(
              b, loc, valid, toIndex(b, loc, entry), constant(0));
          Value slot = arith::SelectOp::create(
              b, loc, valid,
              arith::RemUIOp::create(b, loc, token, constant(pageSize)),
              constant(0));
          Value value = tensor::ExtractOp::create(
              b, loc, cache, ValueRange{page, slot, column});
          Value zero =
              arith::ConstantOp::create(b, loc, b.getFloatAttr(storage, 0.0));
          return arith::SelectOp::create(b, loc, valid, value, zero);
        });
    rewriter.replaceOp(op,
                       {sliceLast(emit, rows, 0, dc),
                        sliceLast(emit, rows, dc, config.getQkRopeHeadDim())});
    return success();
  }
};

/// Writes token k of sequence b at position seq_lens[b] + k, rotating the
/// rope key first in the fused form.
struct LowerCacheAppend : public OpConversionPattern<CacheAppendOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(CacheAppendOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    LinalgEmitter emit(rewriter, loc);
    ConfigAttr config = op.getConfig();
    int64_t pageSize = op.getCache().getType().getPageSize();
    int64_t dc = config.getKvLoraRank(), dr = config.getQkRopeHeadDim();
    Value latent = adaptor.getCKv(), ropeKey = adaptor.getKRope();
    if (Value positions = adaptor.getPositions())
      ropeKey = emitRope(emit, config, ropeKey, positions);
    Value table = adaptor.getBlockTable(), lengths = adaptor.getSeqLens();
    SmallVector<OpFoldResult> sizes = emit.sizes(latent);
    Value batch = getValueOrCreateConstantIndexOp(rewriter, loc, sizes[0]);
    Value tokens = getValueOrCreateConstantIndexOp(rewriter, loc, sizes[1]);
    Value one = emit.index(1), zero = emit.index(0);
    Type storage = config.getStorageType();

    auto byBatch = scf::ForOp::create(
        rewriter, loc, zero, batch, one, adaptor.getCache(),
        [&](OpBuilder &b, Location l, Value seq, ValueRange outer) {
          Value length =
              toIndex(b, l, tensor::ExtractOp::create(b, l, lengths, seq));
          auto byToken = scf::ForOp::create(
              b, l, zero, tokens, one, outer,
              [&](OpBuilder &tb, Location tl, Value k, ValueRange inner) {
                Value position = arith::AddIOp::create(tb, tl, length, k);
                Value size = arith::ConstantIndexOp::create(tb, tl, pageSize);
                Value entry = tensor::ExtractOp::create(
                    tb, tl, table,
                    ValueRange{seq,
                               arith::DivUIOp::create(tb, tl, position, size)});
                Value page = toIndex(tb, tl, entry);
                Value slot = arith::RemUIOp::create(tb, tl, position, size);
                auto row = [&](Value source, int64_t width) -> Value {
                  return tensor::ExtractSliceOp::create(
                      tb, tl, RankedTensorType::get({1, 1, width}, storage),
                      source,
                      ArrayRef<OpFoldResult>{seq, k, tb.getIndexAttr(0)},
                      ArrayRef<OpFoldResult>{tb.getIndexAttr(1),
                                             tb.getIndexAttr(1),
                                             tb.getIndexAttr(width)},
                      ArrayRef<OpFoldResult>(
                          SmallVector<OpFoldResult>(3, tb.getIndexAttr(1))));
                };
                auto write = [&](Value rowValue, Value dest, int64_t column,
                                 int64_t width) -> Value {
                  return tensor::InsertSliceOp::create(
                      tb, tl, rowValue, dest,
                      ArrayRef<OpFoldResult>{page, slot,
                                             tb.getIndexAttr(column)},
                      ArrayRef<OpFoldResult>{tb.getIndexAttr(1),
                                             tb.getIndexAttr(1),
                                             tb.getIndexAttr(width)},
                      ArrayRef<OpFoldResult>(
                          SmallVector<OpFoldResult>(3, tb.getIndexAttr(1))));
                };
                Value updated = write(row(latent, dc), inner[0], 0, dc);
                updated = write(row(ropeKey, dr), updated, dc, dr);
                scf::YieldOp::create(tb, tl, updated);
              });
          scf::YieldOp::create(b, l, byToken.getResults());
        });
    rewriter.replaceOp(op, byBatch.getResult(0));
    return success();
  }
};

} // namespace

void mlir::mla::populateCacheLoweringPatterns(const TypeConverter &converter,
                                              RewritePatternSet &patterns) {
  patterns.add<LowerCacheRead, LowerCacheAppend>(converter,
                                                 patterns.getContext());
}
