//===- EngineChecksTest.cpp - the host API rejects bad arguments ----------===//
//
// What Engine::create, append and decode check before anything reaches the
// GPU, run without one: each bad argument is named.
//
//===----------------------------------------------------------------------===//

#include "mlagen/Engine.h"
#include "mlagen/Presets.h"

#include "llvm/Support/FormatVariadic.h"

#include <gtest/gtest.h>

using namespace mlagen;

namespace {

std::string errorOf(llvm::Error e) {
  return e ? llvm::toString(std::move(e)) : "no error";
}

EngineOptions v3Options() {
  llvm::Expected<LayerConfig> config = presetLayerConfig("deepseek-v3");
  EXPECT_TRUE(bool(config));
  EngineOptions options;
  options.config = config ? *config : LayerConfig{};
  options.queryTokens = 2;
  options.maxBatch = 4;
  return options;
}

TEST(EngineChecks, Options) {
  EngineOptions o = v3Options();
  EXPECT_EQ(errorOf(Engine::checkOptions(o)), "no error");
  EngineOptions f32 = o;
  f32.storage = StorageType::F32;
  EXPECT_EQ(errorOf(Engine::checkOptions(f32)),
            "engine: storage must be bf16 or f16, got f32");
  EngineOptions tokens = o;
  tokens.queryTokens = 9;
  EXPECT_EQ(errorOf(Engine::checkOptions(tokens)),
            "engine: queryTokens 9 is not in [1, 8]");
  EngineOptions page = o;
  page.pageSize = 0;
  EXPECT_EQ(errorOf(Engine::checkOptions(page)),
            "engine: page size 0 is not positive");
  EngineOptions batch = o;
  batch.maxBatch = 0;
  EXPECT_EQ(errorOf(Engine::checkOptions(batch)),
            "engine: maxBatch 0 is not positive");
  EngineOptions splits = o;
  splits.splits = -2;
  EXPECT_EQ(errorOf(Engine::checkOptions(splits)),
            "engine: splits -2 is negative");
  EngineOptions device = o;
  device.device = -1;
  EXPECT_EQ(errorOf(Engine::checkOptions(device)),
            "engine: device -1 is negative");
  // create checks the options before it looks for a GPU.
  llvm::Expected<std::unique_ptr<Engine>> engine = Engine::create(f32);
  ASSERT_FALSE(bool(engine));
  EXPECT_EQ(llvm::toString(engine.takeError()),
            "engine: storage must be bf16 or f16, got f32");
}

TEST(EngineChecks, WithoutAGpuCreateSaysWhy) {
  llvm::Expected<GpuInfo> gpu = findGpu();
  if (gpu)
    GTEST_SKIP() << "a GPU is present: " << gpu->name;
  std::string why = llvm::toString(gpu.takeError());
  llvm::Expected<std::unique_ptr<Engine>> engine = Engine::create(v3Options());
  ASSERT_FALSE(bool(engine));
  EXPECT_EQ(llvm::toString(engine.takeError()), why);
}

/// V3 decode tensors (bf16, S = 2, 128 heads) for `batch` sequences.
DecodeBuffers v3Decode(int64_t batch) {
  return {{0x1000, ElementType::BF16, {batch, 2, 128, 512}},
          {0x2000, ElementType::BF16, {batch, 2, 128, 64}},
          {0x3000, ElementType::BF16, {batch, 2, 128, 512}},
          {0x4000, ElementType::F32, {batch, 2, 128}}};
}

TEST(EngineChecks, Decode) {
  EngineOptions o = v3Options();
  llvm::Expected<PageTable> table = PageTable::create(64, 64, 3, 16);
  ASSERT_TRUE(bool(table));
  DecodeBuffers b = v3Decode(2);
  const DecodeCut whole{0, 1}, four{0, 4};
  EXPECT_EQ(errorOf(Engine::checkDecode(o, whole, *table, true, b)),
            "no error");

  // The batch is qLatent's dim 0: the engine takes 4, the cache has 3.
  EXPECT_EQ(errorOf(Engine::checkDecode(o, whole, *table, true, v3Decode(4))),
            "decode: batch 4 (qLatent's dim 0) is not in [1, 3] (the "
            "engine's maxBatch 4, the cache's 3 slots)");
  EXPECT_EQ(errorOf(Engine::checkDecode(o, whole, *table, true, v3Decode(0))),
            "decode: batch 0 (qLatent's dim 0) is not in [1, 3] (the "
            "engine's maxBatch 4, the cache's 3 slots)");
  DecodeBuffers noDims = b;
  noDims.qLatent.shape.clear();
  EXPECT_EQ(errorOf(Engine::checkDecode(o, whole, *table, true, noDims)),
            "decode: qLatent has no dims; its dim 0 is the batch");
  EXPECT_EQ(errorOf(Engine::checkDecode(o, whole, *table, false, b)),
            "decode: the cache's page table changed since its last upload()");
  DecodeBuffers null = b;
  null.qRope.data = 0;
  EXPECT_EQ(errorOf(Engine::checkDecode(o, whole, *table, true, null)),
            "decode: qRope is null");
  DecodeBuffers misaligned = b;
  misaligned.qLatent.data = 0x1008;
  EXPECT_EQ(errorOf(Engine::checkDecode(o, whole, *table, true, misaligned)),
            "decode: qLatent (0x1008) is not 16-byte aligned");
  DecodeBuffers lse = b;
  lse.lse.data = 0x4002;
  EXPECT_EQ(errorOf(Engine::checkDecode(o, whole, *table, true, lse)),
            "decode: lse (0x4002) is not 4-byte aligned");

  // Shapes and element types against the engine's.
  DecodeBuffers f16 = b;
  f16.out.type = ElementType::F16;
  EXPECT_EQ(errorOf(Engine::checkDecode(o, whole, *table, true, f16)),
            "decode: out is [2, 2, 128, 512] f16; expected [2, 2, 128, 512] "
            "bf16");
  DecodeBuffers rope = b;
  rope.qRope.shape = {2, 2, 128, 32};
  EXPECT_EQ(errorOf(Engine::checkDecode(o, whole, *table, true, rope)),
            "decode: qRope is [2, 2, 128, 32] bf16; expected [2, 2, 128, 64] "
            "bf16");
  DecodeBuffers tokens = b;
  tokens.qLatent.shape = {2, 1, 128, 512};
  EXPECT_EQ(errorOf(Engine::checkDecode(o, whole, *table, true, tokens)),
            "decode: qLatent is [2, 1, 128, 512] bf16; expected [2, 2, 128, "
            "512] bf16");
  DecodeBuffers batches = b;
  batches.lse.shape = {3, 2, 128};
  EXPECT_EQ(errorOf(Engine::checkDecode(o, whole, *table, true, batches)),
            "decode: lse is [3, 2, 128] f32; expected [2, 2, 128] f32");

  // A workspace of the caller's: aligned, and as large as the splits need.
  int64_t needed = Engine::workspaceBytes(o, four, 2);
  EXPECT_EQ(needed, 4 * 2 * 2 * 128 * (512 + 1) * 4);
  EXPECT_EQ(Engine::workspaceBytes(o, whole, 2), 0);
  // The balanced schedule's: the prefix sums (3 i64, padded to 32 bytes),
  // then batch + parts - 1 = 67 slots of partial results, whatever the
  // lengths.
  DecodeCut balanced{66, 1};
  EXPECT_EQ(Engine::workspaceBytes(o, balanced, 2),
            32 + 67 * 2 * 128 * (512 + 1) * 4);
  DecodeBuffers workspace = b;
  workspace.workspace = 0x5000;
  workspace.workspaceBytes = needed;
  EXPECT_EQ(errorOf(Engine::checkDecode(o, four, *table, true, workspace)),
            "no error");
  workspace.workspaceBytes = needed - 4;
  EXPECT_EQ(errorOf(Engine::checkDecode(o, four, *table, true, workspace)),
            llvm::formatv("decode: workspace holds {0} bytes; a batch of 2 "
                          "needs {1} (4 splits)",
                          needed - 4, needed)
                .str());
  workspace.workspace = 0x5008;
  EXPECT_EQ(errorOf(Engine::checkDecode(o, four, *table, true, workspace)),
            "decode: workspace (0x5008) is not 16-byte aligned");
  workspace.workspace = 0;
  EXPECT_EQ(errorOf(Engine::checkDecode(o, four, *table, true, workspace)),
            llvm::formatv("decode: workspaceBytes {0} given without a "
                          "workspace",
                          needed - 4)
                .str());
  DecodeBuffers rank = b;
  rank.out.shape = {2, 2, 128 * 512};
  EXPECT_EQ(errorOf(Engine::checkDecode(o, whole, *table, true, rank)),
            "decode: out is [2, 2, 65536] bf16; expected [2, 2, 128, 512] "
            "bf16");

  llvm::Expected<PageTable> other = PageTable::create(64, 16, 3, 16);
  ASSERT_TRUE(bool(other));
  EXPECT_EQ(errorOf(Engine::checkDecode(o, whole, *other, true, b)),
            "decode: the cache has pages of 16 tokens, the engine's kernels "
            "64");
}

TEST(EngineChecks, CallersCache) {
  EngineOptions o = v3Options(); // pages of 64 tokens, rows of 576 bf16
  DecodeBuffers b = v3Decode(2);
  const DecodeCut balanced{66, 1};
  CacheTensors cache{{0x10000, ElementType::BF16, {100, 64, 576}},
                     {0x20000, ElementType::I32, {3, 16}},
                     {0x30000, ElementType::I32, {3}}};
  EXPECT_EQ(errorOf(Engine::checkDecode(o, balanced, cache, b)), "no error");

  CacheTensors rank = cache;
  rank.blockTable.shape = {48};
  EXPECT_EQ(errorOf(Engine::checkDecode(o, balanced, rank, b)),
            "decode: the cache's rows, block table and lengths need 3, 2 and "
            "1 dims ([pages, page size, row width], [sequences, width], "
            "[sequences]), got 3, 1 and 1");
  CacheTensors page = cache;
  page.rows.shape = {100, 16, 576};
  EXPECT_EQ(errorOf(Engine::checkDecode(o, balanced, page, b)),
            "decode: the cache's rows is [100, 16, 576] bf16; expected [100, "
            "64, 576] bf16");
  CacheTensors empty = cache;
  empty.rows.shape = {0, 64, 576};
  EXPECT_EQ(errorOf(Engine::checkDecode(o, balanced, empty, b)),
            "decode: the cache has 0 pages; it needs 1 to 33554431 (its rows "
            "indexed by int32)");
  CacheTensors wide = cache;
  wide.blockTable.shape = {3, int64_t(1) << 26};
  EXPECT_EQ(errorOf(Engine::checkDecode(o, balanced, wide, b)),
            "decode: the block table is 67108864 pages wide; it needs 1 to "
            "33554431 (its keys indexed by int32)");
  CacheTensors few = cache;
  few.lengths.shape = {1};
  EXPECT_EQ(errorOf(Engine::checkDecode(o, balanced, few, b)),
            "decode: the block table has 3 rows and the lengths 1; batch 2 "
            "needs that many");
  CacheTensors type = cache;
  type.blockTable.type = ElementType::F32;
  EXPECT_EQ(errorOf(Engine::checkDecode(o, balanced, type, b)),
            "decode: the block table is [3, 16] f32; expected [3, 16] i32");
  CacheTensors misaligned = cache;
  misaligned.rows.data = 0x10008;
  EXPECT_EQ(errorOf(Engine::checkDecode(o, balanced, misaligned, b)),
            "decode: the cache's rows (0x10008) is not 16-byte aligned");
  CacheTensors null = cache;
  null.lengths.data = 0;
  EXPECT_EQ(errorOf(Engine::checkDecode(o, balanced, null, b)),
            "decode: the lengths is null");
  EXPECT_EQ(errorOf(Engine::checkDecode(o, balanced, cache, v3Decode(5))),
            "decode: batch 5 (qLatent's dim 0) is not in [1, 4] (the "
            "engine's maxBatch)");
  // The buffers are checked as over an engine's own cache.
  DecodeBuffers lse = b;
  lse.lse.type = ElementType::BF16;
  EXPECT_EQ(errorOf(Engine::checkDecode(o, balanced, cache, lse)),
            "decode: lse is [2, 2, 128] bf16; expected [2, 2, 128] f32");

  AppendBuffers append{{0x40000, ElementType::BF16, {2, 2, 512}},
                       {0x50000, ElementType::BF16, {2, 2, 64}},
                       {0x60000, ElementType::I32, {2, 2}}};
  EXPECT_EQ(errorOf(Engine::checkAppend(o, cache, append)), "no error");
  EXPECT_EQ(errorOf(Engine::checkAppend(o, few, append)),
            "append: the block table has 3 rows and the lengths 1; batch 2 "
            "needs that many");
}

TEST(EngineChecks, Append) {
  EngineOptions o = v3Options();
  llvm::Expected<PageTable> table = PageTable::create(64, 64, 3, 16);
  ASSERT_TRUE(bool(table));
  ASSERT_EQ(errorOf(table->extend(0, 5)), "no error");
  ASSERT_EQ(errorOf(table->extend(1, 1)), "no error");
  AppendBuffers b{{0x1000, ElementType::BF16, {2, 2, 512}},
                  {0x2000, ElementType::BF16, {2, 2, 64}},
                  {0x3000, ElementType::I32, {2, 2}}};
  EXPECT_EQ(errorOf(Engine::checkAppend(o, *table, true, b)),
            "append: slot 1 holds 1 tokens, fewer than the 2 being appended "
            "(extend it first)");
  ASSERT_EQ(errorOf(table->extend(1, 1)), "no error");
  EXPECT_EQ(errorOf(Engine::checkAppend(o, *table, true, b)), "no error");
  AppendBuffers null = b;
  null.positions.data = 0;
  EXPECT_EQ(errorOf(Engine::checkAppend(o, *table, true, null)),
            "append: positions is null");
  AppendBuffers positions = b;
  positions.positions.type = ElementType::F32;
  EXPECT_EQ(errorOf(Engine::checkAppend(o, *table, true, positions)),
            "append: positions is [2, 2] f32; expected [2, 2] i32");
  AppendBuffers latent = b;
  latent.kRope.shape = {2, 2, 512};
  EXPECT_EQ(errorOf(Engine::checkAppend(o, *table, true, latent)),
            "append: kRope is [2, 2, 512] bf16; expected [2, 2, 64] bf16");
}

/// V2-Lite prefill tensors (bf16, 16 heads) for `batch` sequences of
/// `tokens` queries over `keys` keys.
PrefillBuffers v2LitePrefill(int64_t batch, int64_t tokens, int64_t keys) {
  ElementType bf16 = ElementType::BF16;
  return {{0x1000, bf16, {batch, tokens, 16, 128}},
          {0x2000, bf16, {batch, tokens, 16, 64}},
          {0x3000, bf16, {batch, keys, 16, 128}},
          {0x4000, bf16, {batch, keys, 64}},
          {0x5000, bf16, {batch, keys, 16, 128}},
          {0x6000, ElementType::I32, {batch}},
          {0x7000, bf16, {batch, tokens, 16, 128}},
          {0x8000, ElementType::F32, {batch, tokens, 16}}};
}

TEST(EngineChecks, Prefill) {
  llvm::Expected<LayerConfig> config = presetLayerConfig("deepseek-v2-lite");
  ASSERT_TRUE(bool(config));
  EngineOptions o;
  o.config = *config;
  PrefillBuffers b = v2LitePrefill(2, 100, 300);
  EXPECT_EQ(errorOf(Engine::checkPrefill(o, b)), "no error");
  EXPECT_EQ(errorOf(Engine::checkPrefill(o, v2LitePrefill(2, 0, 300))),
            "prefill: batch (2) and tokens (0) from qNope and keyTokens (300) "
            "from kNope must be in [1, 2^31)");
  EXPECT_EQ(
      errorOf(Engine::checkPrefill(o, v2LitePrefill(2, 100, int64_t(1) << 31))),
      "prefill: batch (2) and tokens (100) from qNope and keyTokens "
      "(2147483648) from kNope must be in [1, 2^31)");
  PrefillBuffers flat = b;
  flat.kNope.shape = {2};
  EXPECT_EQ(errorOf(Engine::checkPrefill(o, flat)),
            "prefill: qNope and kNope need dims [batch, tokens, ...] and "
            "[batch, keyTokens, ...]");
  PrefillBuffers null = b;
  null.v.data = 0;
  EXPECT_EQ(errorOf(Engine::checkPrefill(o, null)), "prefill: v is null");
  PrefillBuffers misaligned = b;
  misaligned.kNope.data = 0x3004;
  EXPECT_EQ(errorOf(Engine::checkPrefill(o, misaligned)),
            "prefill: kNope (0x3004) is not 16-byte aligned");
  PrefillBuffers heads = b;
  heads.v.shape = {2, 300, 8, 128};
  EXPECT_EQ(errorOf(Engine::checkPrefill(o, heads)),
            "prefill: v is [2, 300, 8, 128] bf16; expected [2, 300, 16, 128] "
            "bf16");
  PrefillBuffers lengths = b;
  lengths.seqLens.shape = {3};
  EXPECT_EQ(errorOf(Engine::checkPrefill(o, lengths)),
            "prefill: seqLens is [3] i32; expected [2] i32");
  PrefillBuffers f16 = b;
  for (DeviceTensor *t :
       {&f16.qNope, &f16.qRope, &f16.kNope, &f16.kRope, &f16.v, &f16.out})
    t->type = ElementType::F16;
  EXPECT_EQ(errorOf(Engine::checkPrefill(o, f16)),
            "prefill: qNope is [2, 100, 16, 128] f16; expected [2, 100, 16, "
            "128] bf16");
}

} // namespace
