//===- AttentionLowering.cpp - latent attention as linalg over pages ------===//

#include "passes/lowering/AttentionLowering.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "passes/AmxTiles.h"
#include "passes/PairDots.h"
#include "passes/lowering/PageStep.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mla;

using IteratorType = utils::IteratorType;

namespace {

constexpr IteratorType kPar = IteratorType::parallel;
constexpr IteratorType kRed = IteratorType::reduction;

/// The widest of 16, 8, 4, 2 and 1 lanes that divides both dot-product
/// widths.
int64_t laneCount(ConfigAttr config) {
  int64_t lanes = 16;
  while (config.getKvLoraRank() % lanes || config.getQkRopeHeadDim() % lanes)
    lanes /= 2;
  return lanes;
}

} // namespace

Value PageStep::readPage(Value pageIndex, int64_t column, int64_t width) {
  OpBuilder &b = emit.builder();
  Location loc = emit.location();
  Value entry = tensor::ExtractOp::create(b, loc, keys.blockTable,
                                          ValueRange{keys.sequence, pageIndex});
  Value page = arith::IndexCastOp::create(b, loc, b.getIndexType(), entry);
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get({pageSize, width}, config.getStorageType()),
      keys.cache,
      ArrayRef<OpFoldResult>{page, b.getIndexAttr(0), b.getIndexAttr(column)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(pageSize),
                             b.getIndexAttr(width)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                             b.getIndexAttr(1)});
}

Value PageStep::pageStart(Value pageIndex) {
  return arith::MulIOp::create(emit.builder(), emit.location(), pageIndex,
                               emit.index(pageSize));
}

Value PageStep::dotProducts(Value pageIndex, Value latentKeys, Value ropeKeys,
                            ArrayRef<OpFoldResult> shape) {
  OpBuilder &b = emit.builder();
  Type f32 = b.getF32Type();
  if (pairDots) {
    // Whole dot products over the cache rows, latent and rope together, in
    // pairs of adjacent elements: the query and the rows viewed as
    // [..., width / 32, 16, 2], loops (s, h, t, c_outer, lane, pair). The
    // vectorizer keeps 16 lanes of partial sums per score in registers.
    Value rows = readPage(pageIndex, 0,
                          config.getKvLoraRank() + config.getQkRopeHeadDim());
    auto pairView = [&](Value x) {
      return emit.splitLanes(emit.splitLanes(x, pairs::kDepth), pairs::kPair);
    };
    return emit.contract(pairView(qLatent), map({0, 1, 3, 4, 5}, 6),
                         pairView(rows), map({2, 3, 4, 5}, 6),
                         emit.filled(shape, f32, 0.0), map({0, 1, 2}, 6),
                         {kPar, kPar, kPar, kRed, kRed, kRed});
  }
  int64_t lanes = laneCount(config);
  if (wholeRows) {
    // Whole dot products over the cache rows, latent and rope together,
    // the query and the rows viewed as [..., width / 16, 16], loops (s, h,
    // t, c_outer, lane): the vectorizer keeps 16 lanes of partial sums per
    // score in registers and sums them across at the end.
    Value rows = readPage(pageIndex, 0,
                          config.getKvLoraRank() + config.getQkRopeHeadDim());
    return emit.contract(emit.splitLanes(qLatent, lanes), map({0, 1, 3, 4}, 5),
                         emit.splitLanes(rows, lanes), map({2, 3, 4}, 5),
                         emit.filled(shape, f32, 0.0), map({0, 1, 2}, 5),
                         {kPar, kPar, kPar, kRed, kRed});
  }
  // The dot products over the latent and rope widths accumulate in `lanes`
  // independent partial sums per score, lanes innermost: a loop over
  // contiguous, independent elements that LLVM turns into vector FMAs.
  // loops (s, h, t, c_outer, lane). The lanes are added at the end.
  SmallVector<OpFoldResult> laneShape(shape);
  laneShape.push_back(b.getIndexAttr(lanes));
  Value partial = emit.filled(laneShape, f32, 0.0);
  for (auto [query, keys] : {std::pair{qLatent, latentKeys}, {qRope, ropeKeys}})
    partial =
        emit.contract(emit.splitLanes(query, lanes), map({0, 1, 3, 4}, 5),
                      emit.splitLanes(keys, lanes), map({2, 3, 4}, 5), partial,
                      map({0, 1, 2, 4}, 5), {kPar, kPar, kPar, kRed, kPar});
  return emit.generic(
      partial, map({0, 1, 2, 3}, 4), emit.filled(shape, f32, 0.0),
      map({0, 1, 2}, 4), {kPar, kPar, kPar, kRed},
      [](OpBuilder &nb, Location nl, ValueRange in, auto) -> Value {
        return arith::AddFOp::create(nb, nl, in[0], in[1]);
      });
}

/// Scaled scores [S, H, page_size]; keys outside the range or not yet
/// visible to a causal query are -inf.
Value PageStep::scores(Value pageIndex, Value latentKeys, Value ropeKeys,
                       Value pageStart, ArrayRef<OpFoldResult> rows) {
  OpBuilder &b = emit.builder();
  Type f32 = b.getF32Type();
  SmallVector<OpFoldResult> shape(rows);
  shape.push_back(b.getIndexAttr(pageSize));
  Value dots = dotProducts(pageIndex, latentKeys, ropeKeys, shape);
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

Value PageStep::visible(OpBuilder &nb, Location nl, Value pageStart, Value s,
                        Value t) {
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

Value PageStep::valuesTimes(LinalgEmitter &e, Value probabilities, Value values,
                            Value acc, Value pageStart, bool masked) {
  if (pairDots && !masked) {
    // loops (s, h, t_outer, c, pair): the probabilities in bf16 pairs of
    // adjacent keys, against the two rows of those keys, which the
    // vectorizer reads as two rows and interleaves.
    Value pairsOfP = e.splitLanes(
        e.convert(probabilities, e.builder().getBF16Type()), pairs::kPair);
    return e.contract(pairsOfP, map({0, 1, 2, 4}, 5),
                      e.splitDim(values, 0, pairs::kPair), map({2, 4, 3}, 5),
                      acc, map({0, 1, 3}, 5), {kPar, kPar, kRed, kPar, kRed});
  }
  auto seen = [&](OpBuilder &nb, Location nl, auto index) {
    return visible(nb, nl, pageStart, index(0), index(2));
  };
  // loops (s, h, t, c): the latent dimension innermost, so each key row is
  // read contiguously into a contiguous accumulator row (vector FMAs).
  return e.contract(probabilities, map({0, 1, 2}, 4), values, map({2, 3}, 4),
                    acc, map({0, 1, 3}, 4), {kPar, kPar, kRed, kPar},
                    masked ? LinalgEmitter::TermMaskFn(seen) : nullptr);
}

SmallVector<Value> PageStep::update(Value pageIndex, ValueRange state,
                                    ArrayRef<OpFoldResult> rows) {
  int64_t dc = config.getKvLoraRank();
  Value latentKeys = readPage(pageIndex, 0, dc);
  Value ropeKeys = readPage(pageIndex, dc, config.getQkRopeHeadDim());
  Value pageStart = this->pageStart(pageIndex);
  Value s = scores(pageIndex, latentKeys, ropeKeys, pageStart, rows);

  // loops (s, h, t)
  Softmax page = softmax(s, /*keyLoop=*/2, state, rows);
  // P x V. A hidden key's row is zeroed, not just its weight: an unwritten
  // cache row may hold NaN, and 0 x NaN is NaN. Only a page with a key
  // hidden from some query row (at most the first and last pages of the
  // range) pays for that select in its innermost loop: a vector of masks
  // per FMA, which CPUs without mask registers (AVX2) build lane by lane.
  // The other pages take the unmasked product (on pair dots, if chosen).
  OpBuilder &b = emit.builder();
  Location loc = emit.location();
  // Every key of the page is in range and seen by the first query row (so
  // by all: the later rows see more).
  Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge,
                                        pageStart, keys.keyBegin);
  Value allSeen = arith::AndIOp::create(
      b, loc, inRange,
      visible(b, loc, pageStart, emit.index(0), emit.index(pageSize - 1)));
  auto split = scf::IfOp::create(
      b, loc, allSeen,
      [&](OpBuilder &tb, Location tl) {
        LinalgEmitter inner(tb, tl);
        scf::YieldOp::create(tb, tl,
                             valuesTimes(inner, page.probabilities, latentKeys,
                                         page.acc, pageStart, false));
      },
      [&](OpBuilder &eb, Location el) {
        LinalgEmitter inner(eb, el);
        scf::YieldOp::create(eb, el,
                             valuesTimes(inner, page.probabilities, latentKeys,
                                         page.acc, pageStart, true));
      });
  Value newAcc = split.getResult(0);
  return {writeBack(emit, page.max, state[0]),
          writeBack(emit, page.sum, state[1]), newAcc};
}

PageStep::Softmax PageStep::softmax(Value scores, unsigned keyLoop,
                                    ValueRange state,
                                    ArrayRef<OpFoldResult> rows) {
  Value max = state[0], sum = state[1], acc = state[2];
  SmallVector<unsigned> rowLoops;
  SmallVector<IteratorType> overKeys(3, kPar);
  overKeys[keyLoop] = kRed;
  for (unsigned d = 0; d < 3; ++d)
    if (d != keyLoop)
      rowLoops.push_back(d);
  AffineMap all = map({0, 1, 2}, 3), perRow = map(rowLoops, 3);
  Value pageMax = emit.generic(
      scores, all, max, perRow, overKeys,
      [](OpBuilder &nb, Location nl, ValueRange in, auto) -> Value {
        return arith::MaximumFOp::create(nb, nl, in[0], in[1]);
      });
  Value newMax = settledMax(max, pageMax, rows);
  Value probabilities = emit.generic(
      {scores, newMax}, {all, perRow},
      emit.empty(emit.sizes(scores), emit.builder().getF32Type()), all,
      {kPar, kPar, kPar}, [](OpBuilder &nb, Location nl, ValueRange in, auto) {
        return expRelativeTo(nb, nl, in[0], in[1]);
      });
  auto [scaledSum, scaledAcc] = rescaleState(max, newMax, sum, acc, rows);
  Value newSum = emit.generic(
      probabilities, all, scaledSum, perRow, overKeys,
      [](OpBuilder &nb, Location nl, ValueRange in, auto) -> Value {
        return arith::AddFOp::create(nb, nl, in[0], in[1]);
      });
  return {newMax, probabilities, newSum, scaledAcc};
}

Value PageStep::settledMax(Value max, Value pageMax,
                           ArrayRef<OpFoldResult> rows) {
  Type f32 = emit.builder().getF32Type();
  auto settle = [](OpBuilder &nb, Location nl, ValueRange in, auto) -> Value {
    Value limit = arith::AddFOp::create(
        nb, nl, in[0],
        arith::ConstantOp::create(nb, nl,
                                  nb.getF32FloatAttr(kMaxLagBehindScores)));
    // Unordered: a NaN score (a NaN key the row sees) becomes the max and
    // so poisons the row, as it must.
    Value moved =
        arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::UGT, in[1], limit);
    return arith::SelectOp::create(nb, nl, moved, in[1], in[0]);
  };
  return emit.map({max, pageMax}, emit.empty(rows, f32), settle);
}

std::pair<Value, Value> PageStep::rescaleState(Value max, Value newMax,
                                               Value sum, Value acc,
                                               ArrayRef<OpFoldResult> rows) {
  OpBuilder &b = emit.builder();
  Location loc = emit.location();
  Type f32 = b.getF32Type();
  Value rescale = emit.map({max, newMax}, emit.empty(rows, f32),
                           [](OpBuilder &nb, Location nl, ValueRange in, auto) {
                             return expRelativeTo(nb, nl, in[0], in[1]);
                           });
  Value scaledSum =
      emit.map({sum, rescale}, emit.empty(rows, f32),
               [](OpBuilder &nb, Location nl, ValueRange in, auto) -> Value {
                 return arith::MulFOp::create(nb, nl, in[0], in[1]);
               });
  // The accumulator, [S, H, latent], is scaled only when some row's max
  // moved (settledMax keeps most pages from moving it). loops (s, h)
  Value none =
      linalg::FillOp::create(
          b, loc, arith::ConstantIntOp::create(b, loc, 0, 1).getResult(),
          emit.empty({}, b.getI1Type()))
          .getResult(0);
  Value anyMoved = emit.generic(
      {max, newMax}, {map({0, 1}, 2), map({0, 1}, 2)}, none,
      AffineMap::get(2, 0, b.getContext()), {kRed, kRed},
      [](OpBuilder &nb, Location nl, ValueRange in, auto) -> Value {
        Value moved = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::UNE,
                                            in[0], in[1]);
        return arith::OrIOp::create(nb, nl, in[2], moved);
      });
  Value moved = tensor::ExtractOp::create(b, loc, anyMoved, ValueRange{});
  auto scaled = scf::IfOp::create(
      b, loc, moved,
      [&](OpBuilder &tb, Location tl) {
        LinalgEmitter inner(tb, tl);
        // loops (s, h, c)
        Value scaledAcc = inner.generic(
            rescale, map({0, 1}, 3), acc, map({0, 1, 2}, 3), {kPar, kPar, kPar},
            [](OpBuilder &nb, Location nl, ValueRange in, auto) -> Value {
              return arith::MulFOp::create(nb, nl, in[1], in[0]);
            });
        scf::YieldOp::create(tb, tl, scaledAcc);
      },
      [&](OpBuilder &eb, Location el) { scf::YieldOp::create(eb, el, acc); });
  return {scaledSum, scaled.getResult(0)};
}

Value mlir::mla::writeBack(LinalgEmitter &emit, Value value, Value carried) {
  return linalg::CopyOp::create(emit.builder(), emit.location(), value, carried)
      .getResult(0);
}

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

/// [..., a] and [..., b] side by side, [..., a + b], converted to `type`.
/// Each part is written into its slice of the result.
static Value concatRows(LinalgEmitter &emit, Value left, Value right,
                        Type type) {
  OpBuilder &b = emit.builder();
  Location loc = emit.location();
  SmallVector<OpFoldResult> sizes = emit.sizes(left);
  int64_t leftWidth = cast<RankedTensorType>(left.getType()).getShape().back();
  int64_t rightWidth =
      cast<RankedTensorType>(right.getType()).getShape().back();
  sizes.back() = b.getIndexAttr(leftWidth + rightWidth);
  Value joined = emit.empty(sizes, type);
  SmallVector<OpFoldResult> offsets(sizes.size(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
  for (auto [part, column] :
       {std::pair{left, int64_t(0)}, std::pair{right, leftWidth}}) {
    SmallVector<OpFoldResult> partSizes = emit.sizes(part);
    offsets.back() = b.getIndexAttr(column);
    Value slice = tensor::ExtractSliceOp::create(b, loc, joined, offsets,
                                                 partSizes, strides);
    // A copy, not an identity generic (which would fold to its input and
    // leave a strided buffer copy).
    Value written =
        getElementTypeOrSelf(part) == type
            ? writeBack(emit, part, slice)
            : emit.map(part, slice,
                       [&](OpBuilder &nb, Location nl, ValueRange in, auto) {
                         return LinalgEmitter::castScalar(nb, nl, in[0], type);
                       });
    joined = tensor::InsertSliceOp::create(b, loc, written, joined, offsets,
                                           partSizes, strides);
  }
  return joined;
}

SequenceAttention mlir::mla::attendSequence(LinalgEmitter &emit,
                                            ConfigAttr config, int64_t pageSize,
                                            Value qLatent, Value qRope,
                                            const SequenceKeys &keys,
                                            PageStepProducts products) {
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
  // The tiles need every shape static: S is the one that may not be.
  bool onTiles = products.amxTiles && tiles::pageStepFits(config, pageSize) &&
                 cast<RankedTensorType>(qLatent.getType()).hasStaticShape();
  bool pairDots =
      !onTiles && products.bf16Dot && pairs::pageStepFits(config, pageSize);
  bool wholeRows = !onTiles && !pairDots && laneCount(config) == pairs::kLanes;
  // The queries are read once per key: extend them to f32 (round them to
  // bf16 side by side for the pair dots, pack them for the tiles) once, up
  // front.
  Value queries, qRopeVector;
  if (onTiles)
    queries = packQueryForTiles(emit, config, qLatent, qRope);
  else if (pairDots)
    queries = concatRows(emit, qLatent, qRope, b.getBF16Type());
  else if (wholeRows)
    queries = concatRows(emit, qLatent, qRope, f32);
  else {
    queries = emit.convert(qLatent, f32);
    qRopeVector = emit.convert(qRope, f32);
  }
  Value size = emit.index(pageSize);
  Value firstPage = arith::DivUIOp::create(b, loc, keys.keyBegin, size);
  Value endPage = arith::CeilDivUIOp::create(b, loc, keys.keyEnd, size);
  // Pages [from, to) in steps of `pages`, the state carried.
  auto pageLoop = [&](Value from, Value to, int64_t pages,
                      ValueRange state) -> SmallVector<Value> {
    return scf::ForOp::create(
               b, loc, from, to, emit.index(pages), state,
               [&](OpBuilder &lb, Location ll, Value page, ValueRange carried) {
                 LinalgEmitter bodyEmit(lb, ll);
                 PageStep step{bodyEmit, config,      pageSize,
                               queries,  qRopeVector, tokens,
                               keys,     pairDots,    wholeRows};
                 scf::YieldOp::create(
                     lb, ll,
                     onTiles ? step.updateOnTiles(page, pages, carried, rows)
                             : step.update(page, carried, rows));
               })
        ->getResults();
  };
  // On tiles, short pages go several to a step, the pages left over one at
  // a time.
  int64_t stepPages =
      onTiles ? std::max<int64_t>(1, tiles::kStepKeys / pageSize) : 1;
  ValueRange state = initial;
  Value tailStart = firstPage;
  SmallVector<Value> stepped;
  if (stepPages > 1) {
    Value pages = arith::MaxSIOp::create(
        b, loc, arith::SubIOp::create(b, loc, endPage, firstPage),
        emit.index(0));
    Value whole = arith::MulIOp::create(
        b, loc, arith::DivSIOp::create(b, loc, pages, emit.index(stepPages)),
        emit.index(stepPages));
    tailStart = arith::AddIOp::create(b, loc, firstPage, whole);
    stepped = pageLoop(firstPage, tailStart, stepPages, state);
    state = stepped;
  }
  SmallVector<Value> last = pageLoop(tailStart, endPage, 1, state);
  Value max = last[0], sum = last[1], acc = last[2];

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
