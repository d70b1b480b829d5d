//===- Metrics.h - how results and speed are judged -------------*- C++ -*-===//

#ifndef MLAGEN_METRICS_H
#define MLAGEN_METRICS_H

#include "mlagen/LayerConfig.h"
#include "mlagen/StorageType.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/raw_ostream.h"
#include <string>
#include <vector>

namespace mlagen {

/// How far `actual` is from `expected`: the largest absolute error, the
/// largest error relative to |expected| (over elements with |expected| >
/// 1e-6), and the cosine similarity. Infinities must match exactly
/// (`mismatchedInfinities` counts those that do not). A NaN is never
/// agreement: one in `actual`, or in `expected` (the reference read
/// something no one wrote), counts in `nans`, except where
/// NanPolicy::UnwrittenRows lets both sides hold NaN at the same index (a
/// cache compared whole: rows no one wrote stay NaN on both). The first
/// element counted is kept, to say where.
struct ErrorStats {
  double maxAbs = 0, maxRel = 0, cosine = 1, maxExpected = 0;
  int64_t nans = 0, mismatchedInfinities = 0;
  int64_t firstBad = -1; // the index of the first NaN or mismatched infinity
  double firstBadActual = 0, firstBadExpected = 0;
};
enum class NanPolicy { Fail, UnwrittenRows };
ErrorStats compare(llvm::ArrayRef<float> actual,
                   llvm::ArrayRef<double> expected,
                   NanPolicy policy = NanPolicy::Fail);

/// The accepted error of an output in `storage`, relative to the largest
/// |expected| value, and the least cosine similarity.
struct Tolerance {
  double relativeToMax, minCosine;
};
Tolerance attentionTolerance(StorageType storage);
Tolerance layerTolerance(StorageType storage);
/// LSE is always f32: 1e-4 of max(1, |lse|).
constexpr double kLseTolerance = 1e-4;

bool withinTolerance(const ErrorStats &stats, Tolerance tolerance);

/// "  <what> max abs err ... cosine ... (max |ref| ...)" on `os`.
void printErrorStats(llvm::raw_ostream &os, llvm::StringRef what,
                     const ErrorStats &stats);

/// Work of a decode call as peers count it (docs/counting.md), for the
/// attention part: FLOPs = 2 s_q SL H (d_c + d_r + d_c); bytes = (SL (d_c +
/// d_r) + b s_q H (d_c + d_r) + b s_q H d_c) * element size.
struct AttentionWork {
  double flops, bytes;
};
AttentionWork attentionWork(const LayerConfig &config, int64_t batch,
                            int64_t queryTokens, int64_t keysTotal,
                            StorageType storage);
/// A whole layer's decode step: the attention's work plus, for its
/// projections, 2 FLOPs per weight element per token and every weight
/// element read once (docs/counting.md).
AttentionWork layerWork(const LayerConfig &config, int64_t batch,
                        int64_t queryTokens, int64_t keysTotal,
                        StorageType storage);

/// Prints KV-cache bytes per token per layer and for the whole model
/// (`layers` layers, `batch` sequences of `context` tokens) for MHA, GQA
/// with `groups` groups, MQA and MLA.
void printCacheReport(llvm::raw_ostream &os, const LayerConfig &config,
                      StorageType storage, int64_t layers, int64_t context,
                      int64_t batch, int64_t groups);

} // namespace mlagen

#endif // MLAGEN_METRICS_H
