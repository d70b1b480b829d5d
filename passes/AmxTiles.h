//===- AmxTiles.h - the attention's matrix products on AMX tiles -*- C++
//-*-===//
//
// x86 AMX multiplies tiles (up to 16 rows of 64 bytes) in a tile unit of
// its own: one tdpbf16ps adds A [m, 32] x B [32, n] to C [m, n] in f32,
// where A holds bf16 rows and B holds its 32 reduction steps as 16 rows of
// bf16 pairs (B'[k / 2][2 j + k % 2] = B[k][j], the "VNNI" layout).
//
// With `amx`, convert-mla-to-linalg writes each page step of the latent
// attention (one page, or several short ones) as linalg.generic ops marked
// for mla-cpu-amx, in the layouts the tiles read in place:
//
// - scores, per page: S^T [page_size, S, H] += rows [page_size,
//   latent + rope] x Q' [(latent + rope) / 2, S, H, 2]: the cache page is
//   A as it lies in the cache, the query (packed into pairs once per
//   sequence) is B.
// - pack_values: V' [page_size / 2, latent, 2] = the page's value rows as
//   bf16 pairs (the B layout), rows outside the generic's [lo, hi) operands
//   zero, into the step's V'.
// - values: O [S, H, latent] += P [S, H, keys] x V', P the bf16
//   probabilities of the step's keys (several pages of keys where pages
//   are short: kStepKeys).
//
// A marked op is an ordinary generic that computes the same thing, so IR
// that never meets mla-cpu-amx still runs, slowly. This header is what the
// lowering and the pass agree on.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_PASSES_AMXTILES_H
#define MLAGEN_PASSES_AMXTILES_H

#include "dialect/MlaDialect.h"
#include "llvm/ADT/StringRef.h"

namespace mlir::mla::tiles {

/// Rows of a tile, and bf16 elements in a tile row (the reduction depth of
/// one tile product).
constexpr int64_t kTileRows = 16;
constexpr int64_t kTileDepth = 32;

/// The attribute that marks a generic for mla-cpu-amx, and its values.
constexpr llvm::StringLiteral kMarker = "mla.amx";
constexpr llvm::StringLiteral kScores = "scores";
constexpr llvm::StringLiteral kPackValues = "pack_values";
constexpr llvm::StringLiteral kValues = "values";

/// Keys per page step on tiles (pages of fewer keys are taken this many
/// keys at a time): each 16 x 16 accumulator tile of P x V is loaded and
/// stored once per step, around kStepKeys / 32 tile products.
constexpr int64_t kStepKeys = 256;

/// Whether a latent attention with `config` over pages of `pageSize` keys
/// can run its page steps on tiles: bf16 storage, pages a multiple of 16
/// keys (whole tile rows), and latent and rope widths multiples of 32 and
/// 16 (whole tile columns; their sum a multiple of 32).
inline bool pageStepFits(bool bf16Storage, int64_t latent, int64_t rope,
                         int64_t pageSize) {
  return bf16Storage && pageSize % kTileRows == 0 && latent % kTileDepth == 0 &&
         (latent + rope) % kTileDepth == 0;
}
inline bool pageStepFits(ConfigAttr config, int64_t pageSize) {
  return pageStepFits(config.getStorageType().isBF16(), config.getKvLoraRank(),
                      config.getQkRopeHeadDim(), pageSize);
}

} // namespace mlir::mla::tiles

#endif // MLAGEN_PASSES_AMXTILES_H
