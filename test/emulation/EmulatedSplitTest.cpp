//===- EmulatedSplitTest.cpp - one split-KV partition for both families ---===//
//
// mla.partial_latent_attention defines one partition of each sequence's
// keys (mlagen_split_range): the mma_sync and the wgmma decode kernels must
// give the same partial outputs and LSEs for the same split count, not only
// the same combined result, and both must match the reference's partials.
// Lengths cover an empty sequence, empty splits (fewer keys than splits),
// and splits that start and end inside a KV tile and a page.
//
//===----------------------------------------------------------------------===//

#include "KernelEmulator.h"
#include "dialect/MlaOps.h"
#include "mlagen/CpuRunner.h"
#include "mlagen/Presets.h"
#include "mlagen/Reference.h"

#include "llvm/Support/FormatVariadic.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace mlagen;

namespace {

constexpr int kSplits = 4;

struct Partials {
  std::vector<float> out, lse;
  bool tma = false; // the kernel read the cache through a TMA descriptor
};

/// The split attention's partial results when `module`'s partial op runs
/// with `tiling` (its other kernels as tiled before).
llvm::Expected<Partials> emulatePartials(const Problem &p,
                                         mlir::ModuleOp module,
                                         mlir::Operation *op,
                                         mlir::mla::CudaTilingAttr tiling,
                                         const CudaUnitOptions &options) {
  op->setAttr(mlir::mla::kCudaTilingAttrName, tiling);
  llvm::Expected<CudaUnit> unit = generateCudaUnit(module, options);
  if (!unit)
    return unit.takeError();
  llvm::Expected<std::vector<std::vector<char>>> buffers =
      emulatePlanBuffers(p, *unit);
  if (!buffers)
    return buffers.takeError();
  for (const PlannedLaunch &launch : unit->plan->launches) {
    const KernelLaunch &kernel = unit->kernels[launch.kernel];
    if (kernel.op != "mla.partial_latent_attention")
      continue;
    Partials partials;
    for (auto [param, planned] : llvm::zip(kernel.params, launch.params)) {
      partials.tma |= bool(param.tensorMap);
      std::vector<float> *into = param.name == "out"   ? &partials.out
                                 : param.name == "lse" ? &partials.lse
                                                       : nullptr;
      if (!into)
        continue;
      const std::vector<char> &bytes = (*buffers)[planned.buffer];
      into->resize(bytes.size() / sizeof(float));
      if (!into->empty())
        std::memcpy(into->data(), bytes.data(), into->size() * sizeof(float));
    }
    return partials;
  }
  return llvm::createStringError("the unit has no split attention kernel");
}

/// Whether `a` and `b` agree: the same infinities, no NaN on either side,
/// finite values within `tolerance` of the larger magnitude (at least 1).
::testing::AssertionResult agree(llvm::ArrayRef<float> a,
                                 llvm::ArrayRef<double> b, double tolerance,
                                 llvm::StringRef what) {
  if (a.size() != b.size())
    return ::testing::AssertionFailure()
           << what.str() << ": " << a.size() << " values against " << b.size();
  for (size_t i = 0; i < a.size(); ++i) {
    bool same = std::isinf(a[i]) || std::isinf(b[i])
                    ? a[i] == b[i]
                    : !std::isnan(a[i]) && !std::isnan(b[i]) &&
                          std::abs(a[i] - b[i]) <=
                              tolerance * std::max({1.0, std::abs(b[i]),
                                                    std::abs(double(a[i]))});
    if (!same)
      return ::testing::AssertionFailure()
             << what.str() << "[" << i << "]: " << a[i] << " against " << b[i];
  }
  return ::testing::AssertionSuccess();
}

std::vector<double> widened(llvm::ArrayRef<float> values) {
  return std::vector<double>(values.begin(), values.end());
}

class EmulatedSplit : public ::testing::TestWithParam<int> {};

TEST_P(EmulatedSplit, BothDecodeFamiliesCutTheKeysAlike) {
  // 64 heads x 2 tokens (128 rows: the wgmma kernel's 64-row CTAs), 32-key
  // tiles, pages of 16 keys (the wgmma kernel loads by TMA) or 4 (by
  // cp.async). 5 keys in 4 splits: chunks of 2, the last empty; 130:
  // chunks of 33 that start mid-tile and mid-page.
  llvm::Expected<LayerConfig> config = presetLayerConfig("deepseek-v3");
  ASSERT_TRUE(bool(config)) << llvm::toString(config.takeError());
  config->heads = 64;
  ProblemShape shape;
  shape.queryTokens = 2;
  shape.pageSize = GetParam();
  shape.seqLens = {0, 1, 5, 31, 70, 130};
  llvm::Expected<Problem> problem = makeRandomProblem(*config, shape, 11);
  ASSERT_TRUE(bool(problem)) << llvm::toString(problem.takeError());
  mlir::MLIRContext context;
  llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>> module =
      parseStepModule(*problem, context);
  ASSERT_TRUE(bool(module)) << llvm::toString(module.takeError());
  CudaUnitOptions options;
  options.arch = "sm_90a";
  options.splits = kSplits;
  options.plan = true;
  ASSERT_TRUE(bool(generateCudaUnit(**module, options)));
  options.rewrite = false;
  mlir::Operation *op = nullptr;
  (*module)->walk(
      [&](mlir::mla::PartialLatentAttentionOp partial) { op = partial; });
  ASSERT_TRUE(op);
  ASSERT_EQ(mlir::cast<mlir::mla::PartialLatentAttentionOp>(op).getNumSplits(),
            kSplits);

  auto tiling = [&](int64_t warps, mlir::mla::MmaFlavor mma) {
    return mlir::mla::CudaTilingAttr::get(&context, "sm_90a", 64, 32, warps, 2,
                                          mma);
  };
  llvm::Expected<Partials> mmaSync =
      emulatePartials(*problem, **module, op,
                      tiling(16, mlir::mla::MmaFlavor::MmaSync), options);
  ASSERT_TRUE(bool(mmaSync)) << llvm::toString(mmaSync.takeError());
  llvm::Expected<Partials> wgmma = emulatePartials(
      *problem, **module, op, tiling(8, mlir::mla::MmaFlavor::Wgmma), options);
  ASSERT_TRUE(bool(wgmma)) << llvm::toString(wgmma.takeError());

  EXPECT_FALSE(mmaSync->tma);
  EXPECT_EQ(wgmma->tma, GetParam() >= 8) << "the copy engine the case is for";

  llvm::Expected<reference::AttentionResult> expected =
      reference::partialLatentAttention(problem->config, problem->qLatent,
                                        problem->qRope, shape.queryTokens,
                                        problem->cache, problem->table,
                                        /*causal=*/true, kSplits);
  ASSERT_TRUE(bool(expected)) << llvm::toString(expected.takeError());

  // Each family against the reference (bf16 probabilities: 2e-2), and the
  // two against each other; the LSEs are f32 throughout.
  EXPECT_TRUE(agree(mmaSync->out, expected->out, 2e-2, "mma_sync out"));
  EXPECT_TRUE(agree(wgmma->out, expected->out, 2e-2, "wgmma out"));
  EXPECT_TRUE(agree(mmaSync->lse, expected->lse, 1e-4, "mma_sync lse"));
  EXPECT_TRUE(agree(wgmma->lse, expected->lse, 1e-4, "wgmma lse"));
  EXPECT_TRUE(agree(wgmma->out, widened(mmaSync->out), 2e-2, "out"));
  EXPECT_TRUE(agree(wgmma->lse, widened(mmaSync->lse), 1e-4, "lse"));

  // The cases the test is for happened: an empty split (LSE -inf) of a
  // sequence that has keys, and a live split past the first.
  int64_t rowsPerSplit =
      int64_t(shape.seqLens.size()) * shape.queryTokens * problem->config.heads;
  auto lseOf = [&](int split, int sequence) {
    return expected->lse[split * rowsPerSplit +
                         sequence * shape.queryTokens * problem->config.heads];
  };
  EXPECT_TRUE(std::isinf(lseOf(3, 2))) << "5 keys: the fourth split is empty";
  EXPECT_TRUE(std::isfinite(lseOf(2, 5))) << "130 keys: keys 66..98 seen";
}

INSTANTIATE_TEST_SUITE_P(Pages, EmulatedSplit, ::testing::Values(16, 4),
                         [](const ::testing::TestParamInfo<int> &info) {
                           return "page" + std::to_string(info.param);
                         });

} // namespace
