// The split-KV combine: mla.combine merges N partial (out, lse) pairs per
// query row exactly: m = max lse_n, w_n = exp(lse_n - m), out = sum w_n
// out_n / sum w_n, lse = m + log(sum w_n); a row no split saw (every lse_n =
// -inf) gets out 0 and lse -inf. One warp per query row, `warps` rows per
// CTA; lanes stride the latent columns.
//
// The shape is plain C++ the code generator also compiles. Embedded into
// units; no #include.

struct mlagen_combine_shape {
  mlagen_storage_kind storage; // of the output
  int warps, splits, width;
};

#ifndef MLAGEN_SHAPES_ONLY
template <mlagen_combine_shape S>
__device__ __forceinline__ void
mlagen_combine(const float *__restrict__ partial_out,
               const float *__restrict__ partial_lse,
               mlagen_element<S.storage> *__restrict__ out,
               float *__restrict__ lse, int rows) {
  using T = mlagen_storage<S.storage>;
  const int row = blockIdx.x * S.warps + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= rows)
    return;
  // The splits' LSEs are few: every lane reads them all.
  float max = mlagen_negative_infinity();
  for (int n = 0; n < S.splits; ++n)
    max = fmaxf(max, partial_lse[(long long)n * rows + row]);
  float sum = 0.0f;
  for (int n = 0; n < S.splits; ++n)
    sum += mlagen_exp_relative(partial_lse[(long long)n * rows + row], max);
  const float scale = sum != 0.0f ? 1.0f / sum : 0.0f;
  for (int c = lane; c < S.width; c += 32) {
    float acc = 0.0f;
    for (int n = 0; n < S.splits; ++n) {
      const float w =
          mlagen_exp_relative(partial_lse[(long long)n * rows + row], max);
      if (w != 0.0f) // a split that saw no key may hold anything
        acc += w * partial_out[((long long)n * rows + row) * S.width + c];
    }
    out[(long long)row * S.width + c] = T::from_float(acc * scale);
  }
  if (lane == 0)
    lse[row] = sum != 0.0f ? max + logf(sum) : mlagen_negative_infinity();
}
#endif // MLAGEN_SHAPES_ONLY
