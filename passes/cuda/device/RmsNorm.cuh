// The RMSNorm after mla.compress_query / mla.compress_kv: y = x /
// sqrt(mean(x^2) + epsilon) * weight over each token's row, a warp a row.
// The pre-norm values come from the compression in an f32 scratch buffer,
// so the normalized latent is rounded to storage once, as on the CPU.
//
// The shape is plain C++ the code generator also compiles. Embedded into
// units; no #include.

struct mlagen_rms_norm_shape {
  mlagen_storage_kind storage, weight;
  int warps, width;
  float epsilon;
};

#ifndef MLAGEN_SHAPES_ONLY
template <mlagen_rms_norm_shape S>
__device__ __forceinline__ void
mlagen_rms_norm(const float *__restrict__ pre_norm,
                mlagen_element<S.storage> *__restrict__ normed,
                const mlagen_element<S.weight> *__restrict__ norm_weight,
                int tokens) {
  const int m = blockIdx.x * S.warps + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (m >= tokens)
    return;
  const float *x = pre_norm + (long long)m * S.width;
  mlagen_element<S.storage> *y = normed + (long long)m * S.width;
  float squares = 0.0f;
  for (int i = lane; i < S.width; i += 32)
    squares += x[i] * x[i];
  const float inverse = rsqrtf(mlagen_warp_sum(squares) / S.width + S.epsilon);
  for (int i = lane; i < S.width; i += 32)
    y[i] = mlagen_storage<S.storage>::from_float(
        x[i] * inverse * mlagen_storage<S.weight>::to_float(norm_weight[i]));
}
#endif // MLAGEN_SHAPES_ONLY
