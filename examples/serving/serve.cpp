//===- serve.cpp - decode as a serving engine drives it -------------------===//
//
// A serving engine owns its KV memory, its block tables and its lengths on
// the device; mlagen only launches kernels over them. This program:
//
//   1. takes the engine's options from a kernel bundle (serve <bundle>),
//      or, built with the JIT runtime and given no bundle, DeepSeek-V2-Lite
//      compiled at run time;
//   2. lays out its own paged cache for a batch of mixed lengths (1 to 2100
//      tokens), pages handed out scrambled, a page to spare per sequence,
//      and checks its tables and (with a bundle) that the bundle is intact
//      for sm_80 and sm_90a: all of this runs without a GPU;
//   3. where there is a GPU: fills the cache and queries in device memory
//      it allocates itself, decodes, captures the decode in a CUDA graph,
//      grows every sequence's length on the device and replays the graph,
//      and checks the replay against a direct decode at the grown lengths
//      (bitwise) and that every value is finite.
//
// It exits 0 when every check that ran passed.
//
//===----------------------------------------------------------------------===//

#include "mlagen/Bundle.h"
#include "mlagen/Engine.h"
#ifdef SERVE_WITH_JIT
#include "mlagen/Presets.h"
#endif

#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <vector>

using namespace mlagen;

namespace {

int fail(const char *what, llvm::Error error) {
  std::fprintf(stderr, "serve: %s: %s\n", what,
               llvm::toString(std::move(error)).c_str());
  return 1;
}

/// The serving engine's own cache layout for `lengths` (plus `grow` tokens
/// each later): per sequence enough pages, handed out in a scrambled order.
struct HostCache {
  int64_t pages = 0, width = 0;
  std::vector<int32_t> blockTable; // [batch, width]
};

HostCache layOut(const std::vector<int32_t> &lengths, int64_t grow,
                 int64_t pageSize) {
  HostCache c;
  for (int32_t length : lengths)
    c.width =
        std::max<int64_t>(c.width, (length + grow + pageSize - 1) / pageSize);
  c.pages = c.width * int64_t(lengths.size());
  c.blockTable.resize(c.pages);
  // Page i of the table gets physical page (i * 7919) mod pages (7919 is
  // prime, so each page once when it does not divide the count).
  int64_t step = c.pages % 7919 ? 7919 : 1;
  for (int64_t i = 0; i < c.pages; ++i)
    c.blockTable[i] = int32_t(i * step % c.pages);
  return c;
}

/// Whether every table entry is in range and no page is handed out twice.
bool tableIsSound(const HostCache &c) {
  std::vector<bool> used(c.pages, false);
  for (int32_t page : c.blockTable) {
    if (page < 0 || page >= c.pages || used[page])
      return false;
    used[page] = true;
  }
  return true;
}

/// bf16 bits of `x`, rounded to nearest even.
uint16_t toBf16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  return uint16_t((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
}
float fromBf16(uint16_t bits) {
  uint32_t wide = uint32_t(bits) << 16;
  float x;
  std::memcpy(&x, &wide, 4);
  return x;
}

/// `count` deterministic values in [-1, 1) as bf16.
std::vector<uint16_t> values(size_t count, uint32_t seed) {
  std::vector<uint16_t> v(count);
  uint32_t state = seed * 2654435761u + 1;
  for (uint16_t &x : v) {
    state = state * 1664525u + 1013904223u;
    x = toBf16(float(state >> 8) / float(1 << 24) * 2.0f - 1.0f);
  }
  return v;
}

/// Device memory the program owns.
struct Device {
  void *pointer = nullptr;
  explicit Device(size_t bytes) {
    if (cudaMalloc(&pointer, bytes) != cudaSuccess)
      pointer = nullptr;
  }
  ~Device() { cudaFree(pointer); }
  DevicePtr address() const { return DevicePtr(uintptr_t(pointer)); }
};

bool cudaOk(cudaError_t status, const char *what) {
  if (status == cudaSuccess)
    return true;
  std::fprintf(stderr, "serve: %s: %s\n", what, cudaGetErrorString(status));
  return false;
}

/// The GPU part: own memory, a decode, a graph replayed over grown
/// lengths, checked against a direct decode.
int runOnGpu(Engine &engine, const std::vector<int32_t> &lengths,
             const HostCache &host, int64_t grow) {
  const EngineOptions &o = engine.options();
  const LayerConfig &c = o.config;
  int64_t batch = int64_t(lengths.size()), s = o.queryTokens, h = c.heads;
  int64_t dc = c.kvLoraRank, dr = c.qkRopeHeadDim, row = c.rowWidth();
  int64_t rows = batch * s * h;
  std::vector<uint16_t> cacheRows =
      values(size_t(host.pages * o.pageSize * row), 1);
  std::vector<uint16_t> q = values(size_t(rows * dc), 2),
                        qr = values(size_t(rows * dr), 3);
  Device dRows(cacheRows.size() * 2), dTable(host.blockTable.size() * 4),
      dLengths(batch * 4), dQ(q.size() * 2), dQr(qr.size() * 2),
      dOut(rows * dc * 2), dLse(rows * 4);
  if (!dRows.pointer || !dTable.pointer || !dLengths.pointer || !dQ.pointer ||
      !dQr.pointer || !dOut.pointer || !dLse.pointer)
    return std::fprintf(stderr, "serve: cudaMalloc failed\n"), 1;
  if (!cudaOk(cudaMemcpy(dRows.pointer, cacheRows.data(), cacheRows.size() * 2,
                         cudaMemcpyHostToDevice),
              "cache rows") ||
      !cudaOk(cudaMemcpy(dTable.pointer, host.blockTable.data(),
                         host.blockTable.size() * 4, cudaMemcpyHostToDevice),
              "block table") ||
      !cudaOk(cudaMemcpy(dLengths.pointer, lengths.data(), batch * 4,
                         cudaMemcpyHostToDevice),
              "lengths") ||
      !cudaOk(cudaMemcpy(dQ.pointer, q.data(), q.size() * 2,
                         cudaMemcpyHostToDevice),
              "queries") ||
      !cudaOk(cudaMemcpy(dQr.pointer, qr.data(), qr.size() * 2,
                         cudaMemcpyHostToDevice),
              "rope queries"))
    return 1;
  CacheTensors kv{
      {dRows.address(), ElementType::BF16, {host.pages, o.pageSize, row}},
      {dTable.address(), ElementType::I32, {batch, host.width}},
      {dLengths.address(), ElementType::I32, {batch}}};
  DecodeBuffers buffers{{dQ.address(), ElementType::BF16, {batch, s, h, dc}},
                        {dQr.address(), ElementType::BF16, {batch, s, h, dr}},
                        {dOut.address(), ElementType::BF16, {batch, s, h, dc}},
                        {dLse.address(), ElementType::F32, {batch, s, h}}};
  cudaStream_t stream;
  if (!cudaOk(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking),
              "stream"))
    return 1;
  auto results = [&](std::vector<uint16_t> &out, std::vector<float> &lse) {
    out.resize(rows * dc), lse.resize(rows);
    return cudaOk(cudaStreamSynchronize(stream), "decode") &&
           cudaOk(cudaMemcpy(out.data(), dOut.pointer, out.size() * 2,
                             cudaMemcpyDeviceToHost),
                  "output") &&
           cudaOk(cudaMemcpy(lse.data(), dLse.pointer, lse.size() * 4,
                             cudaMemcpyDeviceToHost),
                  "lse");
  };

  // A decode at the first lengths, then one captured in a graph.
  std::vector<uint16_t> first, replayed, direct;
  std::vector<float> firstLse, replayedLse, directLse;
  if (llvm::Error e = engine.decode(kv, buffers, stream))
    return fail("decode", std::move(e));
  if (!results(first, firstLse))
    return 1;
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  if (!cudaOk(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal),
              "capture"))
    return 1;
  if (llvm::Error e = engine.decode(kv, buffers, stream))
    return fail("decode under capture", std::move(e));
  if (!cudaOk(cudaStreamEndCapture(stream, &graph), "capture") ||
      !cudaOk(cudaGraphInstantiate(&exec, graph, 0), "graph"))
    return 1;

  // Every sequence grows on the device; the graph replays as it is.
  std::vector<int32_t> grown(lengths);
  for (int32_t &length : grown)
    length += int32_t(grow);
  if (!cudaOk(cudaMemcpy(dLengths.pointer, grown.data(), batch * 4,
                         cudaMemcpyHostToDevice),
              "grown lengths") ||
      !cudaOk(cudaGraphLaunch(exec, stream), "replay") ||
      !results(replayed, replayedLse))
    return 1;
  if (llvm::Error e = engine.decode(kv, buffers, stream))
    return fail("decode", std::move(e));
  if (!results(direct, directLse))
    return 1;
  cudaGraphExecDestroy(exec);
  cudaGraphDestroy(graph);
  cudaStreamDestroy(stream);

  bool finite = true;
  for (uint16_t x : replayed)
    finite &= std::isfinite(fromBf16(x));
  for (float x : replayedLse)
    finite &= std::isfinite(x);
  bool same =
      replayed == direct && std::memcmp(replayedLse.data(), directLse.data(),
                                        replayedLse.size() * 4) == 0;
  bool changed = replayedLse != firstLse; // the grown keys were attended
  std::printf("GPU %s (%s, %s): graph replay over lengths grown by %lld "
              "matches a direct decode: %s\n",
              engine.gpu().name.c_str(), engine.gpu().arch.c_str(),
              engine.cut().balanced()
                  ? ("balanced schedule, " +
                     std::to_string(engine.cut().parts) + " parts")
                        .c_str()
                  : "even split",
              (long long)grow, same && finite && changed ? "PASS" : "FAIL");
  return same && finite && changed ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
  std::string bundle = argc > 1 ? argv[1] : "";
  EngineOptions options;
  if (!bundle.empty()) {
    llvm::Expected<EngineOptions> fromBundle = bundleOptions(bundle);
    if (!fromBundle)
      return fail("bundle", fromBundle.takeError());
    options = *fromBundle;
  } else {
#ifdef SERVE_WITH_JIT
    llvm::Expected<LayerConfig> config = presetLayerConfig("deepseek-v2-lite");
    if (!config)
      return fail("preset", config.takeError());
    options.config = *config;
    options.pageSize = 16;
    options.maxBatch = 8;
#else
    std::fprintf(stderr, "usage: serve <bundle directory> (mla-bundle "
                         "writes one; this build has no compiler)\n");
    return 2;
#endif
  }

  // The serving engine's batch: mixed lengths, its own scrambled pages.
  std::vector<int32_t> lengths = {1, 17, 300, 2100, 5, 64, 1000, 2};
  lengths.resize(std::min<size_t>(lengths.size(), size_t(options.maxBatch)));
  constexpr int64_t kGrow = 3;
  HostCache host = layOut(lengths, kGrow, options.pageSize);
  bool sound = tableIsSound(host);
  std::printf("host: %zu sequences of 1 to 2100 tokens, %lld pages of %lld "
              "tokens, table width %lld, pages each handed out once: %s\n",
              lengths.size(), (long long)host.pages,
              (long long)options.pageSize, (long long)host.width,
              sound ? "PASS" : "FAIL");
  if (!sound)
    return 1;
  if (!bundle.empty())
    for (const char *arch : {"sm_80", "sm_90a"}) {
      llvm::Expected<LoadedBundle> loaded = loadBundle(bundle, options, arch);
      if (!loaded)
        return fail("bundle", loaded.takeError());
      std::printf("bundle: %s intact (%zu kernels, %zu-byte cubin)\n", arch,
                  loaded->kernels.size(), loaded->cubin.size());
    }

  // Without a GPU the rest cannot run; with one, every failure counts.
  llvm::Expected<GpuInfo> gpu = findGpu(options.device);
  if (!gpu) {
    std::printf("GPU: not run (%s)\n", llvm::toString(gpu.takeError()).c_str());
    return 0;
  }
  llvm::Expected<std::unique_ptr<Engine>> engine = Engine::create(options);
  if (!engine)
    return fail("engine", engine.takeError());
  return runOnGpu(**engine, lengths, host, kGrow);
}
