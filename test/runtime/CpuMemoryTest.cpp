//===- CpuMemoryTest.cpp - a step run again and again frees what it takes -===//
//
// A serving process runs the same compiled step step after step: the heap
// it holds must not grow with the runs. Buffers the generated code
// allocates inside parallel loop bodies and branches are freed only when
// the deallocation pipeline can see through them (registered in
// registerCpuLoweringDialects).
//
//===----------------------------------------------------------------------===//

#include "mlagen/CpuRunner.h"
#include "mlagen/Presets.h"

#include <gtest/gtest.h>
#include <malloc.h>

using namespace mlagen;

namespace {

struct Case {
  const char *name;
  RunMode mode;
  bool rewrite;
  int64_t splits, queryTokens, chunks = 1;
};

class CpuMemory : public testing::TestWithParam<Case> {};

TEST_P(CpuMemory, HeapStaysFlatOverManyRuns) {
  const Case &c = GetParam();
  llvm::Expected<LayerConfig> config = presetLayerConfig("deepseek-v2-lite");
  ASSERT_TRUE(bool(config));
  config->heads = 4;
  ProblemShape shape;
  shape.mode = c.mode;
  shape.queryTokens = c.queryTokens;
  shape.seqLens = {300, 17};
  llvm::Expected<Problem> p = makeRandomProblem(*config, shape, 3);
  ASSERT_TRUE(bool(p));
  CpuVariant variant;
  variant.splits = c.splits;
  variant.chunks = c.chunks;
  llvm::Expected<std::unique_ptr<CpuRunner>> runner =
      CpuRunner::create(*p, c.rewrite, variant);
  ASSERT_TRUE(bool(runner)) << llvm::toString(runner.takeError());
  auto runs = [&](int count) {
    for (int i = 0; i < count; ++i)
      ASSERT_FALSE(bool((*runner)->run()));
  };
  runs(10); // the allocator's and the thread pool's first growth
  size_t before = mallinfo2().uordblks;
  runs(200);
  size_t after = mallinfo2().uordblks;
  // A leak of even one small buffer a run would show as 200 times it.
  EXPECT_LT(after, before + 64 * 1024)
      << c.name << ": " << (after - before) / 200.0 << " bytes a run";
}

INSTANTIATE_TEST_SUITE_P(
    Steps, CpuMemory,
    testing::Values(Case{"split", RunMode::Attention, true, 4, 2},
                    Case{"whole", RunMode::Attention, true, 1, 1},
                    Case{"naive", RunMode::Attention, false, 1, 1},
                    Case{"layer", RunMode::Layer, true, 2, 2},
                    // Two calls, each on a thread of its own every run.
                    Case{"chunks", RunMode::Attention, true, 2, 1, 2}),
    [](const testing::TestParamInfo<Case> &info) { return info.param.name; });

} // namespace
