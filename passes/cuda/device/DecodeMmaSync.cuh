// Decode latent attention, the mma_sync family (sm_80 and later):
// mla.latent_attention and mla.partial_latent_attention.
//
// One CTA per (rows query rows, split, sequence), or with a balanced
// schedule (Schedule.cuh) per (rows query rows, part), the part attending
// its piece of each sequence it meets in turn. The query rows (tokens x
// heads, each a latent + rope row) stay in shared memory; the loop over KV
// tiles of `keys` keys reads each key's cache row through the block table
// (any page size) with cp.async into `stages` buffers, so later tiles load
// while one is used. Per tile: scores = Q K^T with m16n8k16 MMAs (warps
// split the row slabs, then the keys), masked (split range, sequence
// length, bottom-right causal) and scaled; online softmax (a warp per row:
// running max, sum, rescale factor); O = O * alpha + P V with MMAs (warps
// split the latent columns; the accumulators stay in registers across
// tiles). The end normalizes by the sum and writes the output and LSE
// (natural log; a row that saw no key gets 0 and -inf): f32 partials per
// split, or the output in the storage type.
//
// The shape is plain C++ the code generator also compiles: its shared
// memory, its warp tiling and whether it fits are decided here only.
// Embedded into units; no #include.

struct mlagen_decode_mma_sync_shape {
  mlagen_storage_kind storage;
  int rows, keys, warps, stages; // the tiling
  int latent, rope, heads, tokens, page_size, splits;
  bool causal, partial;
  float scale;              // softmax scale
  mlagen_schedule schedule; // parts 0: a CTA per split (Schedule.cuh)

  // Output accumulators per thread the P x V block may keep in registers.
  static constexpr int max_accumulators = 64;

  MLAGEN_HOST_DEVICE constexpr int width() const { return latent + rope; }
  MLAGEN_HOST_DEVICE constexpr int query_rows() const { return tokens * heads; }
  // Padded rows: ldmatrix and the score stores hit distinct banks.
  MLAGEN_HOST_DEVICE constexpr int stride() const { return width() + 8; }
  MLAGEN_HOST_DEVICE constexpr int score_stride() const { return keys + 8; }

  // Scores: warp w takes slabs w % slab_groups (+ slab_groups, ...) of 16
  // rows and key group w / slab_groups; P x V: warp w takes cols_per_warp
  // latent columns.
  MLAGEN_HOST_DEVICE constexpr int slabs() const { return rows / 16; }
  MLAGEN_HOST_DEVICE constexpr int slab_groups() const {
    return mlagen_min(slabs(), warps);
  }
  MLAGEN_HOST_DEVICE constexpr int slabs_per_warp() const {
    return slabs() / slab_groups();
  }
  MLAGEN_HOST_DEVICE constexpr int key_groups() const {
    return warps / slab_groups();
  }
  MLAGEN_HOST_DEVICE constexpr int keys_per_warp() const {
    return keys / key_groups();
  }
  MLAGEN_HOST_DEVICE constexpr int cols_per_warp() const {
    return latent / warps;
  }
  MLAGEN_HOST_DEVICE constexpr int accumulators() const {
    return rows * latent / (32 * warps);
  }

  // Shared memory, in bytes from the start: the query rows, `stages` KV
  // tiles, the f32 scores, the 16-bit probabilities, then each row's max,
  // sum and rescale factor.
  MLAGEN_HOST_DEVICE constexpr int kv_offset() const {
    return rows * stride() * 2;
  }
  MLAGEN_HOST_DEVICE constexpr int scores_offset() const {
    return kv_offset() + stages * keys * stride() * 2;
  }
  MLAGEN_HOST_DEVICE constexpr int probs_offset() const {
    return scores_offset() + rows * score_stride() * 4;
  }
  MLAGEN_HOST_DEVICE constexpr int stats_offset() const {
    return probs_offset() + rows * score_stride() * 2;
  }
  MLAGEN_HOST_DEVICE constexpr int shared_bytes() const {
    return stats_offset() + 3 * rows * 4;
  }

  // Whether every warp gets whole 16-row slabs, 8-key and 8-column tiles
  // and the rows are whole 16-element MMA steps.
  MLAGEN_HOST_DEVICE constexpr bool warps_tile_the_work() const {
    return rows % 16 == 0 && rows > 0 && warps > 0 && keys > 0 && stages > 0 &&
           warps % slab_groups() == 0 && slabs() % slab_groups() == 0 &&
           keys % 16 == 0 && keys % (8 * key_groups()) == 0 &&
           latent % (8 * warps) == 0 && width() % 16 == 0 && rope % 8 == 0;
  }
  MLAGEN_HOST_DEVICE constexpr bool accumulators_fit() const {
    return accumulators() <= max_accumulators;
  }
  MLAGEN_HOST_DEVICE constexpr int grid_x() const {
    return mlagen_ceil_div(query_rows(), rows);
  }
  MLAGEN_HOST_DEVICE constexpr bool scheduled() const {
    return schedule.parts > 0;
  }
};

#ifndef MLAGEN_SHAPES_ONLY
// Keys [begin, end) of sequence b (of `length` keys) for the CTA's query
// rows; the result rows go to at + row of `partial` (f32) when it is
// given, else of `out` (storage type), the LSE to lse[at + row].
template <mlagen_decode_mma_sync_shape S>
__device__ __forceinline__ void mlagen_decode_mma_sync_keys(
    const mlagen_element<S.storage> *__restrict__ q_latent,
    const mlagen_element<S.storage> *__restrict__ q_rope,
    const mlagen_element<S.storage> *__restrict__ cache,
    const int *__restrict__ block_table, int table_width, int pages, int b,
    int length, mlagen_key_range range, float *__restrict__ partial,
    mlagen_element<S.storage> *__restrict__ out, float *__restrict__ lse,
    long long at) {
  static_assert(S.warps_tile_the_work() && S.accumulators_fit(),
                "the description admits only tilings that fit");
  using T = mlagen_storage<S.storage>;
  using E = typename T::element;
  constexpr int kRows = S.rows, kKeys = S.keys, kWarps = S.warps;
  constexpr int kStages = S.stages, kLatent = S.latent, kRope = S.rope;
  constexpr int kWidth = S.width(), kStride = S.stride();
  constexpr int kScoreStride = S.score_stride(), kProbStride = kScoreStride;
  constexpr int kQueryRows = S.query_rows(), kHeads = S.heads;
  constexpr int kSlabGroups = S.slab_groups();
  constexpr int kSlabsPerWarp = S.slabs_per_warp();
  constexpr int kKeysPerWarp = S.keys_per_warp();
  constexpr int kColsPerWarp = S.cols_per_warp();
  constexpr int kChunks = kWidth / 8; // 16-byte pieces of a row
  unsigned char *shared = mlagen_dynamic_shared();
  E *q = reinterpret_cast<E *>(shared);
  E *kv = reinterpret_cast<E *>(shared + S.kv_offset());
  float *scores = reinterpret_cast<float *>(shared + S.scores_offset());
  E *probs = reinterpret_cast<E *>(shared + S.probs_offset());
  float *rowMax = reinterpret_cast<float *>(shared + S.stats_offset());
  float *rowSum = rowMax + kRows, *rowAlpha = rowSum + kRows;

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int row0 = blockIdx.x * kRows;
  const int begin = range.begin, end = range.end;
  __syncthreads(); // the shared memory of a previous range is read
  const int tiles = (end - begin + kKeys - 1) / kKeys;

  // The query rows (latent then rope), zero past the last row.
  for (int c = threadIdx.x; c < kRows * kChunks; c += blockDim.x) {
    const int r = c / kChunks, piece = c % kChunks, row = row0 + r;
    const bool live = row < kQueryRows;
    const long long at = (long long)b * kQueryRows + (live ? row : 0);
    const E *src = piece * 8 < kLatent
                       ? q_latent + at * kLatent + piece * 8
                       : q_rope + at * kRope + (piece * 8 - kLatent);
    mlagen_cp_async_16(q + r * kStride + piece * 8, src, live ? 16 : 0);
  }
  mlagen_cp_async_commit(); // the oldest group: waited for with tile 0
  // One KV tile: each key's row through the block table; zero past `end`
  // and where the table names a page outside the cache.
  auto loadTile = [&](int tile, int buffer) {
    const int first = begin + tile * kKeys;
    for (int c = threadIdx.x; c < kKeys * kChunks; c += blockDim.x) {
      const int t = c / kChunks, piece = c % kChunks, key = first + t;
      bool live = key < end;
      const E *src = cache;
      if (live) {
        const long long page =
            block_table[(long long)b * table_width + key / S.page_size];
        live = page >= 0 && page < pages;
        if (live)
          src = cache + (page * S.page_size + key % S.page_size) * kWidth +
                piece * 8;
      }
      mlagen_cp_async_16(kv + (buffer * kKeys + t) * kStride + piece * 8, src,
                         live ? 16 : 0);
    }
  };
  for (int r = threadIdx.x; r < kRows; r += blockDim.x) {
    rowMax[r] = mlagen_negative_infinity();
    rowSum[r] = 0.0f;
  }
  for (int stage = 0; stage + 1 < kStages; ++stage) {
    if (stage < tiles)
      loadTile(stage, stage);
    mlagen_cp_async_commit();
  }

  float acc[kRows / 16][kColsPerWarp / 8][4] = {};
  for (int tile = 0; tile < tiles; ++tile) {
    if (tile + kStages - 1 < tiles)
      loadTile(tile + kStages - 1, (tile + kStages - 1) % kStages);
    mlagen_cp_async_commit();
    mlagen_cp_async_wait<kStages - 1>();
    __syncthreads();
    const E *keys = kv + (tile % kStages) * kKeys * kStride;
    const int first = begin + tile * kKeys;

    // Scores: this warp's row slabs against its keys.
    const int slab0 = warp % kSlabGroups;
    const int key0 = (warp / kSlabGroups) * kKeysPerWarp;
    float score[kSlabsPerWarp][kKeysPerWarp / 8][4] = {};
#pragma unroll
    for (int d = 0; d < kWidth; d += 16) {
      unsigned a[kSlabsPerWarp][4];
#pragma unroll
      for (int i = 0; i < kSlabsPerWarp; ++i)
        mlagen_ldmatrix_x4(
            a[i], q + ((slab0 + i * kSlabGroups) * 16 + lane % 16) * kStride +
                      d + (lane / 16) * 8);
#pragma unroll
      for (int nt = 0; nt < kKeysPerWarp / 8; ++nt) {
        unsigned bk[2];
        mlagen_ldmatrix_x2(bk, keys + (key0 + nt * 8 + lane % 8) * kStride + d +
                                   (lane / 8 % 2) * 8);
#pragma unroll
        for (int i = 0; i < kSlabsPerWarp; ++i)
          T::mma(score[i][nt], a[i], bk);
      }
    }
#pragma unroll
    for (int i = 0; i < kSlabsPerWarp; ++i)
#pragma unroll
      for (int nt = 0; nt < kKeysPerWarp / 8; ++nt) {
        const int r = (slab0 + i * kSlabGroups) * 16 + lane / 4;
        const int t = key0 + nt * 8 + (lane % 4) * 2;
        scores[r * kScoreStride + t] = score[i][nt][0];
        scores[r * kScoreStride + t + 1] = score[i][nt][1];
        scores[(r + 8) * kScoreStride + t] = score[i][nt][2];
        scores[(r + 8) * kScoreStride + t + 1] = score[i][nt][3];
      }
    __syncthreads();

    // Online softmax: a warp per row, lanes over the tile's keys.
    for (int r = warp; r < kRows; r += kWarps) {
      const int row = row0 + r;
      // Bottom-right causal: query token s sees the keys up to its own.
      const int visible =
          S.causal ? min(end, length - S.tokens + 1 + row / kHeads) : end;
      float tileMax = mlagen_negative_infinity();
      for (int t = lane; t < kKeys; t += 32) {
        const float x = first + t < visible
                            ? scores[r * kScoreStride + t] * S.scale
                            : mlagen_negative_infinity();
        scores[r * kScoreStride + t] = x;
        tileMax = fmaxf(tileMax, x);
      }
      tileMax = mlagen_warp_max(tileMax);
      const float oldMax = rowMax[r], newMax = fmaxf(oldMax, tileMax);
      float sum = 0.0f;
      for (int t = lane; t < kKeys; t += 32) {
        const float p =
            mlagen_exp_relative(scores[r * kScoreStride + t], newMax);
        probs[r * kProbStride + t] = T::from_float(p);
        sum += p;
      }
      sum = mlagen_warp_sum(sum);
      if (lane == 0) {
        const float alpha = mlagen_exp_relative(oldMax, newMax);
        rowAlpha[r] = alpha;
        rowSum[r] = rowSum[r] * alpha + sum;
        rowMax[r] = newMax;
      }
    }
    __syncthreads();

    // O = O * alpha + P V: this warp's latent columns for every row.
#pragma unroll
    for (int rs = 0; rs < kRows / 16; ++rs)
#pragma unroll
      for (int nt = 0; nt < kColsPerWarp / 8; ++nt)
#pragma unroll
        for (int i = 0; i < 4; ++i)
          acc[rs][nt][i] *= rowAlpha[rs * 16 + lane / 4 + (i / 2) * 8];
#pragma unroll
    for (int k = 0; k < kKeys; k += 16) {
      unsigned a[kRows / 16][4];
#pragma unroll
      for (int rs = 0; rs < kRows / 16; ++rs)
        mlagen_ldmatrix_x4(a[rs], probs + (rs * 16 + lane % 16) * kProbStride +
                                      k + (lane / 16) * 8);
#pragma unroll
      for (int nt = 0; nt < kColsPerWarp / 8; ++nt) {
        unsigned bv[2];
        mlagen_ldmatrix_x2_trans(bv, keys + (k + lane % 16) * kStride +
                                         warp * kColsPerWarp + nt * 8);
#pragma unroll
        for (int rs = 0; rs < kRows / 16; ++rs)
          T::mma(acc[rs][nt], a[rs], bv);
      }
    }
    __syncthreads();
  }
  mlagen_cp_async_wait<0>();
  __syncthreads();

  // Normalize; a row that saw no key gets 0 and LSE -inf.
#pragma unroll
  for (int rs = 0; rs < kRows / 16; ++rs)
#pragma unroll
    for (int nt = 0; nt < kColsPerWarp / 8; ++nt)
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        const int r = rs * 16 + lane / 4 + half * 8, row = row0 + r;
        if (row >= kQueryRows)
          continue;
        const float sum = rowSum[r], inverse = sum != 0.0f ? 1.0f / sum : 0.0f;
        const long long col = warp * kColsPerWarp + nt * 8 + (lane % 4) * 2;
#pragma unroll
        for (int j = 0; j < 2; ++j) {
          const float value = acc[rs][nt][half * 2 + j] * inverse;
          if (partial)
            partial[(at + row) * kLatent + col + j] = value;
          else
            out[(at + row) * kLatent + col + j] = T::from_float(value);
        }
      }
  for (int r = threadIdx.x; r < kRows; r += blockDim.x) {
    const int row = row0 + r;
    if (row < kQueryRows)
      lse[at + row] = rowSum[r] != 0.0f ? rowMax[r] + logf(rowSum[r])
                                        : mlagen_negative_infinity();
  }
}

// A CTA per (query rows, split, sequence): split blockIdx.y of the
// sequence's keys (mlagen_split_range), f32 partials at [split, b] when
// S.partial, else the output.
template <mlagen_decode_mma_sync_shape S>
__device__ __forceinline__ void mlagen_decode_mma_sync(
    const mlagen_element<S.storage> *__restrict__ q_latent,
    const mlagen_element<S.storage> *__restrict__ q_rope,
    const mlagen_element<S.storage> *__restrict__ cache,
    const int *__restrict__ block_table, const int *__restrict__ seq_lens,
    typename mlagen_if<S.partial, float, mlagen_element<S.storage>>::type
        *__restrict__ out,
    float *__restrict__ lse, int table_width, int batch, int pages) {
  const int split = blockIdx.y, b = blockIdx.z;
  if (b >= batch)
    return;
  const int length =
      mlagen_attended_length(seq_lens[b], table_width, S.page_size);
  const mlagen_key_range range = mlagen_split_range(length, S.splits, split);
  const long long rows = S.query_rows();
  if constexpr (S.partial)
    mlagen_decode_mma_sync_keys<S>(
        q_latent, q_rope, cache, block_table, table_width, pages, b, length,
        range, out, nullptr, lse, ((long long)split * batch + b) * rows);
  else
    mlagen_decode_mma_sync_keys<S>(q_latent, q_rope, cache, block_table,
                                   table_width, pages, b, length, range,
                                   nullptr, out, lse, b * rows);
}

// A CTA per (query rows, part) of the balanced schedule (Schedule.cuh):
// part blockIdx.y attends its piece of each sequence it meets; a sequence
// it meets alone gets its output, others their partial at its slot.
template <mlagen_decode_mma_sync_shape S>
__device__ __forceinline__ void mlagen_decode_mma_sync_scheduled(
    const mlagen_element<S.storage> *__restrict__ q_latent,
    const mlagen_element<S.storage> *__restrict__ q_rope,
    const mlagen_element<S.storage> *__restrict__ cache,
    const int *__restrict__ block_table, const int *__restrict__ seq_lens,
    const long long *__restrict__ starts, float *__restrict__ partial_out,
    float *__restrict__ partial_lse,
    mlagen_element<S.storage> *__restrict__ out, float *__restrict__ lse,
    int table_width, int batch, int pages) {
  static_assert(S.scheduled(), "a schedule of at least one part");
  const long long rows = S.query_rows();
  mlagen_for_each_piece(
      S.schedule, S.page_size, starts, seq_lens, batch, table_width,
      [&](int b, int length, const mlagen_piece &piece) {
        const bool alone = piece.alone;
        mlagen_decode_mma_sync_keys<S>(
            q_latent, q_rope, cache, block_table, table_width, pages, b, length,
            piece.keys, alone ? nullptr : partial_out, alone ? out : nullptr,
            alone ? lse : partial_lse, (alone ? b : piece.slot) * rows);
      });
}
#endif // MLAGEN_SHAPES_ONLY
