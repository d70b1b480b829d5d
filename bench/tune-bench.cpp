//===- tune-bench.cpp - what the autotuner costs and what it gains --------===//
//
// On this machine: the wall time of `mla-tune --backend=cpu` for the
// default DeepSeek-V2-Lite decode bucket (attention, batch 4, 4096 cached
// tokens, 1 query token, bf16, pages of 64), then the tuned variant against
// the heuristic's measured side by side (interleaved runs, medians, the
// ratio); and, where NVRTC is built in, the wall time of `mla-tune
// --dry-run` over the sm_90a space of DeepSeek-V3 with 1 and 2 compile
// threads (`--dry-run-batches` and `--dry-run-lengths` choose the buckets).
// A benchmark that prints; it asserts nothing about speed.
//
//===----------------------------------------------------------------------===//

#include "mlagen/CpuRunner.h"
#include "mlagen/Presets.h"
#include "mlagen/TunedChoice.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>

using namespace mlagen;
using llvm::outs;
namespace cl = llvm::cl;

namespace {

cl::opt<int64_t> runs("runs", cl::desc("Interleaved runs of each variant"),
                      cl::init(40));
cl::opt<bool> skipDryRun("skip-dry-run", cl::desc("Skip the dry-run timing"));
cl::opt<std::string> dryRunBatches("dry-run-batches",
                                   cl::desc("--batches of the dry run "
                                            "(default: mla-tune's, 1..128)"));
cl::opt<std::string> dryRunLengths("dry-run-lengths",
                                   cl::desc("--lengths of the dry run "
                                            "(default: mla-tune's, 1k..32k)"));

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

/// Runs `tool` with `args`, its output to `log`; the wall time, or a
/// negative number when it fails.
double timeTool(llvm::StringRef tool, llvm::ArrayRef<std::string> args,
                llvm::StringRef log) {
  llvm::SmallVector<llvm::StringRef> argv = {tool};
  for (const std::string &a : args)
    argv.push_back(a);
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, log, log};
  auto start = std::chrono::steady_clock::now();
  int rc = llvm::sys::ExecuteAndWait(tool, argv, std::nullopt, redirects);
  return rc == 0 ? secondsSince(start) : -1;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// The tuned variant against the heuristic's, alternating one run of each.
int sideBySide(const Problem &p, const CpuChoice &tuned,
               const CpuVariant &heuristic) {
  auto a = CpuRunner::create(p, /*rewrite=*/true, heuristic);
  auto b = CpuRunner::create(p, /*rewrite=*/true, tuned.variant);
  if (llvm::Error e = llvm::joinErrors(a.takeError(), b.takeError())) {
    llvm::errs() << "mla-bench-tune: " << llvm::toString(std::move(e)) << "\n";
    return 1;
  }
  std::vector<double> heuristicTimes, tunedTimes;
  for (int64_t i = 0; i < runs + 2; ++i) {
    for (auto [runner, times] :
         {std::pair{a->get(), &heuristicTimes}, {b->get(), &tunedTimes}}) {
      auto start = std::chrono::steady_clock::now();
      if (llvm::Error e = runner->run()) {
        llvm::errs() << "mla-bench-tune: " << llvm::toString(std::move(e))
                     << "\n";
        return 1;
      }
      if (i >= 2) // the first two of each are warm-up
        times->push_back(secondsSince(start));
    }
  }
  double h = median(heuristicTimes), t = median(tunedTimes);
  outs() << llvm::format("  heuristic %-44s %8.3f ms (median of %lld)\n",
                         heuristic.str().c_str(), h * 1e3, (long long)runs);
  outs() << llvm::format("  tuned     %-44s %8.3f ms (median of %lld)\n",
                         tuned.variant.str().c_str(), t * 1e3, (long long)runs);
  outs() << llvm::format("  heuristic / tuned: %.3fx\n", h / t);
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  cl::ParseCommandLineOptions(argc, argv, "mla-bench-tune\n");
  std::string self = llvm::sys::fs::getMainExecutable(
      argv[0], reinterpret_cast<void *>(&main));
  llvm::SmallString<128> tune(llvm::sys::path::parent_path(self));
  llvm::sys::path::append(tune, "mla-tune");
  llvm::SmallString<128> dir;
  if (llvm::sys::fs::createUniqueDirectory("mla-bench-tune", dir)) {
    llvm::errs() << "mla-bench-tune: cannot create a directory\n";
    return 1;
  }
  std::string db = (dir + "/tune.json").str(), log = (dir + "/log.txt").str();

  outs() << "mla-tune --backend=cpu, DeepSeek-V2-Lite decode attention, "
            "batch 4, 4096 keys, 1 query token, bf16, page 64\n";
  double wall =
      timeTool(tune,
               {"--backend=cpu", "--preset=deepseek-v2-lite", "--batches=4",
                "--lengths=4096", "--query-tokens=1", "--db=" + db},
               log);
  if (wall < 0) {
    llvm::errs() << "mla-bench-tune: mla-tune failed; its output is in " << log
                 << "\n";
    return 1;
  }
  outs() << llvm::format("  tune wall time: %.2f s\n", wall);

  llvm::Expected<LayerConfig> config = presetLayerConfig("deepseek-v2-lite");
  ProblemShape shape;
  shape.seqLens.assign(4, 4096);
  llvm::Expected<Problem> p =
      config ? makeRandomProblem(*config, shape, /*seed=*/1)
             : llvm::Expected<Problem>(config.takeError());
  if (!p) {
    llvm::errs() << "mla-bench-tune: " << llvm::toString(p.takeError()) << "\n";
    return 1;
  }
  TuneDatabase tuned = TuneDatabase::load(db);
  CpuChoice choice = chooseCpuStepVariant(*p, tuned, thisCpu());
  outs() << "  chosen: " << choice.source.substr(0, 60) << "...\n";
  if (int rc = sideBySide(*p, choice, chooseCpuVariant(*p, cpuCores())))
    return rc;

  if (skipDryRun)
    return 0;
  for (unsigned jobs : {1u, 2u}) {
    std::vector<std::string> args = {"--dry-run", "--arch=sm_90a",
                                     "--preset=deepseek-v3",
                                     "--jobs=" + std::to_string(jobs)};
    if (!dryRunBatches.empty())
      args.push_back("--batches=" + dryRunBatches);
    if (!dryRunLengths.empty())
      args.push_back("--lengths=" + dryRunLengths);
    double seconds = timeTool(tune, args, log);
    if (seconds < 0) {
      outs() << "mla-tune --dry-run failed or is not built (no NVRTC); see "
             << log << "\n";
      return 0;
    }
    auto text = llvm::MemoryBuffer::getFile(log);
    llvm::StringRef summary;
    llvm::SmallVector<llvm::StringRef> lines;
    if (text)
      (*text)->getBuffer().split(lines, '\n');
    for (llvm::StringRef line : lines)
      if (line.contains("variants over"))
        summary = line;
    outs() << llvm::format("mla-tune --dry-run --arch=sm_90a (DeepSeek-V3), "
                           "%u compile thread(s): %.1f s\n  %s\n",
                           jobs, seconds, summary.str().c_str());
  }
  llvm::sys::fs::remove_directories(dir);
  return 0;
}
