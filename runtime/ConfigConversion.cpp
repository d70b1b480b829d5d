//===- ConfigConversion.cpp - #mla.config to LayerConfig ------------------===//

#include "mlagen/ConfigConversion.h"
#include "dialect/ModelPresets.h"
#include "mlagen/Presets.h"

using namespace mlagen;
using namespace mlir::mla;

LayerConfig mlagen::toLayerConfig(ConfigAttr config) {
  RopeAttr ropeAttr = config.getRope();
  RopeConfig rope;
  rope.theta = ropeAttr.getThetaValue();
  rope.pairing = ropeAttr.getPairing() == mlir::mla::RopePairing::Interleaved
                     ? mlagen::RopePairing::Interleaved
                     : mlagen::RopePairing::Half;
  if (YarnAttr yarn = ropeAttr.getYarn())
    rope.yarn = YarnScaling{yarn.getFactorValue(),
                            yarn.getOriginalMaxPosition(),
                            yarn.getBetaFast().convertToDouble(),
                            yarn.getBetaSlow().convertToDouble(),
                            yarn.getMscale().convertToDouble(),
                            yarn.getMscaleAllDim().convertToDouble()};
  return LayerConfig{config.getHeads(),
                     config.getDModel(),
                     config.getQLoraRank(),
                     config.getKvLoraRank(),
                     config.getQkNopeHeadDim(),
                     config.getQkRopeHeadDim(),
                     config.getVHeadDim(),
                     config.getEpsilon(),
                     rope};
}

llvm::Expected<StorageType> mlagen::getStorageType(ConfigAttr config) {
  mlir::Type type = config.getStorageType();
  if (type.isF32())
    return StorageType::F32;
  if (type.isF16())
    return StorageType::F16;
  if (type.isBF16())
    return StorageType::BF16;
  std::string name;
  llvm::raw_string_ostream os(name);
  os << type;
  return llvm::createStringError("storage type " + name +
                                 " is not supported by the runtime; use "
                                 "f32, f16 or bf16");
}

llvm::Expected<ConfigAttr> mlagen::lookupPreset(mlir::MLIRContext *context,
                                                llvm::StringRef name) {
  if (const ModelPreset *preset = lookupModelPreset(name))
    return getPresetConfig(context, *preset);
  std::string known;
  for (const ModelPreset &preset : getModelPresets())
    known += (known.empty() ? "" : ", ") + preset.name.str();
  return llvm::createStringError("unknown preset '" + name +
                                 "'; known presets: " + known);
}

llvm::Expected<LayerConfig> mlagen::presetLayerConfig(llvm::StringRef name) {
  mlir::MLIRContext context;
  context.loadDialect<mlir::mla::MlaDialect>();
  llvm::Expected<ConfigAttr> config = lookupPreset(&context, name);
  if (!config)
    return config.takeError();
  return toLayerConfig(*config);
}
