//===- CostModel.h - a kernel variant's time, predicted ---------*- C++ -*-===//
//
// The autotuner's model of a target (GpuTargets.h), used to rank compiled
// variants before any is timed, and to time none where there is no GPU:
//   - occupancy: CTAs per SM, the least of what registers (registers x
//     threads, allocated per warp in units of 256), shared memory, threads
//     and the CTA limit allow;
//   - waves: the grid's CTAs over SMs x CTAs per SM, rounded up; the last
//     wave's idle slots are lost;
//   - time: the larger of bytes / HBM bandwidth and flops / tensor peak,
//     divided by the fraction of slots the waves keep busy.
// A ranking, not a measurement: it ignores L2 reuse, latency and the
// instruction mix.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_RUNTIME_TUNE_COSTMODEL_H
#define MLAGEN_RUNTIME_TUNE_COSTMODEL_H

#include "runtime/tune/GpuTargets.h"

#include <string>

namespace mlagen {

/// What a kernel moves and computes, over its whole grid.
struct KernelWork {
  double bytes = 0, flops = 0;
};

struct Occupancy {
  int64_t ctasPerSm = 0;
  std::string limitedBy; // "registers", "shared memory", "threads", "CTAs"
};

/// CTAs of `threads` threads, `registers` per thread and `sharedBytes` of
/// shared memory (static + dynamic) one SM of `target` holds at once.
Occupancy occupancyOf(const GpuTarget &target, int64_t threads,
                      int64_t registers, int64_t sharedBytes);

struct Prediction {
  double seconds = 0;
  double busy = 0; // fraction of the waves' CTA slots in use
  int64_t waves = 0;
  bool memoryBound = true;
};

/// The model's time for `ctas` CTAs doing `work` at `occupancy`; infinite
/// when no CTA fits an SM.
Prediction predict(const GpuTarget &target, const KernelWork &work,
                   int64_t ctas, const Occupancy &occupancy);

} // namespace mlagen

#endif // MLAGEN_RUNTIME_TUNE_COSTMODEL_H
