//===- Progress.cpp - mla-tune's progress bar -----------------------------===//

#include "Progress.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <unistd.h>

using namespace mlagen;

Progress::Progress(int64_t buckets)
    : terminal(::isatty(STDOUT_FILENO)), buckets(buckets),
      begin(std::chrono::steady_clock::now()) {}

void Progress::beginBucket(const std::string &name) {
  ++bucket;
  bucketName = name;
  triedBefore += tried;
  tried = 0;
  expected = 0;
}

void Progress::expect(int64_t candidates) { expected = candidates; }

void Progress::start(const std::string &name) {
  candidate = name;
  if (terminal)
    draw("");
}

void Progress::finish(const std::string &result) {
  ++tried;
  draw(result);
}

void Progress::skipRest() { expected = tried; }

void Progress::done() {
  if (terminal)
    llvm::outs() << "\n";
  llvm::outs().flush();
}

double Progress::secondsLeft() const {
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
          .count();
  int64_t finished = triedBefore + tried;
  if (finished == 0)
    return 0;
  // The buckets still to come are assumed to try as many candidates as
  // this one expects.
  double left = double(expected - tried) + double(buckets - bucket) * expected;
  return elapsed / finished * std::max(0.0, left);
}

void Progress::draw(const std::string &result) {
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
          .count();
  std::string line = llvm::formatv(
      "[bucket {0}/{1}, candidate {2}/{3}, {4:f0} s, ~{5:f0} s left] {6}: {7}",
      bucket, buckets, tried + (result.empty() ? 1 : 0), expected, elapsed,
      secondsLeft(), bucketName, candidate);
  if (!result.empty())
    line += " -> " + result;
  if (terminal) {
    // Redraw in place, clearing what a longer line left.
    llvm::outs() << "\r\033[K" << line.substr(0, 160);
    llvm::outs().flush();
  } else {
    llvm::outs() << line << "\n";
  }
}
