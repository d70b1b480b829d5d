// The cache append: mla.cache_append, with fused rope(positions) or
// without. Token s of sequence b goes to row seq_lens[b] + s, i.e. row
// (seq_lens[b] + s) % page_size of page block_table[b][(seq_lens[b] + s) /
// page_size]: its c_kv copied, its k_rope rotated (Rope.cuh) or copied, in
// the storage type. One CTA per new token; threads stride the row. Any page
// size works: each token's row is addressed on its own. A token whose row
// falls outside its block-table row, or whose page is outside [0, pages),
// is not written (the device tables are not checked on the host).
//
// The shape is plain C++ the code generator also compiles. Embedded into
// units after Rope.cuh; no #include.

struct mlagen_append_shape {
  mlagen_storage_kind storage;
  int warps;
  int latent, rope, page_size, tokens; // tokens: new tokens per sequence
  bool rotate, interleaved;
  double cos_sin_scale;

  MLAGEN_HOST_DEVICE constexpr int row() const { return latent + rope; }
};

#ifndef MLAGEN_SHAPES_ONLY
// `positions` and `inv_freq` are read only when S.rotate.
template <mlagen_append_shape S>
__device__ __forceinline__ void
mlagen_append(const mlagen_element<S.storage> *__restrict__ c_kv,
              const mlagen_element<S.storage> *__restrict__ k_rope,
              const int *__restrict__ positions,
              mlagen_element<S.storage> *__restrict__ cache,
              const int *__restrict__ block_table,
              const int *__restrict__ seq_lens, int table_width, int new_tokens,
              const double *inv_freq, int pages) {
  using E = mlagen_element<S.storage>;
  const int token = blockIdx.x;
  if (token >= new_tokens)
    return;
  const int b = token / S.tokens, s = token % S.tokens;
  const long long slot = (long long)seq_lens[b] + s;
  if (slot < 0 || slot >= (long long)table_width * S.page_size)
    return;
  const long long page =
      block_table[(long long)b * table_width + slot / S.page_size];
  if (page < 0 || page >= pages)
    return;
  E *dst = cache + (page * S.page_size + slot % S.page_size) * S.row();
  const E *latent = c_kv + (long long)token * S.latent;
  const E *rope = k_rope + (long long)token * S.rope;
  for (int i = threadIdx.x; i < S.latent; i += blockDim.x)
    dst[i] = latent[i];
  if constexpr (S.rotate) {
    const double position = (double)positions[token];
    for (int k = threadIdx.x; k < S.rope / 2; k += blockDim.x)
      mlagen_rotate_pair<S.storage, S.rope, S.interleaved>(
          rope, dst, S.latent, k, position, inv_freq, S.cos_sin_scale);
  } else {
    for (int i = threadIdx.x; i < S.rope; i += blockDim.x)
      dst[S.latent + i] = rope[i];
  }
}
#endif // MLAGEN_SHAPES_ONLY
