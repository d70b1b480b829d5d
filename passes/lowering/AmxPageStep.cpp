//===- AmxPageStep.cpp - a page of keys in the layouts of AMX tiles -------===//
//
// The tile formulation of the page step (AmxTiles.h): scores transposed to
// [page_size, S, H], so that the cache page is the left tile operand as it
// lies in the cache and every key's scores over the query rows are one
// contiguous row; the softmax reduces over the page across those rows; the
// probabilities are transposed once into bf16 [S, H, page_size], the left
// operand of P x V.
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "passes/AmxTiles.h"
#include "passes/lowering/PageStep.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mla;

using IteratorType = utils::IteratorType;

namespace {

constexpr IteratorType kPar = IteratorType::parallel;
constexpr IteratorType kRed = IteratorType::reduction;

/// `x` extended to f32 and multiplied by `y` extended to f32, plus `acc`
/// (a multiply-add that may be fused).
Value multiplyAdd(OpBuilder &b, Location loc, Value x, Value y, Value acc) {
  Type f32 = b.getF32Type();
  auto fastmath = arith::FastMathFlags::contract;
  Value product = arith::MulFOp::create(
      b, loc, LinalgEmitter::castScalar(b, loc, x, f32),
      LinalgEmitter::castScalar(b, loc, y, f32), fastmath);
  return arith::AddFOp::create(b, loc, acc, product, fastmath);
}

void mark(Value result, llvm::StringRef product) {
  Operation *op = result.getDefiningOp();
  op->setAttr(tiles::kMarker, StringAttr::get(op->getContext(), product));
}

/// `value` clamped to [0, limit] (signed).
Value clampIndex(LinalgEmitter &emit, Value value, int64_t limit) {
  OpBuilder &b = emit.builder();
  Location loc = emit.location();
  Value low = arith::MaxSIOp::create(b, loc, value, emit.index(0));
  return arith::MinSIOp::create(b, loc, low, emit.index(limit));
}

} // namespace

Value mlir::mla::packQueryForTiles(LinalgEmitter &emit, ConfigAttr config,
                                   Value qLatent, Value qRope) {
  OpBuilder &b = emit.builder();
  Location loc = emit.location();
  Type bf16 = b.getBF16Type();
  auto type = cast<RankedTensorType>(qLatent.getType());
  int64_t tokens = type.getDimSize(0), heads = type.getDimSize(1);
  int64_t latent = config.getKvLoraRank(), rope = config.getQkRopeHeadDim();
  Value packed =
      emit.empty({b.getIndexAttr((latent + rope) / 2), b.getIndexAttr(tokens),
                  b.getIndexAttr(heads), b.getIndexAttr(2)},
                 bf16);
  // Each part [S, H, width] viewed as [S, H, width / 2, 2] and transposed
  // into its rows of the packed query: loops (r, s, h, j).
  auto pack = [&](Value part, int64_t firstRow, int64_t width) {
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(firstRow),
                                         b.getIndexAttr(0), b.getIndexAttr(0),
                                         b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {
        b.getIndexAttr(width / 2), b.getIndexAttr(tokens),
        b.getIndexAttr(heads), b.getIndexAttr(2)};
    SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
    Value rows =
        tensor::ExtractSliceOp::create(b, loc, packed, offsets, sizes, strides);
    Value filled = emit.generic(
        emit.splitLanes(part, 2), emit.affineMap(4, {1, 2, 0, 3}), rows,
        emit.affineMap(4, {0, 1, 2, 3}), {kPar, kPar, kPar, kPar},
        [&](OpBuilder &nb, Location nl, ValueRange in, auto) {
          return LinalgEmitter::castScalar(nb, nl, in[0], bf16);
        });
    packed = tensor::InsertSliceOp::create(b, loc, filled, packed, offsets,
                                           sizes, strides);
  };
  pack(qLatent, 0, latent);
  pack(qRope, latent / 2, rope);
  return packed;
}

SmallVector<Value> PageStep::updateOnTiles(Value firstPage, int64_t pages,
                                           ValueRange state,
                                           ArrayRef<OpFoldResult> rows) {
  OpBuilder &b = emit.builder();
  Location loc = emit.location();
  Type f32 = b.getF32Type(), bf16 = b.getBF16Type();
  int64_t latent = config.getKvLoraRank();
  int64_t stepKeys = pages * pageSize;
  // The step's pages are consecutive pages of the sequence: key t of the
  // step is key start + t of the sequence.
  Value start = pageStart(firstPage);
  SmallVector<OpFoldResult> scoreShape = {b.getIndexAttr(stepKeys), rows[0],
                                          rows[1]};
  SmallVector<OpFoldResult> pageScores = {b.getIndexAttr(pageSize), rows[0],
                                          rows[1]};
  auto offsets = [&](int64_t first, size_t rank) {
    SmallVector<OpFoldResult> at(rank, b.getIndexAttr(0));
    at[0] = b.getIndexAttr(first);
    return at;
  };
  auto ones = [&](size_t rank) {
    return SmallVector<OpFoldResult>(rank, b.getIndexAttr(1));
  };
  Value dots = emit.filled(scoreShape, f32, 0.0);
  Value values = emit.empty(
      {b.getIndexAttr(stepKeys / 2), b.getIndexAttr(latent), b.getIndexAttr(2)},
      bf16);
  Value end = arith::MinSIOp::create(b, loc, keys.keyEnd, keys.length);
  // Scores: rows[t, 2 r + j] for loops (t, s, h, r, j). Value pairs:
  // V[2 r + j, c] for loops (r, c, j), [lo, hi) as scalars.
  AffineMap rowMap =
      AffineMap::get(5, 0,
                     {b.getAffineDimExpr(0),
                      b.getAffineDimExpr(3) * 2 + b.getAffineDimExpr(4)},
                     b.getContext());
  AffineMap pairMap =
      AffineMap::get(3, 0,
                     {b.getAffineDimExpr(0) * 2 + b.getAffineDimExpr(2),
                      b.getAffineDimExpr(1)},
                     b.getContext());
  AffineMap scalar = AffineMap::get(3, 0, b.getContext());
  SmallVector<OpFoldResult> pairShape = {
      b.getIndexAttr(pageSize / 2), b.getIndexAttr(latent), b.getIndexAttr(2)};
  for (int64_t p = 0; p < pages; ++p) {
    Value pageIndex =
        arith::AddIOp::create(b, loc, firstPage, emit.index(p)).getResult();
    // S^T [t, s, h] = sum_(r, j) rows[t, 2 r + j] q[r, s, h, j] over the
    // page's keys, into its rows of the step's scores.
    Value slice = tensor::ExtractSliceOp::create(
        b, loc, dots, offsets(p * pageSize, 3), pageScores, ones(3));
    Value pageDots = emit.generic(
        {readPage(pageIndex, 0, config.getLatentRowWidth()), qLatent},
        {rowMap, map({3, 1, 2, 4}, 5)}, slice, map({0, 1, 2}, 5),
        {kPar, kPar, kPar, kRed, kRed},
        [](OpBuilder &nb, Location nl, ValueRange in, auto) {
          return multiplyAdd(nb, nl, in[0], in[1], in[2]);
        });
    mark(pageDots, tiles::kScores);
    dots = tensor::InsertSliceOp::create(
        b, loc, pageDots, dots, offsets(p * pageSize, 3), pageScores, ones(3));
    // The page's value rows as bf16 pairs, V'[r, c, j] = V[2 r + j, c],
    // into its rows of the step's V'. The page's keys this call covers are
    // its rows [lo, hi); the others may be unwritten (NaN), so they count
    // as 0, not just their weights (a key hidden from a causal query has
    // weight 0 and a written row).
    Value keyStart = pageStart(pageIndex);
    Value lo = clampIndex(
        emit, arith::SubIOp::create(b, loc, keys.keyBegin, keyStart), pageSize);
    Value hi = clampIndex(emit, arith::SubIOp::create(b, loc, end, keyStart),
                          pageSize);
    Value pairs = emit.generic(
        {readPage(pageIndex, 0, latent), lo, hi}, {pairMap, scalar, scalar},
        tensor::ExtractSliceOp::create(
            b, loc, values, offsets(p * pageSize / 2, 3), pairShape, ones(3)),
        map({0, 1, 2}, 3), {kPar, kPar, kPar},
        [](OpBuilder &nb, Location nl, ValueRange in, auto index) {
          Value two = arith::ConstantIndexOp::create(nb, nl, 2);
          Value t = arith::AddIOp::create(
              nb, nl, arith::MulIOp::create(nb, nl, index(0), two), index(2));
          Value inside = arith::AndIOp::create(
              nb, nl,
              arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sge, t,
                                    in[1]),
              arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt, t,
                                    in[2]));
          Value zero = arith::ConstantOp::create(
              nb, nl, nb.getFloatAttr(in[0].getType(), 0.0));
          return arith::SelectOp::create(nb, nl, inside, in[0], zero)
              .getResult();
        });
    mark(pairs, tiles::kPackValues);
    values = tensor::InsertSliceOp::create(b, loc, pairs, values,
                                           offsets(p * pageSize / 2, 3),
                                           pairShape, ones(3));
  }
  double scale = config.getSoftmaxScale();
  Value scores = emit.map(
      dots, emit.empty(scoreShape, f32),
      [&](OpBuilder &nb, Location nl, ValueRange in, auto index) -> Value {
        Value scaled = arith::MulFOp::create(
            nb, nl, in[0],
            arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(scale)));
        Value negInf =
            arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(-INFINITY));
        return arith::SelectOp::create(
            nb, nl, visible(nb, nl, start, index(1), index(0)), scaled, negInf);
      });

  // loops (t, s, h): the step's keys reduced across the rows of keys.
  Softmax step = softmax(scores, /*keyLoop=*/0, state, rows);
  // P [s, h, t] in bf16, the left operand of P x V: the transposition of
  // [t, s h] into [s h, t], loops (m, t), a plain 2-D one that the CPU
  // vectorizer transposes in 16 x 16 blocks.
  int64_t queryRows =
      *getConstantIntValue(rows[0]) * *getConstantIntValue(rows[1]);
  Value transposed = emit.generic(
      emit.collapseLastTwo(step.probabilities), map({1, 0}, 2),
      emit.empty({b.getIndexAttr(queryRows), b.getIndexAttr(stepKeys)}, bf16),
      map({0, 1}, 2), {kPar, kPar},
      [](OpBuilder &nb, Location nl, ValueRange in, auto) {
        return LinalgEmitter::castScalar(nb, nl, in[0], nb.getBF16Type());
      });
  SmallVector<int64_t> weightShape = {*getConstantIntValue(rows[0]),
                                      *getConstantIntValue(rows[1]), stepKeys};
  Value weights = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(weightShape, bf16), transposed,
      SmallVector<ReassociationIndices>{{0, 1}, {2}});
  // O [s, h, c] += sum_(r, j) P[s, h, 2 r + j] V'[r, c, j]: loops
  // (s, h, c, r, j).
  AffineMap weightMap =
      AffineMap::get(5, 0,
                     {b.getAffineDimExpr(0), b.getAffineDimExpr(1),
                      b.getAffineDimExpr(3) * 2 + b.getAffineDimExpr(4)},
                     b.getContext());
  Value newAcc =
      emit.generic({weights, values}, {weightMap, map({3, 2, 4}, 5)}, step.acc,
                   map({0, 1, 2}, 5), {kPar, kPar, kPar, kRed, kRed},
                   [](OpBuilder &nb, Location nl, ValueRange in, auto) {
                     return multiplyAdd(nb, nl, in[0], in[1], in[2]);
                   });
  mark(newAcc, tiles::kValues);
  return {writeBack(emit, step.max, state[0]),
          writeBack(emit, step.sum, state[1]), newAcc};
}
