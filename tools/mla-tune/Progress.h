//===- Progress.h - mla-tune's progress bar ---------------------*- C++ -*-===//
//
// On a terminal, one line redrawn in place: buckets and candidates done,
// the current bucket and candidate, the time elapsed and an estimate of the
// time left. Elsewhere (a log, a pipe), one plain line per candidate.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_TOOLS_MLA_TUNE_PROGRESS_H
#define MLAGEN_TOOLS_MLA_TUNE_PROGRESS_H

#include <chrono>
#include <cstdint>
#include <string>

namespace mlagen {

class Progress {
public:
  explicit Progress(int64_t buckets);
  void beginBucket(const std::string &name);
  /// The candidates the current bucket will try at most.
  void expect(int64_t candidates);
  void start(const std::string &candidate);
  void finish(const std::string &result);
  /// The current bucket tried fewer candidates than expected.
  void skipRest();
  void done();

private:
  void draw(const std::string &result);
  double secondsLeft() const;

  bool terminal;
  int64_t buckets, bucket = 0;
  int64_t expected = 0, tried = 0, triedBefore = 0;
  std::string bucketName, candidate;
  std::chrono::steady_clock::time_point begin;
};

} // namespace mlagen

#endif // MLAGEN_TOOLS_MLA_TUNE_PROGRESS_H
