//===- EmulatedAsync.h - cp.async, mbarriers and TMA, emulated --*- C++ -*-===//
//
// The asynchronous copies of emulated kernels (EmulatedCuda.h), late on
// purpose: a cp.async fills its 16 destination bytes with 0xFF (NaN) when
// issued and copies at the cp.async.wait_group that retires its group; a
// TMA tile load fills its box with 0xFF and lands when a thread waiting on
// its mbarrier sees the phase complete. A kernel that reads before it
// waits therefore reads NaN. Alignment the hardware requires (16 bytes for
// cp.async, 128 for a TMA box, 8 for an mbarrier) and the dynamic shared
// memory bounds are checked; an mbarrier used before its init, or a phase
// that never completes, aborts.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_TEST_EMULATION_EMULATEDASYNC_H
#define MLAGEN_TEST_EMULATION_EMULATEDASYNC_H

#include "EmulatedTensorMap.h"
#include "EmulatedThreads.h"

#include <cstdint>

namespace mlagen_emu {

inline void checkAligned(const void *p, uintptr_t alignment, const char *what) {
  if (reinterpret_cast<uintptr_t>(p) % alignment)
    fail(what);
}

// ---- cp.async --------------------------------------------------------------

inline void cpAsync16(void *smem, const void *gmem, int bytes) {
  checkAligned(smem, 16, "cp.async to shared memory not 16-byte aligned");
  checkAligned(gmem, 16, "cp.async from global memory not 16-byte aligned");
  checkShared(smem, 16);
  std::memset(smem, 0xff, 16);
  self().openCopies.push_back({static_cast<unsigned char *>(smem),
                               static_cast<const unsigned char *>(gmem),
                               bytes});
}

inline void cpAsyncCommit() {
  Fiber &f = self();
  f.copyGroups.push_back(std::move(f.openCopies));
  f.openCopies.clear();
}

/// Makes the copies of all committed groups but the newest `pending`.
inline void cpAsyncWait(int pending) {
  Fiber &f = self();
  while (int(f.copyGroups.size()) > pending) {
    for (const PendingCopy &c : f.copyGroups.front()) {
      std::memcpy(c.dst, c.src, size_t(c.bytes));
      std::memset(c.dst + c.bytes, 0, size_t(16 - c.bytes));
    }
    f.copyGroups.erase(f.copyGroups.begin());
  }
}

// ---- mbarriers
// ---------------------------------------------------------------

inline MBarrier &mbarrier(unsigned offset) {
  auto found = cta->mbarriers.find(offset);
  if (found == cta->mbarriers.end())
    fail("an mbarrier used before its init");
  return found->second;
}

inline void mbarrierInit(unsigned offset, unsigned arrivals) {
  if (offset % 8)
    fail("an mbarrier not 8-byte aligned");
  sharedAt(offset, 8);
  cta->mbarriers[offset] = MBarrier{int(arrivals), int(arrivals), 0, 0, {}};
}

inline void completePhase(MBarrier &bar) {
  if (bar.pending == 0 && bar.transactionBytes == 0) {
    ++bar.phase;
    bar.pending = bar.arrivals;
  }
}

inline void mbarrierExpectBytes(unsigned offset, unsigned bytes) {
  MBarrier &bar = mbarrier(offset);
  bar.transactionBytes += bytes;
  --bar.pending;
  completePhase(bar);
}

/// Waits until the phase of parity `parity` has completed, then lands the
/// boxes of the phases completed so far.
inline void mbarrierWait(unsigned offset, unsigned parity) {
  while ((mbarrier(offset).phase & 1) == parity) {
    checkProgress();
    yield();
  }
  cta->idleResumes = 0;
  MBarrier &bar = mbarrier(offset);
  std::vector<PendingBox> later;
  for (PendingBox &box : bar.boxes) {
    if (box.phase >= bar.phase) {
      later.push_back(std::move(box));
      continue;
    }
    for (size_t i = 0; i < box.bytes.size(); ++i)
      dynamicShared[box.dst + i] = box.bytes[i];
  }
  bar.boxes = std::move(later);
}

// ---- TMA -------------------------------------------------------------------

/// The byte a 128-byte-swizzled access to `offset` reaches: the 16-byte
/// piece (bits 4-6) XORed with the row within the 1024-byte atom (7-9).
inline unsigned swizzled(unsigned offset) {
  return offset ^ (((offset >> 7) & 7) << 4);
}

/// The box at (column, row) of `map` for shared memory at `dst`, 128-byte
/// swizzled, zero beyond the tensor; its bytes complete on `bar`.
inline void tmaLoad2d(unsigned dst, const TensorMap *map, int column, int row,
                      unsigned bar) {
  int rowBytes = map->boxColumns * map->elementBytes;
  if (rowBytes > 128 || map->boxRows > 256 || map->rowStrideBytes % 16 ||
      reinterpret_cast<uintptr_t>(map->base) % 16)
    fail("a TMA descriptor the hardware would reject");
  if (dst % 1024)
    fail("a 128-byte-swizzled TMA box not 1024-byte aligned");
  unsigned boxBytes = unsigned(rowBytes * map->boxRows);
  sharedAt(dst, boxBytes);
  PendingBox box{0, dst, std::vector<unsigned char>(boxBytes)};
  for (int r = 0; r < map->boxRows; ++r)
    for (int byte = 0; byte < rowBytes; ++byte) {
      long long y = row + r, x = column + byte / map->elementBytes;
      unsigned char value = 0;
      if (y >= 0 && y < map->rows && x >= 0 && x < map->columns)
        value = map->base[y * map->rowStrideBytes +
                          (long long)column * map->elementBytes + byte];
      unsigned at = swizzled(dst + r * rowBytes + byte) - dst;
      box.bytes[at] = value;
    }
  std::memset(dynamicShared + dst, 0xff, boxBytes);
  MBarrier &barrier = mbarrier(bar);
  box.phase = barrier.phase;
  barrier.boxes.push_back(std::move(box));
  barrier.transactionBytes -= boxBytes;
  completePhase(barrier);
}

} // namespace mlagen_emu

#endif // MLAGEN_TEST_EMULATION_EMULATEDASYNC_H
