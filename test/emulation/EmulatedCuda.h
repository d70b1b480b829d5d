//===- EmulatedCuda.h - generated CUDA kernels run on the host --*- C++ -*-===//
//
// Included before a generated translation unit compiled with the host C++
// compiler (KernelEmulator.cpp makes the unit's text fit: the device
// primitives and wgmma wrappers replaced by the ones below, dynamic shared
// memory the emulator's buffer, other __shared__ storage static). The
// execution model is EmulatedThreads.h's, the asynchronous copies
// EmulatedAsync.h's, the tensor-core instructions EmulatedTensorCores.h's.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_TEST_EMULATION_EMULATEDCUDA_H
#define MLAGEN_TEST_EMULATION_EMULATEDCUDA_H

#include "EmulatedTensorCores.h"

// ---- CUDA's vocabulary on the host -----------------------------------------

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __constant__
#define __restrict__
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
#define __grid_constant__
#define threadIdx (mlagen_emu::self().thread)
#define blockIdx (mlagen_emu::cta->block)
#define blockDim (mlagen_emu::cta->blockDim)
#define gridDim (mlagen_emu::cta->grid)

inline void __syncthreads() { mlagen_emu::syncthreads(); }
inline void __syncwarp(unsigned = 0xffffffffu) { mlagen_emu::syncwarp(); }
inline float __shfl_xor_sync(unsigned mask, float v, int laneMask) {
  if (mask != 0xffffffffu)
    mlagen_emu::fail("a shuffle over part of a warp");
  return mlagen_emu::groupExchange(
      mlagen_emu::kShuffle, false, v,
      [&](auto of) { return of(mlagen_emu::lane() ^ laneMask); });
}
inline float __uint_as_float(unsigned u) { return mlagen_emu::bitsFloat(u); }
inline float __int_as_float(int i) {
  return mlagen_emu::bitsFloat(unsigned(i));
}
inline unsigned __float_as_uint(float x) { return mlagen_emu::floatBits(x); }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline float __expf(float x) { return std::exp(x); }
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline long long max(long long a, long long b) { return a > b ? a : b; }
inline unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }
inline unsigned max(unsigned a, unsigned b) { return a > b ? a : b; }

// ---- The device primitives (Primitives.cuh's), emulated --------------------

typedef unsigned short mlagen_u16;

inline float mlagen_bf16_to_f32(mlagen_u16 x) {
  return mlagen_emu::fromBf16(x);
}
inline mlagen_u16 mlagen_f32_to_bf16(float x) { return mlagen_emu::toBf16(x); }
inline float mlagen_f16_to_f32(mlagen_u16 x) { return mlagen_emu::fromF16(x); }
inline mlagen_u16 mlagen_f32_to_f16(float x) { return mlagen_emu::toF16(x); }
inline float mlagen_f32_to_f32(float x) { return x; }
inline float mlagen_negative_infinity() { return -INFINITY; }

inline float mlagen_warp_max(float v) {
  for (int offset = 16; offset > 0; offset >>= 1)
    v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}
inline float mlagen_warp_sum(float v) {
  for (int offset = 16; offset > 0; offset >>= 1)
    v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}
inline float mlagen_quad_max(float v) {
  v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 1));
  return fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 2));
}
inline float mlagen_quad_sum(float v) {
  v += __shfl_xor_sync(0xffffffffu, v, 1);
  return v + __shfl_xor_sync(0xffffffffu, v, 2);
}
inline float mlagen_exp2_relative(float x, float max) {
  return max == -INFINITY ? 0.0f : exp2f(x - max);
}
inline float mlagen_exp_relative(float x, float max) {
  return max == -INFINITY ? 0.0f : expf(x - max);
}

inline void mlagen_cp_async_16(void *smem, const void *gmem, int bytes) {
  mlagen_emu::cpAsync16(smem, gmem, bytes);
}
inline void mlagen_cp_async_commit() { mlagen_emu::cpAsyncCommit(); }
template <int Pending> inline void mlagen_cp_async_wait() {
  mlagen_emu::cpAsyncWait(Pending);
}

inline void mlagen_ldmatrix_x4(unsigned (&r)[4], const void *row) {
  mlagen_emu::ldmatrix<4>(r, row, false);
}
inline void mlagen_ldmatrix_x2(unsigned (&r)[2], const void *row) {
  mlagen_emu::ldmatrix<2>(r, row, false);
}
inline void mlagen_ldmatrix_x2_trans(unsigned (&r)[2], const void *row) {
  mlagen_emu::ldmatrix<2>(r, row, true);
}
inline void mlagen_mma_bf16(float (&d)[4], const unsigned (&a)[4],
                            const unsigned (&b)[2]) {
  mlagen_emu::mma(d, a, b, mlagen_emu::fromBf16);
}
inline void mlagen_mma_f16(float (&d)[4], const unsigned (&a)[4],
                           const unsigned (&b)[2]) {
  mlagen_emu::mma(d, a, b, mlagen_emu::fromF16);
}
inline unsigned mlagen_pack_bf16(float low, float high) {
  return unsigned(mlagen_emu::toBf16(low)) |
         (unsigned(mlagen_emu::toBf16(high)) << 16);
}
inline unsigned mlagen_pack_f16(float low, float high) {
  return unsigned(mlagen_emu::toF16(low)) |
         (unsigned(mlagen_emu::toF16(high)) << 16);
}

// ---- The Hopper primitives (HopperPrimitives.cuh's), emulated --------------

using mlagen_tensor_map = mlagen_emu::TensorMap;

inline unsigned mlagen_smem_address(const void *p) {
  return unsigned(static_cast<const unsigned char *>(p) -
                  mlagen_emu::dynamicShared);
}
inline unsigned mlagen_swizzle_128b(int row, int piece) {
  return row * 128 + ((piece ^ (row & 7)) << 4);
}
inline unsigned long long
mlagen_wgmma_descriptor(unsigned address, unsigned leading, unsigned stride) {
  return static_cast<unsigned long long>((address & 0x3FFFF) >> 4) |
         static_cast<unsigned long long>((leading & 0x3FFFF) >> 4) << 16 |
         static_cast<unsigned long long>((stride & 0x3FFFF) >> 4) << 32 |
         1ull << 62;
}
inline void mlagen_fence_proxy_async() {}
inline void mlagen_fence_mbarrier_init() {}
inline void mlagen_mbarrier_init(unsigned bar, unsigned arrivals) {
  mlagen_emu::mbarrierInit(bar, arrivals);
}
inline void mlagen_mbarrier_expect_bytes(unsigned bar, unsigned bytes) {
  mlagen_emu::mbarrierExpectBytes(bar, bytes);
}
inline void mlagen_mbarrier_wait(unsigned bar, unsigned parity) {
  mlagen_emu::mbarrierWait(bar, parity);
}
inline void mlagen_tma_load_2d(unsigned dst, const mlagen_tensor_map *map,
                               int column, int row, unsigned bar) {
  mlagen_emu::tmaLoad2d(dst, map, column, row, bar);
}
inline void mlagen_wgmma_fence() {}
inline void mlagen_wgmma_commit() { mlagen_emu::wgmmaCommit(); }
template <int Pending> inline void mlagen_wgmma_wait() {
  mlagen_emu::wgmmaWait(Pending);
}

/// Runs a kernel's entry (KernelEmulator.cpp writes one per kernel).
extern "C" void mlagen_emu_launch(void (*entry)(void **), void **args,
                                  const unsigned *grid, unsigned threads,
                                  unsigned sharedBytes) {
  mlagen_emu::run(entry, args, grid, threads, sharedBytes);
}

#endif // MLAGEN_TEST_EMULATION_EMULATEDCUDA_H
