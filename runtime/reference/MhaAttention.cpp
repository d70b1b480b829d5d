//===- MhaAttention.cpp - causal MHA attention, the prefill's reference ---===//

#include "mlagen/Reference.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>

using namespace mlagen;
using namespace mlagen::reference;

llvm::Expected<AttentionResult> reference::mhaAttention(
    const LayerConfig &c, int64_t batch, int64_t tokens, int64_t keyTokens,
    llvm::ArrayRef<int32_t> lengths, llvm::ArrayRef<float> qNope,
    llvm::ArrayRef<float> qRope, llvm::ArrayRef<float> kNope,
    llvm::ArrayRef<float> kRope, llvm::ArrayRef<float> v) {
  int64_t h = c.heads, dn = c.qkNopeHeadDim, dr = c.qkRopeHeadDim;
  int64_t dv = c.vHeadDim;
  struct {
    const char *name;
    size_t size, expected;
  } arrays[] = {{"lengths", lengths.size(), size_t(batch)},
                {"qNope", qNope.size(), size_t(batch * tokens * h * dn)},
                {"qRope", qRope.size(), size_t(batch * tokens * h * dr)},
                {"kNope", kNope.size(), size_t(batch * keyTokens * h * dn)},
                {"kRope", kRope.size(), size_t(batch * keyTokens * dr)},
                {"v", v.size(), size_t(batch * keyTokens * h * dv)}};
  for (const auto &array : arrays)
    if (array.size != array.expected)
      return llvm::createStringError(
          llvm::formatv("mhaAttention: {0} has {1} values, expected {2}",
                        array.name, array.size, array.expected)
              .str());
  AttentionResult result;
  result.out.assign(batch * tokens * h * dv, 0.0);
  result.lse.assign(batch * tokens * h, -INFINITY);
  std::vector<double> scores(keyTokens);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < tokens; ++t)
      for (int64_t head = 0; head < h; ++head) {
        // Bottom-right causal over the first lengths[b] keys.
        int64_t length = std::clamp<int64_t>(lengths[b], 0, keyTokens);
        int64_t visible =
            std::max<int64_t>(0, std::min(length, length - tokens + 1 + t));
        if (visible == 0)
          continue;
        const float *qn = &qNope[((b * tokens + t) * h + head) * dn];
        const float *qr = &qRope[((b * tokens + t) * h + head) * dr];
        double max = -INFINITY;
        for (int64_t j = 0; j < visible; ++j) {
          const float *kn = &kNope[((b * keyTokens + j) * h + head) * dn];
          const float *kr = &kRope[(b * keyTokens + j) * dr];
          double dot = 0;
          for (int64_t i = 0; i < dn; ++i)
            dot += double(qn[i]) * kn[i];
          for (int64_t i = 0; i < dr; ++i)
            dot += double(qr[i]) * kr[i];
          scores[j] = dot * c.softmaxScale();
          max = std::max(max, scores[j]);
        }
        double sum = 0;
        for (int64_t j = 0; j < visible; ++j)
          sum += std::exp(scores[j] - max);
        double *o = &result.out[((b * tokens + t) * h + head) * dv];
        for (int64_t j = 0; j < visible; ++j) {
          double p = std::exp(scores[j] - max) / sum;
          const float *vj = &v[((b * keyTokens + j) * h + head) * dv];
          for (int64_t i = 0; i < dv; ++i)
            o[i] += p * vj[i];
        }
        result.lse[(b * tokens + t) * h + head] = max + std::log(sum);
      }
  return result;
}
