//===- AttentionLowering.cpp - latent attention as linalg over pages ------===//

#include "passes/lowering/AttentionLowering.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mla;

using IteratorType = utils::IteratorType;

namespace {

constexpr IteratorType kPar = IteratorType::parallel;
constexpr IteratorType kRed = IteratorType::reduction;

/// The loop-state update for one page of keys.
struct PageStep {
  LinalgEmitter &emit;
  ConfigAttr config;
  int64_t pageSize;
  Value qLatent, qRope, tokens;
  const SequenceKeys &keys;

  AffineMap map(ArrayRef<unsigned> dims, unsigned numDims) {
    return emit.affineMap(numDims, dims);
  }

  /// The widest of 16, 8, 4, 2 and 1 lanes that divides both dot-product
  /// widths.
  static int64_t laneCount(ConfigAttr config) {
    int64_t lanes = 16;
    while (config.getKvLoraRank() % lanes || config.getQkRopeHeadDim() % lanes)
      lanes /= 2;
    return lanes;
  }

  /// One page [page_size, latent + rope] of the cache, read in place.
  std::pair<Value, Value> readPage(Value pageIndex) {
    OpBuilder &b = emit.builder();
    Location loc = emit.location();
    Value entry = tensor::ExtractOp::create(
        b, loc, keys.blockTable, ValueRange{keys.sequence, pageIndex});
    Value page = arith::IndexCastOp::create(b, loc, b.getIndexType(), entry);
    Type storage = config.getStorageType();
    int64_t dc = config.getKvLoraRank(), dr = config.getQkRopeHeadDim();
    auto slice = [&](int64_t column, int64_t width) -> Value {
      return tensor::ExtractSliceOp::create(
          b, loc, RankedTensorType::get({pageSize, width}, storage), keys.cache,
          ArrayRef<OpFoldResult>{page, b.getIndexAttr(0),
                                 b.getIndexAttr(column)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(pageSize),
                                 b.getIndexAttr(width)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                                 b.getIndexAttr(1)});
    };
    return {slice(0, dc), slice(dc, dr)};
  }

  /// Scaled scores [S, H, page_size]; keys outside the range or not yet
  /// visible to a causal query are -inf.
  Value scores(Value latentKeys, Value ropeKeys, Value pageStart,
               ArrayRef<OpFoldResult> rows) {
    OpBuilder &b = emit.builder();
    Type f32 = b.getF32Type();
    SmallVector<OpFoldResult> shape(rows);
    shape.push_back(b.getIndexAttr(pageSize));
    // The dot products over the latent and rope widths accumulate in `lanes`
    // independent partial sums per score, lanes innermost: a loop over
    // contiguous, independent elements that LLVM turns into vector FMAs.
    // The lanes are added at the end. loops (s, h, t, c_outer, lane)
    int64_t lanes = laneCount(config);
    SmallVector<OpFoldResult> laneShape(shape);
    laneShape.push_back(b.getIndexAttr(lanes));
    SmallVector<IteratorType> iterators = {kPar, kPar, kPar, kRed, kPar};
    Value partial = emit.filled(laneShape, f32, 0.0);
    for (auto [query, keys] :
         {std::pair{qLatent, latentKeys}, {qRope, ropeKeys}})
      partial =
          emit.contract(emit.splitLanes(query, lanes), map({0, 1, 3, 4}, 5),
                        emit.splitLanes(keys, lanes), map({2, 3, 4}, 5),
                        partial, map({0, 1, 2, 4}, 5), iterators);
    Value dots = emit.generic(
        partial, map({0, 1, 2, 3}, 4), emit.filled(shape, f32, 0.0),
        map({0, 1, 2}, 4), {kPar, kPar, kPar, kRed},
        [](OpBuilder &nb, Location nl, ValueRange in, auto) -> Value {
          return arith::AddFOp::create(nb, nl, in[0], in[1]);
        });
    double scale = config.getSoftmaxScale();
    return emit.map(
        dots, emit.empty(shape, f32),
        [&](OpBuilder &nb, Location nl, ValueRange in, auto index) -> Value {
          Value scaled = arith::MulFOp::create(
              nb, nl, in[0],
              arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(scale)));
          Value negInf =
              arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(-INFINITY));
          return arith::SelectOp::create(
              nb, nl, visible(nb, nl, pageStart, index(0), index(2)), scaled,
              negInf);
        });
  }

  /// Whether query row `s` sees key `t` of the page starting at `pageStart`:
  /// the key is in this call's range [keyBegin, keyEnd) and visible.
  Value visible(OpBuilder &nb, Location nl, Value pageStart, Value s, Value t) {
    Value key = arith::AddIOp::create(nb, nl, pageStart, t);
    Value inRange = arith::AndIOp::create(
        nb, nl,
        arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt, key,
                              keys.keyEnd),
        arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sge, key,
                              keys.keyBegin));
    return arith::AndIOp::create(
        nb, nl, keyVisible(nb, nl, key, keys.length, tokens, s, keys.causal),
        inRange);
  }

  /// The online-softmax update of (max, sum, acc) with one page of keys.
  SmallVector<Value> update(Value pageIndex, ValueRange state,
                            ArrayRef<OpFoldResult> rows) {
    OpBuilder &b = emit.builder();
    Location loc = emit.location();
    Type f32 = b.getF32Type();
    Value max = state[0], sum = state[1], acc = state[2];
    auto [latentKeys, ropeKeys] = readPage(pageIndex);
    Value pageStart = arith::MulIOp::create(
        b, loc, pageIndex, arith::ConstantIndexOp::create(b, loc, pageSize));
    Value s = scores(latentKeys, ropeKeys, pageStart, rows);

    // loops (s, h, t)
    SmallVector<IteratorType> rowReduce = {kPar, kPar, kRed};
    Value newMax = emit.generic(
        s, map({0, 1, 2}, 3), max, map({0, 1}, 3), rowReduce,
        [](OpBuilder &nb, Location nl, ValueRange in, auto) -> Value {
          return arith::MaximumFOp::create(nb, nl, in[0], in[1]);
        });
    SmallVector<OpFoldResult> scoreShape = emit.sizes(s);
    Value probabilities = emit.generic(
        {s, newMax}, {map({0, 1, 2}, 3), map({0, 1}, 3)},
        emit.empty(scoreShape, f32), map({0, 1, 2}, 3), {kPar, kPar, kPar},
        [](OpBuilder &nb, Location nl, ValueRange in, auto) {
          return expRelativeTo(nb, nl, in[0], in[1]);
        });
    Value rescale =
        emit.map({max, newMax}, emit.empty(rows, f32),
                 [](OpBuilder &nb, Location nl, ValueRange in, auto) {
                   return expRelativeTo(nb, nl, in[0], in[1]);
                 });
    Value scaledSum =
        emit.map({sum, rescale}, emit.empty(rows, f32),
                 [](OpBuilder &nb, Location nl, ValueRange in, auto) -> Value {
                   return arith::MulFOp::create(nb, nl, in[0], in[1]);
                 });
    Value newSum = emit.generic(
        probabilities, map({0, 1, 2}, 3), scaledSum, map({0, 1}, 3), rowReduce,
        [](OpBuilder &nb, Location nl, ValueRange in, auto) -> Value {
          return arith::AddFOp::create(nb, nl, in[0], in[1]);
        });
    // loops (s, h, c)
    Value scaledAcc = emit.generic(
        rescale, map({0, 1}, 3), acc, map({0, 1, 2}, 3), {kPar, kPar, kPar},
        [](OpBuilder &nb, Location nl, ValueRange in, auto) -> Value {
          return arith::MulFOp::create(nb, nl, in[1], in[0]);
        });
    // loops (s, h, t, c): the latent dimension innermost, so each key row is
    // read contiguously into a contiguous accumulator row (vector FMAs).
    // A hidden key's row is zeroed, not just its weight: an unwritten cache
    // row may hold NaN, and 0 x NaN is NaN.
    Value newAcc = emit.contract(
        probabilities, map({0, 1, 2}, 4), latentKeys, map({2, 3}, 4), scaledAcc,
        map({0, 1, 3}, 4), {kPar, kPar, kRed, kPar},
        [&](OpBuilder &nb, Location nl, auto index) {
          return visible(nb, nl, pageStart, index(0), index(2));
        });
    // The new max and sum go back into the loop-carried tensors once the old
    // ones are read, so bufferization keeps one buffer for each across pages.
    auto writeBack = [&](Value value, Value carried) {
      return linalg::CopyOp::create(b, loc, value, carried).getResult(0);
    };
    return {writeBack(newMax, max), writeBack(newSum, sum), newAcc};
  }
};

} // namespace

Value mlir::mla::keyVisible(OpBuilder &b, Location loc, Value key, Value length,
                            Value tokens, Value s, bool causal) {
  auto less = [&](Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, y)
        .getResult();
  };
  Value visible = less(key, length);
  if (!causal)
    return visible;
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value limit = arith::AddIOp::create(
      b, loc,
      arith::AddIOp::create(b, loc,
                            arith::SubIOp::create(b, loc, length, tokens), one),
      s);
  return arith::AndIOp::create(b, loc, visible, less(key, limit));
}

Value mlir::mla::expRelativeTo(OpBuilder &b, Location loc, Value x, Value max) {
  Value negInf =
      arith::ConstantOp::create(b, loc, b.getF32FloatAttr(-INFINITY));
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0));
  Value none =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, max, negInf);
  Value e = math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, x, max));
  return arith::SelectOp::create(b, loc, none, zero, e);
}

SequenceAttention mlir::mla::attendSequence(LinalgEmitter &emit,
                                            ConfigAttr config, int64_t pageSize,
                                            Value qLatent, Value qRope,
                                            const SequenceKeys &keys) {
  OpBuilder &b = emit.builder();
  Location loc = emit.location();
  Type f32 = b.getF32Type();
  SmallVector<OpFoldResult> qSizes = emit.sizes(qLatent);
  SmallVector<OpFoldResult> rows = {qSizes[0], qSizes[1]};
  SmallVector<OpFoldResult> accShape = {qSizes[0], qSizes[1],
                                        b.getIndexAttr(config.getKvLoraRank())};
  Value tokens = getValueOrCreateConstantIndexOp(b, loc, qSizes[0]);

  Value initial[] = {emit.filled(rows, f32, -INFINITY),
                     emit.filled(rows, f32, 0.0),
                     emit.filled(accShape, f32, 0.0)};
  // The queries are read once per key: extend them to f32 once, up front.
  Value qLatentF32 = emit.convert(qLatent, f32);
  Value qRopeF32 = emit.convert(qRope, f32);
  Value size = emit.index(pageSize);
  Value firstPage = arith::DivUIOp::create(b, loc, keys.keyBegin, size);
  Value endPage = arith::CeilDivUIOp::create(b, loc, keys.keyEnd, size);
  auto loop = scf::ForOp::create(
      b, loc, firstPage, endPage, emit.index(1), initial,
      [&](OpBuilder &lb, Location ll, Value pageIndex, ValueRange state) {
        LinalgEmitter bodyEmit(lb, ll);
        PageStep step{bodyEmit, config, pageSize, qLatentF32,
                      qRopeF32, tokens, keys};
        scf::YieldOp::create(lb, ll, step.update(pageIndex, state, rows));
      });
  Value max = loop.getResult(0), sum = loop.getResult(1);
  Value acc = loop.getResult(2);

  auto [out, lse] = normalizeBySum(emit, acc, max, sum);
  return {out, lse};
}

std::pair<Value, Value> mlir::mla::normalizeBySum(LinalgEmitter &emit,
                                                  Value weighted, Value max,
                                                  Value sum) {
  unsigned rank = cast<RankedTensorType>(weighted.getType()).getRank();
  SmallVector<unsigned> all, rows;
  for (unsigned d = 0; d < rank; ++d) {
    all.push_back(d);
    if (d + 1 < rank)
      rows.push_back(d);
  }
  Type f32 = emit.builder().getF32Type();
  // "Seen a key" is sum != 0, so a NaN sum stays NaN rather than passing for
  // an empty row.
  auto seen = [](OpBuilder &b, Location l, Value sum) -> Value {
    Value zero = arith::ConstantOp::create(b, l, b.getF32FloatAttr(0.0));
    return arith::CmpFOp::create(b, l, arith::CmpFPredicate::UNE, sum, zero);
  };
  Value out = emit.generic(
      {weighted, sum}, {emit.affineMap(rank, all), emit.affineMap(rank, rows)},
      emit.empty(emit.sizes(weighted), f32), emit.affineMap(rank, all),
      SmallVector<IteratorType>(rank, kPar),
      [&](OpBuilder &b, Location l, ValueRange in, auto) -> Value {
        Value zero = arith::ConstantOp::create(b, l, b.getF32FloatAttr(0.0));
        Value divided = arith::DivFOp::create(b, l, in[0], in[1]);
        return arith::SelectOp::create(b, l, seen(b, l, in[1]), divided, zero);
      });
  Value lse = emit.map(
      {max, sum}, emit.empty(emit.sizes(max), f32),
      [&](OpBuilder &b, Location l, ValueRange in, auto) -> Value {
        Value negInf =
            arith::ConstantOp::create(b, l, b.getF32FloatAttr(-INFINITY));
        Value logSum = arith::AddFOp::create(b, l, in[0],
                                             math::LogOp::create(b, l, in[1]));
        return arith::SelectOp::create(b, l, seen(b, l, in[1]), logSum, negInf);
      });
  return {out, lse};
}
