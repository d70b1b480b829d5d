//===- EmulatedThreads.h - CUDA threads as fibers on the host ---*- C++ -*-===//
//
// The execution model of emulated kernels (EmulatedCuda.h): a CTA runs as
// one cooperative fiber per thread on the calling thread, each running
// until it reaches a barrier; CTAs run one after another, in turn
// scheduling their fibers in thread order and in reverse. __syncthreads
// opens when every live thread of the CTA arrived; a warp collective
// (shuffle, ldmatrix, mma) needs all 32 lanes of the warp, and a
// warpgroup one (wgmma) all 128 threads of the warpgroup, calling the
// same operation: anything else aborts with a message, as does a barrier
// no thread can pass. Dynamic shared memory is one buffer: the kernel's
// array starts 16- but not 1024-byte aligned in it, holds 0xFF bytes (NaN
// as bf16, f16 and f32) when a CTA starts, and accesses outside the bytes
// the launch gave abort.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_TEST_EMULATION_EMULATEDTHREADS_H
#define MLAGEN_TEST_EMULATION_EMULATEDTHREADS_H

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <ucontext.h>
#include <vector>

namespace mlagen_emu {

[[noreturn]] inline void fail(const char *what);

struct Dim3 {
  unsigned x = 0, y = 0, z = 0;
};

/// A cp.async copy not yet made, and a wgmma result not yet written.
struct PendingCopy {
  unsigned char *dst;
  const unsigned char *src;
  int bytes; // of the 16; the rest are zero
};
struct PendingWgmma {
  float *d;
  int count;
};

constexpr size_t kStackBytes = 512 * 1024;

struct Fiber {
  ucontext_t context;
  std::unique_ptr<char[]> stack; // kStackBytes, uninitialized
  Dim3 thread;
  bool done = false;
  // cp.async: the open group and the committed ones, oldest first.
  std::vector<PendingCopy> openCopies;
  std::vector<std::vector<PendingCopy>> copyGroups;
  // wgmma: results by accumulator array, and the arrays of each group.
  std::map<float *, std::vector<float>> wgmmaResults;
  std::vector<PendingWgmma> openWgmma;
  std::vector<std::vector<PendingWgmma>> wgmmaGroups;
};

/// A TMA box whose bytes land when a waiter sees its mbarrier phase done.
struct PendingBox {
  unsigned phase; // the barrier phase it completes
  unsigned dst;
  std::vector<unsigned char> bytes; // in swizzled order from dst
};

struct MBarrier {
  int arrivals = 0, pending = 0;
  long long transactionBytes = 0;
  unsigned phase = 0; // completed phases
  std::vector<PendingBox> boxes;
};

/// A barrier over a group of threads (a warp, a warpgroup), with the
/// operation its arrivals must agree on.
struct GroupBarrier {
  int size = 0, live = 0, arrived = 0;
  unsigned generation = 0;
  int operation = 0;
};

struct Cta {
  std::vector<Fiber> fibers;
  ucontext_t scheduler;
  Dim3 block, grid, blockDim;
  size_t current = 0;
  int live = 0, blockArrived = 0;
  unsigned blockGeneration = 0;
  std::vector<GroupBarrier> warps, warpgroups;
  std::vector<unsigned char> exchange; // 256 bytes per thread
  long idleResumes = 0; // resumes that found their barrier still closed
  std::map<unsigned, MBarrier> mbarriers; // by shared-memory offset
  unsigned sharedBytes = 0;               // dynamic, as launched
  void (*entry)(void **) = nullptr;
  void **args = nullptr;
};

inline Cta *cta = nullptr;

/// Dynamic shared memory: addresses are offsets into this buffer, and the
/// kernel's array starts kSharedOffset bytes in.
constexpr unsigned kSharedOffset = 0x210, kSharedCapacity = 232448;
alignas(
    1024) inline unsigned char dynamicShared[kSharedOffset + kSharedCapacity];

inline unsigned char *dynamicSharedArray() {
  return dynamicShared + kSharedOffset;
}

[[noreturn]] inline void fail(const char *what) {
  if (cta)
    std::fprintf(stderr, "emulated CUDA: CTA (%u, %u, %u) thread %u: %s\n",
                 cta->block.x, cta->block.y, cta->block.z,
                 cta->fibers[cta->current].thread.x, what);
  else
    std::fprintf(stderr, "emulated CUDA: %s\n", what);
  std::abort();
}

/// The bytes [offset, offset + bytes) of dynamic shared memory, which must
/// be inside what the launch gave.
inline unsigned char *sharedAt(unsigned offset, unsigned bytes) {
  if (offset < kSharedOffset ||
      offset + bytes > kSharedOffset + cta->sharedBytes)
    fail("a shared-memory access outside the launch's dynamic shared "
         "memory");
  return dynamicShared + offset;
}

/// Checks `bytes` at `p` if they are in dynamic shared memory (static
/// __shared__ storage is elsewhere and not checked).
inline void checkShared(const void *p, unsigned bytes) {
  auto *at = static_cast<const unsigned char *>(p);
  if (at >= dynamicShared && at < dynamicShared + sizeof(dynamicShared))
    sharedAt(unsigned(at - dynamicShared), bytes);
}

inline Fiber &self() { return cta->fibers[cta->current]; }
inline int linearThread() { return int(self().thread.x); }
inline int lane() { return linearThread() % 32; }
inline int warp() { return linearThread() / 32; }

inline void yield() { swapcontext(&self().context, &cta->scheduler); }

inline void checkProgress() {
  if (++cta->idleResumes > 8 * long(cta->fibers.size()) + 64)
    fail("deadlock: threads wait at barriers no other thread reaches");
}

/// Waits while `generation` is `seen` (the barrier not yet open).
inline void waitWhile(const unsigned &generation, unsigned seen) {
  while (generation == seen) {
    checkProgress();
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

/// Arrives at `group`'s barrier for `operation` (0: a plain __syncwarp)
/// and waits for the others; a collective operation needs the whole group.
inline void groupSync(GroupBarrier &group, int operation) {
  if (operation && group.live != group.size)
    fail("a collective operation with threads of its warp or warpgroup "
         "exited");
  if (group.arrived == 0)
    group.operation = operation;
  else if (group.operation != operation)
    fail("threads of a warp or warpgroup meet at different collective "
         "operations");
  unsigned seen = group.generation;
  if (++group.arrived == group.live) {
    group.arrived = 0;
    ++group.generation;
    cta->idleResumes = 0;
    return;
  }
  waitWhile(group.generation, seen);
}

inline void syncwarp() { groupSync(cta->warps[warp()], 0); }

inline unsigned char *slot(int thread) {
  return &cta->exchange[size_t(thread) * 256];
}

/// Every thread of this thread's warp (or, `warpgroup`, its warpgroup)
/// publishes `mine` for collective `operation`; `read` then sees each
/// one's by its index in the group.
template <class T, class Read>
auto groupExchange(int operation, bool warpgroup, const T &mine, Read read) {
  static_assert(sizeof(T) <= 256, "an exchange slot holds 256 bytes");
  int size = warpgroup ? 128 : 32, first = linearThread() / size * size;
  GroupBarrier &group =
      warpgroup ? cta->warpgroups[first / 128] : cta->warps[first / 32];
  std::memcpy(slot(linearThread()), &mine, sizeof(T));
  groupSync(group, operation);
  auto of = [first](int index) {
    T value;
    std::memcpy(&value, slot(first + index), sizeof(T));
    return value;
  };
  auto result = read(of);
  groupSync(group, operation); // nobody overwrites a slot still read
  return result;
}

enum Operation { kShuffle = 1, kMma, kLdmatrix, kWgmma };

inline void threadMain() {
  cta->entry(cta->args);
  Fiber &f = self();
  f.done = true;
  --cta->live;
  // The exited thread no longer holds back the barriers it did not reach.
  if (cta->blockArrived > 0 && cta->blockArrived == cta->live) {
    cta->blockArrived = 0;
    ++cta->blockGeneration;
  }
  for (GroupBarrier *group :
       {&cta->warps[warp()], &cta->warpgroups[linearThread() / 128]}) {
    --group->live;
    if (group->arrived > 0 && group->arrived == group->live) {
      group->arrived = 0;
      ++group->generation;
    }
  }
}

/// Runs `entry(args)` on a grid of `grid` CTAs of `threads` threads with
/// `sharedBytes` of dynamic shared memory each.
inline void run(void (*entry)(void **), void **args, const unsigned grid[3],
                unsigned threads, unsigned sharedBytes) {
  if (sharedBytes > kSharedCapacity)
    fail("more dynamic shared memory than emulated");
  Cta state;
  state.entry = entry;
  state.args = args;
  state.grid = {grid[0], grid[1], grid[2]};
  state.blockDim = {threads, 1, 1};
  state.sharedBytes = sharedBytes;
  state.fibers.resize(threads);
  for (Fiber &f : state.fibers)
    f.stack.reset(new char[kStackBytes]);
  state.exchange.assign(size_t(threads) * 256, 0);
  cta = &state;
  unsigned linear = 0;
  for (unsigned z = 0; z < grid[2]; ++z)
    for (unsigned y = 0; y < grid[1]; ++y)
      for (unsigned x = 0; x < grid[0]; ++x, ++linear) {
        state.block = {x, y, z};
        state.live = int(threads);
        state.blockArrived = 0;
        state.mbarriers.clear();
        std::memset(dynamicShared, 0xff, sizeof(dynamicShared));
        state.warps.assign((threads + 31) / 32, GroupBarrier{});
        state.warpgroups.assign((threads + 127) / 128, GroupBarrier{});
        for (unsigned t = 0; t < threads; ++t) {
          for (GroupBarrier *group :
               {&state.warps[t / 32], &state.warpgroups[t / 128]}) {
            ++group->size;
            ++group->live;
          }
          Fiber &f = state.fibers[t];
          f.thread = {t, 0, 0};
          f.done = false;
          getcontext(&f.context);
          f.context.uc_stack.ss_sp = f.stack.get();
          f.context.uc_stack.ss_size = kStackBytes;
          f.context.uc_link = &state.scheduler;
          makecontext(&f.context, threadMain, 0);
        }
        // Every other CTA schedules its threads in reverse, so that no
        // kernel passes by relying on an order the hardware does not keep.
        bool reverse = linear % 2;
        while (state.live > 0)
          for (size_t i = 0; i < threads; ++i) {
            size_t t = reverse ? threads - 1 - i : i;
            if (!state.fibers[t].done) {
              state.current = t;
              swapcontext(&state.scheduler, &state.fibers[t].context);
            }
          }
      }
  cta = nullptr;
}

} // namespace mlagen_emu

#endif // MLAGEN_TEST_EMULATION_EMULATEDTHREADS_H
