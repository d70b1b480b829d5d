//===- GpuTargets.cpp - the GPUs the tuner's model knows ------------------===//

#include "runtime/tune/GpuTargets.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlagen;

llvm::ArrayRef<GpuTarget> mlagen::knownGpuTargets() {
  // A100 SXM4 80GB, H100 SXM5 80GB and B200: SMs, shared memory per SM
  // (164 KB, 228 KB, 228 KB, of which 1 KB per CTA is reserved), HBM
  // bandwidth and dense BF16 tensor throughput as NVIDIA publishes them.
  static const GpuTarget targets[] = {
      {"sm_80", "NVIDIA A100 SXM4 80GB", 108, 65536, 2048, 32, 167936, 2039e9,
       312e12},
      {"sm_90a", "NVIDIA H100 SXM5 80GB", 132, 65536, 2048, 32, 233472, 3352e9,
       989e12},
      {"sm_100a", "NVIDIA B200", 148, 65536, 2048, 32, 233472, 8000e9, 2250e12},
  };
  return targets;
}

const GpuTarget *mlagen::gpuTargetFor(llvm::StringRef arch) {
  const GpuTarget *found = llvm::find_if(
      knownGpuTargets(), [&](const GpuTarget &t) { return t.arch == arch; });
  return found == knownGpuTargets().end() ? nullptr : found;
}
