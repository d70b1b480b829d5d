//===- Gpu.h - the GPU at hand, if any --------------------------*- C++ -*-===//
//
// Whether this process can use a GPU: the CUDA driver is loaded at run time
// (dlopen, never linked), so a program built with mlagen starts and runs
// on the CPU where there is no driver or no GPU. Built with the CUDA
// toolkit; without it findGpu says so.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_GPU_H
#define MLAGEN_GPU_H

#include "llvm/Support/Error.h"

#include <string>

namespace mlagen {

struct GpuInfo {
  int device = 0; // the CUDA device ordinal
  std::string name;
  /// The target mlagen generates for: sm_80, sm_86, sm_89, sm_90a (the
  /// wgmma family), sm_100a, ...
  std::string arch;
  int major = 0, minor = 0, multiprocessors = 0;
  /// The most dynamic shared memory a CTA may opt into.
  int64_t sharedMemoryPerBlock = 0;
};

/// GPU `device` (a CUDA ordinal: CUDA_VISIBLE_DEVICES applies), or why
/// there is none: no CUDA driver (libcuda.so.1 missing or too old;
/// MLAGEN_CUDA_DRIVER names another file), no GPU of that ordinal, a GPU
/// older than sm_80, or a build without the CUDA toolkit.
llvm::Expected<GpuInfo> findGpu(int device = 0);

/// The target for compute capability major.minor: the arch-specific
/// ("a") target where mlagen has a family for it (9.0, 10.0, 10.3).
std::string archForCapability(int major, int minor);

} // namespace mlagen

#endif // MLAGEN_GPU_H
