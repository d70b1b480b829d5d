//===- FragmentSoftmax.cpp - online softmax on MMA accumulator tiles ------===//
//
// The online-softmax step the prefill and wgmma attention kernels run on
// the score fragments in their registers, printed once for both: for each
// of this thread's two rows, mask the keys it does not see, scale into the
// log2 domain, take the row's tile maximum over the quad that holds the
// row, turn the scores into probabilities in place, and rescale the row's
// running sum and output accumulators.
//
//===----------------------------------------------------------------------===//

#include "passes/cuda/KernelSource.h"

using namespace mlir;
using namespace mlir::mla;

std::string mlir::mla::printFragmentSoftmax(StringRef score, StringRef acc,
                                            StringRef limit,
                                            StringRef accBlocks) {
  return fillTemplate(R"cuda(#pragma unroll
    for (int half = 0; half < 2; ++half) {
      ${limit}
      float tileMax = mlagen_negative_infinity();
#pragma unroll
      for (int j = 0; j < kKeys / 8; ++j)
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          const int key = first + j * 8 + (lane % 4) * 2 + e;
          float &x = ${score};
          x = key < limit ? x * kScaleLog2 : mlagen_negative_infinity();
          tileMax = fmaxf(tileMax, x);
        }
      const float newMax = fmaxf(rowMax[half], mlagen_quad_max(tileMax));
      const float alpha = mlagen_exp2_relative(rowMax[half], newMax);
      rowMax[half] = newMax;
      float sum = 0.0f;
#pragma unroll
      for (int j = 0; j < kKeys / 8; ++j)
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          float &x = ${score};
          x = mlagen_exp2_relative(x, newMax);
          sum += x;
        }
      rowSum[half] = rowSum[half] * alpha + sum;
#pragma unroll
      for (int j = 0; j < ${accBlocks}; ++j)
#pragma unroll
        for (int e = 0; e < 2; ++e)
          ${acc} *= alpha;
    })cuda",
                      {{"limit", limit.str()},
                       {"score", score.str()},
                       {"acc", acc.str()},
                       {"accBlocks", accBlocks.str()}});
}
