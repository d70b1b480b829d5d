//===- EmulatedPrefillTest.cpp - the prefill kernel, no GPU ---------------===//
//
// The prefill kernel (mla.mha_attention, mma_sync) of an engine's unit
// run on the host (KernelEmulator) against the double-precision MHA
// definition (reference::mhaAttention), DeepSeek-V2-Lite dims: launched as
// Engine::prefill launches it (bf16 and f16), and every sm_80 variant of
// the autotuner's space.
//
//===----------------------------------------------------------------------===//

#include "KernelEmulator.h"
#include "dialect/MlaDialect.h"
#include "mlagen/Metrics.h"
#include "mlagen/Presets.h"
#include "mlagen/StorageBuffer.h"
#include "runtime/cuda/EngineLaunches.h"
#include "runtime/cuda/EngineUnit.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Parser/Parser.h"
#include "passes/cuda/VariantSpace.h"
#include "llvm/Support/FormatVariadic.h"

#include "test/AttentionChecks.h"
#include "test/TestValues.h"

#include <gtest/gtest.h>

using namespace mlagen;

namespace {

using mlagen::test::exactValues;

using RunPrefill = llvm::function_ref<llvm::Error(const PrefillBuffers &)>;

/// A prefill of `lengths.size()` sequences of `tokens` queries over
/// `keyTokens` keys, launched by `run`, checked against
/// reference::mhaAttention.
void expectPrefillMatches(const LayerConfig &c, StorageType storage,
                          int64_t tokens, int64_t keyTokens,
                          const std::vector<int32_t> &lengths, RunPrefill run) {
  int64_t batch = lengths.size(), h = c.heads;
  int64_t dn = c.qkNopeHeadDim, dr = c.qkRopeHeadDim, dv = c.vHeadDim;
  // Keys past a sequence's length are NaN, as are the outputs until
  // written: a kernel that reads the one or skips the other shows.
  auto keys = [&](int64_t perKey, int seed) {
    std::vector<float> x = exactValues(batch * keyTokens * perKey, seed);
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t j = lengths[b]; j < keyTokens; ++j)
        std::fill_n(x.begin() + (b * keyTokens + j) * perKey, perKey, NAN);
    return x;
  };
  StorageBuffer qNope(storage, exactValues(batch * tokens * h * dn, 1)),
      qRope(storage, exactValues(batch * tokens * h * dr, 2)),
      kNope(storage, keys(h * dn, 3)), kRope(storage, keys(dr, 4)),
      v(storage, keys(h * dv, 5)),
      out(storage, std::vector<float>(batch * tokens * h * dv, NAN));
  std::vector<float> lse(batch * tokens * h, NAN);
  ElementType type = elementTypeOf(storage);
  auto at = [](const void *p) { return DevicePtr(uintptr_t(p)); };
  PrefillBuffers buffers{
      {at(qNope.data()), type, {batch, tokens, h, dn}},
      {at(qRope.data()), type, {batch, tokens, h, dr}},
      {at(kNope.data()), type, {batch, keyTokens, h, dn}},
      {at(kRope.data()), type, {batch, keyTokens, dr}},
      {at(v.data()), type, {batch, keyTokens, h, dv}},
      {at(lengths.data()), ElementType::I32, {batch}},
      {at(out.data()), type, {batch, tokens, h, dv}},
      {at(lse.data()), ElementType::F32, {batch, tokens, h}}};
  ASSERT_EQ(llvm::toString(run(buffers)), "");

  llvm::Expected<reference::AttentionResult> expected = reference::mhaAttention(
      c, batch, tokens, keyTokens, lengths, qNope.values(), qRope.values(),
      kNope.values(), kRope.values(), v.values());
  ASSERT_TRUE(bool(expected)) << llvm::toString(expected.takeError());
  mlagen::test::expectAttentionMatches(out.values(), lse, *expected, storage);
}

class EmulatedPrefill : public ::testing::TestWithParam<StorageType> {};

// Engine::prefill's launch: the engine unit's prefill kernel, bound and
// given its slots as the Engine does; 70 prompt tokens over 200 key rows,
// lengths 0, shorter than the prompt, a tile boundary and the longest.
TEST_P(EmulatedPrefill, MatchesTheReference) {
  llvm::Expected<LayerConfig> config = presetLayerConfig("deepseek-v2-lite");
  ASSERT_TRUE(bool(config));
  EngineOptions options;
  options.config = *config;
  options.storage = GetParam();
  llvm::Expected<CudaUnit> unit = generateEngineUnit(options, "sm_80", 132);
  ASSERT_TRUE(bool(unit)) << llvm::toString(unit.takeError());
  llvm::Expected<EngineLaunches> launches = bindEngineKernels(unit->kernels);
  ASSERT_TRUE(bool(launches)) << llvm::toString(launches.takeError());
  llvm::Expected<std::unique_ptr<EmulatedUnit>> emulated =
      EmulatedUnit::compile(*unit);
  ASSERT_TRUE(bool(emulated)) << llvm::toString(emulated.takeError());
  expectPrefillMatches(*config, options.storage, 70, 200, {0, 30, 64, 200},
                       [&](const PrefillBuffers &b) -> llvm::Error {
                         if (llvm::Error e = Engine::checkPrefill(options, b))
                           return e;
                         return (*emulated)->launch(*launches->prefill,
                                                    prefillSlots(b).all());
                       });
}

// Every sm_80 variant of the autotuner's space (warps, keys per tile,
// stages), on a smaller prompt: 20 tokens over 70 keys.
TEST(EmulatedPrefill, EveryVariantMatchesTheReference) {
  llvm::Expected<LayerConfig> config = presetLayerConfig("deepseek-v2-lite");
  ASSERT_TRUE(bool(config));
  EngineOptions engine;
  engine.config = *config;
  mlir::DialectRegistry registry;
  registry.insert<mlir::mla::MlaDialect, mlir::func::FuncDialect>();
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(engineModule(engine), &context);
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
    llvm::Expected<EngineLaunches> launches = bindEngineKernels(unit->kernels);
    ASSERT_TRUE(bool(launches)) << llvm::toString(launches.takeError());
    llvm::Expected<std::unique_ptr<EmulatedUnit>> emulated =
        EmulatedUnit::compile(*unit);
    ASSERT_TRUE(bool(emulated)) << llvm::toString(emulated.takeError());
    expectPrefillMatches(*config, StorageType::BF16, 20, 70, {0, 7, 33, 70},
                         [&](const PrefillBuffers &b) {
                           return (*emulated)->launch(*launches->prefill,
                                                      prefillSlots(b).all());
                         });
  }
}

INSTANTIATE_TEST_SUITE_P(Storage, EmulatedPrefill,
                         ::testing::Values(StorageType::BF16, StorageType::F16),
                         [](const ::testing::TestParamInfo<StorageType> &info) {
                           return toString(info.param).str();
                         });

} // namespace
