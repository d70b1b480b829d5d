//===- GpuTargets.h - the GPUs the tuner's model knows ----------*- C++ -*-===//
//
// What the autotuner's model (CostModel.h) needs of a GPU it ranks variants
// for without running them: SMs, per-SM limits that bound occupancy, HBM
// bandwidth and dense 16-bit tensor-core peak. Figures are the vendors'
// published specifications for the board named.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_RUNTIME_TUNE_GPUTARGETS_H
#define MLAGEN_RUNTIME_TUNE_GPUTARGETS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

namespace mlagen {

struct GpuTarget {
  llvm::StringRef arch, name;
  int64_t sms = 0;
  int64_t registersPerSm = 65536, threadsPerSm = 2048, ctasPerSm = 32;
  int64_t sharedBytesPerSm = 0; // usable by CTAs, all together
  double hbmBytesPerSecond = 0;
  double tensorFlopsPerSecond = 0; // dense bf16 / f16, f32 accumulation
};

/// The known targets, one per architecture the code generator prints for.
llvm::ArrayRef<GpuTarget> knownGpuTargets();

/// The target the model uses for `arch`, or null.
const GpuTarget *gpuTargetFor(llvm::StringRef arch);

} // namespace mlagen

#endif // MLAGEN_RUNTIME_TUNE_GPUTARGETS_H
