//===- decode-step.cpp - a DeepSeek-V3 decode step through mlagen ---------===//
//
// Built against the installed package (see CMakeLists.txt). Makes a
// DeepSeek-V3 attention step (4 sequences of different lengths, 2 new
// tokens each, pages of 64 tokens, bf16) with deterministic random values,
// runs it on the CPU, and, where there is a GPU, through the host API:
// the kernels generated and compiled for the GPU, a paged cache in device
// memory filled with the same rows, one decode call on a stream, the
// output and LSE compared with the CPU's. Without a GPU it says why and
// stops after the CPU run.
//
//===----------------------------------------------------------------------===//

#include "mlagen/CpuRunner.h"
#include "mlagen/Engine.h"
#include "mlagen/Presets.h"
#include "mlagen/Problem.h"
#include "mlagen/StorageBuffer.h"

#ifdef EXAMPLE_HAVE_CUDA
#include <cuda_runtime.h>
#endif

#include <cmath>
#include <cstdio>

using namespace mlagen;

namespace {

int fail(llvm::Error error) {
  std::fprintf(stderr, "decode-step: %s\n",
               llvm::toString(std::move(error)).c_str());
  return 1;
}

#ifdef EXAMPLE_HAVE_CUDA
/// A device copy of `values` in `type`, owned by the example.
void *toDevice(StorageType type, const std::vector<float> &values) {
  StorageBuffer buffer(type, values);
  void *device = nullptr;
  size_t bytes = values.size() * sizeOf(type);
  if (cudaMalloc(&device, bytes) != cudaSuccess ||
      cudaMemcpy(device, buffer.data(), bytes, cudaMemcpyHostToDevice) !=
          cudaSuccess)
    return nullptr;
  return device;
}

/// The step on the GPU through the host API; compares with `cpu`.
int runOnGpu(std::unique_ptr<Engine> engine, const Problem &p,
             const StepResult &cpu) {
  const LayerConfig &c = p.config;
  int64_t batch = p.shape.batch(), s = p.shape.queryTokens;
  // Enough pages for every sequence, any pages the cache hands out.
  llvm::Expected<std::unique_ptr<GpuPagedCache>> cache =
      engine->allocateCache(p.cache.numPages, batch, p.table.width);
  if (!cache)
    return fail(cache.takeError());
  PageTable &table = (*cache)->table();
  std::vector<float> row(c.rowWidth());
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
  DecodeBuffers buffers;
  buffers.batch = batch;
  buffers.qLatent = DevicePtr(toDevice(p.shape.storage, p.qLatent));
  buffers.qRope = DevicePtr(toDevice(p.shape.storage, p.qRope));
  buffers.out = DevicePtr(
      toDevice(p.shape.storage, std::vector<float>(rows * c.kvLoraRank)));
  buffers.lse = DevicePtr(toDevice(StorageType::F32, std::vector<float>(rows)));
  cudaStream_t stream;
  cudaStreamCreate(&stream);
  if (llvm::Error e = engine->decode(**cache, buffers, stream))
    return fail(std::move(e));
  if (cudaStreamSynchronize(stream) != cudaSuccess) {
    std::fprintf(stderr, "decode-step: the decode kernels failed\n");
    return 1;
  }
  StorageBuffer out(p.shape.storage, rows * c.kvLoraRank);
  std::vector<float> lse(rows);
  cudaMemcpy(out.data(), reinterpret_cast<void *>(buffers.out),
             out.size() * sizeOf(p.shape.storage), cudaMemcpyDeviceToHost);
  cudaMemcpy(lse.data(), reinterpret_cast<void *>(buffers.lse), rows * 4,
             cudaMemcpyDeviceToHost);

  std::vector<float> gpuOut = out.values();
  double outError = 0, lseError = 0, largest = 0;
  for (size_t i = 0; i < gpuOut.size(); ++i) {
    outError = std::max(outError, double(std::fabs(gpuOut[i] - cpu.out[i])));
    largest = std::max(largest, double(std::fabs(cpu.out[i])));
  }
  for (size_t i = 0; i < rows; ++i)
    if (!(std::isinf(lse[i]) && std::isinf(cpu.lse[i])))
      lseError = std::max(lseError, double(std::fabs(lse[i] - cpu.lse[i])));
  // bf16 outputs: a few ulps of the largest value.
  bool ok = outError <= 0x1p-6 * std::max(1.0, largest) && lseError <= 1e-3;
  std::printf("GPU %s (%s, %lld splits): max |out - cpu| %.3g (max |cpu| "
              "%.3g), max |lse - cpu| %.3g: %s\n",
              engine->gpu().name.c_str(), engine->gpu().arch.c_str(),
              (long long)engine->splits(), outError, largest, lseError,
              ok ? "PASS" : "FAIL");
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

  llvm::Expected<std::unique_ptr<CpuRunner>> cpu =
      CpuRunner::create(*problem, /*rewrite=*/true, /*splits=*/0);
  if (!cpu)
    return fail(cpu.takeError());
  if (llvm::Error e = (*cpu)->run())
    return fail(std::move(e));
  StepResult cpuResult = (*cpu)->result();
  std::printf("CPU: DeepSeek-V3 decode attention, 4 sequences, 2 new tokens "
              "each: %zu outputs\n",
              cpuResult.out.size());

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
  return runOnGpu(std::move(*engine), *problem, cpuResult);
#else
  std::printf("GPU: not run (this build has no CUDA runtime)\n");
  return 0;
#endif
}
