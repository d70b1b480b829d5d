//===- CpuTune.cpp - mla-tune --backend=cpu -------------------------------===//
//
// For each bucket, a coordinate search from the heuristic's variant: each
// of the CPU back end's choices in turn (KV splits; how the work is spread,
// as batch chunks x threads; accumulator registers; registers along the
// innermost loop) over all its values, the others held at the best so far.
// Every candidate is compiled, must first match the reference on a small
// step of the same config and bucket shape (else it is recorded as failed
// and never wins), then is timed: warm-up runs, then the median and spread
// of timed runs. The heuristic's variant is timed in the same run, so an
// entry is never slower than what the JIT would pick without it. Each
// bucket's winner is merged into the tuning file as soon as it is known.
//
//===----------------------------------------------------------------------===//

#include "Progress.h"
#include "TunePlot.h"
#include "TuneRequest.h"
#include "mlagen/CpuPeaks.h"
#include "mlagen/CpuRunner.h"
#include "mlagen/Metrics.h"
#include "mlagen/TunedChoice.h"
#include "passes/Passes.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <set>

using namespace mlagen;

namespace {

/// A candidate's outcome.
struct Trial {
  CpuVariant variant;
  std::string failure; // why it may not win
  double median = 0, spread = 0;
};

/// The bucket's step, or the small step that gates a candidate: the same
/// config, mode, storage, page size, batch and query tokens, with short
/// sequences of distinct lengths.
llvm::Expected<Problem> bucketProblem(const TuneRequest &r, int64_t batch,
                                      int64_t length, int64_t tokens,
                                      bool gate) {
  ProblemShape shape;
  shape.mode = r.mode;
  shape.queryTokens = tokens;
  shape.pageSize = r.pageSize;
  shape.storage = r.storage;
  for (int64_t b = 0; b < batch; ++b)
    shape.seqLens.push_back(
        gate ? int32_t(std::min<int64_t>(length, 97 + 61 * (b % 5)))
             : int32_t(length));
  return makeRandomProblem(r.config, shape, /*seed=*/batch * 7919 + length);
}

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

/// Compiles `variant` for the gate and checks it, then for the bucket and
/// times it.
Trial measure(const TuneRequest &r, const CpuVariant &variant,
              const Problem &gate, const Problem &bucket) {
  Trial trial{variant, "", 0, 0};
  llvm::Expected<std::unique_ptr<CpuRunner>> small =
      CpuRunner::create(gate, /*rewrite=*/true, variant);
  if (!small) {
    trial.failure = llvm::toString(small.takeError());
    return trial;
  }
  std::string log;
  llvm::raw_string_ostream os(log);
  llvm::Error ran = (*small)->run();
  llvm::Expected<bool> agrees = ran ? llvm::Expected<bool>(std::move(ran))
                                    : verifyStep(gate, (*small)->result(), os);
  if (!agrees || !*agrees) {
    trial.failure = agrees ? "does not match the reference:\n" + log
                           : llvm::toString(agrees.takeError());
    return trial;
  }
  llvm::Expected<std::unique_ptr<CpuRunner>> runner =
      CpuRunner::create(bucket, /*rewrite=*/true, variant);
  if (!runner) {
    trial.failure = llvm::toString(runner.takeError());
    return trial;
  }
  std::vector<double> times;
  for (int64_t i = 0; i < r.warmup + r.runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    if (llvm::Error e = (*runner)->run()) {
      trial.failure = llvm::toString(std::move(e));
      return trial;
    }
    if (i >= r.warmup)
      times.push_back(seconds(std::chrono::steady_clock::now() - start));
  }
  std::sort(times.begin(), times.end());
  trial.median = times[times.size() / 2];
  trial.spread = times.back() - times.front();
  return trial;
}

/// The values each choice is searched over, for a bucket.
struct Axes {
  std::vector<int64_t> splits;
  std::vector<std::pair<int64_t, int64_t>> spreads; // chunks, threads
  std::vector<int64_t> accumulators{4, 8, 16, 32};
  std::vector<int64_t> inner{1, 2, 4, 8};
  /// Vector FMAs, and AMX tiles where the host and the problem have them.
  std::vector<int64_t> amx{0};
  /// f32 FMAs, and bf16 dot products where the host and the problem have
  /// them.
  std::vector<int64_t> dot{0};
};

Axes axesFor(const Problem &p, int64_t cores) {
  Axes axes;
  // The heuristic's bound: one split per kMinKeysPerSplit attended keys.
  int64_t longest = 0;
  for (int64_t b = 0; b < p.shape.batch(); ++b)
    longest = std::max(longest, p.keysAttended(b));
  for (int64_t s = 1; s <= mlir::mla::kMaxChosenSplits &&
                      (s == 1 || s * mlir::mla::kMinKeysPerSplit <= longest);
       s *= 2)
    axes.splits.push_back(s);
  for (int64_t chunks = 1; chunks <= std::min(cores, p.shape.batch());
       ++chunks) {
    if (p.shape.batch() % chunks != 0)
      continue;
    std::set<int64_t> threads{1, std::max<int64_t>(1, cores / chunks)};
    for (int64_t t = 2; t * chunks <= cores; t *= 2)
      threads.insert(t);
    for (int64_t t : threads)
      axes.spreads.emplace_back(chunks, t);
  }
  if (hostHasAmxTiles() && amxTilesFit(p))
    axes.amx.push_back(1);
  if (hostHasAvx512Bf16() && pairDotsFit(p))
    axes.dot.push_back(1);
  return axes;
}

std::string utcNow() {
  std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

/// The coordinate search of one bucket; `trials` gets every candidate
/// timed, the heuristic's first.
void searchBucket(const TuneRequest &r, const Problem &gate,
                  const Problem &bucket, const CpuVariant &heuristic,
                  Progress &progress, std::vector<Trial> &trials) {
  Axes axes = axesFor(bucket, cpuCores());
  std::set<std::string> seen;
  auto tryVariant = [&](const CpuVariant &v) -> const Trial * {
    if (!seen.insert(v.str()).second)
      return nullptr;
    progress.start(v.str());
    trials.push_back(measure(r, v, gate, bucket));
    progress.finish(
        trials.back().failure.empty()
            ? llvm::formatv("{0:f3} ms", trials.back().median * 1e3).str()
            : "failed");
    return &trials.back();
  };
  auto bestSoFar = [&]() {
    const Trial *best = nullptr;
    for (const Trial &t : trials)
      if (t.failure.empty() && (!best || t.median < best->median))
        best = &t;
    return best ? best->variant : heuristic;
  };
  progress.expect(1 + axes.splits.size() + axes.spreads.size() +
                  axes.accumulators.size() + axes.inner.size() +
                  axes.amx.size() + axes.dot.size());
  tryVariant(heuristic);
  for (int64_t a : axes.amx) {
    CpuVariant v = bestSoFar();
    v.amx = a;
    tryVariant(v);
  }
  for (int64_t d : axes.dot) {
    CpuVariant v = bestSoFar();
    v.dot = d;
    tryVariant(v);
  }
  for (int64_t s : axes.splits) {
    CpuVariant v = bestSoFar();
    v.splits = s;
    tryVariant(v);
  }
  for (auto [chunks, threads] : axes.spreads) {
    CpuVariant v = bestSoFar();
    v.chunks = chunks;
    v.threads = threads;
    tryVariant(v);
  }
  for (int64_t a : axes.accumulators) {
    CpuVariant v = bestSoFar();
    v.accumulatorRegisters = a;
    v.innerRegisters = std::min(v.innerRegisters, a);
    tryVariant(v);
  }
  for (int64_t i : axes.inner) {
    CpuVariant v = bestSoFar();
    v.innerRegisters = i;
    if (i <= v.accumulatorRegisters)
      tryVariant(v);
  }
  progress.skipRest();
}

} // namespace

int mlagen::runCpuTune(const TuneRequest &r) {
  DeviceKey cpu = thisCpu();
  llvm::outs() << llvm::formatv("mla-tune --backend=cpu: {0} on {1}; "
                                "entries go to {2}\n",
                                r.preset, cpu.str(), r.database);
  // The roofline: each bucket's work over the measured peaks.
  ComputePeaks peaks = measureComputePeaks(/*seconds=*/0.2);
  double computeGflops = peaks.allCoresGflops(r.storage);
  double readGBs = measureReadBandwidth();
  llvm::outs() << llvm::formatv("roofline: {0:f1} GFLOP/s ({1} storage: the "
                                "fastest measured all-core peak for it), "
                                "{2:f1} GB/s read bandwidth\n",
                                computeGflops, toString(r.storage), readGBs);
  int64_t buckets = r.batches.size() * r.lengths.size() * r.queryTokens.size();
  Progress progress(buckets);
  std::vector<PlotBucket> plotted;
  std::vector<std::string> table;
  int64_t failed = 0;
  for (int64_t q : r.queryTokens)
    for (int64_t b : r.batches)
      for (int64_t l : r.lengths) {
        llvm::Expected<Problem> gate = bucketProblem(r, b, l, q, true);
        llvm::Expected<Problem> bucket = bucketProblem(r, b, l, q, false);
        if (llvm::Error e =
                llvm::joinErrors(gate.takeError(), bucket.takeError())) {
          llvm::errs() << "mla-tune: " << llvm::toString(std::move(e)) << "\n";
          return 1;
        }
        std::string name = llvm::formatv("batch {0}, {1} keys, {2} query "
                                         "token(s)",
                                         b, l, q);
        progress.beginBucket(name);
        CpuVariant heuristic = chooseCpuVariant(*bucket, cpu.units);
        std::vector<Trial> trials;
        searchBucket(r, *gate, *bucket, heuristic, progress, trials);
        const Trial *best = nullptr;
        for (const Trial &t : trials) {
          if (!t.failure.empty()) {
            ++failed;
            llvm::errs() << "mla-tune: " << name << ": " << t.variant.str()
                         << " failed: " << t.failure << "\n";
          } else if (!best || t.median < best->median) {
            best = &t;
          }
        }
        const Trial &base = trials.front();
        int64_t keys = b * (r.mode == RunMode::Layer ? l + q : l);
        AttentionWork work =
            (r.mode == RunMode::Layer ? layerWork : attentionWork)(
                r.config, b, q, keys, r.storage);
        double bound = std::max(work.flops / (computeGflops * 1e9),
                                work.bytes / (readGBs * 1e9));
        PlotBucket &marks = plotted.emplace_back();
        marks.name = name;
        marks.boundSeconds = computeGflops > 0 && readGBs > 0 ? bound : 0;
        for (const Trial &t : trials)
          if (t.failure.empty())
            marks.candidates.push_back(
                {t.variant.str(), t.median, &t == best, &t == &base});
        if (!best)
          continue;
        TuneEntry entry;
        entry.key = tuneKeyOf(*bucket, cpu);
        entry.variant = best->variant.str();
        entry.seconds = best->median;
        entry.spread = best->spread;
        entry.defaultVariant = base.variant.str();
        entry.defaultSeconds = base.failure.empty() ? base.median : 0;
        entry.measured = utcNow();
        std::vector<std::string> notes;
        if (llvm::Error e = TuneDatabase::merge(r.database, {entry}, &notes)) {
          llvm::errs() << "mla-tune: " << llvm::toString(std::move(e)) << "\n";
          return 1;
        }
        for (const std::string &note : notes)
          llvm::errs() << "mla-tune: note: " << note << "\n";
        table.push_back(llvm::formatv(
            "{0,-40} {1,-44} {2,9:f3} ms {3,7:f2} GB/s {4,7:f4} TFLOP/s "
            "{5,5:f1}% of roofline  {6:f2}x over {7}",
            name, entry.variant, best->median * 1e3,
            work.bytes / best->median * 1e-9, work.flops / best->median * 1e-12,
            100 * marks.boundSeconds / best->median,
            entry.defaultSeconds / best->median, entry.defaultVariant));
      }
  progress.done();
  llvm::outs() << "\nbest variant per bucket (rates: the "
               << (r.mode == RunMode::Layer ? "layer's" : "attention's")
               << " work of docs/counting.md; roofline: the larger of its "
                  "FLOPs over the compute peak and its bytes over the "
                  "bandwidth):\n";
  for (const std::string &line : table)
    llvm::outs() << "  " << line << "\n";
  llvm::outs() << llvm::formatv("{0} bucket(s) stored in {1}; {2} "
                                "candidate(s) failed\n",
                                table.size(), r.database, failed);
  if (!r.plot.empty())
    if (llvm::Error e = writeTunePlot(r.plot, plotted)) {
      llvm::errs() << "mla-tune: " << llvm::toString(std::move(e)) << "\n";
      return 1;
    }
  return 0;
}
