//===- Report.h - what every mla-run path prints ----------------*- C++ -*-===//
//
// The pieces mla-run's paths (built-in steps, user functions, compile-only)
// share: error exits, timed runs and their summary line, and the error
// statistics of a comparison.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_TOOLS_MLA_RUN_REPORT_H
#define MLAGEN_TOOLS_MLA_RUN_REPORT_H

#include "mlagen/Metrics.h"

#include "llvm/ADT/FunctionExtras.h"
#include "llvm/Support/Error.h"

#include <chrono>
#include <vector>

namespace mlagen {

/// Prints "mla-run: error: ..." and returns the exit status 1.
int fail(llvm::Error error);
int fail(const llvm::Twine &message);

double secondsSince(std::chrono::steady_clock::time_point start);

/// Runs `run` `warmup` times untimed, then `iterations` times timed: the
/// times in seconds, sorted.
llvm::Expected<std::vector<double>>
timeRuns(int64_t warmup, int64_t iterations,
         llvm::function_ref<llvm::Error()> run);

/// "time per <what>: <median> ms (median of N; min, max)"; the median.
double printTimes(llvm::StringRef what, llvm::ArrayRef<double> sorted);

} // namespace mlagen

#endif // MLAGEN_TOOLS_MLA_RUN_REPORT_H
