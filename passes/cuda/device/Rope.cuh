// RoPE on the device: mla.rope rotates q_rope (or k_rope) by the positions,
// and the cache append (Append.cuh) rotates the new keys the same way. Pair
// k of a rope vector is elements (2k, 2k + 1) with interleaved pairing, or
// (k, k + dim / 2) with half pairing; its angle is position x inv_freq[k]
// (a __constant__ table the unit prints with every digit a double keeps);
// angles and cos/sin in f64, scaled, the rotation in f32, as on the CPU.
//
// The shape is plain C++ the code generator also compiles. Embedded into
// units; no #include.

struct mlagen_rope_shape {
  mlagen_storage_kind storage;
  int warps;
  int per_token, rope; // elements per token (heads x rope), rope dim
  bool interleaved;
  double cos_sin_scale;

  MLAGEN_HOST_DEVICE constexpr bool even() const {
    return rope % 2 == 0 && per_token % rope == 0;
  }
};

#ifndef MLAGEN_SHAPES_ONLY
// Writes rotated pair k of the rope vector `x` to the vector at y + offset
// (an int or long long offset kept apart from the pointer: folding it in
// costs ptxas registers).
template <mlagen_storage_kind Kind, int Dim, bool Interleaved, class Offset>
__device__ __forceinline__ void
mlagen_rotate_pair(const mlagen_element<Kind> *x, mlagen_element<Kind> *y,
                   Offset offset, int k, double position,
                   const double *inv_freq, double cos_sin_scale) {
  using T = mlagen_storage<Kind>;
  const int first = Interleaved ? 2 * k : k;
  const int second = Interleaved ? 2 * k + 1 : k + Dim / 2;
  const double angle = position * inv_freq[k];
  const float c = (float)(cos(angle) * cos_sin_scale);
  const float s = (float)(sin(angle) * cos_sin_scale);
  const float a = T::to_float(x[first]), b = T::to_float(x[second]);
  y[offset + first] = T::from_float(a * c - b * s);
  y[offset + second] = T::from_float(b * c + a * s);
}

// mla.rope: one CTA per token; threads over its (head, pair) rotations.
template <mlagen_rope_shape S>
__device__ __forceinline__ void
mlagen_rope(const mlagen_element<S.storage> *__restrict__ input,
            const int *__restrict__ positions,
            mlagen_element<S.storage> *__restrict__ result, int tokens,
            const double *inv_freq) {
  static_assert(S.even(), "the description admits only even rope widths");
  const int token = blockIdx.x;
  if (token >= tokens)
    return;
  const double position = (double)positions[token];
  const long long at = (long long)token * S.per_token;
  for (int p = threadIdx.x; p < S.per_token / 2; p += blockDim.x) {
    const int head = p / (S.rope / 2), k = p % (S.rope / 2);
    mlagen_rotate_pair<S.storage, S.rope, S.interleaved>(
        input + at + head * S.rope, result, at + head * S.rope, k, position,
        inv_freq, S.cos_sin_scale);
  }
}
#endif // MLAGEN_SHAPES_ONLY
