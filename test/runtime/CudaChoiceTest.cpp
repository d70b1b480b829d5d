//===- CudaChoiceTest.cpp - a CUDA step's variant: entry or heuristic -----===//

#include "mlagen/CudaChoice.h"
#include "mlagen/Presets.h"

#include <gtest/gtest.h>

using namespace mlagen;

namespace {

constexpr const char *kTiling =
    "#mla.cuda_tiling<arch = \"sm_90a\", rows_per_cta = 64, keys_per_tile = "
    "32, warps = 16, stages = 1, mma = mma_sync>";

TEST(CudaVariant, TextRoundTrip) {
  CudaVariant v;
  v.splits = 4;
  v.tilings = {{"mla.partial_latent_attention", kTiling},
               {"mla.combine", "#mla.cuda_tiling<warps = 1>"}};
  std::string text = v.str();
  EXPECT_EQ(text, std::string("splits=4; mla.partial_latent_attention=") +
                      kTiling + "; mla.combine=#mla.cuda_tiling<warps = 1>");
  llvm::Expected<CudaVariant> back = CudaVariant::parse(text);
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  EXPECT_EQ(back->str(), text);
  EXPECT_EQ(back->tilings[0].tiling, kTiling);

  llvm::Expected<CudaVariant> tilingOnly =
      CudaVariant::parse(std::string(" mla.combine = ") + kTiling);
  ASSERT_TRUE(bool(tilingOnly)) << llvm::toString(tilingOnly.takeError());
  EXPECT_EQ(tilingOnly->splits, 0);
  EXPECT_EQ(tilingOnly->tilings[0].op, "mla.combine");
}

TEST(CudaVariant, MalformedTextIsNamed) {
  auto error = [](llvm::StringRef text) {
    llvm::Expected<CudaVariant> v = CudaVariant::parse(text);
    return v ? std::string("parsed") : llvm::toString(v.takeError());
  };
  EXPECT_EQ(error(""), "CUDA variant '': '' is not name=value");
  EXPECT_EQ(error("splits=-1"), "CUDA variant 'splits=-1': splits must be an "
                                "integer in [0, 1024], got '-1'");
  EXPECT_EQ(error("splits=2; splits=3"),
            "CUDA variant 'splits=2; splits=3': splits given twice");
  EXPECT_EQ(error("warps=4"),
            "CUDA variant 'warps=4': 'warps' is neither splits nor an mla op");
  EXPECT_EQ(error("mla.combine=4"), "CUDA variant 'mla.combine=4': "
                                    "mla.combine's value is not a "
                                    "#mla.cuda_tiling<...>");
  std::string twice =
      std::string("mla.combine=") + kTiling + ";mla.combine=" + kTiling;
  EXPECT_NE(error(twice).find("mla.combine given twice"), std::string::npos);
}

TuneEntry cudaEntry(const TuneKey &key, DeviceKey device, int64_t batch,
                    std::string variant) {
  TuneEntry e;
  e.key = key;
  e.key.device = std::move(device);
  e.key.batch = batch;
  e.variant = std::move(variant);
  e.seconds = 1e-5;
  e.measured = "2026-12-07T00:00:00Z";
  return e;
}

TEST(CudaChoice, ExactDeviceThenSameModelThenHeuristic) {
  llvm::Expected<LayerConfig> config = presetLayerConfig("deepseek-v3");
  ASSERT_TRUE(bool(config));
  EngineOptions options;
  options.config = *config;
  options.maxBatch = 16;
  options.typicalLength = 8192;
  GpuInfo gpu;
  gpu.name = "NVIDIA H100 80GB HBM3";
  gpu.arch = "sm_90a";
  gpu.multiprocessors = 132;
  gpu.driverVersion = "13.0";
  DeviceKey here = cudaDeviceKey(gpu, "13.0");
  EXPECT_EQ(here.str(), "cuda NVIDIA H100 80GB HBM3, 132 SMs, sm_90a, driver "
                        "13.0, nvrtc 13.0");
  EXPECT_EQ(here.target(), "sm_90a");
  TuneKey want = engineTuneKey(options, here);
  EXPECT_EQ(want.batch, 16);
  EXPECT_EQ(want.length, 8192);
  EXPECT_EQ(want.mode, "attention");
  EXPECT_EQ(want.code, codeGeneratorHash());

  CudaChoice none = chooseCudaVariant(want, TuneDatabase(), 132);
  EXPECT_EQ(none.variant.str(), "");
  EXPECT_EQ(none.smCount, 132);
  EXPECT_EQ(none.source.rfind("heuristic (132 SMs, sm_90a: ", 0), 0u)
      << none.source;
  EXPECT_NE(none.source.find("no tuning entry for " + want.str()),
            std::string::npos);

  // Another driver (same model, 114 SMs as measured) and this exact GPU.
  DeviceKey otherDriver = here;
  otherDriver.units = 114;
  otherDriver.detail = "sm_90a, driver 12.8, nvrtc 12.8";
  DeviceKey otherTarget = here;
  otherTarget.detail = "sm_80, driver 13.0, nvrtc 13.0";
  std::string path = testing::TempDir() + "/mlagen-cuda-choice.json";
  std::remove(path.c_str());
  ASSERT_FALSE(bool(TuneDatabase::merge(
      path, {cudaEntry(want, otherDriver, 16, "splits=3"),
             cudaEntry(want, otherTarget, 16, "splits=5")})));
  CudaChoice model = chooseCudaVariant(want, TuneDatabase::load(path), 132);
  EXPECT_EQ(model.variant.splits, 3);
  EXPECT_EQ(model.smCount, 114); // the measured device's
  EXPECT_NE(model.source.find("(matched by the GPU's name and target only)"),
            std::string::npos)
      << model.source;

  // The exact device wins even at a farther bucket.
  ASSERT_FALSE(bool(TuneDatabase::merge(
      path,
      {cudaEntry(want, here, 64, std::string("mla.combine=") + kTiling)})));
  CudaChoice exact = chooseCudaVariant(want, TuneDatabase::load(path), 132);
  EXPECT_EQ(exact.variant.splits, 0);
  ASSERT_EQ(exact.variant.tilings.size(), 1u);
  EXPECT_EQ(exact.source.rfind("tuning entry: " + here.str(), 0), 0u)
      << exact.source;
  EXPECT_EQ(exact.source.find("matched by"), std::string::npos);

  // A GPU named without a driver finds the same-model entries only.
  TuneKey named = want;
  named.device = namedCudaDevice(gpu.name, "sm_90a");
  EXPECT_EQ(named.device.str(), "cuda NVIDIA H100 80GB HBM3, sm_90a");
  CudaChoice byName = chooseCudaVariant(named, TuneDatabase::load(path), 132);
  EXPECT_NE(byName.source.find("matched by"), std::string::npos);
  std::remove(path.c_str());
}

} // namespace
