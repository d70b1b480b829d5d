//===- Report.cpp - what every mla-run path prints ------------------------===//

#include "Report.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace mlagen;
using llvm::outs;

int mlagen::fail(llvm::Error error) {
  return fail(llvm::toString(std::move(error)));
}

int mlagen::fail(const llvm::Twine &message) {
  llvm::errs() << "mla-run: error: " << message << "\n";
  return 1;
}

double mlagen::secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

llvm::Expected<std::vector<double>>
mlagen::timeRuns(int64_t warmup, int64_t iterations,
                 llvm::function_ref<llvm::Error()> run) {
  for (int64_t i = 0; i < warmup; ++i)
    if (llvm::Error e = run())
      return std::move(e);
  std::vector<double> times;
  for (int64_t i = 0; i < iterations; ++i) {
    auto start = std::chrono::steady_clock::now();
    if (llvm::Error e = run())
      return std::move(e);
    times.push_back(secondsSince(start));
  }
  std::sort(times.begin(), times.end());
  return times;
}

double mlagen::printTimes(llvm::StringRef what, llvm::ArrayRef<double> sorted) {
  double median = sorted[sorted.size() / 2];
  outs() << llvm::format("time per %s: %.3f ms (median of %zu; min %.3f, "
                         "max %.3f)\n",
                         what.str().c_str(), median * 1e3, sorted.size(),
                         sorted.front() * 1e3, sorted.back() * 1e3);
  return median;
}
