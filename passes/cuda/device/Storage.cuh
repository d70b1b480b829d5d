// How each storage type loads, stores and multiplies: the kernel templates
// are written once over mlagen_storage<kind> and instantiated per storage
// type. Embedded into units after the device primitives; no #include.

template <mlagen_storage_kind Kind> struct mlagen_storage;

template <> struct mlagen_storage<mlagen_bf16> {
  using element = mlagen_u16;
  static __device__ __forceinline__ float to_float(element x) {
    return mlagen_bf16_to_f32(x);
  }
  static __device__ __forceinline__ element from_float(float x) {
    return mlagen_f32_to_bf16(x);
  }
  // d += a b on the tensor cores (m16n8k16, f32 accumulators).
  static __device__ __forceinline__ void
  mma(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
    mlagen_mma_bf16(d, a, b);
  }
  // Two f32 as one register of an MMA A fragment (`low` first).
  static __device__ __forceinline__ unsigned pack(float low, float high) {
    return mlagen_pack_bf16(low, high);
  }
};

template <> struct mlagen_storage<mlagen_f16> {
  using element = mlagen_u16;
  static __device__ __forceinline__ float to_float(element x) {
    return mlagen_f16_to_f32(x);
  }
  static __device__ __forceinline__ element from_float(float x) {
    return mlagen_f32_to_f16(x);
  }
  static __device__ __forceinline__ void
  mma(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
    mlagen_mma_f16(d, a, b);
  }
  static __device__ __forceinline__ unsigned pack(float low, float high) {
    return mlagen_pack_f16(low, high);
  }
};

// f32: no tensor-core path; loads and stores are the identity.
template <> struct mlagen_storage<mlagen_f32> {
  using element = float;
  static __device__ __forceinline__ float to_float(element x) { return x; }
  static __device__ __forceinline__ element from_float(float x) { return x; }
};

template <mlagen_storage_kind Kind>
using mlagen_element = typename mlagen_storage<Kind>::element;
