//===- EmulatedCuda.h - generated CUDA kernels run on the host --*- C++ -*-===//
//
// Included before a generated translation unit compiled with the host C++
// compiler (KernelEmulator.cpp makes the unit's text fit: the device
// primitives replaced by EmulatedPrimitives.h and
// EmulatedHopperPrimitives.h where the unit has them, its wgmma
// specializations dropped). The kernel templates themselves
// (passes/cuda/device/) compile unchanged. The execution model is
// EmulatedThreads.h's, the asynchronous copies EmulatedAsync.h's, the
// tensor-core instructions EmulatedTensorCores.h's.
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
// CTAs run one after another: static storage serves as shared memory.
#define __shared__ static
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
inline long long __shfl_up_sync(unsigned mask, long long v, unsigned delta) {
  if (mask != 0xffffffffu)
    mlagen_emu::fail("a shuffle over part of a warp");
  return mlagen_emu::groupExchange(
      mlagen_emu::kShuffle, false, v, [&](auto of) {
        int lane = mlagen_emu::lane();
        return lane >= int(delta) ? of(lane - int(delta)) : v;
      });
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

/// Runs a kernel's entry (KernelEmulator.cpp writes one per kernel).
extern "C" void mlagen_emu_launch(void (*entry)(void **), void **args,
                                  const unsigned *grid, unsigned threads,
                                  unsigned sharedBytes) {
  mlagen_emu::run(entry, args, grid, threads, sharedBytes);
}

#endif // MLAGEN_TEST_EMULATION_EMULATEDCUDA_H
