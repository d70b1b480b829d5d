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
  /// The driver's peak SM and memory clocks (kHz) and memory bus width.
  int64_t clockKhz = 0, memoryClockKhz = 0, memoryBusBits = 0;
  /// The CUDA version the driver implements, as "13.0".
  std::string driverVersion;
};

/// The GPU's roofline, from what the driver reports: peak DRAM bandwidth
/// (bytes/s, 2 transfers per memory clock x the bus width) and peak dense
/// bf16/f16 tensor-core FLOP/s (SMs x peak clock x the FLOPs an SM of that
/// compute capability does per clock: 2048 on 8.0, 1024 on 8.6 and 8.9,
/// 4096 on 9.0, 8192 on 10.x; 0 where mlagen does not know it). These are
/// datasheet-style peaks; sustained figures are lower.
struct GpuRoofline {
  double bytesPerSecond = 0, flopsPerSecond = 0;
};
GpuRoofline rooflineOf(const GpuInfo &gpu);

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
