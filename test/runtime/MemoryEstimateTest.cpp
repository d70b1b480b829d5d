//===- MemoryEstimateTest.cpp - what a run needs, against what it makes ---===//
//
// The estimate is what stands between a size beyond the machine and an
// out-of-memory kill: it must count what the problem really holds, and the
// check must refuse with the sizes named.
//
//===----------------------------------------------------------------------===//

#include "mlagen/MemoryEstimate.h"
#include "mlagen/Presets.h"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace mlagen;

namespace {

/// Sets MLAGEN_MEMORY_LIMIT for one scope.
class ScopedLimit {
public:
  explicit ScopedLimit(const char *value) {
    setenv("MLAGEN_MEMORY_LIMIT", value, 1);
  }
  ~ScopedLimit() { unsetenv("MLAGEN_MEMORY_LIMIT"); }
};

uint64_t bytesOf(const std::vector<float> &v) { return 4 * v.size(); }

ProblemShape shapeOf(RunMode mode) {
  ProblemShape shape;
  shape.mode = mode;
  shape.queryTokens = 2;
  shape.pageSize = 16;
  shape.seqLens = {100, 0, 37};
  return shape;
}

TEST(MemoryEstimate, CountsWhatTheProblemHolds) {
  llvm::Expected<LayerConfig> config = presetLayerConfig("deepseek-v2-lite");
  ASSERT_TRUE(bool(config));
  for (RunMode mode : {RunMode::Attention, RunMode::Layer}) {
    ProblemShape shape = shapeOf(mode);
    llvm::Expected<Problem> p = makeRandomProblem(*config, shape, 1);
    ASSERT_TRUE(bool(p)) << llvm::toString(p.takeError());
    const reference::LayerWeights &w = p->weights;
    uint64_t held = bytesOf(p->cache.rows) + 4 * p->table.blockTable.size() +
                    bytesOf(p->qLatent) + bytesOf(p->qRope) +
                    bytesOf(p->hidden) + bytesOf(w.wDq) + bytesOf(w.qNorm) +
                    bytesOf(w.wUq) + bytesOf(w.wDkv) + bytesOf(w.kvNorm) +
                    bytesOf(w.wUk) + bytesOf(w.wUv) + bytesOf(w.wO);
    EXPECT_EQ(problemMemory(*config, shape).total(), held);
  }
}

TEST(MemoryEstimate, StepCountsStorageCopiesAndSplitPartials) {
  llvm::Expected<LayerConfig> config = presetLayerConfig("deepseek-v2-lite");
  ASSERT_TRUE(bool(config));
  ProblemShape shape = shapeOf(RunMode::Attention);
  shape.storage = StorageType::BF16;
  uint64_t whole = cpuStepMemory(*config, shape, 1).total();
  uint64_t split = cpuStepMemory(*config, shape, 4).total();
  // Four partial outputs of kv_lora_rank + 1 floats per query row.
  uint64_t rows = 3 * 2 * config->heads;
  EXPECT_EQ(split - whole, 4 * rows * (config->kvLoraRank + 1) * 4);
  shape.storage = StorageType::F32;
  EXPECT_GT(cpuStepMemory(*config, shape, 1).total(), whole);
}

TEST(MemoryEstimate, RefusesBeyondTheLimitNamingTheSizes) {
  ScopedLimit limit("1K");
  MemoryEstimate need;
  need.add("cache as floats", 3 << 20);
  need.add("queries", 512);
  need.add("queries", 512); // the same part, added to
  ASSERT_EQ(need.parts.size(), 2u);
  llvm::Error e = checkHostMemory(need, "the test's arrays");
  ASSERT_TRUE(bool(e));
  std::string text = llvm::toString(std::move(e));
  EXPECT_NE(text.find("the test's arrays would take 3.00 MiB"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("cache as floats 3.00 MiB, queries 1.00 KiB"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("1.00 KiB this process can still allocate "
                      "(MLAGEN_MEMORY_LIMIT)"),
            std::string::npos)
      << text;
  MemoryEstimate small;
  small.add("queries", 1024);
  EXPECT_FALSE(bool(checkHostMemory(small, "x")));
}

TEST(MemoryEstimate, ProblemsBeyondTheLimitAreRefusedBeforeAllocating) {
  llvm::Expected<LayerConfig> config = presetLayerConfig("deepseek-v2-lite");
  ASSERT_TRUE(bool(config));
  ScopedLimit limit("64K");
  llvm::Expected<Problem> p =
      makeRandomProblem(*config, shapeOf(RunMode::Attention), 1);
  ASSERT_FALSE(bool(p));
  EXPECT_NE(llvm::toString(p.takeError()).find("the problem's arrays"),
            std::string::npos);
}

TEST(MemoryEstimate, ReadsTheLimitAndTheMachine) {
  for (auto [text, bytes] : {std::pair<const char *, uint64_t>{"4096", 4096},
                             {"8k", 8192},
                             {"3M", 3 << 20},
                             {"2G", uint64_t(2) << 30},
                             {"1T", uint64_t(1) << 40}}) {
    ScopedLimit limit(text);
    llvm::Expected<HostMemory> have = availableHostMemory();
    ASSERT_TRUE(bool(have)) << text;
    EXPECT_EQ(have->bytes, bytes) << text;
  }
  for (const char *bad : {"", "G", "12X", "-5", "99999999999999999999T"}) {
    ScopedLimit limit(bad);
    llvm::Expected<HostMemory> have = availableHostMemory();
    ASSERT_FALSE(bool(have)) << bad;
    EXPECT_NE(llvm::toString(have.takeError()).find("MLAGEN_MEMORY_LIMIT"),
              std::string::npos);
  }
  // This machine has some memory, and some source says how much.
  llvm::Expected<HostMemory> have = availableHostMemory();
  ASSERT_TRUE(bool(have));
  EXPECT_GT(have->bytes, uint64_t(1) << 20);
  EXPECT_NE(have->source, "MLAGEN_MEMORY_LIMIT");
}

TEST(MemoryEstimate, FormatsBytes) {
  EXPECT_EQ(formatBytes(100), "100 B");
  EXPECT_EQ(formatBytes(1536), "1.50 KiB");
  EXPECT_EQ(formatBytes(double(5) * (uint64_t(1) << 30)), "5.00 GiB");
}

} // namespace
