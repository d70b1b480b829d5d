//===- ModelPresets.cpp - published MLA model configurations --------------===//

#include "dialect/ModelPresets.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::mla;

// Values from each model's published config.json (docs/counting.md section 3:
// the shapes; rope_theta and rope_scaling for RoPE). Fields in the order of
// ModelPreset: name, heads, d_model, q_lora_rank, kv_lora_rank,
// qk_nope_head_dim, qk_rope_head_dim, v_head_dim, layers, rope theta, and
// YaRN {factor, original_max_position, beta_fast, beta_slow, mscale,
// mscale_all_dim}.
static const ModelPreset kPresets[] = {
    {"deepseek-v2-lite",
     /*heads=*/16,
     /*dModel=*/2048,
     /*qLoraRank=*/0,
     /*kvLoraRank=*/512,
     /*qkNopeHeadDim=*/128,
     /*qkRopeHeadDim=*/64,
     /*vHeadDim=*/128,
     /*numLayers=*/27,
     /*ropeTheta=*/10000.0,
     {40.0, 4096, 32.0, 1.0, 0.707, 0.707}},
    {"deepseek-v2",
     128,
     5120,
     1536,
     512,
     128,
     64,
     128,
     60,
     10000.0,
     {40.0, 4096, 32.0, 1.0, 0.707, 0.707}},
    {"deepseek-v3",
     128,
     7168,
     1536,
     512,
     128,
     64,
     128,
     61,
     10000.0,
     {40.0, 4096, 32.0, 1.0, 1.0, 1.0}},
    {"deepseek-r1",
     128,
     7168,
     1536,
     512,
     128,
     64,
     128,
     61,
     10000.0,
     {40.0, 4096, 32.0, 1.0, 1.0, 1.0}},
    {"kimi-k2",
     64,
     7168,
     1536,
     512,
     128,
     64,
     128,
     61,
     50000.0,
     {32.0, 4096, 1.0, 1.0, 1.0, 1.0}},
};

ArrayRef<ModelPreset> mlir::mla::getModelPresets() { return kPresets; }

const ModelPreset *mlir::mla::lookupModelPreset(StringRef name) {
  const ModelPreset *found = llvm::find_if(
      kPresets, [&](const ModelPreset &p) { return p.name == name; });
  return found == std::end(kPresets) ? nullptr : found;
}

ConfigAttr mlir::mla::getPresetConfig(MLIRContext *context,
                                      const ModelPreset &preset) {
  YarnAttr yarn;
  if (preset.yarn.factor > 0)
    yarn = YarnAttr::get(
        context, APFloat(preset.yarn.factor), preset.yarn.originalMaxPosition,
        APFloat(preset.yarn.betaFast), APFloat(preset.yarn.betaSlow),
        APFloat(preset.yarn.mscale), APFloat(preset.yarn.mscaleAllDim));
  auto rope = RopeAttr::get(context, APFloat(preset.ropeTheta),
                            RopePairing::Interleaved, yarn);
  Builder b(context);
  return ConfigAttr::get(
      context, preset.heads, preset.dModel, preset.qLoraRank, preset.kvLoraRank,
      preset.qkNopeHeadDim, preset.qkRopeHeadDim, preset.vHeadDim,
      /*rmsNormEps=*/APFloat(1e-6), rope, b.getBF16Type(), b.getF32Type());
}
