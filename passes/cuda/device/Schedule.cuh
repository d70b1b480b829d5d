// The balanced decode schedule. A serving batch mixes a 32k-token sequence
// with a hundred short ones; cutting every sequence into the same number
// of splits leaves most multiprocessors idle while the long one finishes.
// Instead the batch's whole KV work is cut into `parts` pieces of equal
// cost, one per CTA: a long sequence spans several parts, short ones share
// one. The host (tests, the workspace size, the benchmark) and the device
// compute it with this code from the lengths alone.
//
// Cost: a sequence of L keys costs ceil(L / T) + c units, T keys per unit
// (a KV tile) and c units for its fixed work (loading its queries, writing
// and merging a partial result). The costs lie end to end in batch order:
// sequence b owns units [start[b], start[b + 1]), `start` the exclusive prefix
// sum of the costs. Part p owns units [p q, (p + 1) q), q the quota,
// ceil(total / parts). A sequence's first c units are its overhead, unit
// c + i is its tile i. Every sequence owns at least one unit, so every
// sequence (even an empty one) meets at least one part, which writes its
// partial result (an empty key range gives LSE -inf and a zero output).

struct mlagen_schedule {
  int parts;          // CTAs the work is cut over (e.g. SMs x CTAs per SM)
  int keys_per_unit;  // T
  int overhead_units; // c, at least 1
};

MLAGEN_HOST_DEVICE constexpr long long
mlagen_sequence_cost(const mlagen_schedule &s, int length) {
  return (static_cast<long long>(length) + s.keys_per_unit - 1) /
             s.keys_per_unit +
         s.overhead_units;
}

// Units per part for a batch of `total` units (at least 1).
MLAGEN_HOST_DEVICE constexpr long long
mlagen_part_quota(const mlagen_schedule &s, long long total) {
  const long long quota = (total + s.parts - 1) / s.parts;
  return quota > 0 ? quota : 1;
}

// The parts that meet the sequence owning units [start, end).
MLAGEN_HOST_DEVICE constexpr int mlagen_first_part(long long start,
                                                   long long quota) {
  return static_cast<int>(start / quota);
}
MLAGEN_HOST_DEVICE constexpr int mlagen_last_part(long long end,
                                                  long long quota) {
  return static_cast<int>((end - 1) / quota);
}

// The keys `part` attends of a sequence of `length` keys owning units
// [start, end); empty where the part meets only the sequence's overhead.
MLAGEN_HOST_DEVICE constexpr mlagen_key_range
mlagen_part_keys(const mlagen_schedule &s, long long start, long long end,
                 int length, int part, long long quota) {
  const long long from = part * quota > start ? part * quota : start;
  const long long to = (part + 1) * quota < end ? (part + 1) * quota : end;
  const long long first_tile =
      from - start > s.overhead_units ? from - start - s.overhead_units : 0;
  const long long end_tile =
      to - start > s.overhead_units ? to - start - s.overhead_units : 0;
  const long long begin_key = first_tile * s.keys_per_unit;
  const long long end_key = end_tile * s.keys_per_unit;
  return {static_cast<int>(begin_key < length ? begin_key : length),
          static_cast<int>(end_key < length ? end_key : length)};
}

// The workspace slot of the partial result of (sequence b, part): b + part.
// Along the batch the sequences and the parts they meet both only rise, so
// no two meeting pairs share a sum; batch + parts - 1 slots hold them all.
MLAGEN_HOST_DEVICE constexpr int mlagen_partial_slot(int b, int part) {
  return b + part;
}

// The sequence owning `unit`: the last b with starts[b] <= unit, for the
// exclusive prefix sums `starts` of `batch` sequences (starts[0] = 0).
MLAGEN_HOST_DEVICE inline int
mlagen_sequence_of_unit(const long long *starts, int batch, long long unit) {
  int low = 0, high = batch - 1;
  while (low < high) {
    const int middle = (low + high + 1) / 2;
    if (starts[middle] <= unit)
      low = middle;
    else
      high = middle - 1;
  }
  return low;
}

// The sequences part `part` meets, [first, last] (first > last: none), and
// the quota of the batch whose prefix sums are `starts`.
struct mlagen_part_pieces {
  int first, last;
  long long quota;
};

MLAGEN_HOST_DEVICE inline mlagen_part_pieces
mlagen_pieces_of_part(const mlagen_schedule &s, const long long *starts,
                      int batch, int part) {
  const long long total = starts[batch];
  const long long quota = mlagen_part_quota(s, total);
  const long long from = part * quota;
  if (batch == 0 || from >= total)
    return {0, -1, quota};
  const long long to = from + quota < total ? from + quota : total;
  return {mlagen_sequence_of_unit(starts, batch, from),
          mlagen_sequence_of_unit(starts, batch, to - 1), quota};
}

// What `part` does for sequence b: its keys, and where the result goes
// (the output itself when no other part meets b, else partial slot `slot`).
struct mlagen_piece {
  mlagen_key_range keys;
  bool alone;
  int slot;
};

MLAGEN_HOST_DEVICE inline mlagen_piece
mlagen_piece_of(const mlagen_schedule &s, const long long *starts, int b,
                int length, int part, const mlagen_part_pieces &pieces) {
  const long long start = starts[b], end = starts[b + 1];
  return {mlagen_part_keys(s, start, end, length, part, pieces.quota),
          mlagen_first_part(start, pieces.quota) ==
              mlagen_last_part(end, pieces.quota),
          mlagen_partial_slot(b, part)};
}

// The schedule kernel's shape: one warp.
struct mlagen_schedule_shape {
  mlagen_schedule schedule;
  int page_size;
};

#ifndef MLAGEN_SHAPES_ONLY
// starts[0..batch], the exclusive prefix sums of the sequences' costs
// (starts[batch] the total), from the lengths on the device, each clamped
// as the decode kernels clamp it. One warp: lane l sums a run of
// consecutive sequences, a shuffle scan offsets the runs.
template <mlagen_schedule_shape S>
__device__ __forceinline__ void
mlagen_schedule_starts(const int *__restrict__ seq_lens,
                       long long *__restrict__ starts, int table_width,
                       int batch) {
  const int lane = threadIdx.x;
  if (lane >= 32)
    return;
  auto cost = [&](int b) {
    return mlagen_sequence_cost(
        S.schedule,
        mlagen_attended_length(seq_lens[b], table_width, S.page_size));
  };
  const int run = (batch + 31) / 32, first = lane * run;
  const int last = first + run < batch ? first + run : batch;
  long long sum = 0;
  for (int b = first; b < last; ++b)
    sum += cost(b);
  long long inclusive = sum;
  for (int distance = 1; distance < 32; distance *= 2) {
    const long long below = __shfl_up_sync(0xffffffffu, inclusive, distance);
    if (lane >= distance)
      inclusive += below;
  }
  long long at = inclusive - sum;
  for (int b = first; b < last; ++b) {
    starts[b] = at;
    at += cost(b);
  }
  if (lane == 31)
    starts[batch] = inclusive;
}

// Calls visit(b, length, piece) for each piece part blockIdx.y attends, in
// batch order, with each length clamped as mlagen_schedule_starts clamped
// it. The results go to out at b's rows when piece.alone, else to the
// partials at piece.slot's.
template <class Visit>
__device__ __forceinline__ void
mlagen_for_each_piece(const mlagen_schedule &s, int page_size,
                      const long long *__restrict__ starts,
                      const int *__restrict__ seq_lens, int batch,
                      int table_width, Visit visit) {
  const mlagen_part_pieces pieces =
      mlagen_pieces_of_part(s, starts, batch, blockIdx.y);
  for (int b = pieces.first; b <= pieces.last; ++b) {
    const int length =
        mlagen_attended_length(seq_lens[b], table_width, page_size);
    visit(b, length, mlagen_piece_of(s, starts, b, length, blockIdx.y, pieces));
  }
}
#endif // MLAGEN_SHAPES_ONLY
