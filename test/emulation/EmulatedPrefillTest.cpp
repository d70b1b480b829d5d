//===- EmulatedPrefillTest.cpp - the prefill kernel, no GPU ---------------===//
//
// The prefill kernel (mla.mha_attention, mma_sync) of an engine's unit
// run on the host (KernelEmulator) against the double-precision MHA
// definition (reference::mhaAttention), DeepSeek-V2-Lite dims: the default
// tiling in bf16 and f16, and every sm_80 variant of the autotuner's space.
//
//===----------------------------------------------------------------------===//

#include "KernelEmulator.h"
#include "dialect/MlaDialect.h"
#include "mlagen/CpuRunner.h"
#include "mlagen/Metrics.h"
#include "mlagen/Presets.h"
#include "mlagen/StorageBuffer.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Parser/Parser.h"
#include "passes/cuda/VariantSpace.h"
#include "llvm/Support/FormatVariadic.h"

#include <gtest/gtest.h>

using namespace mlagen;

namespace {

/// The engine's @prefill for `c` in `storage` (Engine.cpp's form).
std::string prefillModule(const LayerConfig &c, StorageType storage) {
  return llvm::formatv(
      R"mlir(#cfg = {0}
func.func @prefill(%qn: tensor<?x?x{1}x{2}x{5}>, %qr: tensor<?x?x{1}x{3}x{5}>,
                   %kn: tensor<?x?x{1}x{2}x{5}>, %kr: tensor<?x?x{3}x{5}>,
                   %v: tensor<?x?x{1}x{4}x{5}>, %lens: tensor<?xi32>)
    -> (tensor<?x?x{1}x{4}x{5}>, tensor<?x?x{1}xf32>) {{
  %o, %l = mla.mha_attention %qn, %qr, %kn, %kr, %v, %lens {{causal, config = #cfg}
      : (tensor<?x?x{1}x{2}x{5}>, tensor<?x?x{1}x{3}x{5}>, tensor<?x?x{1}x{2}x{5}>,
         tensor<?x?x{3}x{5}>, tensor<?x?x{1}x{4}x{5}>, tensor<?xi32>)
      -> (tensor<?x?x{1}x{4}x{5}>, tensor<?x?x{1}xf32>)
  return %o, %l : tensor<?x?x{1}x{4}x{5}>, tensor<?x?x{1}xf32>
}
)mlir",
      configText(c, storage), c.heads, c.qkNopeHeadDim, c.qkRopeHeadDim,
      c.vHeadDim, toString(storage));
}

/// Values exact in bf16 and f16, deterministic.
std::vector<float> values(size_t count, int seed) {
  std::vector<float> result(count);
  for (size_t i = 0; i < count; ++i)
    result[i] = float(int((i * 2654435761u + seed * 97) % 129) - 64) / 64.0f;
  return result;
}

/// The prefill of the one kernel of `unit` on `batch` sequences of
/// `tokens` queries over `keyTokens` keys (`lengths` each), checked against
/// reference::mhaAttention.
void expectPrefillMatches(const CudaUnit &unit, const LayerConfig &c,
                          StorageType storage, int64_t tokens,
                          int64_t keyTokens,
                          const std::vector<int32_t> &lengths) {
  ASSERT_EQ(unit.kernels.size(), 1u);
  llvm::Expected<std::unique_ptr<EmulatedUnit>> emulated =
      EmulatedUnit::compile(unit);
  ASSERT_TRUE(bool(emulated)) << llvm::toString(emulated.takeError());
  int64_t batch = lengths.size(), h = c.heads;
  std::vector<float> qNope = values(batch * tokens * h * c.qkNopeHeadDim, 1),
                     qRope = values(batch * tokens * h * c.qkRopeHeadDim, 2),
                     kNope = values(batch * keyTokens * h * c.qkNopeHeadDim, 3),
                     kRope = values(batch * keyTokens * c.qkRopeHeadDim, 4),
                     v = values(batch * keyTokens * h * c.vHeadDim, 5);
  StorageBuffer dqn(storage, qNope), dqr(storage, qRope), dkn(storage, kNope),
      dkr(storage, kRope), dv(storage, v);
  int64_t rows = batch * tokens * h;
  StorageBuffer out(storage, rows * c.vHeadDim);
  std::vector<float> lse(rows);
  auto address = [](const void *p) { return uint64_t(uintptr_t(p)); };
  llvm::StringMap<uint64_t> named = {
      {"q_nope", address(dqn.data())}, {"q_rope", address(dqr.data())},
      {"k_nope", address(dkn.data())}, {"k_rope", address(dkr.data())},
      {"v", address(dv.data())},       {"seq_lens", address(lengths.data())},
      {"out", address(out.data())},    {"lse", address(lse.data())},
      {"tokens", uint64_t(tokens)},    {"key_tokens", uint64_t(keyTokens)},
      {"batch", uint64_t(batch)}};
  std::vector<uint64_t> slots;
  for (const LaunchParam &param : unit.kernels[0].params) {
    ASSERT_TRUE(named.count(param.name)) << param.name;
    slots.push_back(named[param.name]);
  }
  ASSERT_EQ(llvm::toString((*emulated)->launch(0, slots)), "");

  llvm::Expected<reference::AttentionResult> expected = reference::mhaAttention(
      c, batch, tokens, keyTokens, lengths, dqn.values(), dqr.values(),
      dkn.values(), dkr.values(), dv.values());
  ASSERT_TRUE(bool(expected)) << llvm::toString(expected.takeError());
  ErrorStats outStats = compare(out.values(), expected->out);
  ErrorStats lseStats = compare(lse, expected->lse);
  EXPECT_TRUE(withinTolerance(outStats, attentionTolerance(storage)))
      << "out max abs " << outStats.maxAbs << " cosine " << outStats.cosine;
  EXPECT_EQ(lseStats.nans, 0);
  EXPECT_EQ(lseStats.mismatchedInfinities, 0);
  EXPECT_LE(lseStats.maxAbs,
            kLseTolerance * std::max(1.0, lseStats.maxExpected));
}

/// The V2-Lite prefill module in `storage`, parsed into `context`.
mlir::OwningOpRef<mlir::ModuleOp> parsePrefill(mlir::MLIRContext &context,
                                               const LayerConfig &c,
                                               StorageType storage) {
  context.getOrLoadDialect<mlir::mla::MlaDialect>();
  context.getOrLoadDialect<mlir::func::FuncDialect>();
  return mlir::parseSourceString<mlir::ModuleOp>(prefillModule(c, storage),
                                                 &context);
}

class EmulatedPrefill : public ::testing::TestWithParam<StorageType> {};

// The default tiling: 70 prompt tokens over 200 key rows, lengths 0,
// shorter than the prompt, a tile boundary and the longest.
TEST_P(EmulatedPrefill, MatchesTheReference) {
  StorageType storage = GetParam();
  llvm::Expected<LayerConfig> config = presetLayerConfig("deepseek-v2-lite");
  ASSERT_TRUE(bool(config));
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      parsePrefill(context, *config, storage);
  ASSERT_TRUE(module);
  CudaUnitOptions options;
  options.arch = "sm_80";
  llvm::Expected<CudaUnit> unit = generateCudaUnit(*module, options);
  ASSERT_TRUE(bool(unit)) << llvm::toString(unit.takeError());
  expectPrefillMatches(*unit, *config, storage, 70, 200, {0, 30, 64, 200});
}

// Every sm_80 variant of the autotuner's space (warps, keys per tile,
// stages), on a smaller prompt: 20 tokens over 70 keys.
TEST(EmulatedPrefill, EveryVariantMatchesTheReference) {
  llvm::Expected<LayerConfig> config = presetLayerConfig("deepseek-v2-lite");
  ASSERT_TRUE(bool(config));
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      parsePrefill(context, *config, StorageType::BF16);
  ASSERT_TRUE(module);
  mlir::Operation *op = nullptr;
  module->walk([&](mlir::mla::MhaAttentionOp found) { op = found; });
  ASSERT_TRUE(op);
  std::vector<mlir::mla::CudaTilingAttr> space =
      mlir::mla::cudaVariantSpace(op, "sm_80");
  ASSERT_FALSE(space.empty());
  for (mlir::mla::CudaTilingAttr tiling : space) {
    SCOPED_TRACE(llvm::formatv("{0}", mlir::Attribute(tiling)).str());
    op->setAttr(mlir::mla::kCudaTilingAttrName, tiling);
    CudaUnitOptions options;
    options.arch = "sm_80";
    options.rewrite = false;
    llvm::Expected<CudaUnit> unit = generateCudaUnit(*module, options);
    ASSERT_TRUE(bool(unit)) << llvm::toString(unit.takeError());
    expectPrefillMatches(*unit, *config, StorageType::BF16, 20, 70,
                         {0, 7, 33, 70});
  }
}

INSTANTIATE_TEST_SUITE_P(Storage, EmulatedPrefill,
                         ::testing::Values(StorageType::BF16, StorageType::F16),
                         [](const ::testing::TestParamInfo<StorageType> &info) {
                           return toString(info.param).str();
                         });

} // namespace
