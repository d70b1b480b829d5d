//===- TuneRequest.h - what mla-tune was asked to tune ----------*- C++ -*-===//

#ifndef MLAGEN_TOOLS_MLA_TUNE_TUNEREQUEST_H
#define MLAGEN_TOOLS_MLA_TUNE_TUNEREQUEST_H

#include "mlagen/LayerConfig.h"
#include "mlagen/Problem.h"
#include "mlagen/StorageType.h"

#include <string>
#include <vector>

namespace mlagen {

/// mla-tune's checked command line.
struct TuneRequest {
  std::string preset, arch;
  LayerConfig config;
  StorageType storage = StorageType::BF16;
  RunMode mode = RunMode::Attention;
  int64_t pageSize = 64;
  std::vector<int64_t> batches, lengths, queryTokens; // the buckets
  unsigned jobs = 0, top = 3;
  int64_t warmup = 2, runs = 10;
  std::string database; // the tuning file
  std::string plot;     // --plot's SVG file, or empty
};

/// --dry-run: every variant of each bucket for `request.arch`, pruned,
/// compiled and ranked by the target's model. Returns the exit code.
int runDryRun(const TuneRequest &request);

/// --backend=cpu: times the CPU variants of each bucket on this machine
/// and stores each bucket's winner. Returns the exit code.
int runCpuTune(const TuneRequest &request);

} // namespace mlagen

#endif // MLAGEN_TOOLS_MLA_TUNE_TUNEREQUEST_H
