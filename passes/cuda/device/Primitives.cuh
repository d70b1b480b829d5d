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

// The maximum / sum of `v` over the 4 lanes of a quad (lanes 4i..4i+3, which
// hold one row of an MMA accumulator tile), in each of them.
__device__ __forceinline__ float mlagen_quad_max(float v) {
  v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 1));
  return fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 2));
}

__device__ __forceinline__ float mlagen_quad_sum(float v) {
  v += __shfl_xor_sync(0xffffffffu, v, 1);
  return v + __shfl_xor_sync(0xffffffffu, v, 2);
}

// exp2(x - max), or 0 when max is -inf (a row that has seen no key).
__device__ __forceinline__ float mlagen_exp2_relative(float x, float max) {
  return max == mlagen_negative_infinity() ? 0.0f : exp2f(x - max);
}

// exp(x - max), or 0 when max is -inf (a row that has seen no key).
__device__ __forceinline__ float mlagen_exp_relative(float x, float max) {
  return max == mlagen_negative_infinity() ? 0.0f : expf(x - max);
}

// ---- Tensor-core tiles (sm_80 and later) ---------------------------------

// The CTA's dynamic shared memory (16-byte aligned; a kernel that needs
// more alignment rounds up within what its launch asks).
__device__ __forceinline__ unsigned char *mlagen_dynamic_shared() {
  extern __shared__ __align__(16) unsigned char mlagen_shared[];
  return mlagen_shared;
}

// The shared-memory address of a generic pointer into shared memory.
__device__ __forceinline__ unsigned mlagen_smem_address(const void *p) {
  return static_cast<unsigned>(__cvta_generic_to_shared(p));
}

// Copies 16 bytes global -> shared without staging in registers; only the
// first `bytes` (0 or 16) are read, the rest of the 16 are zero-filled.
__device__ __forceinline__ void mlagen_cp_async_16(void *smem, const void *gmem,
                                                   int bytes) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(
                   mlagen_smem_address(smem)),
               "l"(gmem), "r"(bytes));
}

__device__ __forceinline__ void mlagen_cp_async_commit() {
  asm volatile("cp.async.commit_group;\n" ::);
}

// Waits until at most `Pending` committed groups are still in flight.
template <int Pending> __device__ __forceinline__ void mlagen_cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(Pending));
}

// Four 8x8 b16 matrices from shared memory: lanes 8i..8i+7 give the row
// addresses of matrix i; r[i] holds this lane's pair of matrix i.
__device__ __forceinline__ void mlagen_ldmatrix_x4(unsigned (&r)[4],
                                                   const void *row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, "
               "[%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(mlagen_smem_address(row)));
}

// Two 8x8 b16 matrices (row addresses from lanes 0..15).
__device__ __forceinline__ void mlagen_ldmatrix_x2(unsigned (&r)[2],
                                                   const void *row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0, %1}, [%2];\n"
               : "=r"(r[0]), "=r"(r[1])
               : "r"(mlagen_smem_address(row)));
}

// Two 8x8 b16 matrices, transposed on the way into registers.
__device__ __forceinline__ void mlagen_ldmatrix_x2_trans(unsigned (&r)[2],
                                                         const void *row) {
  asm volatile(
      "ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16 {%0, %1}, [%2];\n"
      : "=r"(r[0]), "=r"(r[1])
      : "r"(mlagen_smem_address(row)));
}

// d += a (16x16, row) * b (16x8, col), bf16 inputs, f32 accumulators.
__device__ __forceinline__ void
mlagen_mma_bf16(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
               "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
               "{%0, %1, %2, %3};\n"
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]),
                 "r"(b[1]));
}

// The same with f16 inputs.
__device__ __forceinline__ void
mlagen_mma_f16(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
               "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
               "{%0, %1, %2, %3};\n"
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]),
                 "r"(b[1]));
}

// Two f32 -> one register of two bf16 / f16 (`low` in the low half: the
// lower column of an MMA A fragment pair), rounded to nearest even.
__device__ __forceinline__ unsigned mlagen_pack_bf16(float low, float high) {
  unsigned r;
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(high), "f"(low));
  return r;
}

__device__ __forceinline__ unsigned mlagen_pack_f16(float low, float high) {
  unsigned r;
  asm("cvt.rn.f16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(high), "f"(low));
  return r;
}
