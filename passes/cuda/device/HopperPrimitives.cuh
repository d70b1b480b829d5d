// mlagen Hopper primitives (sm_90a): what the wgmma kernels call on top of
// the primitives every unit starts with. A unit includes this text only
// when one of its kernels is a wgmma variant, so units for other targets
// never see these instructions. The wgmma wrappers themselves, one per
// shape a kernel uses, are printed next to the kernel.

// The opaque 128-byte TMA descriptor (CUtensorMap) the runtime encodes on
// the host with cuTensorMapEncodeTiled; a kernel takes it by value as a
// __grid_constant__ parameter.
struct __align__(64) mlagen_tensor_map {
  unsigned long long opaque[16];
};

// Byte offset of 16-byte piece `piece` (0..7) of row `row` in a 128-byte
// swizzled tile (the TMA and wgmma SWIZZLE_128B pattern): rows are 128
// bytes apart and a row's pieces are permuted by the row's index mod 8.
// The tile must start 1024-byte aligned.
__device__ __forceinline__ unsigned mlagen_swizzle_128b(int row, int piece) {
  return row * 128 + ((piece ^ (row & 7)) << 4);
}

// A wgmma shared-memory matrix descriptor, 128-byte swizzle: start address,
// leading and stride byte offsets (each stored >> 4).
__device__ __forceinline__ unsigned long long
mlagen_wgmma_descriptor(unsigned address, unsigned leading, unsigned stride) {
  return static_cast<unsigned long long>((address & 0x3FFFF) >> 4) |
         static_cast<unsigned long long>((leading & 0x3FFFF) >> 4) << 16 |
         static_cast<unsigned long long>((stride & 0x3FFFF) >> 4) << 32 |
         1ull << 62;
}

// Makes this thread's ordinary shared-memory writes visible to the async
// proxy (TMA, wgmma operand reads); each writing thread, before a barrier.
__device__ __forceinline__ void mlagen_fence_proxy_async() {
  asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
}

// ---- mbarriers: a TMA load completes the transaction bytes it was told. ---

__device__ __forceinline__ void mlagen_mbarrier_init(unsigned bar,
                                                     unsigned arrivals) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(bar),
               "r"(arrivals)
               : "memory");
}

// Makes initialized barriers visible to the async proxy.
__device__ __forceinline__ void mlagen_fence_mbarrier_init() {
  asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
}

// Arrives once and expects `bytes` more transaction bytes this phase.
__device__ __forceinline__ void mlagen_mbarrier_expect_bytes(unsigned bar,
                                                             unsigned bytes) {
  asm volatile(
      "mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(bar),
      "r"(bytes)
      : "memory");
}

// Waits until the phase with parity `parity` of `bar` has completed.
__device__ __forceinline__ void mlagen_mbarrier_wait(unsigned bar,
                                                     unsigned parity) {
  unsigned done = 0;
  while (!done)
    asm volatile("{\n.reg .pred p;\n"
                 "mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n"
                 "selp.u32 %0, 1, 0, p;\n}\n"
                 : "=r"(done)
                 : "r"(bar), "r"(parity)
                 : "memory");
}

// TMA: the box at (column, row) of the 2-D tensor `map` into shared memory
// at `dst`, completing its bytes on `bar`.
__device__ __forceinline__ void mlagen_tma_load_2d(unsigned dst,
                                                   const mlagen_tensor_map *map,
                                                   int column, int row,
                                                   unsigned bar) {
  asm volatile(
      "cp.async.bulk.tensor.2d.shared::cluster.global.tile"
      ".mbarrier::complete_tx::bytes [%0], [%1, {%2, %3}], [%4];\n" ::"r"(dst),
      "l"(reinterpret_cast<unsigned long long>(map)), "r"(column), "r"(row),
      "r"(bar)
      : "memory");
}

// ---- wgmma ordering --------------------------------------------------------

// Before a warpgroup's first wgmma that reads registers written since.
__device__ __forceinline__ void mlagen_wgmma_fence() {
  asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
}

__device__ __forceinline__ void mlagen_wgmma_commit() {
  asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
}

// Waits until at most `Pending` committed wgmma groups are in flight.
template <int Pending> __device__ __forceinline__ void mlagen_wgmma_wait() {
  asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(Pending) : "memory");
}

// ---- wgmma -----------------------------------------------------------------

// wgmma.mma_async m64nNk16 for the warpgroup: d (64 x N f32, N / 2 per
// thread) = (accumulate ? d : 0) + A (64 x 16) B (16 x N), 16-bit inputs of
// storage `Kind`. mlagen_wgmma_ss: A and B from shared memory (descriptors),
// B K-major. mlagen_wgmma_rs_tb: A from registers (four b32 of two
// elements), B N-major. Each takes its accumulators as one asm operand
// apiece, so a unit prints the specialization of each N its kernels use
// (WgmmaWrapper.cpp), each with
//   static void run(float (&d)[N / 2], A a, unsigned long long b,
//                   int accumulate);
template <int N, mlagen_storage_kind Kind> struct mlagen_wgmma_ss;
template <int N, mlagen_storage_kind Kind> struct mlagen_wgmma_rs_tb;
