//===- DecodeSchedule.h - the balanced schedule on the host -----*- C++ -*-===//
//
// The schedule of passes/cuda/device/Schedule.cuh evaluated on the host for
// a batch's lengths: the (sequence, part) segments with their keys and
// partial-result slots, the work each part gets, and the same for the
// fixed split it replaces (every sequence cut into N pieces, the CTAs
// handed in order to whichever multiprocessor frees up first). For tests,
// the workspace size and the benchmark's balance figures.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_PASSES_CUDA_DECODESCHEDULE_H
#define MLAGEN_PASSES_CUDA_DECODESCHEDULE_H

#include "passes/cuda/KernelShapes.h"

#include "llvm/ADT/ArrayRef.h"

#include <vector>

namespace mlir::mla {

struct ScheduleSegment {
  int sequence, part, slot;
  mlagen_key_range keys;
};

/// Every (sequence, part) pair the schedule makes meet, in batch order.
std::vector<ScheduleSegment> scheduleSegments(llvm::ArrayRef<int> lengths,
                                              const mlagen_schedule &s);

/// Work per multiprocessor, in units: each piece costs its tiles plus the
/// schedule's overhead.
struct ScheduleLoad {
  std::vector<long long> perPart;
  long long max = 0;
  double mean = 0;
  /// The most loaded over the mean (1 when there is no work).
  double balance() const { return mean > 0 ? max / mean : 1.0; }
};

/// The balanced schedule: part p runs on multiprocessor p.
ScheduleLoad balancedLoad(llvm::ArrayRef<int> lengths,
                          const mlagen_schedule &s);

/// The fixed split: every sequence cut into `splits` pieces
/// (mlagen_split_range), batch-major, each piece a CTA given to the least
/// loaded of `s.parts` multiprocessors in turn.
ScheduleLoad evenSplitLoad(llvm::ArrayRef<int> lengths, int splits,
                           const mlagen_schedule &s);

/// Partial-result slots a batch of `batch` sequences needs over `parts`
/// parts.
inline int schedulePartialSlots(int batch, int parts) {
  return batch + parts - 1;
}

} // namespace mlir::mla

#endif // MLAGEN_PASSES_CUDA_DECODESCHEDULE_H
