//===- EmulatedPrimitives.h - Primitives.cuh on the host --------*- C++ -*-===//
//
// What a unit's device primitives (passes/cuda/device/Primitives.cuh) do,
// on the host: KernelEmulator.cpp puts this file where the unit has them,
// after EmulatedCuda.h and the unit's Common.cuh.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_TEST_EMULATION_EMULATEDPRIMITIVES_H
#define MLAGEN_TEST_EMULATION_EMULATEDPRIMITIVES_H

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

inline unsigned char *mlagen_dynamic_shared() {
  return mlagen_emu::dynamicSharedArray();
}
inline unsigned mlagen_smem_address(const void *p) {
  return unsigned(static_cast<const unsigned char *>(p) -
                  mlagen_emu::dynamicShared);
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

#endif // MLAGEN_TEST_EMULATION_EMULATEDPRIMITIVES_H
