// mlagen kernel vocabulary shared by the host and the device: plain C++ that
// the kernel-family descriptions (passes/cuda/*Family.cpp) compile into the
// code generator and that every generated unit starts with. The shape
// structs of the family headers build on it: what a kernel's tiling means
// (its shared-memory layout, its warp-to-work mapping, whether it fits) is
// written once there and read by the printer, mla-cuda-tile, the variant
// space and the kernel itself. Embedded into units: no #include.

#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
#define MLAGEN_HOST_DEVICE __host__ __device__
#else
#define MLAGEN_HOST_DEVICE
#endif

// The element type a buffer is stored in.
enum mlagen_storage_kind { mlagen_f32, mlagen_bf16, mlagen_f16 };

MLAGEN_HOST_DEVICE constexpr int mlagen_ceil_div(int a, int b) {
  return (a + b - 1) / b;
}

MLAGEN_HOST_DEVICE constexpr int mlagen_min(int a, int b) {
  return a < b ? a : b;
}

// Keys [begin, end) of a sequence.
struct mlagen_key_range {
  int begin, end;
};

// The keys split `split` of `splits` attends for a sequence of `length`
// keys: chunks of ceil(length / splits) keys in order, so the last splits
// may be short or empty. The one split-KV partition, as
// mla.partial_latent_attention defines it; the CPU lowering and the
// reference cut the same way.
MLAGEN_HOST_DEVICE constexpr mlagen_key_range
mlagen_split_range(int length, int splits, int split) {
  const long long chunk =
      (static_cast<long long>(length) + splits - 1) / splits;
  const long long begin = split * chunk < length ? split * chunk : length;
  const long long end = begin + chunk < length ? begin + chunk : length;
  return {static_cast<int>(begin), static_cast<int>(end)};
}

// The keys a GPU kernel attends of a sequence whose length reads `length`
// on the device: clamped to [0, table_width x page_size], the keys its
// block-table row can name (the host cannot check device lengths without a
// synchronisation; a length past the row is cut to it, a negative one is 0).
MLAGEN_HOST_DEVICE constexpr int
mlagen_attended_length(int length, int table_width, int page_size) {
  const long long most = static_cast<long long>(table_width) * page_size;
  return length < 0 ? 0 : length > most ? static_cast<int>(most) : length;
}

// T when `Condition` holds, else F (no <type_traits> under NVRTC).
template <bool Condition, class T, class F> struct mlagen_if {
  using type = T;
};
template <class T, class F> struct mlagen_if<false, T, F> { using type = F; };
