//===- gpu-decode-bench.cpp - decode attention on a GPU vs its roofline ---===//
//
// The Engine's decode (the generated kernels through the host API, as a
// serving engine runs them) over FlashMLA's benchmark grid: batch 128, s_q 1
// and 2, 16 to 128 heads (shards of DeepSeek-V3's 128), cached lengths 4096 to
// 32768, each the same for every sequence or
// (--varlen) uniform in [length / 2, 3 length / 2]; bf16, pages of 64.
// Each decode is timed alone with CUDA events after the L2 is flushed (a
// 256 MB write), and the median of --iterations is kept. Prints per point
// the time, the achieved bandwidth and TFLOP/s counted as docs/counting.md
// says, and the share of the GPU's roofline (rooflineOf: the driver's peak
// clocks). Without a GPU it says why and exits 0: there is nothing to
// measure. A benchmark that prints; it asserts nothing about speed.
//
//===----------------------------------------------------------------------===//

#include "mlagen/Engine.h"
#include "mlagen/Metrics.h"
#include "mlagen/Presets.h"
#include "passes/Passes.h"
#include "passes/cuda/DecodeSchedule.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <optional>
#include <random>
#include <tuple>

using namespace mlagen;
using llvm::outs;
namespace cl = llvm::cl;

namespace {

cl::opt<std::string> preset("preset", cl::desc("Model preset"),
                            cl::init("deepseek-v3"));
cl::list<int64_t> batches("batch", cl::desc("Sequences per decode"),
                          cl::CommaSeparated);
cl::list<int64_t> queryTokens("query-tokens",
                              cl::desc("Query tokens per sequence (s_q)"),
                              cl::CommaSeparated);
cl::list<int64_t> heads("heads", cl::desc("Query heads (0: the preset's)"),
                        cl::CommaSeparated);
cl::list<int64_t> lengths("seq-len", cl::desc("Cached tokens per sequence"),
                          cl::CommaSeparated);
cl::opt<bool> varlen("varlen",
                     cl::desc("Lengths uniform in [seq-len / 2, 3 seq-len "
                              "/ 2] instead of all equal"));
cl::opt<int64_t> pageSize("page-size", cl::desc("Tokens per cache page"),
                          cl::init(64));
cl::opt<std::string> dtype("dtype", cl::desc("bf16 or f16"), cl::init("bf16"));
cl::opt<int> iterations("iterations", cl::desc("Timed decodes per point"),
                        cl::init(20));
cl::opt<int> device("device", cl::desc("The GPU (CUDA ordinal)"), cl::init(0));

constexpr size_t kFlushBytes = 256 << 20;

struct Point {
  int64_t batch, tokens, heads, length;
};

/// Device memory the benchmark owns.
struct Buffer {
  void *pointer = nullptr;
  explicit Buffer(size_t bytes) {
    if (cudaMalloc(&pointer, bytes) != cudaSuccess)
      pointer = nullptr;
  }
  Buffer(const Buffer &) = delete;
  Buffer &operator=(const Buffer &) = delete;
  ~Buffer() { cudaFree(pointer); }
  DevicePtr address() const { return DevicePtr(pointer); }
};

int failed(llvm::Error e) {
  llvm::errs() << "mla-bench-gpu: " << llvm::toString(std::move(e)) << "\n";
  return 1;
}

llvm::Error cudaFailed(const char *what, cudaError_t error) {
  return llvm::createStringError(std::string(what) + ": " +
                                 cudaGetErrorString(error));
}

/// The cached lengths of `point`'s sequences: all its length, or
/// (--varlen) uniform in [length / 2, 3 length / 2] from a seed of the
/// length, never fewer than the query tokens.
std::vector<int64_t> pointLengths(const Point &point) {
  std::mt19937_64 random(point.length);
  std::uniform_int_distribution<int64_t> spread(point.length / 2,
                                                point.length * 3 / 2);
  std::vector<int64_t> lens(point.batch, point.length);
  if (varlen)
    for (int64_t &length : lens)
      length = std::max<int64_t>(point.tokens, spread(random));
  return lens;
}

/// Every point of the grid, batch-major.
std::vector<Point> gridPoints(llvm::ArrayRef<int64_t> batchList,
                              llvm::ArrayRef<int64_t> tokenList,
                              llvm::ArrayRef<int64_t> headList,
                              llvm::ArrayRef<int64_t> lengthList,
                              int64_t presetHeads) {
  std::vector<Point> points;
  for (int64_t batch : batchList)
    for (int64_t tokens : tokenList)
      for (int64_t h : headList)
        for (int64_t length : lengthList)
          points.push_back({batch, tokens, h ? h : presetHeads, length});
  return points;
}

/// The median time (seconds) of one decode at `point`, and the keys it
/// attends over.
llvm::Expected<std::pair<double, int64_t>>
measure(const Point &point, const LayerConfig &config, StorageType storage) {
  EngineOptions options;
  options.config = config;
  options.config.heads = point.heads;
  options.storage = storage;
  options.pageSize = pageSize;
  options.queryTokens = point.tokens;
  options.maxBatch = point.batch;
  options.device = device;
  llvm::Expected<std::unique_ptr<Engine>> engine = Engine::create(options);
  if (!engine)
    return engine.takeError();

  std::vector<int64_t> lens = pointLengths(point);
  int64_t width = 0, pages = 0, keys = 0;
  for (int64_t length : lens) {
    int64_t owned = (length + pageSize - 1) / pageSize;
    width = std::max(width, owned);
    pages += owned;
    keys += length;
  }
  llvm::Expected<std::unique_ptr<GpuPagedCache>> cache =
      (*engine)->allocateCache(pages, point.batch, width);
  if (!cache)
    return cache.takeError();
  for (auto [slot, length] : llvm::enumerate(lens))
    if (llvm::Error e = (*cache)->table().extend(slot, length))
      return std::move(e);
  if (llvm::Error e = (*cache)->upload(point.tokens))
    return std::move(e);

  // Values do not matter for the time; finite ones avoid slow paths.
  size_t elementBytes = sizeOf(storage);
  size_t rowBytes = config.rowWidth() * elementBytes;
  int64_t rows = point.batch * point.tokens * point.heads;
  ElementType type = elementTypeOf(storage);
  Buffer q(rows * config.kvLoraRank * elementBytes),
      qr(rows * config.qkRopeHeadDim * elementBytes),
      out(rows * config.kvLoraRank * elementBytes), lse(rows * 4),
      flush(kFlushBytes);
  if (!q.pointer || !qr.pointer || !out.pointer || !lse.pointer ||
      !flush.pointer)
    return llvm::createStringError("cudaMalloc failed");
  struct {
    void *pointer;
    size_t bytes;
  } filled[] = {{reinterpret_cast<void *>((*cache)->rows()),
                 size_t(pages * pageSize) * rowBytes},
                {q.pointer, rows * config.kvLoraRank * elementBytes},
                {qr.pointer, rows * config.qkRopeHeadDim * elementBytes}};
  for (const auto &buffer : filled)
    if (cudaError_t e = cudaMemset(buffer.pointer, 0x3c, buffer.bytes))
      return cudaFailed("cudaMemset", e);
  int64_t b = point.batch, s = point.tokens, h = point.heads;
  DecodeBuffers buffers{{q.address(), type, {b, s, h, config.kvLoraRank}},
                        {qr.address(), type, {b, s, h, config.qkRopeHeadDim}},
                        {out.address(), type, {b, s, h, config.kvLoraRank}},
                        {lse.address(), ElementType::F32, {b, s, h}}};

  cudaStream_t stream;
  cudaEvent_t start, stop;
  if (cudaError_t e = cudaStreamCreate(&stream))
    return cudaFailed("cudaStreamCreate", e);
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  std::vector<double> times;
  llvm::Error error = llvm::Error::success();
  for (int i = -3; i < iterations && !error; ++i) { // 3 warmup decodes
    cudaMemsetAsync(flush.pointer, i & 0xff, kFlushBytes, stream);
    cudaEventRecord(start, stream);
    error = (*engine)->decode(**cache, buffers, stream);
    cudaEventRecord(stop, stream);
    if (cudaError_t e = cudaStreamSynchronize(stream))
      error = llvm::joinErrors(std::move(error), cudaFailed("the decode", e));
    float ms = 0;
    cudaEventElapsedTime(&ms, start, stop);
    if (i >= 0)
      times.push_back(ms * 1e-3);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  cudaStreamDestroy(stream);
  if (error)
    return std::move(error);
  std::sort(times.begin(), times.end());
  return std::pair{times[times.size() / 2], keys};
}

/// mla-split-kv's fixed split for `sms` multiprocessors, with a block table
/// just wide enough for the longest sequence: enough work items (sequences
/// x 64-row tiles x splits) to fill them, within the split rule.
int64_t evenSplits(int64_t sms, int64_t batch, int64_t rowTiles,
                   int64_t longest) {
  int64_t splits = (sms + batch * rowTiles - 1) / (batch * rowTiles);
  return std::max<int64_t>(
      1, std::min({splits, longest / mlir::mla::kMinKeysPerSplit,
                   mlir::mla::kMaxChosenSplits}));
}

/// Per grid point, the most loaded SM over the mean, and the most loaded
/// SM's work, for the balanced schedule (passes/cuda/device/Schedule.cuh)
/// and for the fixed split; needs no GPU. Each 64-row tile of the queries is
/// its own copy of the schedule over sms / tiles parts, as mla-split-kv's
/// schedule=balanced sets it.
void printScheduleBalance(int64_t sms, llvm::ArrayRef<Point> points) {
  constexpr int kKeysPerUnit = int(mlir::mla::kScheduleKeysPerUnit);
  constexpr int kOverheadUnits = int(mlir::mla::kScheduleOverheadUnits);
  outs() << llvm::format(
      "schedule balance on %lld SMs (most loaded SM / mean; units of %d keys, "
      "%d units of overhead per piece), %s lengths:\n",
      (long long)sms, kKeysPerUnit, kOverheadUnits,
      varlen ? "variable" : "equal");
  outs() << "batch  s_q  heads  seq_len  balanced (most loaded SM, units)  "
            "even split (most loaded SM, splits)\n";
  for (const Point &point : points) {
    int64_t rowTiles = (point.tokens * point.heads + 63) / 64;
    std::vector<int64_t> cached = pointLengths(point);
    std::vector<int> lengths(cached.begin(), cached.end());
    int64_t longest = *std::max_element(lengths.begin(), lengths.end());
    mlagen_schedule s{int(mlir::mla::balancedParts(sms, rowTiles)),
                      kKeysPerUnit, kOverheadUnits};
    int64_t splits = evenSplits(sms, point.batch, rowTiles, longest);
    mlir::mla::ScheduleLoad balanced = mlir::mla::balancedLoad(lengths, s);
    mlir::mla::ScheduleLoad even =
        mlir::mla::evenSplitLoad(lengths, int(splits), s);
    outs() << llvm::format("%5lld  %3lld  %5lld  %7lld  %8.3f (%6lld)  "
                           "%25.3f (%6lld, %lld)\n",
                           (long long)point.batch, (long long)point.tokens,
                           (long long)point.heads, (long long)point.length,
                           balanced.balance(), balanced.max, even.balance(),
                           even.max, (long long)splits);
  }
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(
      argc, argv,
      "mla-bench-gpu: the Engine's decode over FlashMLA's benchmark grid, "
      "against the GPU's roofline\n");
  std::optional<GpuInfo> gpu;
  std::string noGpu;
  if (llvm::Expected<GpuInfo> found = findGpu(device))
    gpu = *found;
  else
    noGpu = llvm::toString(found.takeError());
  llvm::Expected<LayerConfig> config = presetLayerConfig(preset);
  if (!config)
    return failed(config.takeError());
  StorageType storage;
  if (dtype == "bf16")
    storage = StorageType::BF16;
  else if (dtype == "f16")
    storage = StorageType::F16;
  else
    return failed(llvm::createStringError("--dtype: expected bf16 or f16"));
  if (iterations < 1 || pageSize < 1)
    return failed(llvm::createStringError(
        "--iterations and --page-size must be positive"));
  auto orDefault = [](const cl::list<int64_t> &list,
                      std::vector<int64_t> fallback) {
    return list.empty() ? fallback
                        : std::vector<int64_t>(list.begin(), list.end());
  };
  std::vector<int64_t> batchList = orDefault(batches, {128}),
                       tokenList = orDefault(queryTokens, {1, 2}),
                       headList = orDefault(heads, {16, 32, 64, 128}),
                       lengthList =
                           orDefault(lengths, {4096, 8192, 16384, 32768});
  for (auto [flag, list, least] : {std::tuple{"batch", &batchList, 1},
                                   {"query-tokens", &tokenList, 1},
                                   {"heads", &headList, 0},
                                   {"seq-len", &lengthList, 0}})
    for (int64_t value : *list)
      if (value < least || value > (int64_t(1) << 24))
        return failed(llvm::createStringError(
            llvm::formatv("--{0}: {1} is outside [{2}, 2^24]", flag, value,
                          least)
                .str()));

  // H100's 132 SMs where there is no GPU.
  std::vector<Point> points =
      gridPoints(batchList, tokenList, headList, lengthList, config->heads);
  printScheduleBalance(gpu ? gpu->multiprocessors : 132, points);
  if (!gpu) {
    outs() << "mla-bench-gpu: nothing to time: " << noGpu << "\n";
    return 0;
  }
  GpuRoofline roofline = rooflineOf(*gpu);
  outs() << llvm::format(
      "%s (%s, %d SMs): roofline %.0f GB/s DRAM, %.0f dense bf16 TFLOP/s "
      "(the driver's peak clocks)\n",
      gpu->name.c_str(), gpu->arch.c_str(), gpu->multiprocessors,
      roofline.bytesPerSecond * 1e-9, roofline.flopsPerSecond * 1e-12);
  outs() << llvm::format("%s %s, pages of %lld, %s lengths, median of %d "
                         "decodes each, L2 flushed before each\n",
                         preset.c_str(), dtype.c_str(), (long long)pageSize,
                         varlen ? "variable" : "equal", int(iterations));
  outs() << "batch  s_q  heads  seq_len    time_us     GB/s  TFLOP/s  "
            "%roofline  bound\n";
  for (const Point &point : points) {
    llvm::Expected<std::pair<double, int64_t>> measured =
        measure(point, *config, storage);
    if (!measured)
      return failed(measured.takeError());
    auto [seconds, keys] = *measured;
    LayerConfig shard = *config;
    shard.heads = point.heads;
    AttentionWork work =
        attentionWork(shard, point.batch, point.tokens, keys, storage);
    double memoryBound = work.bytes / roofline.bytesPerSecond;
    double computeBound =
        roofline.flopsPerSecond > 0 ? work.flops / roofline.flopsPerSecond : 0;
    double bound = std::max(memoryBound, computeBound);
    outs() << llvm::format(
        "%5lld  %3lld  %5lld  %7lld  %9.1f  %7.0f  %7.1f  %8.1f%%  %s\n",
        (long long)point.batch, (long long)point.tokens, (long long)point.heads,
        (long long)point.length, seconds * 1e6, work.bytes / seconds * 1e-9,
        work.flops / seconds * 1e-12, 100 * bound / seconds,
        computeBound > memoryBound ? "compute" : "memory");
  }
  return 0;
}
