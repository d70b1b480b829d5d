//===- CpuPeaks.h - this machine's measured compute and memory peaks -*- C++
//-*-===//
//
// What the CPU can do at best, measured rather than looked up: the widest
// vector FMA's throughput (f32), AVX512-BF16's dot product, AMX-BF16's tile
// product, and the memory read bandwidth, on one core and on all of them.
// The benchmarks and mla-tune's roofline compare kernels with these.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_CPUPEAKS_H
#define MLAGEN_CPUPEAKS_H

#include "mlagen/StorageType.h"

#include <string>

namespace mlagen {

struct ComputePeaks {
  std::string isa; // the widest vector FMA the CPU runs: avx512f, avx2, none
  unsigned cores = 1;
  double fmaOneCoreGflops = 0, fmaAllCoresGflops = 0;
  // vdpbf16ps: 32 bf16 products summed in pairs into 16 f32 lanes (64
  // FLOPs); 0 where the CPU has no AVX512-BF16.
  double bf16DotOneCoreGflops = 0, bf16DotAllCoresGflops = 0;
  // tdpbf16ps: a [16 x 32] x [32 x 16] bf16 tile product into f32 (16384
  // FLOPs); 0 where the CPU has no AMX-BF16 or the OS refuses its state.
  double amxOneCoreGflops = 0, amxAllCoresGflops = 0;

  /// The all-core peak a kernel on `storage` can reach: the FMA peak for
  /// f32, the fastest of the FMA, bf16 dot and AMX peaks for bf16 (and f16,
  /// which the CPU back end widens to f32: the FMA peak).
  double allCoresGflops(StorageType storage) const;
};

/// Measures the compute peaks, each for about `seconds`.
ComputePeaks measureComputePeaks(double seconds);

/// GB/s of reading 256 MiB on all cores (the best of five passes).
double measureReadBandwidth();

} // namespace mlagen

#endif // MLAGEN_CPUPEAKS_H
