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

#include "llvm/ADT/StringSet.h"

#include <gtest/gtest.h>

using namespace mlagen;

namespace {

// The names Engine::append, decode and prefill give values to.
const llvm::StringSet<> kBound = {
    "c_kv",        "k_rope",      "positions",  "cache",    "block_table",
    "seq_lens",    "table_width", "new_tokens", "q_latent", "q_rope",
    "cache_map",   "out",         "lse",        "batch",    "partial_out",
    "partial_lse", "rows",        "q_nope",     "k_nope",   "v",
    "tokens",      "key_tokens"};

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
      llvm::StringSet<> ops;
      for (const KernelLaunch &k : unit->kernels) {
        ops.insert(k.op);
        for (const LaunchParam &p : k.params)
          EXPECT_TRUE(kBound.contains(p.name))
              << k.name << " takes '" << p.name << "', which the Engine does "
              << "not bind";
      }
      EXPECT_TRUE(ops.contains("mla.cache_append"));
      EXPECT_TRUE(ops.contains("mla.mha_attention"));
      EXPECT_TRUE(ops.contains("mla.latent_attention") ||
                  (ops.contains("mla.partial_latent_attention") &&
                   ops.contains("mla.combine")));
      llvm::Expected<CompileResult> compiled =
          compiler.compile({unit->source, arch, {}});
      ASSERT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());
      EXPECT_EQ(compiled->kernel->resources.size(), unit->kernels.size());
      for (const ResourceRecord &r : compiled->kernel->resources)
        EXPECT_EQ(r.spillStoreBytes, 0) << r.kernel;
    }
}

} // namespace
