//===- EngineGpuTest.cpp - the host API on a GPU against the reference ----===//
//
// Needs a GPU: each test is skipped, with the reason, where findGpu finds
// none. Through the public API, with buffers the test owns through the
// CUDA runtime as a user would:
//   - decode over a cache filled with writeRows matches the reference
//     (the wgmma kernel with TMA on sm_90a for 128 heads and pages of 64,
//     with cp.async for pages of 1; mma_sync for 16 heads; bf16 and f16;
//     lengths 0, 1, page boundaries, long);
//   - append (fused RoPE) writes each new token's rotated row;
//   - a decode captured in a CUDA graph replays to the same result, and
//     after the lengths grow and upload() runs, replays over the new ones;
//   - split decodes on two streams at once, each with its own workspace,
//     both match;
//   - prefill (MHA form, causal; bf16 and f16) matches a double-precision
//     definition;
//   - an engine is made on the GPU its options name, and an ordinal beyond
//     the GPUs is an error naming it.
//
//===----------------------------------------------------------------------===//

#include "mlagen/Engine.h"
#include "mlagen/Metrics.h"
#include "mlagen/Presets.h"
#include "mlagen/Problem.h"
#include "mlagen/Reference.h"
#include "mlagen/StorageBuffer.h"

#include "test/AttentionChecks.h"
#include "test/TestValues.h"
#include <cuda_runtime.h>

#include <gtest/gtest.h>

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>

using namespace mlagen;

namespace {

using mlagen::test::exactValues;

#define SKIP_WITHOUT_GPU()                                                     \
  do {                                                                         \
    llvm::Expected<GpuInfo> gpu = findGpu();                                   \
    if (!gpu)                                                                  \
      GTEST_SKIP() << llvm::toString(gpu.takeError());                         \
  } while (false)

/// Device memory the test owns.
struct Device {
  void *pointer = nullptr;
  explicit Device(size_t bytes) {
    EXPECT_EQ(cudaMalloc(&pointer, bytes), cudaSuccess);
    EXPECT_EQ(cudaMemset(pointer, 0, bytes), cudaSuccess);
  }
  Device(const Device &) = delete;
  Device &operator=(const Device &) = delete;
  Device(Device &&other) : pointer(other.pointer) { other.pointer = nullptr; }
  ~Device() { cudaFree(pointer); }
  DevicePtr address() const { return DevicePtr(pointer); }
};

Device toDevice(StorageType type, const std::vector<float> &values) {
  StorageBuffer buffer(type, values);
  Device device(values.size() * sizeOf(type));
  EXPECT_EQ(cudaMemcpy(device.pointer, buffer.data(),
                       values.size() * sizeOf(type), cudaMemcpyHostToDevice),
            cudaSuccess);
  return device;
}

struct Case {
  const char *preset;
  int heads; // 0: the preset's
  int queryTokens, pageSize;
  StorageType storage;
  int splits = 0; // 0: the balanced schedule; N: N even splits
};

std::string errorOf(llvm::Error e) {
  return e ? llvm::toString(std::move(e)) : "no error";
}

/// An attention-mode problem (queries and the rows of its sequences), an
/// engine, a cache holding those rows where its page table puts them, and a
/// host mirror of the cache the reference reads.
struct EngineSetup {
  Problem problem;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<GpuPagedCache> cache;
  reference::PagedCache mirror;

  /// Writes `row` as token `token` of `slot`, on the GPU and in the mirror.
  void write(int64_t slot, int64_t token, const float *row) {
    int64_t width = problem.config.rowWidth();
    StorageBuffer stored(problem.shape.storage,
                         std::vector<float>(row, row + width));
    ASSERT_EQ(errorOf(cache->writeRows(slot, token, 1, stored.data())),
              "no error");
    llvm::Expected<int64_t> at = cache->table().rowOf(slot, token);
    ASSERT_TRUE(bool(at));
    std::vector<float> rounded = stored.values();
    std::copy(rounded.begin(), rounded.end(),
              mirror.rows.begin() + *at * width);
  }

  /// The cache's first `batch` slots as the reference sees them.
  reference::SequenceTable table(int64_t batch) const {
    const PageTable &t = cache->table();
    return {
        batch, t.width(),
        std::vector<int32_t>(t.blockTable().begin(),
                             t.blockTable().begin() + batch * t.width()),
        std::vector<int32_t>(t.lengths().begin(), t.lengths().begin() + batch)};
  }
};

std::optional<EngineSetup>
makeSetup(const Case &c, std::vector<int32_t> lengths, int64_t maxBatch) {
  llvm::Expected<LayerConfig> config = presetLayerConfig(c.preset);
  EXPECT_TRUE(bool(config));
  if (!config)
    return std::nullopt;
  if (c.heads)
    config->heads = c.heads;
  ProblemShape shape;
  shape.queryTokens = c.queryTokens;
  shape.pageSize = c.pageSize;
  shape.seqLens = std::move(lengths);
  shape.storage = c.storage;
  llvm::Expected<Problem> problem = makeRandomProblem(*config, shape, 7);
  EXPECT_TRUE(bool(problem)) << llvm::toString(problem.takeError());
  if (!problem)
    return std::nullopt;
  EngineOptions options;
  options.config = *config;
  options.storage = c.storage;
  options.pageSize = c.pageSize;
  options.queryTokens = c.queryTokens;
  options.maxBatch = maxBatch;
  options.splits = c.splits;
  llvm::Expected<std::unique_ptr<Engine>> engine = Engine::create(options);
  EXPECT_TRUE(bool(engine)) << llvm::toString(engine.takeError());
  if (!engine)
    return std::nullopt;
  // Whichever way the variant was chosen, the engine says which.
  llvm::StringRef choice = (*engine)->variantChoice();
  EXPECT_TRUE(choice.starts_with("heuristic (") ||
              choice.starts_with("tuning entry: "))
      << choice.str();
  // Room for every sequence to grow by 4 pages.
  int64_t width = problem->table.width + 4;
  int64_t pages = problem->cache.numPages + 4 * maxBatch;
  llvm::Expected<std::unique_ptr<GpuPagedCache>> cache =
      (*engine)->allocateCache(pages, maxBatch, width);
  EXPECT_TRUE(bool(cache)) << llvm::toString(cache.takeError());
  if (!cache)
    return std::nullopt;
  EngineSetup s{
      std::move(*problem), std::move(*engine), std::move(*cache),
      reference::PagedCache{
          pages, c.pageSize, config->kvLoraRank, config->qkRopeHeadDim, {}}};
  s.mirror.rows.assign(pages * c.pageSize * config->rowWidth(), NAN);
  const Problem &p = s.problem;
  for (int64_t b = 0; b < p.shape.batch(); ++b) {
    EXPECT_EQ(errorOf(s.cache->table().extend(b, p.table.seqLens[b])),
              "no error");
    for (int64_t t = 0; t < p.table.seqLens[b]; ++t) {
      int64_t page =
          p.table.blockTable[b * p.table.width + t / p.cache.pageSize];
      s.write(b, t, p.cache.row(page, t % p.cache.pageSize));
    }
  }
  EXPECT_EQ(errorOf(s.cache->upload(c.queryTokens)), "no error");
  return s;
}

/// The step's decode tensors: its queries `q` and `qr` on the device, the
/// output and LSE into `out` and `lse`.
DecodeBuffers decodeBuffers(const EngineSetup &s, const Device &q,
                            const Device &qr, const Device &out,
                            const Device &lse) {
  const Problem &p = s.problem;
  ElementType t = elementTypeOf(p.shape.storage);
  int64_t b = p.shape.batch(), tokens = p.shape.queryTokens, h = p.config.heads,
          dc = p.config.kvLoraRank;
  return {{q.address(), t, {b, tokens, h, dc}},
          {qr.address(), t, {b, tokens, h, p.config.qkRopeHeadDim}},
          {out.address(), t, {b, tokens, h, dc}},
          {lse.address(), ElementType::F32, {b, tokens, h}}};
}

/// The decode's output and LSE checked against the reference over the
/// mirror of the cache and its page table.
void expectMatchesReference(const EngineSetup &s, const Device &out,
                            const Device &lse,
                            const std::vector<float> *qLatent = nullptr) {
  const Problem &p = s.problem;
  size_t rows = p.shape.batch() * p.shape.queryTokens * p.config.heads;
  StorageBuffer gpuOut(p.shape.storage, rows * p.config.kvLoraRank);
  std::vector<float> gpuLse(rows);
  ASSERT_EQ(cudaMemcpy(gpuOut.data(), out.pointer,
                       gpuOut.size() * sizeOf(p.shape.storage),
                       cudaMemcpyDeviceToHost),
            cudaSuccess);
  ASSERT_EQ(
      cudaMemcpy(gpuLse.data(), lse.pointer, rows * 4, cudaMemcpyDeviceToHost),
      cudaSuccess);
  llvm::Expected<reference::AttentionResult> expected =
      reference::latentAttention(p.config, qLatent ? *qLatent : p.qLatent,
                                 p.qRope, p.shape.queryTokens, s.mirror,
                                 s.table(p.shape.batch()), /*causal=*/true);
  ASSERT_TRUE(bool(expected)) << llvm::toString(expected.takeError());
  mlagen::test::expectAttentionMatches(gpuOut.values(), gpuLse, *expected,
                                       p.shape.storage);
}

class EngineDecode : public ::testing::TestWithParam<Case> {};

TEST_P(EngineDecode, MatchesTheReference) {
  SKIP_WITHOUT_GPU();
  const Case &c = GetParam();
  std::optional<EngineSetup> s = makeSetup(c, {0, 1, 63, 64, 65, 1000}, 6);
  ASSERT_TRUE(s);
  const Problem &p = s->problem;
  size_t rows = p.shape.batch() * c.queryTokens * p.config.heads;
  Device q = toDevice(c.storage, p.qLatent), qr = toDevice(c.storage, p.qRope);
  Device out(rows * p.config.kvLoraRank * sizeOf(c.storage)), lse(rows * 4);
  DecodeBuffers buffers = decodeBuffers(*s, q, qr, out, lse);
  ASSERT_EQ(errorOf(s->engine->decode(*s->cache, buffers, nullptr)),
            "no error");
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  expectMatchesReference(*s, out, lse);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, EngineDecode,
    ::testing::Values(Case{"deepseek-v3", 0, 2, 64, StorageType::BF16},
                      Case{"deepseek-v3", 0, 1, 1, StorageType::BF16},
                      Case{"deepseek-v3", 0, 1, 48, StorageType::F16},
                      Case{"deepseek-v2-lite", 0, 1, 16, StorageType::F16},
                      Case{"deepseek-v2-lite", 0, 4, 256, StorageType::BF16}),
    [](const ::testing::TestParamInfo<Case> &info) {
      std::string name = llvm::formatv(
          "{0}_s{1}_page{2}_{3}", info.param.preset, info.param.queryTokens,
          info.param.pageSize, toString(info.param.storage));
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

TEST(EngineAppend, WritesRotatedRowsWhereThePageTableSays) {
  SKIP_WITHOUT_GPU();
  Case c{"deepseek-v3", 0, 2, 64, StorageType::BF16};
  std::optional<EngineSetup> s = makeSetup(c, {0, 63, 200}, 3);
  ASSERT_TRUE(s);
  const Problem &p = s->problem;
  const LayerConfig &config = p.config;
  int64_t batch = p.shape.batch(), tokens = c.queryTokens;
  for (int64_t b = 0; b < batch; ++b)
    ASSERT_EQ(errorOf(s->cache->table().extend(b, tokens)), "no error");
  ASSERT_EQ(errorOf(s->cache->upload(tokens)), "no error");
  // New tokens: c_kv and k_rope with bf16-exact values, positions after
  // each sequence.
  std::vector<float> cKv(batch * tokens * config.kvLoraRank),
      kRope(batch * tokens * config.qkRopeHeadDim);
  for (size_t i = 0; i < cKv.size(); ++i)
    cKv[i] = float(int(i * 37 % 101) - 50) / 64.0f;
  for (size_t i = 0; i < kRope.size(); ++i)
    kRope[i] = float(int(i * 53 % 97) - 48) / 32.0f;
  std::vector<int32_t> positions(batch * tokens);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t k = 0; k < tokens; ++k)
      positions[b * tokens + k] = p.table.seqLens[b] + k;
  Device dKv = toDevice(c.storage, cKv), dRope = toDevice(c.storage, kRope);
  Device dPositions(positions.size() * 4);
  ASSERT_EQ(cudaMemcpy(dPositions.pointer, positions.data(),
                       positions.size() * 4, cudaMemcpyHostToDevice),
            cudaSuccess);
  ElementType t = elementTypeOf(c.storage);
  AppendBuffers buffers{
      {dKv.address(), t, {batch, tokens, config.kvLoraRank}},
      {dRope.address(), t, {batch, tokens, config.qkRopeHeadDim}},
      {dPositions.address(), ElementType::I32, {batch, tokens}}};
  ASSERT_EQ(errorOf(s->engine->append(*s->cache, buffers, nullptr)),
            "no error");
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);

  int64_t width = config.rowWidth();
  size_t rowBytes = width * sizeOf(c.storage);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t k = 0; k < tokens; ++k) {
      llvm::Expected<int64_t> row =
          s->cache->table().rowOf(b, p.table.seqLens[b] + k);
      ASSERT_TRUE(bool(row));
      StorageBuffer stored(c.storage, size_t(width));
      ASSERT_EQ(cudaMemcpy(stored.data(),
                           reinterpret_cast<char *>(s->cache->rows()) +
                               *row * rowBytes,
                           rowBytes, cudaMemcpyDeviceToHost),
                cudaSuccess);
      std::vector<float> got = stored.values();
      const float *latent = &cKv[(b * tokens + k) * config.kvLoraRank];
      for (int64_t i = 0; i < config.kvLoraRank; ++i)
        ASSERT_EQ(got[i], latent[i]) << "c_kv " << b << "," << k << "," << i;
      std::vector<double> rope(
          kRope.begin() + (b * tokens + k) * config.qkRopeHeadDim,
          kRope.begin() + (b * tokens + k + 1) * config.qkRopeHeadDim);
      reference::applyRope(config.rope, rope.data(), config.qkRopeHeadDim,
                           positions[b * tokens + k]);
      for (int64_t i = 0; i < config.qkRopeHeadDim; ++i)
        EXPECT_NEAR(got[config.kvLoraRank + i], rope[i],
                    0x1p-7 * std::max(1.0, std::fabs(rope[i])))
            << "k_rope " << b << "," << k << "," << i;
    }
}

TEST(EngineGraph, ReplaysWithNewLengths) {
  SKIP_WITHOUT_GPU();
  Case c{"deepseek-v3", 0, 1, 64, StorageType::BF16};
  std::optional<EngineSetup> s = makeSetup(c, {5, 130, 700}, 3);
  ASSERT_TRUE(s);
  const Problem &p = s->problem;
  size_t rows = p.shape.batch() * p.config.heads;
  Device q = toDevice(c.storage, p.qLatent), qr = toDevice(c.storage, p.qRope);
  Device out(rows * p.config.kvLoraRank * sizeOf(c.storage)), lse(rows * 4);
  DecodeBuffers buffers = decodeBuffers(*s, q, qr, out, lse);
  cudaStream_t stream;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  // One ordinary decode first: lazily loaded kernels are loaded outside the
  // capture.
  ASSERT_EQ(errorOf(s->engine->decode(*s->cache, buffers, stream)), "no error");
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  cudaGraph_t graph;
  ASSERT_EQ(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal),
            cudaSuccess);
  ASSERT_EQ(errorOf(s->engine->decode(*s->cache, buffers, stream)), "no error");
  ASSERT_EQ(cudaStreamEndCapture(stream, &graph), cudaSuccess);
  cudaGraphExec_t exec;
  ASSERT_EQ(cudaGraphInstantiate(&exec, graph, 0), cudaSuccess);
  ASSERT_EQ(cudaGraphLaunch(exec, stream), cudaSuccess);
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  expectMatchesReference(*s, out, lse);

  // Each sequence grows by 70 tokens of new rows, then the same graph
  // runs again over the new lengths.
  std::vector<float> row(p.config.rowWidth());
  for (int64_t b = 0; b < p.shape.batch(); ++b) {
    int64_t length = s->cache->table().length(b);
    ASSERT_EQ(errorOf(s->cache->table().extend(b, 70)), "no error");
    for (int64_t t = length; t < length + 70; ++t) {
      for (size_t i = 0; i < row.size(); ++i)
        row[i] = float(int((t * 31 + i) % 61) - 30) / 16.0f;
      s->write(b, t, row.data());
    }
  }
  ASSERT_EQ(errorOf(s->cache->upload(c.queryTokens)), "no error");
  ASSERT_EQ(cudaGraphLaunch(exec, stream), cudaSuccess);
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  expectMatchesReference(*s, out, lse);
  cudaGraphExecDestroy(exec);
  cudaGraphDestroy(graph);
  cudaStreamDestroy(stream);
}

TEST(EngineStreams, DecodesWithTheirOwnWorkspacesOverlap) {
  SKIP_WITHOUT_GPU();
  Case c{"deepseek-v3", 0, 2, 64, StorageType::BF16, /*splits=*/4};
  // 4 sequences of an engine for 6: the workspace holds the call's rows.
  std::optional<EngineSetup> s = makeSetup(c, {1, 64, 300, 1000}, 6);
  ASSERT_TRUE(s);
  const Problem &p = s->problem;
  int64_t batch = p.shape.batch();
  ASSERT_EQ(s->engine->cut().splits, 4);
  int64_t workspaceBytes = s->engine->workspaceBytes(batch);
  ASSERT_EQ(workspaceBytes, 4 * batch * 2 * 128 * (512 + 1) * 4);
  size_t rows = batch * c.queryTokens * p.config.heads;
  // Two different decodes of the cache (the second with the queries'
  // latent parts negated, exact in bf16) on two streams at once, each with
  // its own workspace and outputs: were a workspace shared, one would see
  // the other's partial results.
  std::vector<float> negated = p.qLatent;
  for (float &x : negated)
    x = -x;
  std::vector<Device> queries, outs, lses, workspaces;
  queries.push_back(toDevice(c.storage, p.qLatent));
  queries.push_back(toDevice(c.storage, negated));
  Device qr = toDevice(c.storage, p.qRope);
  std::vector<cudaStream_t> streams(2);
  for (cudaStream_t &stream : streams) {
    ASSERT_EQ(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking),
              cudaSuccess);
    outs.emplace_back(rows * p.config.kvLoraRank * sizeOf(c.storage));
    lses.emplace_back(rows * 4);
    workspaces.emplace_back(workspaceBytes);
  }
  for (int repeat = 0; repeat < 3; ++repeat)
    for (size_t i = 0; i < streams.size(); ++i) {
      DecodeBuffers buffers =
          decodeBuffers(*s, queries[i], qr, outs[i], lses[i]);
      buffers.workspace = workspaces[i].address();
      buffers.workspaceBytes = workspaceBytes;
      ASSERT_EQ(errorOf(s->engine->decode(*s->cache, buffers, streams[i])),
                "no error");
    }
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  for (size_t i = 0; i < streams.size(); ++i) {
    SCOPED_TRACE("stream " + std::to_string(i));
    expectMatchesReference(*s, outs[i], lses[i], i ? &negated : nullptr);
    cudaStreamDestroy(streams[i]);
  }
}

TEST(EngineCache, AnotherEnginesCacheIsCheckedBeforeAnyLaunch) {
  SKIP_WITHOUT_GPU();
  // V2-Lite's 16 heads: 1 query token makes 16 rows (mma_sync), 4 make 64
  // (wgmma with TMA loads on sm_90a, mma_sync elsewhere).
  Case one{"deepseek-v2-lite", 0, 1, 64, StorageType::BF16};
  std::optional<EngineSetup> s = makeSetup(one, {5, 70}, 2);
  ASSERT_TRUE(s);
  EngineOptions options = s->engine->options();
  options.queryTokens = 4;
  llvm::Expected<std::unique_ptr<Engine>> four = Engine::create(options);
  ASSERT_TRUE(bool(four)) << llvm::toString(four.takeError());
  ASSERT_EQ(errorOf(s->cache->upload(4)), "no error");
  int64_t rows = 2 * 4 * 16;
  Device q(rows * 512 * 2), qr(rows * 64 * 2), out(rows * 512 * 2),
      lse(rows * 4);
  ElementType t = ElementType::BF16;
  DecodeBuffers buffers{{q.address(), t, {2, 4, 16, 512}},
                        {qr.address(), t, {2, 4, 16, 64}},
                        {out.address(), t, {2, 4, 16, 512}},
                        {lse.address(), ElementType::F32, {2, 4, 16}}};
  std::string decoded = errorOf((*four)->decode(*s->cache, buffers, nullptr));
  if ((*four)->gpu().arch == "sm_90a")
    EXPECT_EQ(decoded, "decode: the engine's kernels load the cache by TMA, "
                       "and the engine that allocated it made no descriptor "
                       "(allocate the cache with this engine)");
  else
    EXPECT_EQ(decoded, "no error");
  // An engine of another storage type reads rows of another layout.
  options.storage = StorageType::F16;
  llvm::Expected<std::unique_ptr<Engine>> f16 = Engine::create(options);
  ASSERT_TRUE(bool(f16)) << llvm::toString(f16.takeError());
  EXPECT_EQ(errorOf((*f16)->decode(*s->cache, buffers, nullptr)),
            "decode: the cache holds bf16 rows of 576 values, the engine's "
            "kernels read f16 rows of 576 (another config or storage)");
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
}

class EnginePrefill : public ::testing::TestWithParam<StorageType> {};

TEST_P(EnginePrefill, MatchesTheReference) {
  SKIP_WITHOUT_GPU();
  llvm::Expected<LayerConfig> config = presetLayerConfig("deepseek-v2-lite");
  ASSERT_TRUE(bool(config));
  const LayerConfig &c = *config;
  EngineOptions options;
  options.config = c;
  options.storage = GetParam();
  llvm::Expected<std::unique_ptr<Engine>> engine = Engine::create(options);
  ASSERT_TRUE(bool(engine)) << llvm::toString(engine.takeError());
  // Lengths: empty, shorter than the prompt, a tile boundary, the longest.
  int64_t batch = 4, tokens = 70, keyTokens = 200;
  std::vector<int32_t> lengths = {0, 30, 64, 200};
  int64_t h = c.heads;
  std::vector<float> qNope =
                         exactValues(batch * tokens * h * c.qkNopeHeadDim, 1),
                     qRope =
                         exactValues(batch * tokens * h * c.qkRopeHeadDim, 2),
                     kNope = exactValues(
                         batch * keyTokens * h * c.qkNopeHeadDim, 3),
                     kRope =
                         exactValues(batch * keyTokens * c.qkRopeHeadDim, 4),
                     v = exactValues(batch * keyTokens * h * c.vHeadDim, 5);
  StorageType t = options.storage;
  Device dqn = toDevice(t, qNope), dqr = toDevice(t, qRope),
         dkn = toDevice(t, kNope), dkr = toDevice(t, kRope),
         dv = toDevice(t, v);
  Device lens(batch * 4);
  ASSERT_EQ(cudaMemcpy(lens.pointer, lengths.data(), batch * 4,
                       cudaMemcpyHostToDevice),
            cudaSuccess);
  size_t rows = batch * tokens * h;
  Device out(rows * c.vHeadDim * sizeOf(t)), lse(rows * 4);
  ElementType e = elementTypeOf(t);
  PrefillBuffers buffers{
      {dqn.address(), e, {batch, tokens, h, c.qkNopeHeadDim}},
      {dqr.address(), e, {batch, tokens, h, c.qkRopeHeadDim}},
      {dkn.address(), e, {batch, keyTokens, h, c.qkNopeHeadDim}},
      {dkr.address(), e, {batch, keyTokens, c.qkRopeHeadDim}},
      {dv.address(), e, {batch, keyTokens, h, c.vHeadDim}},
      {lens.address(), ElementType::I32, {batch}},
      {out.address(), e, {batch, tokens, h, c.vHeadDim}},
      {lse.address(), ElementType::F32, {batch, tokens, h}}};
  ASSERT_EQ(errorOf((*engine)->prefill(buffers, nullptr)), "no error");
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  StorageBuffer gpuOut(t, rows * c.vHeadDim);
  std::vector<float> gpuLse(rows);
  ASSERT_EQ(cudaMemcpy(gpuOut.data(), out.pointer, gpuOut.size() * sizeOf(t),
                       cudaMemcpyDeviceToHost),
            cudaSuccess);
  ASSERT_EQ(
      cudaMemcpy(gpuLse.data(), lse.pointer, rows * 4, cudaMemcpyDeviceToHost),
      cudaSuccess);
  llvm::Expected<reference::AttentionResult> expected = reference::mhaAttention(
      c, batch, tokens, keyTokens, lengths, qNope, qRope, kNope, kRope, v);
  ASSERT_TRUE(bool(expected)) << llvm::toString(expected.takeError());
  mlagen::test::expectAttentionMatches(gpuOut.values(), gpuLse, *expected, t);
}

INSTANTIATE_TEST_SUITE_P(Storage, EnginePrefill,
                         ::testing::Values(StorageType::BF16, StorageType::F16),
                         [](const ::testing::TestParamInfo<StorageType> &info) {
                           return toString(info.param).str();
                         });

TEST(EngineDevice, AnOrdinalBeyondTheGpusIsNamed) {
  SKIP_WITHOUT_GPU();
  int count = 0;
  ASSERT_EQ(cudaGetDeviceCount(&count), cudaSuccess);
  llvm::Expected<LayerConfig> config = presetLayerConfig("deepseek-v2-lite");
  ASSERT_TRUE(bool(config));
  EngineOptions options;
  options.config = *config;
  options.device = count;
  llvm::Expected<std::unique_ptr<Engine>> engine = Engine::create(options);
  ASSERT_FALSE(bool(engine));
  EXPECT_EQ(llvm::toString(engine.takeError()),
            llvm::formatv("GPU {0} asked for; the driver finds {0} (ordinals 0 "
                          "to {1})",
                          count, count - 1)
                .str());
  // The last GPU works like the first (the one it is on with one GPU).
  options.device = count - 1;
  engine = Engine::create(options);
  ASSERT_TRUE(bool(engine)) << llvm::toString(engine.takeError());
  EXPECT_EQ((*engine)->gpu().device, count - 1);
}

} // namespace
