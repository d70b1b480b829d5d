// Decode latent attention, the wgmma + TMA family (sm_90a):
// mla.latent_attention and mla.partial_latent_attention.
//
// One CTA per (64 query rows, split, sequence) with warps / 4 warpgroups,
// or with a balanced schedule (Schedule.cuh) per (64 query rows, part), the
// part attending its piece of each sequence it meets in turn.
// Query rows and KV tiles live in shared memory as 128-byte swizzled tiles
// of 64 columns (the layout both TMA and wgmma read):
//   - the query rows are copied in once (cp.async into swizzled places);
//   - each KV tile of `keys` keys comes in by TMA, one box per page run and
//     64-column slice, completing on the stage's mbarrier, so later tiles
//     load while one is used (pages whose boxes would break the swizzle's
//     1024-byte atoms, under 8 keys, take cp.async instead); keys past the
//     end are zeroed, so a stale or NaN row never reaches P x V, and a
//     table entry outside [0, pages) reads zero rows.
// Tiles start at multiples of `keys` (so a TMA box never straddles a page)
// and a split's range (mlagen_split_range) is masked inside them: a split
// that starts mid-tile reads the keys before it and gives them no weight.
// Per tile: scores = Q K^T with wgmma (A and B from shared memory); the
// warpgroups split the 576-wide dot products and sum their partial scores
// through shared memory in a fixed order, so each holds the same full score
// tile; online softmax on the fragments in the log2 domain; the
// probabilities become register A fragments of O = O * alpha + P V (wgmma,
// V read N-major from the same tile), where warpgroup g owns latent columns
// [g x latent / groups, ...). The end normalizes and writes the output
// (storage type, or f32 partials) and the natural-log LSE.
//
// The shape is plain C++ the code generator also compiles. Embedded into
// units; no #include.

struct mlagen_decode_wgmma_shape {
  mlagen_storage_kind storage;
  int keys, warps, stages; // the tiling (64 rows: wgmma's M)
  int latent, rope, heads, tokens, page_size, splits;
  bool causal, partial;
  float scale_log2;         // softmax scale / ln 2
  mlagen_schedule schedule; // parts 0: a CTA per split (Schedule.cuh)

  static constexpr int rows = 64;
  static constexpr int slice_width = 64;  // columns per swizzled slice
  static constexpr int min_tma_page = 8;  // keys: one 1024-byte atom
  static constexpr int max_keys = 256;    // wgmma's largest N
  static constexpr int max_columns = 256; // a warpgroup's P x V N

  MLAGEN_HOST_DEVICE constexpr int width() const { return latent + rope; }
  MLAGEN_HOST_DEVICE constexpr int query_rows() const { return tokens * heads; }
  MLAGEN_HOST_DEVICE constexpr int groups() const { return warps / 4; }
  MLAGEN_HOST_DEVICE constexpr int slices() const {
    return width() / slice_width;
  }
  // Scores: warpgroup g sums columns [g depth, (g + 1) depth) of the dot
  // products; P x V: it owns latent columns [g columns, (g + 1) columns).
  MLAGEN_HOST_DEVICE constexpr int depth() const { return width() / groups(); }
  MLAGEN_HOST_DEVICE constexpr int columns() const { return latent / groups(); }
  // A TMA box is min(page, tile) keys of one page and must fill whole
  // 1024-byte swizzle atoms (8 keys); other page sizes take cp.async.
  MLAGEN_HOST_DEVICE constexpr bool tma() const {
    return page_size % min_tma_page == 0 &&
           (page_size % keys == 0 || keys % page_size == 0);
  }
  MLAGEN_HOST_DEVICE constexpr int box_rows() const {
    return mlagen_min(page_size, keys);
  }

  // Score plus output accumulators per thread, and the most a CTA of this
  // size may keep in registers.
  MLAGEN_HOST_DEVICE constexpr int accumulators() const {
    return (columns() + keys) / 2;
  }
  MLAGEN_HOST_DEVICE constexpr int max_accumulators() const {
    return warps * 32 <= 256 ? 144 : 80;
  }

  // Shared memory from a 1024-byte aligned base (the launch asks 1024 more
  // bytes to align it): the query rows, `stages` KV tiles, the partial
  // score exchange, then the stages' mbarriers.
  MLAGEN_HOST_DEVICE constexpr int query_bytes() const {
    return slices() * rows * 128;
  }
  MLAGEN_HOST_DEVICE constexpr int tile_bytes() const {
    return slices() * keys * 128;
  }
  MLAGEN_HOST_DEVICE constexpr int exchange_offset() const {
    return query_bytes() + stages * tile_bytes();
  }
  MLAGEN_HOST_DEVICE constexpr int barrier_offset() const {
    return exchange_offset() + groups() * (keys / 2) * 128 * 4;
  }
  MLAGEN_HOST_DEVICE constexpr int shared_bytes() const {
    return 1024 + barrier_offset() + stages * 8;
  }

  // Whether the row splits into whole slices and each warpgroup's share of
  // the work is a whole wgmma shape.
  MLAGEN_HOST_DEVICE constexpr bool warpgroups_tile_the_row() const {
    return warps % 4 == 0 && warps > 0 && width() % slice_width == 0 &&
           latent % (slice_width * groups()) == 0 && columns() <= max_columns &&
           depth() % 16 == 0;
  }
  MLAGEN_HOST_DEVICE constexpr bool keys_fit_wgmma() const {
    return keys % 16 == 0 && keys > 0 && keys <= max_keys;
  }
  MLAGEN_HOST_DEVICE constexpr bool accumulators_fit() const {
    return accumulators() <= max_accumulators();
  }
  MLAGEN_HOST_DEVICE constexpr int grid_x() const {
    return mlagen_ceil_div(query_rows(), rows);
  }
  MLAGEN_HOST_DEVICE constexpr bool scheduled() const {
    return schedule.parts > 0;
  }
};

#ifndef MLAGEN_SHAPES_ONLY
// The 1024-byte aligned base of the CTA's shared memory.
__device__ __forceinline__ unsigned char *mlagen_decode_wgmma_shared() {
  unsigned char *raw = mlagen_dynamic_shared();
  const unsigned address = mlagen_smem_address(raw);
  return raw + (((address + 1023) & ~1023u) - address);
}

// Once per CTA, before its first range: the stages' mbarriers.
template <mlagen_decode_wgmma_shape S>
__device__ __forceinline__ void mlagen_decode_wgmma_barriers() {
  if (threadIdx.x == 0) {
    const unsigned base = mlagen_smem_address(mlagen_decode_wgmma_shared());
    for (int stage = 0; stage < S.stages; ++stage)
      mlagen_mbarrier_init(base + S.barrier_offset() + 8 * stage, 1);
    mlagen_fence_mbarrier_init();
  }
}

// Keys [begin, end) of sequence b (of `length` keys) for the CTA's query
// rows; the result rows go to at + row of `partial` (f32) when it is
// given, else of `out` (storage type), the LSE to lse[at + row].
// `tiles_done` counts the CTA's tiles so far (the mbarriers' phases
// continue across ranges). `Cache` is the cache's TMA descriptor
// (mlagen_tensor_map) when S.tma(), else a pointer to its rows.
template <mlagen_decode_wgmma_shape S, class Cache>
__device__ __forceinline__ void mlagen_decode_wgmma_keys(
    const mlagen_element<S.storage> *__restrict__ q_latent,
    const mlagen_element<S.storage> *__restrict__ q_rope, const Cache &cache,
    const int *__restrict__ block_table, int table_width, int pages, int b,
    int length, mlagen_key_range range, float *__restrict__ partial,
    mlagen_element<S.storage> *__restrict__ out, float *__restrict__ lse,
    long long at, int &tiles_done) {
  static_assert(S.warpgroups_tile_the_row() && S.keys_fit_wgmma() &&
                    S.accumulators_fit(),
                "the description admits only tilings that fit");
  using T = mlagen_storage<S.storage>;
  using E = typename T::element;
  constexpr int kRows = S.rows, kKeys = S.keys, kStages = S.stages;
  constexpr int kGroups = S.groups(), kLatent = S.latent, kRope = S.rope;
  constexpr int kWidth = S.width(), kQueryRows = S.query_rows();
  constexpr int kHeads = S.heads, kPageSize = S.page_size;
  constexpr int kBoxRows = S.box_rows(), kSlices = S.slices();
  constexpr int kDepth = S.depth(), kColumns = S.columns();
  constexpr int kBarOffset = S.barrier_offset();
  constexpr float kLn2 = 0.693147181f;
  unsigned char *shared = mlagen_decode_wgmma_shared();
  const unsigned base = mlagen_smem_address(shared);
  auto kvOffset = [](int buffer) {
    return S.query_bytes() + buffer * S.tile_bytes();
  };
  float *exchange = reinterpret_cast<float *>(shared + S.exchange_offset());

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int group = warp / 4, member = threadIdx.x % 128;
  const int row0 = blockIdx.x * kRows;
  __syncthreads(); // the shared memory of a previous range is read
  // The range's keys, in tiles aligned to multiples of kKeys.
  const int begin = range.begin, end = range.end;
  const int aligned = begin - begin % kKeys;
  const int tiles = end > begin ? (end - aligned + kKeys - 1) / kKeys : 0;

  // The query rows (latent then rope) into their swizzled places.
  for (int c = threadIdx.x; c < kRows * kSlices * 8; c += blockDim.x) {
    const int r = c / (kSlices * 8), piece = c % (kSlices * 8), row = row0 + r;
    const bool live = row < kQueryRows;
    const long long at = (long long)b * kQueryRows + (live ? row : 0);
    const E *src = piece * 8 < kLatent
                       ? q_latent + at * kLatent + piece * 8
                       : q_rope + at * kRope + (piece * 8 - kLatent);
    mlagen_cp_async_16(shared + (piece / 8) * kRows * 128 +
                           mlagen_swizzle_128b(r, piece % 8),
                       src, live ? 16 : 0);
  }
  mlagen_cp_async_commit();
  mlagen_cp_async_wait<0>();
  mlagen_fence_proxy_async();
  __syncthreads();

  auto loadTile = [&](int tile, int buffer) {
    const int first = aligned + tile * kKeys;
    if constexpr (S.tma()) {
      // One thread asks TMA for the tile's boxes: a box is kBoxRows keys of
      // one page (a tile never crosses a page it does not fill) and one
      // slice.
      if (threadIdx.x != 0)
        return;
      const int boxes =
          min(kKeys / kBoxRows, (end - first + kBoxRows - 1) / kBoxRows);
      const unsigned bar = base + kBarOffset + 8 * buffer;
      mlagen_mbarrier_expect_bytes(bar, boxes * kSlices * kBoxRows * 128);
      for (int box = 0; box < boxes; ++box) {
        const int key = first + box * kBoxRows;
        // A page outside the cache: a box past its last row, zero-filled.
        const int page =
            block_table[(long long)b * table_width + key / kPageSize];
        const int row = page >= 0 && page < pages
                            ? page * kPageSize + key % kPageSize
                            : pages * kPageSize;
        for (int slice = 0; slice < kSlices; ++slice)
          mlagen_tma_load_2d(base + kvOffset(buffer) +
                                 (slice * kKeys + box * kBoxRows) * 128,
                             &cache, slice * 64, row, bar);
      }
    } else {
      // Every thread copies 16-byte pieces (cp.async) into their swizzled
      // places, zero past `end`.
      for (int c = threadIdx.x; c < kKeys * kSlices * 8; c += blockDim.x) {
        const int t = c / (kSlices * 8), piece = c % (kSlices * 8);
        const int key = first + t;
        bool live = key < end;
        const E *src = cache;
        if (live) {
          const long long page =
              block_table[(long long)b * table_width + key / kPageSize];
          live = page >= 0 && page < pages;
          if (live)
            src = cache + (page * kPageSize + key % kPageSize) * kWidth +
                  piece * 8;
        }
        mlagen_cp_async_16(shared + kvOffset(buffer) +
                               (piece / 8) * kKeys * 128 +
                               mlagen_swizzle_128b(t, piece % 8),
                           src, live ? 16 : 0);
      }
      mlagen_cp_async_commit();
    }
  };
  for (int stage = 0; stage + 1 < kStages; ++stage)
    if (stage < tiles)
      loadTile(stage, (tiles_done + stage) % kStages);
    else if constexpr (!S.tma())
      mlagen_cp_async_commit();

  // This thread's rows: lane / 4 and lane / 4 + 8 of its warp's 16.
  float acc[kColumns / 2] = {};
  float rowMax[2] = {mlagen_negative_infinity(), mlagen_negative_infinity()};
  float rowSum[2] = {0.0f, 0.0f}; // this thread's columns only
  for (int tile = 0; tile < tiles; ++tile) {
    if (tile + kStages - 1 < tiles)
      loadTile(tile + kStages - 1, (tiles_done + tile + kStages - 1) % kStages);
    else if constexpr (!S.tma())
      mlagen_cp_async_commit();
    const int first = aligned + tile * kKeys;
    const int buffer = (tiles_done + tile) % kStages;
    if constexpr (S.tma()) {
      mlagen_mbarrier_wait(base + kBarOffset + 8 * buffer,
                           ((tiles_done + tile) / kStages) & 1);
      // Keys past `end` (a partial box, or a box never asked for) are
      // zeroed: a stale or NaN row must not reach P x V.
      if (first + kKeys > end) {
        const int live = end - first;
        unsigned *rows =
            reinterpret_cast<unsigned *>(shared + kvOffset(buffer));
        for (int c = threadIdx.x; c < (kKeys - live) * kSlices * 32;
             c += blockDim.x) {
          const int t = live + c / (kSlices * 32), rest = c % (kSlices * 32);
          rows[((rest / 32) * kKeys + t) * 32 + rest % 32] = 0u;
        }
        mlagen_fence_proxy_async();
        __syncthreads();
      }
    } else {
      mlagen_cp_async_wait<kStages - 1>();
      mlagen_fence_proxy_async();
      __syncthreads();
    }
    const unsigned keys = base + kvOffset(buffer);

    // This warpgroup's share of the scores, then the sum over warpgroups.
    float score[kKeys / 2] = {};
    __syncwarp(); // converged for the .aligned wgmma instructions
    mlagen_wgmma_fence();
#pragma unroll
    for (int k = 0; k < kDepth / 16; ++k) {
      const int d = group * kDepth + k * 16;
      const unsigned long long qa = mlagen_wgmma_descriptor(
          base + (d / 64) * kRows * 128 + (d % 64) * 2, 16, 1024);
      const unsigned long long kb = mlagen_wgmma_descriptor(
          keys + (d / 64) * kKeys * 128 + (d % 64) * 2, 16, 1024);
      mlagen_wgmma_ss<kKeys, S.storage>::run(score, qa, kb, k > 0);
    }
    mlagen_wgmma_commit();
    mlagen_wgmma_wait<0>();
    if constexpr (kGroups > 1) {
#pragma unroll
      for (int i = 0; i < kKeys / 2; ++i)
        exchange[(group * (kKeys / 2) + i) * 128 + member] = score[i];
      __syncthreads();
#pragma unroll
      for (int i = 0; i < kKeys / 2; ++i) {
        float sum = exchange[i * 128 + member]; // same order everywhere
        for (int g = 1; g < kGroups; ++g)
          sum += exchange[(g * (kKeys / 2) + i) * 128 + member];
        score[i] = sum;
      }
    }

    // Online softmax on the fragments: block j holds keys 8j..8j+7, rows
    // `half` = 0 / 1 in elements 4j + 2 half + {0, 1}.
    mlagen_fragment_softmax<kKeys, kColumns / 8>(
        [&](int j, int half, int e) -> float & {
          return score[4 * j + half * 2 + e];
        },
        [&](int j, int half, int e) -> float & {
          return acc[4 * j + half * 2 + e];
        },
        [&](int half) {
          const int row = row0 + (warp % 4) * 16 + lane / 4 + half * 8;
          // Bottom-right causal: query token s sees the keys up to its own.
          const int limit =
              S.causal ? min(end, length - S.tokens + 1 + row / kHeads) : end;
          return mlagen_key_range{begin, limit};
        },
        first, lane, S.scale_log2, rowMax, rowSum);

    // O += P V: the scores of 16 keys are one register A fragment, all
    // packed before the fence (wgmma may read them only after it); V is the
    // tile's first kLatent columns, read N-major.
    unsigned p[kKeys / 16][4];
#pragma unroll
    for (int kc = 0; kc < kKeys / 16; ++kc)
#pragma unroll
      for (int i = 0; i < 4; ++i)
        p[kc][i] = T::pack(score[8 * kc + 2 * i], score[8 * kc + 2 * i + 1]);
    __syncwarp();
    mlagen_wgmma_fence();
#pragma unroll
    for (int kc = 0; kc < kKeys / 16; ++kc) {
      const unsigned long long vb = mlagen_wgmma_descriptor(
          keys + (group * kColumns / 64) * kKeys * 128 + kc * 16 * 128,
          kKeys * 128, 1024);
      mlagen_wgmma_rs_tb<kColumns, S.storage>::run(acc, p[kc], vb, 1);
    }
    mlagen_wgmma_commit();
    mlagen_wgmma_wait<0>();
    __syncthreads();
  }
  if constexpr (!S.tma()) {
    mlagen_cp_async_wait<0>();
  }

  tiles_done += tiles;

  // Normalize; a row that saw no key gets 0 and LSE -inf.
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    const float sum = mlagen_quad_sum(rowSum[half]);
    const int row = row0 + (warp % 4) * 16 + lane / 4 + half * 8;
    if (row >= kQueryRows)
      continue;
    const float inverse = sum != 0.0f ? 1.0f / sum : 0.0f;
#pragma unroll
    for (int j = 0; j < kColumns / 8; ++j)
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        const float value = acc[4 * j + half * 2 + e] * inverse;
        const long long column = group * kColumns + j * 8 + (lane % 4) * 2 + e;
        if (partial)
          partial[(at + row) * kLatent + column] = value;
        else
          out[(at + row) * kLatent + column] = T::from_float(value);
      }
    if (group == 0 && lane % 4 == 0)
      lse[at + row] = sum != 0.0f ? (rowMax[half] + log2f(sum)) * kLn2
                                  : mlagen_negative_infinity();
  }
}

// A CTA per (64 query rows, split, sequence): split blockIdx.y of the
// sequence's keys (mlagen_split_range), f32 partials at [split, b] when
// S.partial, else the output.
template <mlagen_decode_wgmma_shape S, class Cache>
__device__ __forceinline__ void mlagen_decode_wgmma(
    const mlagen_element<S.storage> *__restrict__ q_latent,
    const mlagen_element<S.storage> *__restrict__ q_rope, const Cache &cache,
    const int *__restrict__ block_table, const int *__restrict__ seq_lens,
    typename mlagen_if<S.partial, float, mlagen_element<S.storage>>::type
        *__restrict__ out,
    float *__restrict__ lse, int table_width, int batch, int pages) {
  const int split = blockIdx.y, b = blockIdx.z;
  if (b >= batch)
    return;
  mlagen_decode_wgmma_barriers<S>();
  const int length =
      mlagen_attended_length(seq_lens[b], table_width, S.page_size);
  const mlagen_key_range range = mlagen_split_range(length, S.splits, split);
  const long long rows = S.query_rows();
  int tiles_done = 0;
  if constexpr (S.partial)
    mlagen_decode_wgmma_keys<S>(
        q_latent, q_rope, cache, block_table, table_width, pages, b, length,
        range, out, nullptr, lse, ((long long)split * batch + b) * rows,
        tiles_done);
  else
    mlagen_decode_wgmma_keys<S>(q_latent, q_rope, cache, block_table,
                                table_width, pages, b, length, range, nullptr,
                                out, lse, b * rows, tiles_done);
}

// A CTA per (64 query rows, part) of the balanced schedule (Schedule.cuh):
// part blockIdx.y attends its piece of each sequence it meets; a sequence
// it meets alone gets its output, others their partial at its slot.
template <mlagen_decode_wgmma_shape S, class Cache>
__device__ __forceinline__ void mlagen_decode_wgmma_scheduled(
    const mlagen_element<S.storage> *__restrict__ q_latent,
    const mlagen_element<S.storage> *__restrict__ q_rope, const Cache &cache,
    const int *__restrict__ block_table, const int *__restrict__ seq_lens,
    const long long *__restrict__ starts, float *__restrict__ partial_out,
    float *__restrict__ partial_lse,
    mlagen_element<S.storage> *__restrict__ out, float *__restrict__ lse,
    int table_width, int batch, int pages) {
  static_assert(S.scheduled(), "a schedule of at least one part");
  mlagen_decode_wgmma_barriers<S>();
  const long long rows = S.query_rows();
  int tiles_done = 0;
  mlagen_for_each_piece(
      S.schedule, S.page_size, starts, seq_lens, batch, table_width,
      [&](int b, int length, const mlagen_piece &piece) {
        const bool alone = piece.alone;
        mlagen_decode_wgmma_keys<S>(
            q_latent, q_rope, cache, block_table, table_width, pages, b, length,
            piece.keys, alone ? nullptr : partial_out, alone ? out : nullptr,
            alone ? lse : partial_lse, (alone ? b : piece.slot) * rows,
            tiles_done);
      });
}
#endif // MLAGEN_SHAPES_ONLY
