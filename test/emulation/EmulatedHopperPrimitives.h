//===- EmulatedHopperPrimitives.h - Hopper on the host ---------*- C++ -*-===//
//
// What a unit's Hopper primitives (passes/cuda/device/HopperPrimitives.cuh)
// do, on the host, and the wgmma of every shape (the unit's printed
// specializations are dropped): KernelEmulator.cpp puts this file where the
// unit has them, after EmulatedPrimitives.h.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_TEST_EMULATION_EMULATEDHOPPERPRIMITIVES_H
#define MLAGEN_TEST_EMULATION_EMULATEDHOPPERPRIMITIVES_H

using mlagen_tensor_map = mlagen_emu::TensorMap;

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

template <mlagen_storage_kind Kind>
inline float mlagen_emu_element(unsigned short bits) {
  return Kind == mlagen_bf16 ? mlagen_emu::fromBf16(bits)
                             : mlagen_emu::fromF16(bits);
}

template <int N, mlagen_storage_kind Kind> struct mlagen_wgmma_ss {
  static void run(float (&d)[N / 2], unsigned long long a, unsigned long long b,
                  int accumulate) {
    mlagen_emu::wgmma<N>(d, nullptr, a, b, false, accumulate,
                         mlagen_emu_element<Kind>);
  }
};

template <int N, mlagen_storage_kind Kind> struct mlagen_wgmma_rs_tb {
  static void run(float (&d)[N / 2], const unsigned (&a)[4],
                  unsigned long long b, int accumulate) {
    mlagen_emu::wgmma<N>(d, a, 0, b, true, accumulate,
                         mlagen_emu_element<Kind>);
  }
};

#endif // MLAGEN_TEST_EMULATION_EMULATEDHOPPERPRIMITIVES_H
