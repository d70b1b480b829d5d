//===- RopeTest.cpp - RoPE, YaRN and the softmax scale --------------------===//

#include "RandomProblem.h"

#include "gtest/gtest.h"
#include <cmath>

using namespace mlagen;
using namespace mlagen::reference;

namespace {

double dot(const std::vector<double> &a, const std::vector<double> &b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i)
    sum += a[i] * b[i];
  return sum;
}

std::vector<double> rotated(const RopeConfig &rope, std::vector<double> x,
                            int64_t position) {
  applyRope(rope, x.data(), x.size(), position);
  return x;
}

std::vector<double> randomVector(int64_t dim, unsigned seed) {
  test::RandomSource random(seed);
  std::vector<float> v = random.values(dim, StorageType::F32);
  return {v.begin(), v.end()};
}

RopeConfig deepseekV3Rope(RopePairing pairing) {
  RopeConfig rope;
  rope.pairing = pairing;
  rope.yarn = YarnScaling{40.0, 4096, 32.0, 1.0, 1.0, 1.0};
  return rope;
}

TEST(Rope, ScoresDependOnlyOnRelativePosition) {
  for (RopePairing pairing : {RopePairing::Interleaved, RopePairing::Half})
    for (RopeConfig rope : {RopeConfig{10000.0, pairing, std::nullopt},
                            deepseekV3Rope(pairing)}) {
      std::vector<double> q = randomVector(64, 1), k = randomVector(64, 2);
      double near = dot(rotated(rope, q, 17), rotated(rope, k, 5));
      double far = dot(rotated(rope, q, 100017), rotated(rope, k, 100005));
      EXPECT_NEAR(near, far, 1e-9);
      EXPECT_NE(near, dot(rotated(rope, q, 18), rotated(rope, k, 5)));
    }
}

TEST(Rope, RotatesTheFirstPairByPositionTimesTheBaseFrequency) {
  // inv_freq[0] = 1, so e0 at position p becomes (cos p, sin p) in the first
  // pair: (x0, x1) for interleaved, (x0, x[d/2]) for half.
  for (RopePairing pairing : {RopePairing::Interleaved, RopePairing::Half}) {
    RopeConfig rope{10000.0, pairing, std::nullopt};
    std::vector<double> e0(8, 0.0);
    e0[0] = 1.0;
    std::vector<double> x = rotated(rope, e0, 3);
    int64_t partner = pairing == RopePairing::Interleaved ? 1 : 4;
    EXPECT_NEAR(x[0], std::cos(3.0), 1e-15);
    EXPECT_NEAR(x[partner], std::sin(3.0), 1e-15);
  }
}

TEST(Rope, PreservesNormWithoutYarnAttenuation) {
  RopeConfig rope = deepseekV3Rope(RopePairing::Interleaved);
  ASSERT_EQ(rope.cosSinScale(), 1.0); // mscale == mscale_all_dim
  std::vector<double> x = randomVector(64, 3);
  EXPECT_NEAR(dot(x, x), dot(rotated(rope, x, 12345), rotated(rope, x, 12345)),
              1e-12);
}

TEST(Rope, HalfPairingIsInterleavedPairingOnPermutedElements) {
  // Interleaved pair k is (2k, 2k + 1); half pair k is (k, k + d/2).
  const int64_t dim = 64;
  auto toHalfLayout = [&](const std::vector<double> &x) {
    std::vector<double> y(dim);
    for (int64_t k = 0; k < dim / 2; ++k) {
      y[k] = x[2 * k];
      y[k + dim / 2] = x[2 * k + 1];
    }
    return y;
  };
  std::vector<double> x = randomVector(dim, 4);
  std::vector<double> viaInterleaved =
      toHalfLayout(rotated(deepseekV3Rope(RopePairing::Interleaved), x, 777));
  std::vector<double> viaHalf =
      rotated(deepseekV3Rope(RopePairing::Half), toHalfLayout(x), 777);
  for (int64_t i = 0; i < dim; ++i)
    EXPECT_NEAR(viaInterleaved[i], viaHalf[i], 1e-12);
}

TEST(Rope, YarnKeepsHighFrequenciesAndInterpolatesLowOnes) {
  // DeepSeek-V3, d_r = 64: the correction range for beta_fast 32 and
  // beta_slow 1 over 4096 positions is pairs [10, 23].
  RopeConfig plain;
  std::vector<double> base = plain.inverseFrequencies(64);
  std::vector<double> yarn =
      deepseekV3Rope(RopePairing::Interleaved).inverseFrequencies(64);
  ASSERT_EQ(yarn.size(), 32u);
  for (int k = 0; k <= 10; ++k)
    EXPECT_DOUBLE_EQ(yarn[k], base[k]) << k;
  for (int k = 23; k < 32; ++k)
    EXPECT_DOUBLE_EQ(yarn[k], base[k] / 40.0) << k;
  for (int k = 11; k < 23; ++k) {
    EXPECT_LT(yarn[k], base[k]) << k;
    EXPECT_GT(yarn[k], base[k] / 40.0) << k;
  }
}

TEST(LayerConfig, SoftmaxScaleIncludesYarnMscale) {
  LayerConfig v3{128, 7168, 1536, 512, 128, 64, 128};
  v3.rope = deepseekV3Rope(RopePairing::Interleaved);
  // 1/sqrt(192) * (0.1 * ln 40 + 1)^2
  EXPECT_NEAR(v3.softmaxScale(), 0.1352337788608801, 1e-15);
  v3.rope.yarn.reset();
  EXPECT_NEAR(v3.softmaxScale(), 1.0 / std::sqrt(192.0), 1e-15);
}

TEST(StorageType, RoundsToNearestEven) {
  EXPECT_EQ(roundTo(StorageType::BF16, 1.0f + 0x1p-8f), 1.0f);
  EXPECT_EQ(roundTo(StorageType::BF16, 1.0f + 3 * 0x1p-8f), 1.0f + 0x1p-6f);
  EXPECT_EQ(roundTo(StorageType::BF16, -1.0f - 0x1p-7f), -1.0f - 0x1p-7f);
  EXPECT_EQ(roundTo(StorageType::F16, 1.0f + 0x1p-11f), 1.0f);
  EXPECT_EQ(roundTo(StorageType::F16, 1.0f + 3 * 0x1p-11f), 1.0f + 0x1p-9f);
  EXPECT_TRUE(std::isinf(roundTo(StorageType::F16, 65520.0f)));
  EXPECT_TRUE(std::isnan(roundTo(StorageType::BF16, NAN)));
  EXPECT_TRUE(std::isnan(roundTo(StorageType::F16, NAN)));
  EXPECT_EQ(roundTo(StorageType::F32, 1.0f + 0x1p-20f), 1.0f + 0x1p-20f);
}

TEST(StorageType, ParsesNamesAndRejectsOthers) {
  llvm::Expected<StorageType> bf16 = parseStorageType("bf16");
  ASSERT_TRUE(bool(bf16));
  EXPECT_EQ(*bf16, StorageType::BF16);
  EXPECT_EQ(sizeOf(*bf16), 2u);
  llvm::Expected<StorageType> fp8 = parseStorageType("fp8");
  EXPECT_EQ(llvm::toString(fp8.takeError()),
            "unknown storage type 'fp8'; expected f32, f16 or bf16");
}

} // namespace
