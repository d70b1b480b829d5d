//===- EmulatedCuda.h - generated CUDA kernels run on the host --*- C++ -*-===//
//
// Included before a generated translation unit compiled with the host C++
// compiler (KernelEmulator.cpp makes the unit's text fit: the device
// primitives replaced by the ones below, __shared__ made host storage). A
// CTA runs as one cooperative fiber per thread on the calling thread: a
// fiber runs until it reaches a barrier (__syncthreads, or a warp
// collective: shuffles, ldmatrix, mma), and a barrier opens when every
// live thread of its CTA or warp has reached it. CTAs run one after
// another, so shared memory is plain static storage.
//
// The tensor-core and copy instructions follow the PTX ISA's definitions:
// mma.m16n8k16 (row.col, f32 accumulators) with its fragment layouts,
// ldmatrix.m8n8 (x2, x4, .trans), cp.async with zero fill, and the
// round-to-nearest-even conversions; for the Hopper kernels, wgmma
// m64nNk16 (A from a shared-memory descriptor or registers, B K-major or
// N-major, 128-byte swizzle: the swizzle is applied to the computed byte
// address, as the hardware does), TMA 2-D tile loads, and mbarriers with
// transaction counts. Asynchronous operations complete when issued. A
// barrier no thread can pass (threads of a CTA waiting at different
// barriers, an mbarrier phase that never completes) aborts with a message
// naming the CTA. What this cannot show: that the hardware reads a
// descriptor's leading and stride byte offsets as this file does.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_TEST_EMULATION_EMULATEDCUDA_H
#define MLAGEN_TEST_EMULATION_EMULATEDCUDA_H

#include "EmulatedTensorMap.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <ucontext.h>
#include <vector>

namespace mlagen_emu {

struct Dim3 {
  unsigned x = 0, y = 0, z = 0;
};

struct Fiber {
  ucontext_t context;
  std::vector<char> stack;
  Dim3 thread;
  bool done = false;
};

/// The CTA being run, and its barriers. Warp collectives exchange values
/// through `exchange` (64 bytes per lane).
struct Cta {
  std::vector<Fiber> fibers;
  ucontext_t scheduler;
  Dim3 block, grid, blockDim;
  size_t current = 0;
  int live = 0, blockArrived = 0;
  unsigned blockGeneration = 0;
  std::vector<int> warpLive, warpArrived;
  std::vector<unsigned> warpGeneration;
  std::vector<unsigned char> exchange;
  long idleResumes = 0; // resumes that found their barrier still closed
  /// mbarriers, by shared-memory offset.
  struct MBarrier {
    int arrivals = 0, pending = 0;
    long long transactionBytes = 0;
    unsigned phase = 0; // completed phases
  };
  std::map<unsigned, MBarrier> mbarriers;
  void (*entry)(void **) = nullptr;
  void **args = nullptr;
};

inline Cta *cta = nullptr;

/// Dynamic shared memory: a kernel's `extern __shared__` array is this
/// buffer, and shared-memory addresses are offsets into it.
alignas(1024) inline unsigned char dynamicShared[232448];

inline Fiber &self() { return cta->fibers[cta->current]; }
inline int linearThread() { return int(self().thread.x); }
inline int lane() { return linearThread() % 32; }
inline int warp() { return linearThread() / 32; }

inline void yield() { swapcontext(&self().context, &cta->scheduler); }

/// Waits while `generation` is `seen` (the barrier not yet open).
inline void waitWhile(const unsigned &generation, unsigned seen) {
  while (generation == seen) {
    if (++cta->idleResumes > 8 * long(cta->fibers.size()) + 64) {
      std::fprintf(stderr,
                   "emulated CUDA: deadlock in CTA (%u, %u, %u): threads "
                   "wait at barriers no other thread reaches\n",
                   cta->block.x, cta->block.y, cta->block.z);
      std::abort();
    }
    yield();
  }
  cta->idleResumes = 0;
}

inline void syncthreads() {
  unsigned seen = cta->blockGeneration;
  if (++cta->blockArrived == cta->live) {
    cta->blockArrived = 0;
    ++cta->blockGeneration;
    cta->idleResumes = 0;
    return;
  }
  waitWhile(cta->blockGeneration, seen);
}

inline void syncwarp() {
  int w = warp();
  unsigned seen = cta->warpGeneration[w];
  if (++cta->warpArrived[w] == cta->warpLive[w]) {
    cta->warpArrived[w] = 0;
    ++cta->warpGeneration[w];
    cta->idleResumes = 0;
    return;
  }
  waitWhile(cta->warpGeneration[w], seen);
}

inline unsigned char *slot(int lane) {
  return &cta->exchange[(size_t(warp()) * 32 + lane) * 64];
}

/// Every lane of the warp publishes `mine`; `read` then sees all of them.
template <class T, class Read> auto warpExchange(const T &mine, Read read) {
  static_assert(sizeof(T) <= 64, "an exchange slot holds 64 bytes");
  std::memcpy(slot(lane()), &mine, sizeof(T));
  syncwarp();
  auto of = [](int l) {
    T value;
    std::memcpy(&value, slot(l), sizeof(T));
    return value;
  };
  auto result = read(of);
  syncwarp(); // nobody overwrites a slot another lane still reads
  return result;
}

inline void threadMain(unsigned, unsigned) {
  cta->entry(cta->args);
  Fiber &f = self();
  f.done = true;
  --cta->live;
  --cta->warpLive[linearThread() / 32];
  // The exited thread no longer holds back the barriers it did not reach.
  if (cta->blockArrived > 0 && cta->blockArrived == cta->live) {
    cta->blockArrived = 0;
    ++cta->blockGeneration;
  }
  int w = linearThread() / 32;
  if (cta->warpArrived[w] > 0 && cta->warpArrived[w] == cta->warpLive[w]) {
    cta->warpArrived[w] = 0;
    ++cta->warpGeneration[w];
  }
}

/// Runs `entry(args)` on a grid of `grid` CTAs of `threads` threads.
inline void run(void (*entry)(void **), void **args, const unsigned grid[3],
                unsigned threads) {
  Cta state;
  state.entry = entry;
  state.args = args;
  state.grid = {grid[0], grid[1], grid[2]};
  state.blockDim = {threads, 1, 1};
  state.fibers.resize(threads);
  for (Fiber &f : state.fibers)
    f.stack.resize(512 * 1024);
  int warps = int((threads + 31) / 32);
  state.exchange.assign(size_t(warps) * 32 * 64, 0);
  cta = &state;
  for (unsigned z = 0; z < grid[2]; ++z)
    for (unsigned y = 0; y < grid[1]; ++y)
      for (unsigned x = 0; x < grid[0]; ++x) {
        state.block = {x, y, z};
        state.live = int(threads);
        state.blockArrived = 0;
        state.mbarriers.clear();
        state.warpLive.assign(warps, 0);
        state.warpArrived.assign(warps, 0);
        state.warpGeneration.assign(warps, 0);
        for (unsigned t = 0; t < threads; ++t) {
          Fiber &f = state.fibers[t];
          f.thread = {t, 0, 0};
          f.done = false;
          ++state.warpLive[t / 32];
          getcontext(&f.context);
          f.context.uc_stack.ss_sp = f.stack.data();
          f.context.uc_stack.ss_size = f.stack.size();
          f.context.uc_link = &state.scheduler;
          makecontext(&f.context, reinterpret_cast<void (*)()>(threadMain), 2,
                      0u, 0u);
        }
        while (state.live > 0)
          for (size_t t = 0; t < threads; ++t)
            if (!state.fibers[t].done) {
              state.current = t;
              swapcontext(&state.scheduler, &state.fibers[t].context);
            }
      }
  cta = nullptr;
}

// ---- 16-bit floats ---------------------------------------------------------

inline unsigned floatBits(float x) {
  unsigned u;
  std::memcpy(&u, &x, 4);
  return u;
}

inline float bitsFloat(unsigned u) {
  float x;
  std::memcpy(&x, &u, 4);
  return x;
}

inline unsigned short toBf16(float x) {
  unsigned u = floatBits(x);
  if ((u & 0x7fffffffu) > 0x7f800000u) // NaN: keep it a quiet NaN
    return (unsigned short)((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1); // round to nearest even
  return (unsigned short)(u >> 16);
}

inline unsigned short toF16(float x) {
  _Float16 h = (_Float16)x;
  unsigned short bits;
  std::memcpy(&bits, &h, 2);
  return bits;
}

inline float fromF16(unsigned short bits) {
  _Float16 h;
  std::memcpy(&h, &bits, 2);
  return (float)h;
}

inline float fromBf16(unsigned short bits) {
  return bitsFloat(unsigned(bits) << 16);
}

// ---- Tensor-core tiles -----------------------------------------------------

/// The 16-bit element `index` (0 low, 1 high) of a 32-bit register.
inline unsigned short half(unsigned reg, int index) {
  return (unsigned short)(index ? reg >> 16 : reg & 0xffffu);
}

/// d += a * b for m16n8k16, row.col, f32 accumulators: each lane's
/// fragments as the PTX ISA lays them out (group = lane / 4, t = lane % 4):
/// a[0..3] hold A(group, 2t..), A(group + 8, 2t..), A(group, 2t + 8..),
/// A(group + 8, 2t + 8..); b[0..1] hold B(2t.., group), B(2t + 8.., group);
/// d[0..3] hold D(group, 2t), D(group, 2t + 1), D(group + 8, 2t),
/// D(group + 8, 2t + 1).
template <class ToFloat>
void mma(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2],
         ToFloat toFloat) {
  struct Fragments {
    unsigned a[4], b[2];
  } mine = {{a[0], a[1], a[2], a[3]}, {b[0], b[1]}};
  auto A = [&](auto &of, int row, int k) {
    int group = row % 8, t = (k % 8) / 2;
    int reg = (row >= 8 ? 1 : 0) + (k >= 8 ? 2 : 0);
    return toFloat(half(of(group * 4 + t).a[reg], k % 2));
  };
  auto B = [&](auto &of, int k, int n) {
    int t = (k % 8) / 2;
    return toFloat(half(of(n * 4 + t).b[k >= 8 ? 1 : 0], k % 2));
  };
  warpExchange(mine, [&](auto of) {
    int group = lane() / 4, t = lane() % 4;
    for (int i = 0; i < 4; ++i) {
      int row = group + (i >= 2 ? 8 : 0), col = 2 * t + i % 2;
      float sum = d[i];
      for (int k = 0; k < 16; ++k)
        sum += A(of, row, k) * B(of, k, col);
      d[i] = sum;
    }
    return 0;
  });
}

/// ldmatrix.m8n8 of `count` matrices: lanes 8i..8i+7 give the row addresses
/// of matrix i; lane l receives row l / 4, columns 2 (l % 4) and 2 (l % 4)
/// + 1 of each (with `transposed`, column l / 4, rows 2 (l % 4) and
/// 2 (l % 4) + 1).
template <int Count>
void ldmatrix(unsigned (&r)[Count], const void *row, bool transposed) {
  const void *mine = row;
  warpExchange(mine, [&](auto of) {
    int l = lane();
    for (int i = 0; i < Count; ++i) {
      unsigned short e[2];
      for (int j = 0; j < 2; ++j) {
        int matrixRow = transposed ? 2 * (l % 4) + j : l / 4;
        int column = transposed ? l / 4 : 2 * (l % 4) + j;
        const unsigned short *p =
            static_cast<const unsigned short *>(of(8 * i + matrixRow));
        e[j] = p[column];
      }
      r[i] = unsigned(e[0]) | (unsigned(e[1]) << 16);
    }
    return 0;
  });
}

// ---- Hopper: mbarriers, TMA, wgmma ------------------------------------------

inline unsigned char *sharedAt(unsigned offset) {
  return dynamicShared + offset;
}

/// The byte a 128-byte-swizzled access to `offset` reaches: the 16-byte
/// piece (bits 4-6) XORed with the row within the 1024-byte atom (7-9).
inline unsigned swizzled(unsigned offset) {
  return offset ^ (((offset >> 7) & 7) << 4);
}

inline void completePhase(Cta::MBarrier &bar) {
  if (bar.pending == 0 && bar.transactionBytes == 0) {
    ++bar.phase;
    bar.pending = bar.arrivals;
  }
}

inline void mbarrierInit(unsigned offset, unsigned arrivals) {
  cta->mbarriers[offset] = {int(arrivals), int(arrivals), 0, 0};
}

inline Cta::MBarrier &mbarrier(unsigned offset) {
  auto found = cta->mbarriers.find(offset);
  if (found == cta->mbarriers.end()) {
    std::fprintf(stderr,
                 "emulated CUDA: mbarrier at %u used before its "
                 "init\n",
                 offset);
    std::abort();
  }
  return found->second;
}

inline void mbarrierExpectBytes(unsigned offset, unsigned bytes) {
  Cta::MBarrier &bar = mbarrier(offset);
  bar.transactionBytes += bytes;
  --bar.pending;
  completePhase(bar);
}

/// Waits until the phase of parity `parity` has completed.
inline void mbarrierWait(unsigned offset, unsigned parity) {
  while ((mbarrier(offset).phase & 1) == parity) {
    if (++cta->idleResumes > 8 * long(cta->fibers.size()) + 64) {
      std::fprintf(stderr,
                   "emulated CUDA: deadlock in CTA (%u, %u, %u): an "
                   "mbarrier phase never completes\n",
                   cta->block.x, cta->block.y, cta->block.z);
      std::abort();
    }
    yield();
  }
}

/// The box at (column, row) of `map` to shared memory at `offset`,
/// 128-byte swizzled, zero beyond the tensor; completes its bytes on `bar`.
inline void tmaLoad2d(unsigned offset, const TensorMap *map, int column,
                      int row, unsigned bar) {
  int rowBytes = map->boxColumns * map->elementBytes;
  for (int r = 0; r < map->boxRows; ++r)
    for (int byte = 0; byte < rowBytes; ++byte) {
      long long y = row + r, x = column + byte / map->elementBytes;
      unsigned char value = 0;
      if (y >= 0 && y < map->rows && x >= 0 && x < map->columns)
        value = map->base[y * map->rowStrideBytes +
                          (long long)column * map->elementBytes + byte];
      *sharedAt(swizzled(offset + r * rowBytes + byte)) = value;
    }
  Cta::MBarrier &barrier = mbarrier(bar);
  barrier.transactionBytes -= (long long)rowBytes * map->boxRows;
  completePhase(barrier);
}

/// A wgmma shared-memory operand: element (outer, k) of a K-major matrix
/// (outer: M of A, N of B; 8-row groups SBO apart), or (k, n) of an
/// N-major one (64-column atoms LBO apart, 8-row groups of k SBO apart).
struct Descriptor {
  unsigned start, leading, stride;
  explicit Descriptor(unsigned long long d)
      : start(unsigned(d & 0x3fff) << 4),
        leading(unsigned((d >> 16) & 0x3fff) << 4),
        stride(unsigned((d >> 32) & 0x3fff) << 4) {}
  unsigned short kMajor(int outer, int k) const {
    unsigned offset = start + (outer / 8) * stride + (outer % 8) * 128 + k * 2;
    unsigned short value;
    std::memcpy(&value, sharedAt(swizzled(offset)), 2);
    return value;
  }
  unsigned short nMajor(int k, int n) const {
    unsigned offset = start + (n / 64) * leading + (k / 8) * stride +
                      (k % 8) * 128 + (n % 64) * 2;
    unsigned short value;
    std::memcpy(&value, sharedAt(swizzled(offset)), 2);
    return value;
  }
};

/// wgmma.m64nNk16 for this thread's accumulators: its warp (of four in
/// the warpgroup) owns rows 16 (warp % 4) .. + 15, laid out as
/// mma.m16n8k16's D per 8 columns: d[4j + 2h + e] is row lane / 4 + 8h,
/// column 8j + 2 (lane % 4) + e. A comes from `a` (a descriptor, K-major)
/// or, when `registers`, from the warp's A fragments (mma.m16n8k16's A
/// layout); B from `b`, K-major or (`transposedB`) N-major.
template <int N, class ToFloat>
void wgmma(float (&d)[N / 2], const unsigned *registers, unsigned long long a,
           unsigned long long b, bool transposedB, int accumulate,
           ToFloat toFloat) {
  struct Fragments {
    unsigned a[4];
  } mine = {};
  if (registers)
    for (int i = 0; i < 4; ++i)
      mine.a[i] = registers[i];
  Descriptor aDesc(a), bDesc(b);
  warpExchange(mine, [&](auto of) {
    int rowBase = 16 * (warp() % 4), l = lane();
    auto A = [&](int localRow, int k) {
      if (!registers)
        return toFloat(aDesc.kMajor(rowBase + localRow, k));
      int group = localRow % 8, t = (k % 8) / 2;
      int reg = (localRow >= 8 ? 1 : 0) + (k >= 8 ? 2 : 0);
      return toFloat(half(of(group * 4 + t).a[reg], k % 2));
    };
    auto B = [&](int k, int n) {
      return toFloat(transposedB ? bDesc.nMajor(k, n) : bDesc.kMajor(n, k));
    };
    for (int j = 0; j < N / 8; ++j)
      for (int h = 0; h < 2; ++h)
        for (int e = 0; e < 2; ++e) {
          int localRow = l / 4 + 8 * h, column = 8 * j + 2 * (l % 4) + e;
          float &out = d[4 * j + 2 * h + e];
          float sum = accumulate ? out : 0.0f;
          for (int k = 0; k < 16; ++k)
            sum += A(localRow, k) * B(k, column);
          out = sum;
        }
    return 0;
  });
}

} // namespace mlagen_emu

// ---- CUDA's vocabulary on the host
// -------------------------------------------

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
inline float __shfl_xor_sync(unsigned, float v, int laneMask) {
  return mlagen_emu::warpExchange(
      v, [&](auto of) { return of(mlagen_emu::lane() ^ laneMask); });
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

// ---- The device primitives (Primitives.cuh's), emulated
// ----------------------

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
  std::memcpy(smem, gmem, size_t(bytes));
  std::memset(static_cast<char *>(smem) + bytes, 0, size_t(16 - bytes));
}
inline void mlagen_cp_async_commit() {}
template <int Pending> inline void mlagen_cp_async_wait() {}

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

// ---- The Hopper primitives (HopperPrimitives.cuh's), emulated
// ----------------

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
inline void mlagen_wgmma_commit() {}
template <int Pending> inline void mlagen_wgmma_wait() {}

/// The unit's kernels are called through mlagen_emu_run_<kernel>.
extern "C" void mlagen_emu_launch(void (*entry)(void **), void **args,
                                  const unsigned *grid, unsigned threads) {
  mlagen_emu::run(entry, args, grid, threads);
}

#endif // MLAGEN_TEST_EMULATION_EMULATEDCUDA_H
