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
#include "runtime/cpu/CheckedAllocation.h"

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
  uint64_t allocationsBefore = checkedAllocations();
  runs(200);
  size_t after = mallinfo2().uordblks;
  // The split step's partials are buffers of the generated code: they go
  // through the checked allocator, not straight to malloc.
  if (c.splits > 1)
    EXPECT_GE(checkedAllocations() - allocationsBefore, 200u) << c.name;
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

// The generated code cannot take an error back from a failed allocation
// (it may be on an OpenMP worker thread): it must stop, saying why, not
// write through a null pointer.
TEST(CheckedAllocation, AFailedAllocationExitsWithAMessage) {
  EXPECT_EXIT(checkedAllocate(uint64_t(1) << 62), testing::ExitedWithCode(1),
              "could not allocate 4611686018427387904 bytes");
  EXPECT_EXIT(checkedAlignedAllocate(64, uint64_t(1) << 62),
              testing::ExitedWithCode(1), "could not allocate");
}

TEST(CheckedAllocation, AllocatesAlignedAndFrees) {
  void *p = checkedAlignedAllocate(64, 1000);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
  checkedFree(p);
  void *q = checkedAllocate(0); // malloc(0) may give null: not a failure
  checkedFree(q);
}

} // namespace
