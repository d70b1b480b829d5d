//===- PairDots.h - the attention's products as bf16 pair dots -*- C++ -*-===//
//
// AVX512-BF16's vdpbf16ps adds a[2i] b[2i] + a[2i+1] b[2i+1] to lane i of 16
// f32 lanes: 32 bf16 products per instruction, where an f32 FMA makes 16
// (on CPUs that issue both at one per cycle, twice the FMA rate).
//
// With `bf16-dot`, convert-mla-to-linalg writes the vector page step's two
// products as contractions whose innermost loop is a reduction over a pair
// of bf16 elements (the `pair` loop below), and mla-cpu-vectorize turns
// each 16 lanes of pairs into one x86vector.avx512.dot:
//
// - scores: S [S, H, page_size] += Q [S, H, w / 32, 16, 2] x
//   K [page_size, w / 32, 16, 2] over the whole rows, w = latent + rope
//   (the query's two parts side by side in bf16, once per sequence; each
//   view is the rows as they lie in memory): whole dot products, each with
//   16 lanes of partial sums in registers, summed across at the end;
// - values: O [S, H, latent] += P [S, H, page_size / 2, 2] x
//   V [page_size / 2, 2, latent], P the probabilities rounded to bf16, V
//   the page's rows read two at a time and interleaved in registers.
//
// Without the pass's option a pair contraction is an ordinary generic that
// computes the same thing. This header is what the lowering and the pass
// agree on.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_PASSES_PAIRDOTS_H
#define MLAGEN_PASSES_PAIRDOTS_H

#include "dialect/MlaDialect.h"

namespace mlir::mla::pairs {

/// f32 lanes of one dot product, and bf16 elements it multiplies per side.
constexpr int64_t kLanes = 16;
constexpr int64_t kPair = 2;
constexpr int64_t kDepth = kLanes * kPair;

/// Whether a latent attention with `config` over pages of `pageSize` keys
/// can run its page steps on pair dots: bf16 storage, latent and rope
/// widths multiples of 32 (whole dot products), latent a multiple of 16 and
/// an even page size (whole pairs of keys for P x V).
inline bool pageStepFits(bool bf16Storage, int64_t latent, int64_t rope,
                         int64_t pageSize) {
  return bf16Storage && latent % kDepth == 0 && rope % kDepth == 0 &&
         pageSize % kPair == 0;
}
inline bool pageStepFits(ConfigAttr config, int64_t pageSize) {
  return pageStepFits(config.getStorageType().isBF16(), config.getKvLoraRank(),
                      config.getQkRopeHeadDim(), pageSize);
}

} // namespace mlir::mla::pairs

#endif // MLAGEN_PASSES_PAIRDOTS_H
