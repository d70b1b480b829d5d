//===- ModelPresets.h - published MLA model configurations ------*- C++ -*-===//
//
// The attention shapes of the models this project targets, from their
// published config files, usable by name in IR (#mla.config<"deepseek-v3">)
// and from C++.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_DIALECT_MODELPRESETS_H
#define MLAGEN_DIALECT_MODELPRESETS_H

#include "dialect/MlaDialect.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

namespace mlir::mla {

/// YaRN rope scaling of a preset; factor == 0 means the model has none.
struct YarnPreset {
  double factor = 0;
  int64_t originalMaxPosition = 0;
  double betaFast = 0, betaSlow = 0, mscale = 0, mscaleAllDim = 0;
};

struct ModelPreset {
  llvm::StringRef name;
  int64_t heads, dModel, qLoraRank, kvLoraRank;
  int64_t qkNopeHeadDim, qkRopeHeadDim, vHeadDim;
  int64_t numLayers; // for whole-model cache sizes
  double ropeTheta;
  YarnPreset yarn;
};

/// Every preset, in a stable order.
llvm::ArrayRef<ModelPreset> getModelPresets();

/// The preset called `name`, or null.
const ModelPreset *lookupModelPreset(llvm::StringRef name);

/// The config of `preset`: bf16 storage, f32 accumulation, interleaved RoPE
/// pairing (as the checkpoints store k_rope), RMSNorm eps 1e-6.
ConfigAttr getPresetConfig(MLIRContext *context, const ModelPreset &preset);

} // namespace mlir::mla

#endif // MLAGEN_DIALECT_MODELPRESETS_H
