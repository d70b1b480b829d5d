//===- EmulatedStepTest.cpp - the kernels' numbers, no GPU ----------------===//
//
// The generated kernels run on the host (KernelEmulator) through the
// plan of a built-in step, checked against the double-precision reference
// with mla-run --verify's tolerances: latent attention with mma_sync
// (whole and split KV with the combine; pages of 1, 16 and 64; 1 to 4
// query tokens; empty, short, page-boundary and longer sequences; bf16 and
// f16) and whole layers (projections, RMSNorms, RoPE, the fused append,
// absorptions, attention, output projection; with and without query
// compression); on sm_90a the wgmma kernel (TMA and cp.async loads) and a
// layer around it; then every variant of the decode attention and the
// combine for sm_80 and sm_90a.
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
  const char *arch;
};

/// A random problem of `preset` (with `heads` heads unless 0) and `shape`.
llvm::Expected<Problem> stepProblem(const char *preset, int heads,
                                    const ProblemShape &shape, uint64_t seed) {
  llvm::Expected<LayerConfig> config = presetLayerConfig(preset);
  if (!config)
    return config.takeError();
  if (heads)
    config->heads = heads;
  return makeRandomProblem(*config, shape, seed);
}

/// `unit` (planned for `p`'s step) run emulated, against the reference.
void expectEmulatedStepMatches(const Problem &p, const CudaUnit &unit) {
  llvm::Expected<StepResult> result = emulateStep(p, unit);
  ASSERT_TRUE(bool(result)) << llvm::toString(result.takeError());
  std::string log;
  llvm::raw_string_ostream os(log);
  llvm::Expected<bool> ok = verifyStep(p, *result, os);
  ASSERT_TRUE(bool(ok)) << llvm::toString(ok.takeError());
  EXPECT_TRUE(*ok) << log;
}

class EmulatedStep : public ::testing::TestWithParam<Case> {};

TEST_P(EmulatedStep, MatchesTheReference) {
  const Case &c = GetParam();
  ProblemShape shape;
  shape.mode = c.mode;
  shape.queryTokens = c.queryTokens;
  shape.pageSize = c.pageSize;
  shape.seqLens = c.lengths;
  shape.storage = c.storage;
  llvm::Expected<Problem> problem = stepProblem(c.preset, c.heads, shape, 5);
  ASSERT_TRUE(bool(problem)) << llvm::toString(problem.takeError());
  mlir::MLIRContext context;
  llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>> module =
      parseStepModule(*problem, context);
  ASSERT_TRUE(bool(module)) << llvm::toString(module.takeError());
  CudaUnitOptions options;
  options.arch = c.arch;
  options.splits = c.splits;
  options.plan = true;
  llvm::Expected<CudaUnit> unit = generateCudaUnit(**module, options);
  ASSERT_TRUE(bool(unit)) << llvm::toString(unit.takeError());
  // The kernel family the case is for: on sm_90a the wgmma kernel, loading
  // by TMA for pages of 8 or more keys.
  bool wgmma = std::string(c.arch) == "sm_90a";
  bool tma = llvm::any_of(unit->kernels, [](const KernelLaunch &k) {
    return llvm::any_of(k.params,
                        [](const LaunchParam &p) { return p.tensorMap; });
  });
  EXPECT_EQ(unit->source.find("mma = wgmma") != std::string::npos, wgmma);
  EXPECT_EQ(tma, wgmma && c.pageSize >= 8);
  expectEmulatedStepMatches(*problem, *unit);
}

const std::vector<int32_t> kLengths = {0, 1, 15, 16, 40, 130};

Case step(const char *name, const char *preset, int heads, RunMode mode,
          int tokens, int pageSize, int splits, StorageType storage,
          std::vector<int32_t> lengths, const char *arch = "sm_80") {
  return {name,   preset,  heads,
          mode,   tokens,  pageSize,
          splits, storage, std::move(lengths),
          arch};
}

constexpr RunMode kAttention = RunMode::Attention, kLayer = RunMode::Layer;
constexpr StorageType kBf16 = StorageType::BF16, kF16 = StorageType::F16;

INSTANTIATE_TEST_SUITE_P(
    Steps, EmulatedStep,
    ::testing::Values(
        step("attention_v2lite_page16", "deepseek-v2-lite", 0, kAttention, 1,
             16, 1, kBf16, kLengths),
        step("attention_v2lite_split_s2_f16", "deepseek-v2-lite", 0, kAttention,
             2, 16, 3, kF16, kLengths),
        step("attention_v3_heads8_page1_s4", "deepseek-v3", 8, kAttention, 4, 1,
             2, kBf16, {0, 3, 70}),
        step("attention_v3_heads3_page64", "deepseek-v3", 3, kAttention, 2, 64,
             1, kBf16, {1, 64, 65}),
        step("layer_v2lite", "deepseek-v2-lite", 0, kLayer, 1, 16, 1, kBf16,
             {0, 1, 16, 40}),
        step("layer_v3_heads4_f16", "deepseek-v3", 4, kLayer, 2, 64, 2, kF16,
             {0, 63, 64}),
        // sm_90a: 64 or more query rows take the wgmma kernel, loading the
        // cache by TMA for pages of 8 keys or more, by cp.async below.
        step("wgmma_v3_tma", "deepseek-v3", 0, kAttention, 1, 64, 1, kBf16,
             {0, 1, 63, 64, 65, 130}, "sm_90a"),
        step("wgmma_v3_cp_async_split", "deepseek-v3", 0, kAttention, 1, 4, 3,
             kBf16, {0, 1, 15, 16, 40, 100}, "sm_90a"),
        step("wgmma_v3_heads64_page16_f16", "deepseek-v3", 64, kAttention, 2,
             16, 2, kF16, {1, 16, 33, 90}, "sm_90a"),
        step("wgmma_layer_v2lite_s4", "deepseek-v2-lite", 0, kLayer, 4, 16, 1,
             kBf16, {0, 5, 16, 40}, "sm_90a"),
        // gpu-sweep.test's harder corners: pages of one key, of 256, a long
        // sequence, 3 heads split 5 ways.
        step("wgmma_v3_page1", "deepseek-v3", 0, kAttention, 1, 1, 2, kBf16,
             {0, 1, 63, 64, 65, 200}, "sm_90a"),
        step("wgmma_v2lite_s4_page256", "deepseek-v2-lite", 0, kAttention, 4,
             256, 1, kBf16, {0, 1, 255, 256, 257, 1000}, "sm_90a"),
        step("attention_heads3_split5_f16", "deepseek-v2-lite", 3, kAttention,
             2, 16, 5, kF16, {0, 1, 63, 64, 65, 1000})),
    [](const ::testing::TestParamInfo<Case> &info) {
      return std::string(info.param.name);
    });

/// Every variant of the autotuner's space for `arch` of the split decode
/// attention (rows per CTA, warps, keys per tile, stages, mma_sync or
/// wgmma) and of the combine (warps), checked on one step of `preset`.
void expectEveryDecodeVariantMatches(const char *preset, int heads, int tokens,
                                     int pageSize, std::vector<int32_t> lengths,
                                     const char *arch) {
  ProblemShape shape;
  shape.queryTokens = tokens;
  shape.pageSize = pageSize;
  shape.seqLens = std::move(lengths);
  llvm::Expected<Problem> problem = stepProblem(preset, heads, shape, 9);
  ASSERT_TRUE(bool(problem)) << llvm::toString(problem.takeError());
  mlir::MLIRContext context;
  llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>> module =
      parseStepModule(*problem, context);
  ASSERT_TRUE(bool(module)) << llvm::toString(module.takeError());
  // Rewritten and tiled once; then each variant replaces one op's tiling.
  CudaUnitOptions options;
  options.arch = arch;
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
  int variants = 0, wgmmaVariants = 0;
  for (mlir::Operation *op : ops) {
    mlir::Attribute chosen = op->getAttr(mlir::mla::kCudaTilingAttrName);
    for (mlir::mla::CudaTilingAttr tiling :
         mlir::mla::cudaVariantSpace(op, arch)) {
      SCOPED_TRACE(llvm::formatv("{0}", mlir::Attribute(tiling)).str());
      op->setAttr(mlir::mla::kCudaTilingAttrName, tiling);
      llvm::Expected<CudaUnit> unit = generateCudaUnit(**module, options);
      ASSERT_TRUE(bool(unit)) << llvm::toString(unit.takeError());
      expectEmulatedStepMatches(*problem, *unit);
      ++variants;
      wgmmaVariants +=
          llvm::StringRef(llvm::formatv("{0}", mlir::Attribute(tiling)).str())
              .contains("mma = wgmma");
    }
    op->setAttr(mlir::mla::kCudaTilingAttrName, chosen);
  }
  EXPECT_GT(variants, 4);
  // sm_90a's space holds wgmma variants for 64 rows or more.
  EXPECT_EQ(wgmmaVariants > 0, std::string(arch) == "sm_90a");
}

// sm_80: 16 heads x 2 query tokens over pages of 16.
TEST(EmulatedStep, EverySm80DecodeVariantMatchesTheReference) {
  expectEveryDecodeVariantMatches("deepseek-v2-lite", 0, 2, 16, {0, 1, 16, 50},
                                  "sm_80");
}

// sm_90a: DeepSeek-V3's 128 heads, pages of 64 (TMA for the wgmma
// variants).
TEST(EmulatedStep, EverySm90aDecodeVariantMatchesTheReference) {
  expectEveryDecodeVariantMatches("deepseek-v3", 0, 1, 64, {1, 64, 100},
                                  "sm_90a");
}

} // namespace
