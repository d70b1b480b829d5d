// The decode layer's linear maps around the attention, all of the form
// y[m, n] = sum_k x[m, k] W[n, k] with m over the batch x query tokens (a
// few rows at decode) and W read once: bound by the weight's bytes.
//   - mla.compress_query: x = hidden, W = W_DQ, y = c_q in f32 (its RMSNorm
//     follows, RmsNorm.cuh);
//   - mla.compress_kv: x = hidden, W = W_DKV, y = [c_kv in f32 | k_rope];
//   - mla.up_project_query: x = c_q (or hidden), W = W_UQ viewed as
//     [heads x (nope + rope), in], y split per head into q_nope and q_rope;
//   - mla.output_projection: x = the heads' outputs viewed as [m, H x D],
//     W = W_O viewed as [d_model, H x D].
// One warp per output column n (grid: out / warps); the tokens are taken
// `pass` at a time and their inputs staged in shared memory `chunk` columns
// at a time, so each weight element loaded (two per lane per step, one
// 32-bit load for 16-bit storage) serves `pass` tokens; f32 accumulation, a
// warp sum, one rounding to storage.
//
// The shape is plain C++ the code generator also compiles. Embedded into
// units; no #include.

struct mlagen_linear_shape {
  mlagen_storage_kind storage;
  int warps;
  int in, out;
  int split;       // compress_kv: c_kv's width (k_rope takes the rest)
  int heads, nope; // up_project_query: heads, and q_nope's width per head

  static constexpr int pass = 8;         // tokens per pass over W
  static constexpr int max_chunk = 1024; // input columns staged at a time

  MLAGEN_HOST_DEVICE constexpr int chunk() const {
    return mlagen_min(in, max_chunk);
  }
  MLAGEN_HOST_DEVICE constexpr int shared_bytes() const {
    return pass * chunk() * 4;
  }
  MLAGEN_HOST_DEVICE constexpr int grid_x() const {
    return mlagen_ceil_div(out, warps);
  }
  // Weight rows are read two elements at a time.
  MLAGEN_HOST_DEVICE constexpr bool even_input() const {
    return in % 2 == 0 && in > 0;
  }
};

#ifndef MLAGEN_SHAPES_ONLY
// y = x W^T for every token; store(m, n, value) writes y[m, n].
template <mlagen_linear_shape S, class Store>
__device__ __forceinline__ void
mlagen_linear(const mlagen_element<S.storage> *__restrict__ x,
              const mlagen_element<S.storage> *__restrict__ w, int tokens,
              Store store) {
  static_assert(S.even_input(), "the description admits only even inputs");
  using T = mlagen_storage<S.storage>;
  using E = typename T::element;
  constexpr int kIn = S.in, kOut = S.out, kPass = S.pass;
  constexpr int kChunk = S.chunk();
  unsigned char *shared = mlagen_dynamic_shared();
  float *xs = reinterpret_cast<float *>(shared); // [kPass][kChunk]
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int n = blockIdx.x * S.warps + warp;
  const E *row = w + (long long)(n < kOut ? n : 0) * kIn;
  for (int first = 0; first < tokens; first += kPass) {
    float acc[kPass] = {};
    for (int k0 = 0; k0 < kIn; k0 += kChunk) {
      const int width = min(kChunk, kIn - k0);
      __syncthreads(); // the previous chunk is used up
      for (int i = threadIdx.x; i < kPass * kChunk; i += blockDim.x) {
        const int t = i / kChunk, k = i % kChunk, m = first + t;
        xs[i] = m < tokens && k < width
                    ? T::to_float(x[(long long)m * kIn + k0 + k])
                    : 0.0f;
      }
      __syncthreads();
      if (n < kOut)
        for (int k = 2 * lane; k < width; k += 64) {
          float w0, w1;
          if constexpr (S.storage == mlagen_f32) {
            w0 = row[k0 + k], w1 = row[k0 + k + 1];
          } else {
            const unsigned bits =
                *reinterpret_cast<const unsigned *>(row + k0 + k);
            w0 = T::to_float(E(bits & 0xffffu));
            w1 = T::to_float(E(bits >> 16));
          }
#pragma unroll
          for (int t = 0; t < kPass; ++t)
            acc[t] += xs[t * kChunk + k] * w0 + xs[t * kChunk + k + 1] * w1;
        }
    }
#pragma unroll
    for (int t = 0; t < kPass; ++t) {
      const float value = mlagen_warp_sum(acc[t]);
      const int m = first + t;
      if (lane == 0 && n < kOut && m < tokens)
        store(m, n, value);
    }
  }
}

template <mlagen_linear_shape S>
__device__ __forceinline__ void
mlagen_compress_query(const mlagen_element<S.storage> *__restrict__ hidden,
                      const mlagen_element<S.storage> *__restrict__ w_dq,
                      float *__restrict__ c_q_f32, int tokens) {
  mlagen_linear<S>(hidden, w_dq, tokens, [&](int m, int n, float value) {
    c_q_f32[(long long)m * S.out + n] = value;
  });
}

template <mlagen_linear_shape S>
__device__ __forceinline__ void
mlagen_compress_kv(const mlagen_element<S.storage> *__restrict__ hidden,
                   const mlagen_element<S.storage> *__restrict__ w_dkv,
                   float *__restrict__ c_kv_f32,
                   mlagen_element<S.storage> *__restrict__ k_rope, int tokens) {
  mlagen_linear<S>(hidden, w_dkv, tokens, [&](int m, int n, float value) {
    if (n < S.split)
      c_kv_f32[(long long)m * S.split + n] = value;
    else
      k_rope[(long long)m * (S.out - S.split) + n - S.split] =
          mlagen_storage<S.storage>::from_float(value);
  });
}

template <mlagen_linear_shape S>
__device__ __forceinline__ void
mlagen_up_project_query(const mlagen_element<S.storage> *__restrict__ input,
                        const mlagen_element<S.storage> *__restrict__ w_uq,
                        mlagen_element<S.storage> *__restrict__ q_nope,
                        mlagen_element<S.storage> *__restrict__ q_rope,
                        int tokens) {
  constexpr int kPerHead = S.out / S.heads, kRope = kPerHead - S.nope;
  mlagen_linear<S>(input, w_uq, tokens, [&](int m, int n, float value) {
    const int h = n / kPerHead, i = n % kPerHead;
    const auto stored = mlagen_storage<S.storage>::from_float(value);
    if (i < S.nope)
      q_nope[((long long)m * S.heads + h) * S.nope + i] = stored;
    else
      q_rope[((long long)m * S.heads + h) * kRope + i - S.nope] = stored;
  });
}

template <mlagen_linear_shape S>
__device__ __forceinline__ void mlagen_output_projection(
    const mlagen_element<S.storage> *__restrict__ heads_out,
    const mlagen_element<S.storage> *__restrict__ w_o,
    mlagen_element<S.storage> *__restrict__ out, int tokens) {
  mlagen_linear<S>(heads_out, w_o, tokens, [&](int m, int n, float value) {
    out[(long long)m * S.out + n] =
        mlagen_storage<S.storage>::from_float(value);
  });
}
#endif // MLAGEN_SHAPES_ONLY
