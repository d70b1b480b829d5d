//===- cpu-decode-bench.cpp - MLA decode on the CPU against its peak ------===//
//
// Runs the MLA decode step at DeepSeek-V2-Lite dims (16 heads, batch 4,
// 4096 cached tokens, bf16 storage) on the CPU path (mla-rewrite, then
// mla-to-cpu), in attention and whole-layer mode, and prints in the same run
// the machine's measured peaks (f32 FMA, bf16 dot product and AMX tiles, on
// one core and on all cores), its memory read bandwidth, and the fraction of
// the fastest bf16 peak and of the bandwidth the step reaches (the attention
// is compute-bound, the whole layer at batch 4 streams its weights). A
// benchmark that prints; it asserts nothing about speed.
//
//===----------------------------------------------------------------------===//

#include "dialect/MlaDialect.h"
#include "dialect/ModelPresets.h"
#include "mlagen/ConfigConversion.h"
#include "mlagen/CpuPeaks.h"
#include "mlagen/CpuRunner.h"
#include "mlagen/Metrics.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>

using namespace mlagen;
using llvm::outs;

namespace {

/// FLOPs and bytes of the step (docs/counting.md): the attention, plus in
/// layer mode the projections' weights.
AttentionWork stepWork(const Problem &p) {
  int64_t keys = 0;
  for (int64_t b = 0; b < p.shape.batch(); ++b)
    keys += p.keysAttended(b);
  auto work = p.shape.mode == RunMode::Attention ? attentionWork : layerWork;
  return work(p.config, p.shape.batch(), p.shape.queryTokens, keys,
              p.shape.storage);
}

struct Peaks {
  double allCoresGflops, readGBs;
};

int runCase(RunMode mode, const LayerConfig &config, const Peaks &peaks) {
  ProblemShape shape;
  shape.mode = mode;
  shape.queryTokens = 1;
  shape.pageSize = 64;
  shape.seqLens = std::vector<int32_t>(4, 4096);
  shape.storage = StorageType::BF16;
  llvm::Expected<Problem> problem = makeRandomProblem(config, shape, 1);
  if (!problem) {
    llvm::errs() << llvm::toString(problem.takeError()) << "\n";
    return 1;
  }
  llvm::Expected<std::unique_ptr<CpuRunner>> runner = CpuRunner::create(
      *problem, /*rewrite=*/true, chooseCpuVariant(*problem, cpuCores()));
  if (!runner) {
    llvm::errs() << llvm::toString(runner.takeError()) << "\n";
    return 1;
  }
  std::vector<double> times;
  for (int i = 0; i < 11; ++i) {
    auto start = std::chrono::steady_clock::now();
    if (llvm::Error e = (*runner)->run()) {
      llvm::errs() << llvm::toString(std::move(e)) << "\n";
      return 1;
    }
    if (i > 0) // the first run warms caches
      times.push_back(std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - start)
                          .count());
  }
  std::sort(times.begin(), times.end());
  double median = times[times.size() / 2], best = times.front();
  AttentionWork work = stepWork(*problem);
  auto gflops = [&](double t) { return work.flops / t * 1e-9; };
  auto gbs = [&](double t) { return work.bytes / t * 1e-9; };
  outs() << llvm::format(
      "%-9s median %8.3f ms: %7.1f GFLOP/s = %5.1f%% of the all-core bf16 "
      "peak, %6.2f GB/s = %5.1f%% of the read bandwidth\n",
      mode == RunMode::Layer ? "layer" : "attention", median * 1e3,
      gflops(median), 100 * gflops(median) / peaks.allCoresGflops, gbs(median),
      100 * gbs(median) / peaks.readGBs);
  outs() << llvm::format(
      "%-9s best   %8.3f ms: %7.1f GFLOP/s = %5.1f%% of the all-core bf16 "
      "peak, %6.2f GB/s = %5.1f%% of the read bandwidth\n",
      "", best * 1e3, gflops(best), 100 * gflops(best) / peaks.allCoresGflops,
      gbs(best), 100 * gbs(best) / peaks.readGBs);
  outs() << llvm::format("%-9s work   %.3f GFLOP, %.2f MB: %.1f FLOP/byte "
                         "(the machine's balance: %.1f)\n",
                         "", work.flops * 1e-9, work.bytes * 1e-6,
                         work.flops / work.bytes,
                         peaks.allCoresGflops / peaks.readGBs);
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  bool peaksOnly = argc == 2 && llvm::StringRef(argv[1]) == "--peaks";
  if (argc > 1 && !peaksOnly) {
    llvm::errs() << "usage: mla-bench-cpu [--peaks]  (--peaks: only the "
                    "machine's measured peaks)\n";
    return 2;
  }
  ComputePeaks peak = measureComputePeaks(/*seconds=*/0.5);
  outs() << llvm::format("FMA peak (%s, f32): %.1f GFLOP/s on one core, "
                         "%.1f GFLOP/s on all %u cores\n",
                         peak.isa.c_str(), peak.fmaOneCoreGflops,
                         peak.fmaAllCoresGflops, peak.cores);
  if (peak.bf16DotAllCoresGflops > 0)
    outs() << llvm::format("bf16 dot peak (avx512bf16): %.1f GFLOP/s on one "
                           "core, %.1f GFLOP/s on all %u cores\n",
                           peak.bf16DotOneCoreGflops,
                           peak.bf16DotAllCoresGflops, peak.cores);
  else
    outs() << "bf16 dot peak: none (no AVX512-BF16 on this CPU)\n";
  if (peak.amxAllCoresGflops > 0)
    outs() << llvm::format("AMX peak (amx-bf16): %.1f GFLOP/s on one core, "
                           "%.1f GFLOP/s on all %u cores\n",
                           peak.amxOneCoreGflops, peak.amxAllCoresGflops,
                           peak.cores);
  else
    outs() << "AMX peak: none (no AMX-BF16 on this CPU, or the OS refused "
              "its state)\n";
  Peaks peaks{peak.allCoresGflops(StorageType::BF16), measureReadBandwidth()};
  outs() << llvm::format("memory read bandwidth: %.1f GB/s on all cores\n",
                         peaks.readGBs);
  if (peaksOnly)
    return 0;
  mlir::MLIRContext context;
  context.loadDialect<mlir::mla::MlaDialect>();
  const mlir::mla::ModelPreset *lite =
      mlir::mla::lookupModelPreset("deepseek-v2-lite");
  LayerConfig config =
      toLayerConfig(mlir::mla::getPresetConfig(&context, *lite));
  outs() << "DeepSeek-V2-Lite decode, H = 16, batch 4, 4096 cached tokens, "
            "bf16, page size 64 (10 runs after a warm-up):\n";
  int status = runCase(RunMode::Attention, config, peaks);
  return status ? status : runCase(RunMode::Layer, config, peaks);
}
