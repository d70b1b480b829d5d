//===- decode-step.cpp - a DeepSeek-V3 decode step through mlagen ---------===//
//
// Built against the installed package (see CMakeLists.txt). Makes a
// DeepSeek-V3 attention step (4 sequences of different lengths, 2 new
// tokens each, pages of 64 tokens, bf16) with deterministic random values,
// runs it on the CPU, and, where there is a GPU, through the host API:
// the kernels generated and compiled for the GPU, a paged cache in device
// memory filled with the same rows, one decode call on a stream. Both
// runs' output and LSE are checked against the double-precision reference
// (computed on the CPU) with mla-run --verify's tolerances. Without a GPU it
// says why and stops after the CPU run.
//
//===----------------------------------------------------------------------===//

#include "mlagen/CpuRunner.h"
#include "mlagen/Engine.h"
#include "mlagen/Metrics.h"
#include "mlagen/Presets.h"
#include "mlagen/Problem.h"
#include "mlagen/Reference.h"
#include "mlagen/StorageBuffer.h"

#ifdef EXAMPLE_HAVE_CUDA
#include <cuda_runtime.h>
#endif

#include <algorithm>
#include <cstdio>

using namespace mlagen;

namespace {

int fail(llvm::Error error) {
  std::fprintf(stderr, "decode-step: %s\n",
               llvm::toString(std::move(error)).c_str());
  return 1;
}

/// Prints how far `out` and `lse` are from the reference; whether they are
/// within mla-run --verify's tolerances (mlagen/Metrics.h).
bool check(const char *what, const Problem &p, const std::vector<float> &out,
           const std::vector<float> &lse,
           const reference::AttentionResult &expected) {
  ErrorStats outStats = compare(out, expected.out);
  ErrorStats lseStats = compare(lse, expected.lse);
  bool ok =
      withinTolerance(outStats, attentionTolerance(p.shape.storage)) &&
      lseStats.nans == 0 && lseStats.mismatchedInfinities == 0 &&
      lseStats.maxAbs <= kLseTolerance * std::max(1.0, lseStats.maxExpected);
  std::printf("%s: out max abs err %.3g (max |ref| %.3g, cosine %.8f, %lld "
              "NaN), lse max abs err %.3g: %s\n",
              what, outStats.maxAbs, outStats.maxExpected, outStats.cosine,
              (long long)outStats.nans, lseStats.maxAbs, ok ? "PASS" : "FAIL");
  return ok;
}

#ifdef EXAMPLE_HAVE_CUDA
/// Device memory the example owns, freed with it.
struct DeviceBuffer {
  void *pointer = nullptr;
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;
  ~DeviceBuffer() { cudaFree(pointer); }
  DevicePtr address() const { return DevicePtr(pointer); }
};

/// `buffer` holding `values` in `type`; false if CUDA fails.
bool toDevice(StorageType type, const std::vector<float> &values,
              DeviceBuffer &buffer) {
  StorageBuffer stored(type, values);
  size_t bytes = values.size() * sizeOf(type);
  return cudaMalloc(&buffer.pointer, bytes) == cudaSuccess &&
         cudaMemcpy(buffer.pointer, stored.data(), bytes,
                    cudaMemcpyHostToDevice) == cudaSuccess;
}

int cudaFailure(const char *what) {
  std::fprintf(stderr, "decode-step: %s failed\n", what);
  return 1;
}

/// The step on the GPU through the host API, checked against `expected`.
int runOnGpu(std::unique_ptr<Engine> engine, const Problem &p,
             const reference::AttentionResult &expected) {
  const LayerConfig &c = p.config;
  int64_t batch = p.shape.batch(), s = p.shape.queryTokens;
  // Enough pages for every sequence, any pages the cache hands out.
  llvm::Expected<std::unique_ptr<GpuPagedCache>> cache =
      engine->allocateCache(p.cache.numPages, batch, p.table.width);
  if (!cache)
    return fail(cache.takeError());
  PageTable &table = (*cache)->table();
  for (int64_t b = 0; b < batch; ++b) {
    int64_t length = p.table.seqLens[b];
    if (llvm::Error e = table.extend(b, length))
      return fail(std::move(e));
    for (int64_t t = 0; t < length; ++t) {
      int64_t page =
          p.table.blockTable[b * p.table.width + t / p.cache.pageSize];
      const float *values = p.cache.row(page, t % p.cache.pageSize);
      StorageBuffer stored(p.shape.storage,
                           std::vector<float>(values, values + c.rowWidth()));
      if (llvm::Error e = (*cache)->writeRows(b, t, 1, stored.data()))
        return fail(std::move(e));
    }
  }
  if (llvm::Error e = (*cache)->upload(s))
    return fail(std::move(e));

  size_t rows = batch * s * c.heads;
  DeviceBuffer q, qr, out, lse;
  if (!toDevice(p.shape.storage, p.qLatent, q) ||
      !toDevice(p.shape.storage, p.qRope, qr) ||
      !toDevice(p.shape.storage, std::vector<float>(rows * c.kvLoraRank),
                out) ||
      !toDevice(StorageType::F32, std::vector<float>(rows), lse))
    return cudaFailure("allocating the step's buffers");
  ElementType t = elementTypeOf(p.shape.storage);
  DecodeBuffers buffers{{q.address(), t, {batch, s, c.heads, c.kvLoraRank}},
                        {qr.address(), t, {batch, s, c.heads, c.qkRopeHeadDim}},
                        {out.address(), t, {batch, s, c.heads, c.kvLoraRank}},
                        {lse.address(), ElementType::F32, {batch, s, c.heads}}};
  cudaStream_t stream;
  if (cudaStreamCreate(&stream) != cudaSuccess)
    return cudaFailure("cudaStreamCreate");
  llvm::Error decoded = engine->decode(**cache, buffers, stream);
  cudaError_t finished = cudaStreamSynchronize(stream);
  cudaStreamDestroy(stream);
  if (decoded)
    return fail(std::move(decoded));
  if (finished != cudaSuccess)
    return cudaFailure("the decode kernels");
  StorageBuffer gpuOut(p.shape.storage, rows * c.kvLoraRank);
  std::vector<float> gpuLse(rows);
  if (cudaMemcpy(gpuOut.data(), out.pointer,
                 gpuOut.size() * sizeOf(p.shape.storage),
                 cudaMemcpyDeviceToHost) != cudaSuccess ||
      cudaMemcpy(gpuLse.data(), lse.pointer, rows * 4,
                 cudaMemcpyDeviceToHost) != cudaSuccess)
    return cudaFailure("reading the results back");

  const DecodeCut &cut = engine->cut();
  std::string what =
      "GPU " + engine->gpu().name + " (" + engine->gpu().arch + ", " +
      (cut.balanced() ? std::to_string(cut.parts) + " schedule parts"
                      : std::to_string(cut.splits) + " splits") +
      ")";
  bool ok = check(what.c_str(), p, gpuOut.values(), gpuLse, expected);
  return ok ? 0 : 1;
}
#endif

} // namespace

int main() {
  llvm::Expected<LayerConfig> config = presetLayerConfig("deepseek-v3");
  if (!config)
    return fail(config.takeError());
  ProblemShape shape;
  shape.mode = RunMode::Attention;
  shape.queryTokens = 2;
  shape.pageSize = 64;
  shape.seqLens = {1, 63, 200, 1000};
  shape.storage = StorageType::BF16;
  llvm::Expected<Problem> problem = makeRandomProblem(*config, shape, 1);
  if (!problem)
    return fail(problem.takeError());

  llvm::Expected<std::unique_ptr<CpuRunner>> cpu = CpuRunner::create(
      *problem, /*rewrite=*/true, chooseCpuVariant(*problem, cpuCores()));
  if (!cpu)
    return fail(cpu.takeError());
  if (llvm::Error e = (*cpu)->run())
    return fail(std::move(e));
  StepResult cpuResult = (*cpu)->result();
  const Problem &p = *problem;
  llvm::Expected<reference::AttentionResult> expected =
      reference::latentAttention(p.config, p.qLatent, p.qRope,
                                 p.shape.queryTokens, p.cache, p.table,
                                 /*causal=*/true);
  if (!expected)
    return fail(expected.takeError());
  if (!check("CPU: DeepSeek-V3 decode attention, 4 sequences, 2 new tokens "
             "each",
             p, cpuResult.out, cpuResult.lse, *expected))
    return 1;

  EngineOptions options;
  options.config = *config;
  options.storage = shape.storage;
  options.pageSize = shape.pageSize;
  options.queryTokens = shape.queryTokens;
  options.maxBatch = shape.batch();
  llvm::Expected<std::unique_ptr<Engine>> engine = Engine::create(options);
  if (!engine) {
    std::printf("GPU: not run (%s)\n",
                llvm::toString(engine.takeError()).c_str());
    return 0;
  }
#ifdef EXAMPLE_HAVE_CUDA
  return runOnGpu(std::move(*engine), p, *expected);
#else
  std::printf("GPU: not run (this build has no CUDA runtime)\n");
  return 0;
#endif
}
