//===- EngineFromBundle.cpp - the serving runtime's kernels: bundles ------===//
//
// The serving runtime (libmlagen_serve) links no code generator and no
// NVRTC: its engines load a bundle or say how to make one.
//
//===----------------------------------------------------------------------===//

#include "EngineKernels.h"

llvm::Expected<mlagen::EngineKernels>
mlagen::obtainEngineKernels(const EngineOptions &options, const GpuInfo &gpu) {
  if (options.bundle.empty())
    return llvm::createStringError(
        "engine: this is mlagen's serving runtime, which loads kernel "
        "bundles only: set EngineOptions::bundle to a directory mla-bundle "
        "wrote (or link mlagen::mlagen to compile at run time)");
  return bundleKernels(options, gpu);
}
