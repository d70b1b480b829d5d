//===- VerifyStep.cpp - a step's result against the reference -------------===//

#include "mlagen/Metrics.h"
#include "mlagen/Problem.h"
#include "mlagen/Reference.h"

using namespace mlagen;

llvm::Expected<bool> mlagen::verifyStep(const Problem &p,
                                        const StepResult &result,
                                        llvm::raw_ostream &log) {
  if (p.shape.mode == RunMode::Attention) {
    llvm::Expected<reference::AttentionResult> expected =
        reference::latentAttention(p.config, p.qLatent, p.qRope,
                                   p.shape.queryTokens, p.cache, p.table,
                                   /*causal=*/true);
    if (!expected)
      return expected.takeError();
    ErrorStats out = compare(result.out, expected->out);
    ErrorStats lse = compare(result.lse, expected->lse);
    printErrorStats(log, "out", out);
    printErrorStats(log, "lse", lse);
    Tolerance tolerance = attentionTolerance(p.shape.storage);
    bool lseOk = lse.nans == 0 && lse.mismatchedInfinities == 0 &&
                 lse.maxAbs <= kLseTolerance * std::max(1.0, lse.maxExpected);
    return withinTolerance(out, tolerance) && lseOk;
  }
  reference::PagedCache cache = p.cache;
  llvm::Expected<std::vector<double>> expected =
      reference::decodeLayer(p.config, p.weights, p.hidden, p.shape.queryTokens,
                             p.shape.storage, cache, p.table);
  if (!expected)
    return expected.takeError();
  ErrorStats out = compare(result.out, *expected);
  std::vector<double> rows(cache.rows.begin(), cache.rows.end());
  ErrorStats appended = compare(result.cache, rows, NanPolicy::UnwrittenRows);
  printErrorStats(log, "out", out);
  printErrorStats(log, "cache", appended);
  // The reference, the CPU and the GPU round each cache row to storage
  // once, from f32 sums in different orders: a value near a rounding
  // boundary may land one ulp apart.
  double rowTolerance = p.shape.storage == StorageType::F32 ? 1e-5 : 0x1p-7;
  return withinTolerance(out, layerTolerance(p.shape.storage)) &&
         appended.nans == 0 && appended.mismatchedInfinities == 0 &&
         appended.maxAbs <= rowTolerance * std::max(1.0, appended.maxExpected);
}
