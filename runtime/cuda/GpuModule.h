//===- GpuModule.h - device memory, cubins and launches ---------*- C++ -*-===//
//
// The driver-level pieces the GPU runners share: a GPU's primary context
// (made current around each call), device memory that frees itself, a
// loaded cubin whose kernels are launched from their launch description
// (parameters bound once to value slots, grid from the int parameters,
// dynamic shared memory opted into once), and TMA descriptors encoded from
// a description.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_RUNTIME_CUDA_GPUMODULE_H
#define MLAGEN_RUNTIME_CUDA_GPUMODULE_H

#include "BoundLaunch.h"
#include "CudaDriver.h"
#include "mlagen/Gpu.h"
#include "mlagen/LaunchDescription.h"

#include "llvm/ADT/ArrayRef.h"

#include <memory>

namespace mlagen {

/// The primary context of GPU `device` (a CUDA ordinal; retained once per
/// process) current on this thread for the guard's life; the caller's own
/// context is current again after (cuCtxPushCurrent / cuCtxPopCurrent).
/// Every driver call mlagen makes runs inside one, so callers on any
/// thread, with any context of their own, get the same behaviour; it is
/// the context the CUDA runtime uses for that device, so the runtime's
/// streams and memory work with mlagen's.
class GpuContextScope {
public:
  static llvm::Expected<GpuContextScope> enter(int device);
  GpuContextScope(GpuContextScope &&other)
      : cu(other.cu), pushed(other.pushed) {
    other.pushed = false;
  }
  GpuContextScope &operator=(GpuContextScope &&) = delete;
  ~GpuContextScope();
  const CudaDriver &driver() const { return *cu; }

private:
  GpuContextScope(const CudaDriver &cu) : cu(&cu), pushed(true) {}
  const CudaDriver *cu;
  bool pushed;
};

/// Device memory on one GPU, freed with its owner.
class DeviceMemory {
public:
  static llvm::Expected<DeviceMemory> allocate(size_t bytes, int device);
  DeviceMemory() = default;
  DeviceMemory(DeviceMemory &&other) { *this = std::move(other); }
  DeviceMemory &operator=(DeviceMemory &&other);
  ~DeviceMemory();

  llvm::Error upload(const void *data, size_t bytes) {
    return uploadAt(0, data, bytes);
  }
  /// Copies `bytes` from the host to `offset` bytes in.
  llvm::Error uploadAt(size_t offset, const void *data, size_t bytes);
  llvm::Error download(void *data, size_t bytes) const;
  CUdeviceptr address() const { return pointer; }
  size_t size() const { return bytes; }

private:
  const CudaDriver *cu = nullptr;
  CUdeviceptr pointer = 0;
  size_t bytes = 0;
  int device = 0;
};

class GpuModule {
public:
  /// Loads `cubin` on `gpu` and finds each kernel of `kernels`; opts each
  /// into its dynamic shared memory, failing when the GPU offers less.
  static llvm::Expected<std::unique_ptr<GpuModule>>
  load(llvm::ArrayRef<char> cubin, std::vector<KernelLaunch> kernels,
       const GpuInfo &gpu);
  ~GpuModule();

  /// Launches `bound`'s kernel on `stream` with `slots`' values, checked
  /// first (an error names the bad one): no lookup, no host allocation, no
  /// synchronisation (CUDA graph capture takes it).
  llvm::Error launch(const BoundLaunch &bound, llvm::ArrayRef<uint64_t> slots,
                     CUstream stream) const;

private:
  const CudaDriver *cu = nullptr;
  int device = 0;
  CUmodule module = nullptr;
  std::vector<KernelLaunch> launches;
  std::vector<CUfunction> functions;
};

/// The TMA descriptor `description` asks for, over `rows` rows at `base`
/// (memory of GPU `device`).
llvm::Expected<CUtensorMap>
encodeTensorMap(const TensorMapDescription &description, CUdeviceptr base,
                int64_t rows, int device);

} // namespace mlagen

#endif // MLAGEN_RUNTIME_CUDA_GPUMODULE_H
