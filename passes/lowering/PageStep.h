//===- PageStep.h - one page of keys in the flash-decoding loop -*- C++ -*-===//
//
// The body of attendSequence's loop over pages: the online-softmax update of
// every query row's (max, sum, accumulator) with the keys of one page, in
// one of two formulations. The vector one (AttentionLowering.cpp) keeps
// scores as [S, H, page_size] and multiplies in f32 vector FMAs; the tile
// one (AmxPageStep.cpp) keeps them as [page_size, S, H] and leaves its two
// matrix products to mla-cpu-amx (AmxTiles.h).
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_PASSES_LOWERING_PAGESTEP_H
#define MLAGEN_PASSES_LOWERING_PAGESTEP_H

#include "passes/lowering/AttentionLowering.h"

namespace mlir::mla {

/// How far a row's running max may lag behind its scores (natural log): its
/// probabilities reach at most e^8 (about 2981), which f32 sums and bf16
/// probabilities hold without loss of relative precision.
inline constexpr double kMaxLagBehindScores = 8.0;

struct PageStep {
  LinalgEmitter &emit;
  ConfigAttr config;
  int64_t pageSize;
  /// Vector: the queries [S, H, latent] and [S, H, rope] in f32; with
  /// pairDots, qLatent is both side by side, [S, H, latent + rope] in bf16,
  /// and qRope is unused (with wholeRows the same in f32). Tiles: qLatent is
  /// the packed query [(latent + rope) / 2, S, H, 2] in bf16 and qRope is
  /// unused.
  Value qLatent, qRope, tokens;
  const SequenceKeys &keys;
  /// Vector: the products over bf16 pairs (passes/PairDots.h).
  bool pairDots = false;
  /// Vector, f32 products: the scores as whole dot products over rows of
  /// 16 lanes (latent and rope side by side), not as lane partials.
  bool wholeRows = false;

  AffineMap map(ArrayRef<unsigned> dims, unsigned numDims) {
    return emit.affineMap(numDims, dims);
  }

  /// The cache rows of the page at `pageIndex` (of the sequence), columns
  /// [column, column + width), read in place: [page_size, width].
  Value readPage(Value pageIndex, int64_t column, int64_t width);
  /// The first key of the page at `pageIndex`.
  Value pageStart(Value pageIndex);
  /// Whether query row `s` sees key `t` of the page starting at `pageStart`:
  /// the key is in this call's range [keyBegin, keyEnd) and visible.
  Value visible(OpBuilder &nb, Location nl, Value pageStart, Value s, Value t);

  /// The vector formulation's update of (max, sum, acc) with one page.
  SmallVector<Value> update(Value pageIndex, ValueRange state,
                            ArrayRef<OpFoldResult> rows);
  /// The tile formulation's update (same state, same results) with the
  /// `pages` consecutive pages from `firstPage` in one step: each page's
  /// scores and value pairs into the step's, one softmax and one P x V
  /// over all their keys.
  SmallVector<Value> updateOnTiles(Value firstPage, int64_t pages,
                                   ValueRange state,
                                   ArrayRef<OpFoldResult> rows);

  /// The page's softmax, common to both formulations: scores [3 dims]
  /// whose keys are loop `keyLoop` and whose query rows are the other two,
  /// in order.
  struct Softmax {
    Value max;           // the running max after the page (settledMax)
    Value probabilities; // exp(score - max), the scores' shape, f32
    Value sum;           // the old sum rescaled plus the page's
    Value acc;           // the old accumulator rescaled, for P x V to add to
  };
  Softmax softmax(Value scores, unsigned keyLoop, ValueRange state,
                  ArrayRef<OpFoldResult> rows);

private:
  /// The max a row's probabilities are taken against after this page:
  /// the page's max (pageMax, the old max included) where it exceeds the
  /// old max by more than kMaxLagBehindScores, else the old max. The
  /// result stays exact (the sum and the accumulator use the same max, and
  /// the LSE adds it back); a probability is at most
  /// exp(kMaxLagBehindScores), and most pages leave every row's max, and
  /// so the accumulator, untouched.
  Value settledMax(Value max, Value pageMax, ArrayRef<OpFoldResult> rows);

  /// The old state brought to the new max: (sum r, acc r) with
  /// r = exp(max - newMax) per query row; the accumulator is scaled only
  /// when some row's max moved.
  std::pair<Value, Value> rescaleState(Value max, Value newMax, Value sum,
                                       Value acc, ArrayRef<OpFoldResult> rows);

  /// Vector: scaled scores [S, H, page_size], -inf where not visible.
  Value scores(Value pageIndex, Value latentKeys, Value ropeKeys,
               Value pageStart, ArrayRef<OpFoldResult> rows);
  /// Vector: the unscaled dot products of the queries with the keys of the
  /// page (its rows [page_size, latent] and [page_size, rope]), `shape`
  /// [S, H, page_size] f32.
  Value dotProducts(Value pageIndex, Value latentKeys, Value ropeKeys,
                    ArrayRef<OpFoldResult> shape);
  /// Vector: acc + P x V over the page, P [S, H, page_size] f32, V the
  /// latent rows [page_size, latent]; with `masked`, rows hidden from a
  /// query row count as 0 for it.
  Value valuesTimes(LinalgEmitter &e, Value probabilities, Value values,
                    Value acc, Value pageStart, bool masked);
};

/// The query packed for the tile scores: q [(latent + rope) / 2, S, H, 2]
/// bf16 with q[r, s, h, j] the (2 r + j)-th element of the row (s, h) of
/// qLatent followed by qRope.
Value packQueryForTiles(LinalgEmitter &emit, ConfigAttr config, Value qLatent,
                        Value qRope);

/// The carried state written back into the loop-carried tensors once the
/// old ones are read, so bufferization keeps one buffer for each across
/// pages.
Value writeBack(LinalgEmitter &emit, Value value, Value carried);

} // namespace mlir::mla

#endif // MLAGEN_PASSES_LOWERING_PAGESTEP_H
