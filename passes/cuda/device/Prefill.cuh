// Prefill attention in MHA form, the mma_sync family (sm_80 and later):
// mla.mha_attention over the prompt. Each head has its own up-projected K
// (nope part) and V; the rope key is shared by all heads.
//
// One CTA per (rows query tokens, head, sequence); each of its warps owns 16
// query tokens. The query tile stays in shared memory; the loop over tiles
// of `keys` keys brings each key's K row (nope + rope) and V row in with
// cp.async into `stages` buffers. Per tile, everything a warp needs stays in
// registers: scores = Q K^T with m16n8k16 MMAs, masked (sequence length,
// bottom-right causal) and scaled into the log2 domain, online softmax on
// the accumulator fragments, and the probabilities repacked from the score
// fragments into MMA A fragments for O = O * alpha + P V. With `causal`, a
// CTA stops at the last key its last token sees, so the work is about half
// of the square. The end writes the output in the storage type and the LSE
// (natural log; a token that saw no key gets 0 and -inf).
//
// The shape is plain C++ the code generator also compiles. Embedded into
// units; no #include.

struct mlagen_prefill_shape {
  mlagen_storage_kind storage;
  int rows, keys, warps, stages; // the tiling
  int heads, nope, rope, value;
  bool causal;
  float scale_log2; // softmax scale / ln 2

  // Score plus output accumulators per thread kept in registers.
  static constexpr int max_accumulators = 128;

  MLAGEN_HOST_DEVICE constexpr int qk() const { return nope + rope; }
  // Padded rows: ldmatrix hits distinct banks.
  MLAGEN_HOST_DEVICE constexpr int qk_stride() const { return qk() + 8; }
  MLAGEN_HOST_DEVICE constexpr int value_stride() const { return value + 8; }
  MLAGEN_HOST_DEVICE constexpr int accumulators() const {
    return (keys + value) / 2;
  }
  // Shared memory: the query tokens, then `stages` K tiles, then `stages`
  // V tiles.
  MLAGEN_HOST_DEVICE constexpr int k_offset() const {
    return rows * qk_stride() * 2;
  }
  MLAGEN_HOST_DEVICE constexpr int v_offset() const {
    return k_offset() + stages * keys * qk_stride() * 2;
  }
  MLAGEN_HOST_DEVICE constexpr int shared_bytes() const {
    return v_offset() + stages * keys * value_stride() * 2;
  }
  // Head dims in 8-element pieces, nope + rope whole 16-element MMA steps.
  MLAGEN_HOST_DEVICE constexpr bool head_dims_fit() const {
    return qk() % 16 == 0 && nope % 8 == 0 && rope % 8 == 0 && value % 8 == 0;
  }
  // Each warp takes 16 query tokens; the keys are whole 16-key MMA steps.
  MLAGEN_HOST_DEVICE constexpr bool warps_tile_the_work() const {
    return rows == 16 * warps && warps > 0 && keys % 16 == 0 && keys > 0;
  }
  MLAGEN_HOST_DEVICE constexpr bool accumulators_fit() const {
    return accumulators() <= max_accumulators;
  }
};

#ifndef MLAGEN_SHAPES_ONLY
template <mlagen_prefill_shape S>
__device__ __forceinline__ void
mlagen_prefill(const mlagen_element<S.storage> *__restrict__ q_nope,
               const mlagen_element<S.storage> *__restrict__ q_rope,
               const mlagen_element<S.storage> *__restrict__ k_nope,
               const mlagen_element<S.storage> *__restrict__ k_rope,
               const mlagen_element<S.storage> *__restrict__ v,
               const int *__restrict__ seq_lens,
               mlagen_element<S.storage> *__restrict__ out,
               float *__restrict__ lse, int tokens, int key_tokens, int batch) {
  static_assert(S.head_dims_fit() && S.warps_tile_the_work() &&
                    S.accumulators_fit(),
                "the description admits only tilings that fit");
  using T = mlagen_storage<S.storage>;
  using E = typename T::element;
  constexpr int kRows = S.rows, kKeys = S.keys, kStages = S.stages;
  constexpr int kHeads = S.heads, kNope = S.nope, kRope = S.rope;
  constexpr int kQk = S.qk(), kValue = S.value;
  constexpr int kQkStride = S.qk_stride(), kValueStride = S.value_stride();
  constexpr int kQkPieces = kQk / 8, kPieces = kQkPieces + kValue / 8;
  constexpr float kLn2 = 0.693147181f;
  unsigned char *shared = mlagen_dynamic_shared();
  E *q = reinterpret_cast<E *>(shared);
  E *k = reinterpret_cast<E *>(shared + S.k_offset());
  E *vs = reinterpret_cast<E *>(shared + S.v_offset());

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int q0 = blockIdx.x * kRows, h = blockIdx.y, b = blockIdx.z;
  if (b >= batch || q0 >= tokens)
    return;
  const int length = max(0, min(seq_lens[b], key_tokens));
  // The keys token `t` sees: the query tokens are the sequence's last.
  auto visibleEnd = [&](int t) {
    return S.causal ? max(0, min(length, length - tokens + 1 + t)) : length;
  };
  const int end = visibleEnd(min(q0 + kRows, tokens) - 1);
  const int tiles = (end + kKeys - 1) / kKeys;

  // The query tokens (nope then rope), zero past the last token.
  for (int c = threadIdx.x; c < kRows * kQkPieces; c += blockDim.x) {
    const int r = c / kQkPieces, piece = c % kQkPieces, token = q0 + r;
    const bool live = token < tokens;
    const long long at =
        ((long long)b * tokens + (live ? token : 0)) * kHeads + h;
    const E *src = piece * 8 < kNope
                       ? q_nope + at * kNope + piece * 8
                       : q_rope + at * kRope + (piece * 8 - kNope);
    mlagen_cp_async_16(q + r * kQkStride + piece * 8, src, live ? 16 : 0);
  }
  mlagen_cp_async_commit(); // the oldest group: waited for with tile 0
  // One tile: each key's K row (this head's nope, the shared rope) and V
  // row; zero past `end`.
  auto loadTile = [&](int tile, int buffer) {
    const int first = tile * kKeys;
    for (int c = threadIdx.x; c < kKeys * kPieces; c += blockDim.x) {
      const int t = c / kPieces, piece = c % kPieces, key = first + t;
      const bool live = key < end;
      const long long at = (long long)b * key_tokens + (live ? key : 0);
      const E *src;
      E *dst;
      if (piece < kQkPieces) {
        src = piece * 8 < kNope ? k_nope + (at * kHeads + h) * kNope + piece * 8
                                : k_rope + at * kRope + (piece * 8 - kNope);
        dst = k + (buffer * kKeys + t) * kQkStride + piece * 8;
      } else {
        const int p = piece - kQkPieces;
        src = v + (at * kHeads + h) * kValue + p * 8;
        dst = vs + (buffer * kKeys + t) * kValueStride + p * 8;
      }
      mlagen_cp_async_16(dst, src, live ? 16 : 0);
    }
  };
  for (int stage = 0; stage + 1 < kStages; ++stage) {
    if (stage < tiles)
      loadTile(stage, stage);
    mlagen_cp_async_commit();
  }

  // This thread's rows of the warp's 16: lane / 4 and lane / 4 + 8.
  float acc[kValue / 8][4] = {};
  float rowMax[2] = {mlagen_negative_infinity(), mlagen_negative_infinity()};
  float rowSum[2] = {0.0f, 0.0f}; // this thread's columns only
  for (int tile = 0; tile < tiles; ++tile) {
    if (tile + kStages - 1 < tiles)
      loadTile(tile + kStages - 1, (tile + kStages - 1) % kStages);
    mlagen_cp_async_commit();
    mlagen_cp_async_wait<kStages - 1>();
    __syncthreads();
    const E *keys = k + (tile % kStages) * kKeys * kQkStride;
    const E *values = vs + (tile % kStages) * kKeys * kValueStride;

    float score[kKeys / 8][4] = {};
#pragma unroll
    for (int d = 0; d < kQk; d += 16) {
      unsigned a[4];
      mlagen_ldmatrix_x4(a, q + (warp * 16 + lane % 16) * kQkStride + d +
                                (lane / 16) * 8);
#pragma unroll
      for (int nt = 0; nt < kKeys / 8; ++nt) {
        unsigned bk[2];
        mlagen_ldmatrix_x2(bk, keys + (nt * 8 + lane % 8) * kQkStride + d +
                                   (lane / 8 % 2) * 8);
        T::mma(score[nt], a, bk);
      }
    }

    // Online softmax on the fragments, rows `half` = 0 / 1.
    const int first = tile * kKeys;
    mlagen_fragment_softmax<kKeys, kValue / 8>(
        [&](int j, int half, int e) -> float & {
          return score[j][half * 2 + e];
        },
        [&](int j, int half, int e) -> float & { return acc[j][half * 2 + e]; },
        [&](int half) {
          return mlagen_key_range{
              0, visibleEnd(q0 + warp * 16 + lane / 4 + half * 8)};
        },
        first, lane, S.scale_log2, rowMax, rowSum);

    // O += P V: the score fragments of 16 keys are one A fragment.
#pragma unroll
    for (int kc = 0; kc < kKeys / 16; ++kc) {
      const unsigned a[4] = {
          T::pack(score[2 * kc][0], score[2 * kc][1]),
          T::pack(score[2 * kc][2], score[2 * kc][3]),
          T::pack(score[2 * kc + 1][0], score[2 * kc + 1][1]),
          T::pack(score[2 * kc + 1][2], score[2 * kc + 1][3])};
#pragma unroll
      for (int nt = 0; nt < kValue / 8; ++nt) {
        unsigned bv[2];
        mlagen_ldmatrix_x2_trans(
            bv, values + (kc * 16 + lane % 16) * kValueStride + nt * 8);
        T::mma(acc[nt], a, bv);
      }
    }
    __syncthreads();
  }
  mlagen_cp_async_wait<0>();

  // Normalize; a token that saw no key gets 0 and LSE -inf.
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    const float sum = mlagen_quad_sum(rowSum[half]);
    const int token = q0 + warp * 16 + lane / 4 + half * 8;
    if (token >= tokens)
      continue;
    const long long at = ((long long)b * tokens + token) * kHeads + h;
    const float inverse = sum != 0.0f ? 1.0f / sum : 0.0f;
#pragma unroll
    for (int nt = 0; nt < kValue / 8; ++nt)
#pragma unroll
      for (int j = 0; j < 2; ++j)
        out[at * kValue + nt * 8 + (lane % 4) * 2 + j] =
            T::from_float(acc[nt][half * 2 + j] * inverse);
    if (lane % 4 == 0)
      lse[at] = sum != 0.0f ? (rowMax[half] + log2f(sum)) * kLn2
                            : mlagen_negative_infinity();
  }
}
#endif // MLAGEN_SHAPES_ONLY
