//===- FmaPeak.h - the machine's measured f32 FMA throughput ----*- C++ -*-===//

#ifndef MLAGEN_BENCH_FMAPEAK_H
#define MLAGEN_BENCH_FMAPEAK_H

#include <string>

namespace mlagen::bench {

struct FmaPeak {
  std::string isa; // the widest vector FMA the CPU runs: avx512f, avx2, none
  double oneCoreGflops, allCoresGflops;
  unsigned cores;
  // AVX512-BF16's dot product (vdpbf16ps: 32 bf16 products summed in pairs
  // into 16 f32 lanes, 64 FLOPs); 0 where the CPU has none.
  double bf16OneCoreGflops = 0, bf16AllCoresGflops = 0;
};

/// Runs independent chains of vector FMAs (enough of them to hide the FMA
/// latency) on one core and then on every core at once, for about
/// `seconds` each, and reports f32 GFLOP/s (an FMA counts as 2 FLOPs); the
/// same for the bf16 dot product where the CPU has it.
FmaPeak measureFmaPeak(double seconds);

} // namespace mlagen::bench

#endif // MLAGEN_BENCH_FMAPEAK_H
