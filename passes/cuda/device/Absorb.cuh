// The absorptions as their own kernels: mla.absorb_query (q_latent[m, h, c]
// = sum_n q_nope[m, h, n] W_UK[h, n, c]) and mla.absorb_output (out[m, h, v]
// = sum_c o_latent[m, h, c] W_UV[h, v, c]), m over the batch x query
// tokens. At decode both are small per-head GEMMs bound by reading the
// weight once: the tokens are taken `pass` at a time from shared memory and
// each weight element loaded serves all of them, accumulating in f32.
//   - absorb_query: a thread per output column c (W_UK rows are read
//     coalesced along c); grid (columns / threads, heads).
//   - absorb_output: a warp per output row v (lanes stride the W_UV row
//     along c, then a warp sum); grid (heads, rows / warps).
//
// The shape is plain C++ the code generator also compiles. Embedded into
// units; no #include.

struct mlagen_absorb_shape {
  mlagen_storage_kind input, weight, result;
  int warps;
  int heads, in, out; // per head: in -> out

  static constexpr int pass = 8; // tokens per pass over the weight
  // The most static shared memory a kernel may declare.
  static constexpr int max_static_shared = 48 * 1024;

  // The staged inputs of one pass: static shared memory in absorb_query,
  // dynamic in absorb_output.
  MLAGEN_HOST_DEVICE constexpr int staged_bytes() const {
    return pass * in * 4;
  }
};

#ifndef MLAGEN_SHAPES_ONLY
template <mlagen_absorb_shape S>
__device__ __forceinline__ void
mlagen_absorb_query(const mlagen_element<S.input> *__restrict__ q_nope,
                    const mlagen_element<S.weight> *__restrict__ w_uk,
                    mlagen_element<S.result> *__restrict__ q_latent,
                    int tokens) {
  static_assert(S.staged_bytes() <= S.max_static_shared,
                "the description admits only inputs that fit");
  constexpr int kHeads = S.heads, kIn = S.in, kOut = S.out, kPass = S.pass;
  __shared__ float x[kPass][kIn];
  const int h = blockIdx.y, c = blockIdx.x * blockDim.x + threadIdx.x;
  const mlagen_element<S.weight> *w = w_uk + (long long)h * kIn * kOut;
  for (int first = 0; first < tokens; first += kPass) {
    for (int i = threadIdx.x; i < kPass * kIn; i += blockDim.x) {
      const int m = first + i / kIn;
      x[i / kIn][i % kIn] =
          m < tokens ? mlagen_storage<S.input>::to_float(
                           q_nope[((long long)m * kHeads + h) * kIn + i % kIn])
                     : 0.0f;
    }
    __syncthreads();
    float acc[kPass] = {};
    if (c < kOut)
#pragma unroll 8
      for (int n = 0; n < kIn; ++n) {
        const float weight =
            mlagen_storage<S.weight>::to_float(w[(long long)n * kOut + c]);
#pragma unroll
        for (int t = 0; t < kPass; ++t)
          acc[t] += x[t][n] * weight;
      }
    mlagen_element<S.result> *dst =
        q_latent + ((long long)first * kHeads + h) * kOut + c;
#pragma unroll
    for (int t = 0; t < kPass; ++t)
      if (c < kOut && first + t < tokens)
        dst[(long long)t * kHeads * kOut] =
            mlagen_storage<S.result>::from_float(acc[t]);
    __syncthreads();
  }
}

template <mlagen_absorb_shape S>
__device__ __forceinline__ void
mlagen_absorb_output(const mlagen_element<S.input> *__restrict__ o_latent,
                     const mlagen_element<S.weight> *__restrict__ w_uv,
                     mlagen_element<S.result> *__restrict__ out, int tokens) {
  constexpr int kHeads = S.heads, kIn = S.in, kOut = S.out, kPass = S.pass;
  unsigned char *shared = mlagen_dynamic_shared();
  float(*x)[kIn] = reinterpret_cast<float(*)[kIn]>(shared);
  const int h = blockIdx.x, warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int v = blockIdx.y * S.warps + warp;
  const mlagen_element<S.weight> *w = w_uv + ((long long)h * kOut + v) * kIn;
  for (int first = 0; first < tokens; first += kPass) {
    for (int i = threadIdx.x; i < kPass * kIn; i += blockDim.x) {
      const int m = first + i / kIn;
      x[i / kIn][i % kIn] =
          m < tokens
              ? mlagen_storage<S.input>::to_float(
                    o_latent[((long long)m * kHeads + h) * kIn + i % kIn])
              : 0.0f;
    }
    __syncthreads();
    float acc[kPass] = {};
    if (v < kOut)
#pragma unroll 8
      for (int c = lane; c < kIn; c += 32) {
        const float weight = mlagen_storage<S.weight>::to_float(w[c]);
#pragma unroll
        for (int t = 0; t < kPass; ++t)
          acc[t] += x[t][c] * weight;
      }
#pragma unroll
    for (int t = 0; t < kPass; ++t) {
      const float sum = mlagen_warp_sum(acc[t]);
      if (lane == 0 && v < kOut && first + t < tokens)
        out[((long long)(first + t) * kHeads + h) * kOut + v] =
            mlagen_storage<S.result>::from_float(sum);
    }
    __syncthreads();
  }
}
#endif // MLAGEN_SHAPES_ONLY
