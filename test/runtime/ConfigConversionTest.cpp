//===- ConfigConversionTest.cpp - #mla.config to the runtime's config -----===//

#include "mlagen/ConfigConversion.h"
#include "dialect/MlaDialect.h"
#include "dialect/ModelPresets.h"

#include "mlir/IR/MLIRContext.h"
#include "gtest/gtest.h"

using namespace mlagen;

namespace {

TEST(ConfigConversion, PresetsKeepEveryField) {
  mlir::MLIRContext context;
  context.loadDialect<mlir::mla::MlaDialect>();
  for (const mlir::mla::ModelPreset &preset : mlir::mla::getModelPresets()) {
    llvm::Expected<mlir::mla::ConfigAttr> attr =
        lookupPreset(&context, preset.name);
    ASSERT_TRUE(bool(attr)) << llvm::toString(attr.takeError());
    LayerConfig config = toLayerConfig(*attr);
    EXPECT_EQ(config.heads, preset.heads);
    EXPECT_EQ(config.dModel, preset.dModel);
    EXPECT_EQ(config.qLoraRank, preset.qLoraRank);
    EXPECT_EQ(config.rowWidth(), 576);
    EXPECT_EQ(config.rope.theta, preset.ropeTheta);
    ASSERT_TRUE(config.rope.yarn.has_value());
    EXPECT_EQ(config.rope.yarn->factor, preset.yarn.factor);
    EXPECT_EQ(config.rope.yarn->mscaleAllDim, preset.yarn.mscaleAllDim);
    // The dialect and the runtime compute the scale independently.
    EXPECT_NEAR(config.softmaxScale(), attr->getSoftmaxScale(), 1e-15);
    llvm::Expected<StorageType> storage = getStorageType(*attr);
    ASSERT_TRUE(bool(storage));
    EXPECT_EQ(*storage, StorageType::BF16);
  }
}

TEST(ConfigConversion, UnknownPresetListsTheKnownOnes) {
  mlir::MLIRContext context;
  context.loadDialect<mlir::mla::MlaDialect>();
  llvm::Expected<mlir::mla::ConfigAttr> attr =
      lookupPreset(&context, "deepseek-v4");
  EXPECT_EQ(llvm::toString(attr.takeError()),
            "unknown preset 'deepseek-v4'; known presets: deepseek-v2-lite, "
            "deepseek-v2, deepseek-v3, deepseek-r1, kimi-k2");
}

} // namespace
