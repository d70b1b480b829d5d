// The online-softmax step the prefill and wgmma attention kernels run on the
// score fragments in their registers. For each of this thread's two rows
// (`half` = 0 / 1) of an m16n8 accumulator tile: mask the keys the row does
// not see, scale into the log2 domain, take the row's tile maximum over the
// quad holding the row, turn the scores into probabilities in place, and
// rescale the row's running sum and output accumulators.
//
// Block j of 8 keys holds row `half`'s keys first + 8 j + 2 (lane % 4) + e,
// e = 0 / 1. score(j, half, e) and acc(j, half, e) name those elements of
// the score and output fragments (`AccBlocks` 8-column output blocks);
// visible(half) is the key range the row sees. Embedded into units; no
// #include.

template <int Keys, int AccBlocks, class Score, class Acc, class Visible>
__device__ __forceinline__ void
mlagen_fragment_softmax(Score score, Acc acc, Visible visible, int first,
                        int lane, float scale_log2, float (&row_max)[2],
                        float (&row_sum)[2]) {
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    const mlagen_key_range seen = visible(half);
    float tile_max = mlagen_negative_infinity();
#pragma unroll
    for (int j = 0; j < Keys / 8; ++j)
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        const int key = first + j * 8 + (lane % 4) * 2 + e;
        float &x = score(j, half, e);
        x = key >= seen.begin && key < seen.end ? x * scale_log2
                                                : mlagen_negative_infinity();
        tile_max = fmaxf(tile_max, x);
      }
    const float new_max = fmaxf(row_max[half], mlagen_quad_max(tile_max));
    const float alpha = mlagen_exp2_relative(row_max[half], new_max);
    row_max[half] = new_max;
    float sum = 0.0f;
#pragma unroll
    for (int j = 0; j < Keys / 8; ++j)
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        float &x = score(j, half, e);
        x = mlagen_exp2_relative(x, new_max);
        sum += x;
      }
    row_sum[half] = row_sum[half] * alpha + sum;
#pragma unroll
    for (int j = 0; j < AccBlocks; ++j)
#pragma unroll
      for (int e = 0; e < 2; ++e)
        acc(j, half, e) *= alpha;
  }
}
