//===- CostModel.cpp - a kernel variant's time, predicted -----------------===//

#include "runtime/tune/CostModel.h"

#include <algorithm>
#include <limits>

using namespace mlagen;

Occupancy mlagen::occupancyOf(const GpuTarget &target, int64_t threads,
                              int64_t registers, int64_t sharedBytes) {
  // Registers are allocated per warp in units of 256 (8 per thread).
  int64_t warps = (threads + 31) / 32;
  int64_t perWarp = (std::max<int64_t>(registers, 1) * 32 + 255) / 256 * 256;
  struct Limit {
    int64_t ctas;
    const char *name;
  } limits[] = {
      {target.registersPerSm / std::max<int64_t>(perWarp * warps, 1),
       "registers"},
      {sharedBytes ? target.sharedBytesPerSm / sharedBytes : target.ctasPerSm,
       "shared memory"},
      {target.threadsPerSm / std::max<int64_t>(threads, 1), "threads"},
      {target.ctasPerSm, "CTAs"},
  };
  const Limit *least = std::min_element(
      std::begin(limits), std::end(limits),
      [](const Limit &a, const Limit &b) { return a.ctas < b.ctas; });
  return {std::max<int64_t>(least->ctas, 0), least->name};
}

Prediction mlagen::predict(const GpuTarget &target, const KernelWork &work,
                           int64_t ctas, const Occupancy &occupancy) {
  Prediction p;
  if (occupancy.ctasPerSm <= 0 || ctas <= 0) {
    p.seconds = std::numeric_limits<double>::infinity();
    return p;
  }
  int64_t slots = target.sms * occupancy.ctasPerSm;
  p.waves = (ctas + slots - 1) / slots;
  p.busy = double(ctas) / double(p.waves * slots);
  double memory = work.bytes / target.hbmBytesPerSecond;
  double compute = work.flops / target.tensorFlopsPerSecond;
  p.memoryBound = memory >= compute;
  // A grid smaller than one wave still streams at the bandwidth its SMs
  // can draw; the model charges the idle slots as lost time.
  p.seconds = std::max(memory, compute) / p.busy;
  return p;
}
