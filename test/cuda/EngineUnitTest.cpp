//===- EngineUnitTest.cpp - the Engine's kernels, without a GPU -----------===//
//
// What Engine::create generates and loads, checked where there is no GPU:
// for DeepSeek-V3 and V2-Lite engines the unit (append with fused RoPE,
// decode attention with its combine when split, prefill) compiles with
// NVRTC for sm_80, sm_90a and sm_100a without spills, and every parameter
// of every kernel is one the Engine binds.
//
//===----------------------------------------------------------------------===//

#include "runtime/cuda/EngineUnit.h"
#include "mlagen/KernelCompiler.h"
#include "mlagen/Presets.h"
#include "runtime/cuda/EngineLaunches.h"

#include <gtest/gtest.h>

using namespace mlagen;

namespace {

TEST(EngineUnit, CompilesForEveryTargetAndBindsEveryParameter) {
  KernelCompiler compiler(std::nullopt);
  for (const char *preset : {"deepseek-v3", "deepseek-v2-lite"})
    for (const char *arch : {"sm_80", "sm_90a", "sm_100a"}) {
      SCOPED_TRACE(std::string(preset) + " " + arch);
      llvm::Expected<LayerConfig> config = presetLayerConfig(preset);
      ASSERT_TRUE(bool(config));
      EngineOptions options;
      options.config = *config;
      options.queryTokens = 2;
      options.maxBatch = 8;
      llvm::Expected<CudaUnit> unit = generateEngineUnit(options, arch, 132);
      ASSERT_TRUE(bool(unit)) << llvm::toString(unit.takeError());
      // Every parameter binds to a slot the Engine's calls fill; decode
      // launches the attention, then the combine where the KV is split.
      llvm::Expected<EngineLaunches> launches =
          bindEngineKernels(unit->kernels);
      ASSERT_TRUE(bool(launches)) << llvm::toString(launches.takeError());
      EXPECT_EQ(unit->kernels[launches->append->kernel].op, "mla.cache_append");
      EXPECT_EQ(unit->kernels[launches->prefill->kernel].op,
                "mla.mha_attention");
      ASSERT_FALSE(launches->decode.empty());
      llvm::StringRef attention = unit->kernels[launches->decode[0].kernel].op;
      if (launches->decode.size() == 2) {
        EXPECT_EQ(attention, "mla.partial_latent_attention");
        EXPECT_EQ(unit->kernels[launches->decode[1].kernel].op, "mla.combine");
      } else {
        EXPECT_EQ(attention, "mla.latent_attention");
      }
      llvm::Expected<CompileResult> compiled =
          compiler.compile({unit->source, arch, {}});
      ASSERT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());
      EXPECT_EQ(compiled->kernel->resources.size(), unit->kernels.size());
      for (const ResourceRecord &r : compiled->kernel->resources)
        EXPECT_EQ(r.spillStoreBytes, 0) << r.kernel;
    }
}

} // namespace
