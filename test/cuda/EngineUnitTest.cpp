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

// A tuned variant's tiling reaches the engine's decode kernel (16 warps of
// mma_sync instead of the wgmma default's 8), a split attention's tiling
// (a static bucket's) as well as a whole one's; one its family cannot take
// is left out with the reason, the default kept.
TEST(EngineUnit, TakesTunedTilingsThatFit) {
  llvm::Expected<LayerConfig> config = presetLayerConfig("deepseek-v3");
  ASSERT_TRUE(bool(config));
  EngineOptions options;
  options.config = *config;
  options.maxBatch = 8;
  auto decodeThreads = [&](llvm::ArrayRef<OpTiling> tilings,
                           std::vector<std::string> &notes) -> int64_t {
    llvm::Expected<CudaUnit> unit =
        generateEngineUnit(options, "sm_90a", 132, tilings);
    if (!unit) {
      ADD_FAILURE() << llvm::toString(unit.takeError());
      return 0;
    }
    notes = unit->notes;
    for (const KernelLaunch &k : unit->kernels)
      if (k.name.find("attention") != std::string::npos)
        return k.block;
    return 0;
  };
  std::vector<std::string> notes;
  EXPECT_EQ(decodeThreads({}, notes), 256);
  EXPECT_TRUE(notes.empty());
  OpTiling fits{"mla.partial_latent_attention",
                "#mla.cuda_tiling<arch = \"sm_90a\", rows_per_cta = 64, "
                "keys_per_tile = 32, warps = 16, stages = 1, mma = mma_sync>"};
  EXPECT_EQ(decodeThreads({fits}, notes), 512);
  EXPECT_TRUE(notes.empty());
  OpTiling unfit = fits;
  unfit.tiling = "#mla.cuda_tiling<arch = \"sm_90a\", rows_per_cta = 16, "
                 "keys_per_tile = 32, warps = 16, stages = 1, mma = mma_sync>";
  OpTiling otherArch = fits;
  otherArch.op = "mla.combine";
  otherArch.tiling = "#mla.cuda_tiling<arch = \"sm_80\", rows_per_cta = 16, "
                     "keys_per_tile = 32, warps = 1, stages = 1, mma = "
                     "mma_sync>";
  OpTiling absent{"mla.rope", fits.tiling};
  OpTiling garbage{"mla.combine", "#mla.cuda_tiling<warps = many>"};
  EXPECT_EQ(decodeThreads({unfit, otherArch, absent, garbage}, notes), 256);
  ASSERT_EQ(notes.size(), 4u);
  EXPECT_NE(notes[0].find("each warp needs whole 16-row slabs"),
            std::string::npos)
      << notes[0];
  EXPECT_NE(notes[1].find("it is for sm_80, the unit for sm_90a"),
            std::string::npos)
      << notes[1];
  EXPECT_NE(notes[2].find("the step has no mla.rope"), std::string::npos)
      << notes[2];
  EXPECT_NE(notes[3].find("not a #mla.cuda_tiling"), std::string::npos)
      << notes[3];
}

} // namespace
