//===- DryRun.cpp - mla-tune --dry-run: the GPU variant space, ranked -----===//
//
// For each shape bucket of a model's decode attention step, every kernel
// variant the code generator can print (TuneSpace.h) goes through three
// prunings: its kernel family (does the tiling fit), NVRTC (compiled in
// parallel threads; spills and tilings no CTA of which fits an SM are
// dropped), and the target's model (CostModel.h), which ranks the rest.
// `--dry-run --arch=...` stops there: no GPU is needed, and the report
// says how many variants each stage pruned and why, and the model's time
// of the best.
//
//===----------------------------------------------------------------------===//

#include "TuneRequest.h"
#include "mlagen/KernelCompiler.h"
#include "mlagen/Presets.h"
#include "runtime/tune/CostModel.h"
#include "runtime/tune/TuneSpace.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

using namespace mlagen;

namespace {

/// One fitting candidate's fate after NVRTC and the model.
struct Outcome {
  std::string error;        // the compile failed
  ResourceRecord resources; // of the varied kernel
  Occupancy occupancy;
  Prediction prediction;
  bool compiled = false;
};

/// Compiles every fitting candidate of `spaces` with `threads` threads.
std::vector<std::vector<Outcome>>
compileAll(const std::vector<BucketSpace> &spaces, unsigned threads,
           llvm::StringRef arch, KernelCompiler &compiler) {
  std::vector<std::pair<size_t, size_t>> work;
  std::vector<std::vector<Outcome>> outcomes(spaces.size());
  for (auto [i, space] : llvm::enumerate(spaces)) {
    outcomes[i].resize(space.candidates.size());
    for (auto [j, c] : llvm::enumerate(space.candidates))
      if (!c.pruned)
        work.emplace_back(i, j);
  }
  std::atomic<size_t> next{0};
  auto worker = [&]() {
    for (size_t w = next++; w < work.size(); w = next++) {
      auto [i, j] = work[w];
      const TuneCandidate &c = spaces[i].candidates[j];
      Outcome &o = outcomes[i][j];
      llvm::Expected<CompileResult> result =
          compiler.compile({c.unit.source, arch.str(), {}});
      if (!result) {
        o.error = llvm::toString(result.takeError());
        continue;
      }
      o.compiled = true;
      for (const ResourceRecord &r : result->kernel->resources)
        if (r.kernel == c.kernel)
          o.resources = r;
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back(worker);
  for (std::thread &t : pool)
    t.join();
  return outcomes;
}

/// What the varied kernel of `c` moves and computes at `bucket`.
KernelWork workOf(const TuneCandidate &c, const Bucket &b,
                  const LayerConfig &config, int64_t gridX) {
  double rows = double(b.batch) * b.queryTokens * config.heads;
  double width = config.kvLoraRank + config.qkRopeHeadDim;
  KernelWork work;
  if (c.op == "mla.combine") {
    work.bytes = rows * config.kvLoraRank * (4.0 * c.splits + 2.0);
    return work;
  }
  // Decode attention: each CTA reads its split of its sequence's cache
  // (no L2 reuse across the row tiles), and the MMAs run whole row tiles.
  double keys = double(b.batch) * b.length;
  work.bytes =
      keys * width * 2 * gridX + rows * (width + config.kvLoraRank) * 2;
  work.flops = 2.0 * keys * gridX * c.rowsPerCta * (width + config.kvLoraRank);
  return work;
}

} // namespace

int mlagen::runDryRun(const TuneRequest &r) {
  const GpuTarget *target = gpuTargetFor(r.arch);
  if (!target) {
    llvm::errs() << "mla-tune: --arch must be sm_80, sm_90a or sm_100a, got '"
                 << r.arch << "'\n";
    return 1;
  }
  if (r.storage == StorageType::F32) {
    llvm::errs() << "mla-tune: the CUDA kernels store bf16 or f16, not f32\n";
    return 1;
  }
  const std::string &preset = r.preset, &arch = r.arch;
  const LayerConfig *config = &r.config;
  llvm::outs() << llvm::formatv(
      "mla-tune --dry-run: {0} for {1}, modelled as {2} ({3} SMs, {4:f0} "
      "GB/s, {5:f0} TFLOP/s dense 16-bit)\n",
      preset, arch, target->name, target->sms, target->hbmBytesPerSecond / 1e9,
      target->tensorFlopsPerSecond / 1e12);
  auto start = std::chrono::steady_clock::now();
  std::vector<BucketSpace> spaces;
  for (int64_t q : r.queryTokens)
    for (int64_t b : r.batches)
      for (int64_t l : r.lengths) {
        Bucket bucket{b, l, q, r.pageSize, r.storage};
        llvm::Expected<BucketSpace> space =
            enumerateBucket(*config, bucket, arch, target->sms);
        if (!space) {
          llvm::errs() << "mla-tune: " << describe(bucket) << ": "
                       << llvm::toString(space.takeError()) << "\n";
          return 1;
        }
        spaces.push_back(std::move(*space));
      }
  double generateSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  unsigned threads =
      r.jobs ? r.jobs : std::max(1u, std::thread::hardware_concurrency());
  KernelCompiler compiler(std::nullopt); // each distinct unit once
  start = std::chrono::steady_clock::now();
  std::vector<std::vector<Outcome>> outcomes =
      compileAll(spaces, threads, arch, compiler);
  double compileSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();

  int64_t total = 0, byFamily = 0, failed = 0, spilling = 0, noFit = 0,
          ranked = 0;
  std::map<std::string, int64_t> reasons;
  for (auto [space, bucketOutcomes] : llvm::zip(spaces, outcomes)) {
    llvm::outs() << llvm::formatv("\n{0} ({1} split(s))\n",
                                  describe(space.bucket), space.splits);
    std::map<std::string, std::vector<size_t>> byOp;
    for (auto [j, c] : llvm::enumerate(space.candidates))
      byOp[c.op].push_back(j);
    for (auto &[op, indices] : byOp) {
      std::vector<std::pair<double, size_t>> order;
      int64_t opPruned = 0, opDropped = 0;
      for (size_t j : indices) {
        const TuneCandidate &c = space.candidates[j];
        Outcome &o = bucketOutcomes[j];
        ++total;
        if (c.pruned) {
          ++byFamily, ++opPruned;
          ++reasons[c.family + ": " + *c.pruned];
          continue;
        }
        if (!o.compiled) {
          ++failed, ++opDropped;
          continue;
        }
        if (o.resources.spillStoreBytes || o.resources.spillLoadBytes) {
          ++spilling, ++opDropped;
          continue;
        }
        const KernelLaunch *launch = nullptr;
        for (const KernelLaunch &k : c.unit.kernels)
          if (k.name == c.kernel)
            launch = &k;
        if (!launch) { // the printer named the kernel otherwise: a bug
          ++failed, ++opDropped;
          continue;
        }
        int64_t gridX = launch->grid[0].count;
        int64_t ctas = gridX * c.splits * space.bucket.batch;
        if (op == "mla.combine")
          ctas =
              (space.bucket.batch * space.bucket.queryTokens * config->heads +
               launch->grid[0].perBlock - 1) /
              launch->grid[0].perBlock;
        o.occupancy = occupancyOf(
            *target, launch ? launch->block : 32, o.resources.registers,
            o.resources.sharedBytes +
                (launch ? launch->dynamicSharedBytes : 0));
        if (o.occupancy.ctasPerSm < 1) {
          ++noFit, ++opDropped;
          continue;
        }
        o.prediction = predict(*target, workOf(c, space.bucket, *config, gridX),
                               ctas, o.occupancy);
        order.emplace_back(o.prediction.seconds, j);
        ++ranked;
      }
      llvm::sort(order);
      llvm::outs() << llvm::formatv(
          "  {0}: {1} candidates, {2} pruned by the family, {3} dropped "
          "after NVRTC, {4} ranked\n",
          op, indices.size(), opPruned, opDropped, order.size());
      for (auto [rank, entry] : llvm::enumerate(order)) {
        if (rank >= r.top)
          break;
        const TuneCandidate &c = space.candidates[entry.second];
        const Outcome &o = bucketOutcomes[entry.second];
        llvm::outs() << llvm::formatv(
            "    {0}. {1:f1} us  {2}{3}\n       {4} registers, {5} CTA(s) "
            "per SM ({6}), {7} wave(s) {8:p} busy, {9} bound\n",
            rank + 1, entry.first * 1e6, c.tiling,
            c.isDefault ? "  (the default)" : "", o.resources.registers,
            o.occupancy.ctasPerSm, o.occupancy.limitedBy, o.prediction.waves,
            o.prediction.busy, o.prediction.memoryBound ? "memory" : "compute");
      }
    }
  }
  llvm::outs() << llvm::formatv(
      "\n{0} variants over {1} bucket(s): {2} pruned by the kernel families, "
      "{3} failed to compile, {4} spilled, {5} fit no SM, {6} ranked by the "
      "model\n",
      total, spaces.size(), byFamily, failed, spilling, noFit, ranked);
  if (!reasons.empty()) {
    llvm::outs() << "why the families pruned:\n";
    for (auto &[reason, count] : reasons)
      llvm::outs() << llvm::formatv("  {0} x {1}\n", count, reason);
  }
  llvm::outs() << llvm::formatv(
      "generated in {0:f2} s; NVRTC {1:f2} s with {2} thread(s)\n",
      generateSeconds, compileSeconds, threads);
  return 0;
}
