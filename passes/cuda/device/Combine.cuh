// The split-KV combine: mla.combine merges N partial (out, lse) pairs per
// query row exactly: m = max lse_n, w_n = exp(lse_n - m), out = sum w_n
// out_n / sum w_n, lse = m + log(sum w_n); a row no split saw (every lse_n =
// -inf) gets out 0 and lse -inf. One warp per query row, `warps` rows per
// CTA; lanes stride the latent columns.
//
// After a balanced schedule (Schedule.cuh) the partials of sequence b are
// those of the parts meeting it, at slots b + first part ... b + last part;
// a sequence one part met alone has its output already and is left as is.
//
// The shape is plain C++ the code generator also compiles. Embedded into
// units after Schedule.cuh; no #include.

struct mlagen_combine_shape {
  mlagen_storage_kind storage; // of the output
  int warps, splits, width;
  // After a balanced schedule: its parts, and the query rows per sequence.
  mlagen_schedule schedule;
  int sequence_rows;
};

#ifndef MLAGEN_SHAPES_ONLY
// Merges the `count` partials of a row at first, first + step, ... (in
// rows of the partial arrays) into out and lse. A warp; lanes stride the
// columns.
template <mlagen_combine_shape S>
__device__ __forceinline__ void
mlagen_merge_partials(const float *__restrict__ partial_out,
                      const float *__restrict__ partial_lse, long long first,
                      long long step, int count,
                      mlagen_element<S.storage> *__restrict__ out,
                      float *__restrict__ lse, long long row) {
  using T = mlagen_storage<S.storage>;
  const int lane = threadIdx.x % 32;
  // The LSEs are few: every lane reads them all.
  float max = mlagen_negative_infinity();
  for (int n = 0; n < count; ++n)
    max = fmaxf(max, partial_lse[first + n * step]);
  float sum = 0.0f;
  for (int n = 0; n < count; ++n)
    sum += mlagen_exp_relative(partial_lse[first + n * step], max);
  const float scale = sum != 0.0f ? 1.0f / sum : 0.0f;
  for (int c = lane; c < S.width; c += 32) {
    float acc = 0.0f;
    for (int n = 0; n < count; ++n) {
      const long long at = first + n * step;
      const float w = mlagen_exp_relative(partial_lse[at], max);
      if (w != 0.0f) // a piece that saw no key may hold anything
        acc += w * partial_out[at * S.width + c];
    }
    out[row * S.width + c] = T::from_float(acc * scale);
  }
  if (lane == 0)
    lse[row] = sum != 0.0f ? max + logf(sum) : mlagen_negative_infinity();
}

// The S.splits partials of each row, [split, rows] (a warp per row).
template <mlagen_combine_shape S>
__device__ __forceinline__ void
mlagen_combine(const float *__restrict__ partial_out,
               const float *__restrict__ partial_lse,
               mlagen_element<S.storage> *__restrict__ out,
               float *__restrict__ lse, int rows) {
  const int row = blockIdx.x * S.warps + threadIdx.x / 32;
  if (row < rows)
    mlagen_merge_partials<S>(partial_out, partial_lse, row, rows, S.splits, out,
                             lse, row);
}

// The partials a balanced schedule left of each row, [slot,
// sequence_rows] (a warp per row); `rows` is batch x sequence_rows.
template <mlagen_combine_shape S>
__device__ __forceinline__ void
mlagen_combine_scheduled(const float *__restrict__ partial_out,
                         const float *__restrict__ partial_lse,
                         const long long *__restrict__ starts,
                         mlagen_element<S.storage> *__restrict__ out,
                         float *__restrict__ lse, int rows) {
  const int row = blockIdx.x * S.warps + threadIdx.x / 32;
  if (row >= rows)
    return;
  const int batch = rows / S.sequence_rows, b = row / S.sequence_rows;
  const long long quota = mlagen_part_quota(S.schedule, starts[batch]);
  const int first = mlagen_first_part(starts[b], quota);
  const int last = mlagen_last_part(starts[b + 1], quota);
  if (first == last)
    return; // its one part wrote the output
  const long long rowInSequence = row % S.sequence_rows;
  mlagen_merge_partials<S>(partial_out, partial_lse,
                           mlagen_partial_slot(b, first) *
                                   (long long)S.sequence_rows +
                               rowInSequence,
                           S.sequence_rows, last - first + 1, out, lse, row);
}
#endif // MLAGEN_SHAPES_ONLY
