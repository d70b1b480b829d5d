//===- EngineChecksTest.cpp - the host API rejects bad arguments ----------===//
//
// What Engine::create, append and decode check before anything reaches the
// GPU, run without one: each bad argument is named.
//
//===----------------------------------------------------------------------===//

#include "mlagen/Engine.h"
#include "mlagen/Presets.h"

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

TEST(EngineChecks, Decode) {
  EngineOptions o = v3Options();
  llvm::Expected<PageTable> table = PageTable::create(64, 64, 3, 16);
  ASSERT_TRUE(bool(table));
  DecodeBuffers b{2, 0x1000, 0x2000, 0x3000, 0x4000};
  EXPECT_EQ(errorOf(Engine::checkDecode(o, *table, true, b)), "no error");

  DecodeBuffers big = b;
  big.batch = 4; // the engine takes 4, the cache has 3 slots
  EXPECT_EQ(errorOf(Engine::checkDecode(o, *table, true, big)),
            "decode: batch 4 is not in [1, 3] (the engine's maxBatch 4, the "
            "cache's 3 slots)");
  DecodeBuffers none = b;
  none.batch = 0;
  EXPECT_EQ(errorOf(Engine::checkDecode(o, *table, true, none)),
            "decode: batch 0 is not in [1, 3] (the engine's maxBatch 4, the "
            "cache's 3 slots)");
  EXPECT_EQ(errorOf(Engine::checkDecode(o, *table, false, b)),
            "decode: the cache's page table changed since its last upload()");
  DecodeBuffers null = b;
  null.qRope = 0;
  EXPECT_EQ(errorOf(Engine::checkDecode(o, *table, true, null)),
            "decode: qRope is null");
  DecodeBuffers misaligned = b;
  misaligned.qLatent = 0x1008;
  EXPECT_EQ(errorOf(Engine::checkDecode(o, *table, true, misaligned)),
            "decode: qLatent (0x1008) is not 16-byte aligned");
  DecodeBuffers lse = b;
  lse.lse = 0x4002;
  EXPECT_EQ(errorOf(Engine::checkDecode(o, *table, true, lse)),
            "decode: lse (0x4002) is not 4-byte aligned");
  DecodeBuffers workspace = b;
  workspace.workspace = 0x5000;
  EXPECT_EQ(errorOf(Engine::checkDecode(o, *table, true, workspace)),
            "no error");
  workspace.workspace = 0x5008;
  EXPECT_EQ(errorOf(Engine::checkDecode(o, *table, true, workspace)),
            "decode: workspace (0x5008) is not 16-byte aligned");

  llvm::Expected<PageTable> other = PageTable::create(64, 16, 3, 16);
  ASSERT_TRUE(bool(other));
  EXPECT_EQ(errorOf(Engine::checkDecode(o, *other, true, b)),
            "decode: the cache has pages of 16 tokens, the engine's kernels "
            "64");
}

TEST(EngineChecks, Append) {
  EngineOptions o = v3Options();
  llvm::Expected<PageTable> table = PageTable::create(64, 64, 3, 16);
  ASSERT_TRUE(bool(table));
  ASSERT_EQ(errorOf(table->extend(0, 5)), "no error");
  ASSERT_EQ(errorOf(table->extend(1, 1)), "no error");
  AppendBuffers b{2, 0x1000, 0x2000, 0x3000};
  EXPECT_EQ(errorOf(Engine::checkAppend(o, *table, true, b)),
            "append: slot 1 holds 1 tokens, fewer than the 2 being appended "
            "(extend it first)");
  ASSERT_EQ(errorOf(table->extend(1, 1)), "no error");
  EXPECT_EQ(errorOf(Engine::checkAppend(o, *table, true, b)), "no error");
  AppendBuffers null = b;
  null.positions = 0;
  EXPECT_EQ(errorOf(Engine::checkAppend(o, *table, true, null)),
            "append: positions is null");
}

TEST(EngineChecks, Prefill) {
  PrefillBuffers b{2,      100,    300,    0x1000, 0x2000, 0x3000,
                   0x4000, 0x5000, 0x6000, 0x7000, 0x8000};
  EXPECT_EQ(errorOf(Engine::checkPrefill(b)), "no error");
  PrefillBuffers empty = b;
  empty.tokens = 0;
  EXPECT_EQ(errorOf(Engine::checkPrefill(empty)),
            "prefill: batch (2), tokens (0) and keyTokens (300) must be in "
            "[1, 2^31)");
  PrefillBuffers huge = b;
  huge.keyTokens = int64_t(1) << 31;
  EXPECT_EQ(errorOf(Engine::checkPrefill(huge)),
            "prefill: batch (2), tokens (100) and keyTokens (2147483648) must "
            "be in [1, 2^31)");
  PrefillBuffers null = b;
  null.v = 0;
  EXPECT_EQ(errorOf(Engine::checkPrefill(null)), "prefill: v is null");
  PrefillBuffers misaligned = b;
  misaligned.kNope = 0x3004;
  EXPECT_EQ(errorOf(Engine::checkPrefill(misaligned)),
            "prefill: kNope (0x3004) is not 16-byte aligned");
}

} // namespace
