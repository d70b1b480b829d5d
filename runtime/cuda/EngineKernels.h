//===- EngineKernels.h - where an Engine's kernels come from ----*- C++ -*-===//
//
// Engine::create asks for its kernels here. Two definitions, one per
// library: the JIT runtime's (EngineJit.cpp: the bundle when
// EngineOptions::bundle names one, else generated and compiled by NVRTC
// now) and the serving runtime's (EngineFromBundle.cpp: bundles only, no
// compiler linked).
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_RUNTIME_CUDA_ENGINEKERNELS_H
#define MLAGEN_RUNTIME_CUDA_ENGINEKERNELS_H

#include "mlagen/Engine.h"
#include "mlagen/LaunchDescription.h"

namespace mlagen {

struct EngineKernels {
  std::string source; // the CUDA unit, its launch description at the end
  std::vector<KernelLaunch> kernels;
  std::vector<char> cubin; // for `gpu`'s architecture
  std::string choice;      // how their variant was chosen (Engine.h)
};

llvm::Expected<EngineKernels> obtainEngineKernels(const EngineOptions &options,
                                                  const GpuInfo &gpu);

/// The kernels of bundle `options.bundle` for `gpu` (both definitions).
llvm::Expected<EngineKernels> bundleKernels(const EngineOptions &options,
                                            const GpuInfo &gpu);

} // namespace mlagen

#endif // MLAGEN_RUNTIME_CUDA_ENGINEKERNELS_H
