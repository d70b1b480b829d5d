//===- FunctionPlanTest.cpp - binding a step's kernels to buffers ---------===//
//
// What the GPU runner launches from, checked without a GPU: the plans of
// the DeepSeek-V3 attention step and whole decode layer bind every kernel
// parameter (pointers to buffers of the right size, ints to the step's
// counts), the cache append writes the cache argument in place (so the
// cache result is that buffer), and the index arithmetic the layer's
// rewrite leaves (RoPE positions, the lengths after the append) is the only
// thing left to the host.
//
//===----------------------------------------------------------------------===//

#include "mlagen/CpuRunner.h"
#include "mlagen/CudaUnit.h"
#include "mlagen/Presets.h"

#include <gtest/gtest.h>

#include <set>

using namespace mlagen;

namespace {

/// The V3 step (batch 4, 2 new tokens) and its unit for sm_90a, planned.
struct Planned {
  Problem problem;
  CudaUnit unit;
};

std::optional<Planned> plan(RunMode mode) {
  llvm::Expected<LayerConfig> config = presetLayerConfig("deepseek-v3");
  EXPECT_TRUE(bool(config));
  ProblemShape shape;
  shape.mode = mode;
  shape.queryTokens = 2;
  shape.seqLens = {5, 64, 200, 1000};
  llvm::Expected<Problem> problem = makeRandomProblem(*config, shape, 1);
  EXPECT_TRUE(bool(problem));
  if (!problem)
    return std::nullopt;
  mlir::MLIRContext context;
  llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>> module =
      parseStepModule(*problem, context);
  EXPECT_TRUE(bool(module)) << llvm::toString(module.takeError());
  if (!module)
    return std::nullopt;
  CudaUnitOptions options;
  options.arch = "sm_90a";
  options.splits = 4;
  options.plan = true;
  llvm::Expected<CudaUnit> unit = generateCudaUnit(**module, options);
  EXPECT_TRUE(bool(unit)) << llvm::toString(unit.takeError());
  if (!unit)
    return std::nullopt;
  return Planned{std::move(*problem), std::move(*unit)};
}

/// Checks every launch's parameters against the kernel's description and
/// returns the count each int parameter name got (the last one).
llvm::StringMap<int64_t> checkLaunches(const CudaUnit &unit) {
  const FunctionPlan &plan = *unit.plan;
  llvm::StringMap<int64_t> counts;
  EXPECT_EQ(plan.launches.size(), unit.kernels.size());
  for (const PlannedLaunch &launch : plan.launches) {
    const KernelLaunch &kernel = unit.kernels[launch.kernel];
    EXPECT_EQ(launch.params.size(), kernel.params.size()) << kernel.name;
    if (launch.params.size() != kernel.params.size())
      continue;
    for (auto [param, described] : llvm::zip(launch.params, kernel.params)) {
      EXPECT_EQ(param.name, described.name);
      if (described.isInt()) {
        EXPECT_GT(param.count, 0) << kernel.name << " " << param.name;
        counts[param.name] = param.count;
      } else {
        bool valid =
            param.buffer >= 0 && size_t(param.buffer) < plan.buffers.size();
        EXPECT_TRUE(valid) << kernel.name << " " << param.name;
        if (valid) {
          EXPECT_GT(plan.buffers[param.buffer].bytes, 0);
        }
      }
    }
  }
  return counts;
}

TEST(FunctionPlan, AttentionStep) {
  std::optional<Planned> p = plan(RunMode::Attention);
  ASSERT_TRUE(p);
  const FunctionPlan &plan = *p->unit.plan;
  llvm::StringMap<int64_t> counts = checkLaunches(p->unit);
  // q, q_rope, cache, block table, lengths; then the partial results.
  int64_t arguments = 0;
  for (const PlannedBuffer &b : plan.buffers) {
    arguments += b.argument >= 0;
    EXPECT_TRUE(b.computedBy.empty()) << b.name;
  }
  EXPECT_EQ(arguments, 5);
  EXPECT_EQ(plan.buffers[2].bytes,
            p->problem.cache.numPages * 64 * 576 * 2); // the bf16 cache
  EXPECT_EQ(counts["batch"], 4);
  EXPECT_EQ(counts["rows"], 4 * 2 * 128);
  EXPECT_EQ(counts["table_width"], p->problem.table.width);
  ASSERT_EQ(plan.results.size(), 2u);
  EXPECT_EQ(plan.buffers[plan.results[0]].bytes, 4 * 2 * 128 * 512 * 2);
  EXPECT_EQ(plan.buffers[plan.results[1]].bytes, 4 * 2 * 128 * 4);
}

TEST(FunctionPlan, LayerStep) {
  std::optional<Planned> p = plan(RunMode::Layer);
  ASSERT_TRUE(p);
  const FunctionPlan &plan = *p->unit.plan;
  llvm::StringMap<int64_t> counts = checkLaunches(p->unit);
  int64_t arguments = 0;
  std::vector<std::string> computed;
  for (const PlannedBuffer &b : plan.buffers) {
    arguments += b.argument >= 0;
    if (!b.computedBy.empty())
      computed.push_back(b.computedBy);
  }
  // hidden, cache, block table, lengths and 8 weights (query compression).
  EXPECT_EQ(arguments, 12);
  // RoPE positions (lengths + k) and the attention's lengths (+ S).
  EXPECT_EQ(computed.size(), 2u);
  EXPECT_EQ(counts["new_tokens"], 4 * 2);
  EXPECT_EQ(counts["tokens"], 4 * 2);
  ASSERT_EQ(plan.results.size(), 2u);
  // The cache result is the cache argument's buffer, appended in place.
  EXPECT_EQ(plan.buffers[plan.results[1]].argument, 1);
  EXPECT_EQ(plan.buffers[plan.results[0]].bytes, 4 * 2 * 7168 * 2);
  // The positions are read by the query's RoPE and by the append.
  llvm::StringMap<int> readers;
  for (const PlannedLaunch &launch : plan.launches)
    for (const PlannedParam &param : launch.params)
      if (param.buffer >= 0 && !plan.buffers[param.buffer].computedBy.empty())
        ++readers[param.name];
  EXPECT_EQ(readers["positions"], 2);
  EXPECT_EQ(readers["seq_lens"], 1);
  // Each compression passes its pre-norm values to its RMSNorm in one f32
  // scratch buffer, which the two kernels share.
  for (auto [name, bytes] :
       {std::pair<std::string, int64_t>{"c_q_f32", 4 * 2 * 1536 * 4},
        {"c_kv_f32", 4 * 2 * 512 * 4}}) {
    SCOPED_TRACE(name);
    std::set<int> buffers;
    int launches = 0;
    for (const PlannedLaunch &launch : plan.launches)
      for (const PlannedParam &param : launch.params)
        if (param.name == name) {
          buffers.insert(param.buffer);
          ++launches;
        }
    EXPECT_EQ(launches, 2);
    ASSERT_EQ(buffers.size(), 1u);
    const PlannedBuffer &scratch = plan.buffers[*buffers.begin()];
    EXPECT_EQ(scratch.bytes, bytes);
    EXPECT_EQ(scratch.argument, -1);
    EXPECT_TRUE(scratch.computedBy.empty());
    EXPECT_EQ(scratch.name.rfind("scratch " + name, 0), 0u) << scratch.name;
  }
}

} // namespace
