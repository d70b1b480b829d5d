//===- CudaDriver.h - the CUDA driver API, loaded at run time ---*- C++ -*-===//
//
// mlagen never links the CUDA driver: it is opened with dlopen the first
// time a GPU is asked for, so that programs built with the CUDA toolkit
// still start, and run on the CPU, where no driver or no GPU exists. The
// entry points mlagen uses are resolved by their ABI names (cuMemAlloc_v2,
// ...), the names cuda.h maps the API to. MLAGEN_CUDA_DRIVER names another
// library file (tests point it at one that does not exist).
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_RUNTIME_CUDA_CUDADRIVER_H
#define MLAGEN_RUNTIME_CUDA_CUDADRIVER_H

#include "llvm/Support/Error.h"

#include <cuda.h>

namespace mlagen {

struct CudaDriver {
#define MLAGEN_DRIVER_ENTRY(name) decltype(&::name) name = nullptr;
#include "CudaDriverEntries.def"

  /// The driver, loaded and initialized (cuInit) once per process; fails
  /// with why when the library is missing, lacks an entry point, or finds
  /// no GPU.
  static llvm::Expected<const CudaDriver &> get();

  /// `result` as an error naming `what` and the driver's name and text for
  /// it, or success.
  llvm::Error check(CUresult result, llvm::StringRef what) const;
};

} // namespace mlagen

#endif // MLAGEN_RUNTIME_CUDA_CUDADRIVER_H
