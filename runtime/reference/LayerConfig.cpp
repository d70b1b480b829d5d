//===- LayerConfig.cpp - RoPE frequencies and the softmax scale -----------===//
//
// The formulas of DeepSeek's published model code (YaRN included), written
// out in double precision.
//
//===----------------------------------------------------------------------===//

#include "mlagen/LayerConfig.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>

using namespace mlagen;

/// How much YaRN sharpens attention: 0.1 * mscale * ln(factor) + 1.
static double yarnMscale(double factor, double mscale) {
  return factor <= 1.0 ? 1.0 : 0.1 * mscale * std::log(factor) + 1.0;
}

/// The dimension index at which a frequency makes `rotations` turns over
/// the original context.
static double correctionDim(double rotations, int64_t dim, double theta,
                            int64_t maxPosition) {
  return dim * std::log(maxPosition / (rotations * 2 * M_PI)) /
         (2 * std::log(theta));
}

std::vector<double> RopeConfig::inverseFrequencies(int64_t dim) const {
  int64_t pairs = dim / 2;
  std::vector<double> extrapolated(pairs);
  for (int64_t k = 0; k < pairs; ++k)
    extrapolated[k] = std::pow(theta, -2.0 * k / dim);
  if (!yarn)
    return extrapolated;

  double low = std::floor(
      correctionDim(yarn->betaFast, dim, theta, yarn->originalMaxPosition));
  double high = std::ceil(
      correctionDim(yarn->betaSlow, dim, theta, yarn->originalMaxPosition));
  low = std::max(low, 0.0);
  high = std::min(high, double(dim - 1));
  if (low == high)
    high += 0.001;
  std::vector<double> blended(pairs);
  for (int64_t k = 0; k < pairs; ++k) {
    double ramp = std::clamp((k - low) / (high - low), 0.0, 1.0);
    double extrapolationWeight = 1.0 - ramp;
    blended[k] = extrapolated[k] / yarn->factor * (1.0 - extrapolationWeight) +
                 extrapolated[k] * extrapolationWeight;
  }
  return blended;
}

double RopeConfig::cosSinScale() const {
  if (!yarn)
    return 1.0;
  return yarnMscale(yarn->factor, yarn->mscale) /
         yarnMscale(yarn->factor, yarn->mscaleAllDim);
}

double LayerConfig::softmaxScale() const {
  double scale = 1.0 / std::sqrt(double(qkNopeHeadDim + qkRopeHeadDim));
  if (rope.yarn) {
    double m = yarnMscale(rope.yarn->factor, rope.yarn->mscaleAllDim);
    scale *= m * m;
  }
  return scale;
}

/// #mla.config<...> for `c` with every field spelled out.
std::string mlagen::configText(const LayerConfig &c, StorageType storage) {
  std::string yarn;
  if (c.rope.yarn)
    yarn =
        llvm::formatv(", yarn = <factor = {0:e}, original_max_position = {1}, "
                      "beta_fast = {2:e}, beta_slow = {3:e}, mscale = {4:e}, "
                      "mscale_all_dim = {5:e}>",
                      c.rope.yarn->factor, c.rope.yarn->originalMaxPosition,
                      c.rope.yarn->betaFast, c.rope.yarn->betaSlow,
                      c.rope.yarn->mscale, c.rope.yarn->mscaleAllDim);
  return llvm::formatv(
      "#mla.config<heads = {0}, d_model = {1}, q_lora_rank = {2}, "
      "kv_lora_rank = {3}, qk_nope_head_dim = {4}, qk_rope_head_dim = {5}, "
      "v_head_dim = {6}, rms_norm_eps = {7:e}, rope = #mla.rope<theta = "
      "{8:e}, pairing = {9}{10}>, storage = {11}>",
      c.heads, c.dModel, c.qLoraRank, c.kvLoraRank, c.qkNopeHeadDim,
      c.qkRopeHeadDim, c.vHeadDim, c.rmsNormEps, c.rope.theta,
      c.rope.pairing == RopePairing::Half ? "half" : "interleaved", yarn,
      toString(storage));
}
