// mlagen device primitives: the small helpers generated kernels call. Every
// generated translation unit starts with this text. No CUDA headers (NVRTC
// compiles those slowly): 16-bit floats travel as raw bits and convert with
// one PTX instruction each.

typedef unsigned short mlagen_u16;

// bf16 bits -> f32 (exact).
__device__ __forceinline__ float mlagen_bf16_to_f32(mlagen_u16 x) {
  return __uint_as_float(static_cast<unsigned>(x) << 16);
}

// f32 -> bf16 bits, rounded to nearest even (sm_80 and later).
__device__ __forceinline__ mlagen_u16 mlagen_f32_to_bf16(float x) {
  mlagen_u16 r;
  asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(r) : "f"(x));
  return r;
}

// f16 bits -> f32 (exact).
__device__ __forceinline__ float mlagen_f16_to_f32(mlagen_u16 x) {
  float r;
  asm("cvt.f32.f16 %0, %1;" : "=f"(r) : "h"(x));
  return r;
}

// f32 -> f16 bits, rounded to nearest even.
__device__ __forceinline__ mlagen_u16 mlagen_f32_to_f16(float x) {
  mlagen_u16 r;
  asm("cvt.rn.f16.f32 %0, %1;" : "=h"(r) : "f"(x));
  return r;
}

// f32 storage: the identity, so that generated code reads the same for
// every storage type.
__device__ __forceinline__ float mlagen_f32_to_f32(float x) { return x; }

__device__ __forceinline__ float mlagen_negative_infinity() {
  return __int_as_float(0xff800000);
}

// The maximum / sum of `v` over the 32 lanes of a warp, in every lane.
__device__ __forceinline__ float mlagen_warp_max(float v) {
  for (int offset = 16; offset > 0; offset >>= 1)
    v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

__device__ __forceinline__ float mlagen_warp_sum(float v) {
  for (int offset = 16; offset > 0; offset >>= 1)
    v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

// exp(x - max), or 0 when max is -inf (a row that has seen no key).
__device__ __forceinline__ float mlagen_exp_relative(float x, float max) {
  return max == mlagen_negative_infinity() ? 0.0f : expf(x - max);
}
