//===- EmulatedStepTest.cpp - the sm_80 kernels' numbers, without a GPU ---===//
//
// The generated sm_80 kernels run on the host (KernelEmulator) through the
// plan of a built-in step, checked against the double-precision reference
// with mla-run --verify's tolerances: latent attention with mma_sync
// (whole and split KV with the combine; pages of 1, 16 and 64; 1 to 4
// query tokens; empty, short, page-boundary and longer sequences; bf16 and
// f16) and whole layers (projections, RMSNorms, RoPE, the fused append,
// absorptions, attention, output projection; with and without query
// compression); then every sm_80 variant of the decode attention and the
// combine. The unemulated Hopper family is covered on a GPU only.
//
//===----------------------------------------------------------------------===//

#include "KernelEmulator.h"
#include "dialect/MlaOps.h"
#include "mlagen/CpuRunner.h"
#include "mlagen/Presets.h"
#include "passes/cuda/VariantSpace.h"

#include "llvm/Support/FormatVariadic.h"

#include <gtest/gtest.h>

using namespace mlagen;

namespace {

struct Case {
  const char *name, *preset;
  int heads; // 0: the preset's
  RunMode mode;
  int queryTokens, pageSize, splits;
  StorageType storage;
  std::vector<int32_t> lengths;
};

class EmulatedStep : public ::testing::TestWithParam<Case> {};

TEST_P(EmulatedStep, MatchesTheReference) {
  const Case &c = GetParam();
  llvm::Expected<LayerConfig> config = presetLayerConfig(c.preset);
  ASSERT_TRUE(bool(config));
  if (c.heads)
    config->heads = c.heads;
  ProblemShape shape;
  shape.mode = c.mode;
  shape.queryTokens = c.queryTokens;
  shape.pageSize = c.pageSize;
  shape.seqLens = c.lengths;
  shape.storage = c.storage;
  llvm::Expected<Problem> problem = makeRandomProblem(*config, shape, 5);
  ASSERT_TRUE(bool(problem)) << llvm::toString(problem.takeError());
  mlir::MLIRContext context;
  llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>> module =
      parseStepModule(*problem, context);
  ASSERT_TRUE(bool(module)) << llvm::toString(module.takeError());
  CudaUnitOptions options;
  options.arch = "sm_80";
  options.splits = c.splits;
  options.plan = true;
  llvm::Expected<CudaUnit> unit = generateCudaUnit(**module, options);
  ASSERT_TRUE(bool(unit)) << llvm::toString(unit.takeError());
  llvm::Expected<StepResult> result = emulateStep(*problem, *unit);
  ASSERT_TRUE(bool(result)) << llvm::toString(result.takeError());
  std::string log;
  llvm::raw_string_ostream os(log);
  llvm::Expected<bool> ok = verifyStep(*problem, *result, os);
  ASSERT_TRUE(bool(ok)) << llvm::toString(ok.takeError());
  EXPECT_TRUE(*ok) << log;
}

const std::vector<int32_t> kLengths = {0, 1, 15, 16, 40, 130};

INSTANTIATE_TEST_SUITE_P(
    Steps, EmulatedStep,
    ::testing::Values(Case{"attention_v2lite_page16", "deepseek-v2-lite", 0,
                           RunMode::Attention, 1, 16, 1, StorageType::BF16,
                           kLengths},
                      Case{"attention_v2lite_split_s2_f16", "deepseek-v2-lite",
                           0, RunMode::Attention, 2, 16, 3, StorageType::F16,
                           kLengths},
                      Case{"attention_v3_heads8_page1_s4",
                           "deepseek-v3",
                           8,
                           RunMode::Attention,
                           4,
                           1,
                           2,
                           StorageType::BF16,
                           {0, 3, 70}},
                      Case{"attention_v3_heads3_page64",
                           "deepseek-v3",
                           3,
                           RunMode::Attention,
                           2,
                           64,
                           1,
                           StorageType::BF16,
                           {1, 64, 65}},
                      Case{"layer_v2lite",
                           "deepseek-v2-lite",
                           0,
                           RunMode::Layer,
                           1,
                           16,
                           1,
                           StorageType::BF16,
                           {0, 1, 16, 40}},
                      Case{"layer_v3_heads4_f16",
                           "deepseek-v3",
                           4,
                           RunMode::Layer,
                           2,
                           64,
                           2,
                           StorageType::F16,
                           {0, 63, 64}}),
    [](const ::testing::TestParamInfo<Case> &info) {
      return std::string(info.param.name);
    });

// Every sm_80 variant of the autotuner's space for the split decode
// attention (rows per CTA, warps, keys per tile, stages) and the combine
// (warps): 16 heads x 2 query tokens over pages of 16, split in 2.
TEST(EmulatedStep, EveryDecodeVariantMatchesTheReference) {
  llvm::Expected<LayerConfig> config = presetLayerConfig("deepseek-v2-lite");
  ASSERT_TRUE(bool(config));
  ProblemShape shape;
  shape.queryTokens = 2;
  shape.pageSize = 16;
  shape.seqLens = {0, 1, 16, 50};
  llvm::Expected<Problem> problem = makeRandomProblem(*config, shape, 9);
  ASSERT_TRUE(bool(problem)) << llvm::toString(problem.takeError());
  mlir::MLIRContext context;
  llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>> module =
      parseStepModule(*problem, context);
  ASSERT_TRUE(bool(module)) << llvm::toString(module.takeError());
  // Rewritten and tiled once; then each variant replaces one op's tiling.
  CudaUnitOptions options;
  options.arch = "sm_80";
  options.splits = 2;
  options.plan = true;
  ASSERT_TRUE(bool(generateCudaUnit(**module, options)));
  options.rewrite = false;
  std::vector<mlir::Operation *> ops;
  (*module)->walk([&](mlir::Operation *op) {
    if (mlir::isa<mlir::mla::PartialLatentAttentionOp, mlir::mla::CombineOp>(
            op))
      ops.push_back(op);
  });
  ASSERT_EQ(ops.size(), 2u);
  int variants = 0;
  for (mlir::Operation *op : ops) {
    mlir::Attribute chosen = op->getAttr(mlir::mla::kCudaTilingAttrName);
    for (mlir::mla::CudaTilingAttr tiling :
         mlir::mla::cudaVariantSpace(op, "sm_80")) {
      SCOPED_TRACE(llvm::formatv("{0}", mlir::Attribute(tiling)).str());
      op->setAttr(mlir::mla::kCudaTilingAttrName, tiling);
      llvm::Expected<CudaUnit> unit = generateCudaUnit(**module, options);
      ASSERT_TRUE(bool(unit)) << llvm::toString(unit.takeError());
      llvm::Expected<StepResult> result = emulateStep(*problem, *unit);
      ASSERT_TRUE(bool(result)) << llvm::toString(result.takeError());
      std::string log;
      llvm::raw_string_ostream os(log);
      llvm::Expected<bool> ok = verifyStep(*problem, *result, os);
      ASSERT_TRUE(bool(ok)) << llvm::toString(ok.takeError());
      EXPECT_TRUE(*ok) << log;
      ++variants;
    }
    op->setAttr(mlir::mla::kCudaTilingAttrName, chosen);
  }
  EXPECT_GT(variants, 4);
}

} // namespace
