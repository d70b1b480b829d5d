//===- Reference.h - the MLA oracle, in double precision --------*- C++ -*-===//
//
// Obviously-correct implementations of MLA that everything else is checked
// against: the whole decode step in the naive MHA form, and the absorbed
// latent attention over a paged cache (whole, and split into KV chunks plus
// the exact LSE merge). All tensors are row-major float vectors in the
// layouts of the mla dialect's ops; results are doubles. Every entry point
// validates its inputs first and reads or writes nothing out of bounds.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_REFERENCE_H
#define MLAGEN_REFERENCE_H

#include "mlagen/LayerConfig.h"
#include "mlagen/StorageType.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <vector>

namespace mlagen::reference {

/// A paged latent cache holding float values (already rounded to the
/// storage type). Row `slot` of page `page` is the token's c_kv
/// (latentDim values) followed by its rotated k_rope (ropeDim values).
struct PagedCache {
  int64_t numPages, pageSize, latentDim, ropeDim;
  std::vector<float> rows; // [numPages][pageSize][latentDim + ropeDim]

  int64_t rowWidth() const { return latentDim + ropeDim; }
  float *row(int64_t page, int64_t slot) {
    return rows.data() + (page * pageSize + slot) * rowWidth();
  }
  const float *row(int64_t page, int64_t slot) const {
    return rows.data() + (page * pageSize + slot) * rowWidth();
  }
};

/// Which pages each sequence owns and how many tokens it holds: token t of
/// sequence b lives in row t % pageSize of page blockTable[b][t / pageSize].
struct SequenceTable {
  int64_t batch, width;            // width: block-table entries per sequence
  std::vector<int32_t> blockTable; // [batch][width]
  std::vector<int32_t> seqLens;    // [batch]
};

/// Checks that the cache matches `config`, the table's sizes, and that
/// every page holding tokens t < seqLens[b] + extraTokens is a valid page.
/// Entries the sequences do not reach are not looked at.
llvm::Error validate(const LayerConfig &config, const PagedCache &cache,
                     const SequenceTable &table, int64_t extraTokens = 0);

/// Attention outputs: out [.., B, S, H, D] and lse [.., B, S, H]. A query
/// that sees no key has out 0 and lse -infinity.
struct AttentionResult {
  std::vector<double> out, lse;
};

/// Absorbed latent attention (mla.latent_attention): qLatent [B, S, H,
/// kvLoraRank], qRope [B, S, H, ropeDim] (already rotated), keys j <
/// seqLens[b]; with `causal` query k sees j < seqLens[b] - S + 1 + k.
llvm::Expected<AttentionResult>
latentAttention(const LayerConfig &config, const std::vector<float> &qLatent,
                const std::vector<float> &qRope, int64_t queryTokens,
                const PagedCache &cache, const SequenceTable &table,
                bool causal);

/// mla.partial_latent_attention: the keys of sequence b are cut into
/// `numSplits` chunks of ceil(seqLens[b] / numSplits); out [N, B, S, H,
/// kvLoraRank], lse [N, B, S, H].
llvm::Expected<AttentionResult>
partialLatentAttention(const LayerConfig &config,
                       const std::vector<float> &qLatent,
                       const std::vector<float> &qRope, int64_t queryTokens,
                       const PagedCache &cache, const SequenceTable &table,
                       bool causal, int64_t numSplits);

/// mla.combine: merges N partial results exactly through their LSEs.
llvm::Expected<AttentionResult> combine(const AttentionResult &partials,
                                        int64_t numSplits);

/// The weights of one layer, in the dialect's layouts. wDq [qLoraRank,
/// dModel] and qNorm [qLoraRank] are empty without query compression.
struct LayerWeights {
  std::vector<float> wDq, qNorm;
  std::vector<float> wUq;    // [H, d_n + d_r, queryInputDim]
  std::vector<float> wDkv;   // [kvLoraRank + d_r, dModel]
  std::vector<float> kvNorm; // [kvLoraRank]
  std::vector<float> wUk;    // [H, d_n, kvLoraRank]
  std::vector<float> wUv;    // [H, d_v, kvLoraRank]
  std::vector<float> wO;     // [dModel, H, d_v]
};

/// The new tokens' query heads: q_nope [B, S, H, d_n] and q_rope [B, S, H,
/// d_r], rotated at positions seqLens[b] + k (mla.compress_query,
/// mla.up_project_query and mla.rope).
struct QueryHeads {
  std::vector<double> nope, rope;
};
llvm::Expected<QueryHeads> projectQueries(const LayerConfig &config,
                                          const LayerWeights &weights,
                                          const std::vector<float> &hidden,
                                          int64_t queryTokens,
                                          const SequenceTable &table);

/// mla.compress_kv, mla.rope and mla.cache_append: writes each new token's
/// [c_kv | rotated k_rope], rounded to `storage`, at position
/// seqLens[b] + k.
llvm::Error appendTokens(const LayerConfig &config, const LayerWeights &weights,
                         const std::vector<float> &hidden, int64_t queryTokens,
                         StorageType storage, PagedCache &cache,
                         const SequenceTable &table);

/// mla.decode_step in the naive MHA form: hidden [B, S, dModel] at
/// positions seqLens[b] + k. Appends each new token's [c_kv | rotated
/// k_rope], rounded to `storage`, to `cache`, then attends causally over
/// all seqLens[b] + S tokens with per-head K and V up-projected from the
/// cached latents. Returns out [B, S, dModel]. `table` holds the lengths
/// before the append.
llvm::Expected<std::vector<double>>
decodeLayer(const LayerConfig &config, const LayerWeights &weights,
            const std::vector<float> &hidden, int64_t queryTokens,
            StorageType storage, PagedCache &cache, const SequenceTable &table);

/// Causal MHA attention (mla.mha_attention, the prefill): per sequence b,
/// `tokens` queries (the last of its lengths[b] keys, bottom-right causal;
/// lengths clamped to [0, keyTokens]) over its first lengths[b] key rows.
/// qNope [B, tokens, H, nope], qRope [B, tokens, H, rope] (rotated),
/// kNope [B, keyTokens, H, nope], kRope [B, keyTokens, rope] (shared by
/// the heads), v [B, keyTokens, H, v_head_dim]; out [B, tokens, H,
/// v_head_dim]. Fails naming an array of the wrong size.
llvm::Expected<AttentionResult>
mhaAttention(const LayerConfig &config, int64_t batch, int64_t tokens,
             int64_t keyTokens, llvm::ArrayRef<int32_t> lengths,
             llvm::ArrayRef<float> qNope, llvm::ArrayRef<float> qRope,
             llvm::ArrayRef<float> kNope, llvm::ArrayRef<float> kRope,
             llvm::ArrayRef<float> v);

/// Rotates `x` (dim values) in place as RoPE does at `position`.
void applyRope(const RopeConfig &rope, double *x, int64_t dim,
               int64_t position);

} // namespace mlagen::reference

#endif // MLAGEN_REFERENCE_H
