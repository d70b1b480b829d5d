//===- FmaPeak.h - the machine's measured f32 FMA throughput ----*- C++ -*-===//

#ifndef MLAGEN_BENCH_FMAPEAK_H
#define MLAGEN_BENCH_FMAPEAK_H

#include <string>

namespace mlagen::bench {

struct FmaPeak {
  std::string isa; // the widest vector FMA the CPU runs: avx512f, avx2, none
  double oneCoreGflops, allCoresGflops;
  unsigned cores;
};

/// Runs independent chains of vector FMAs (enough of them to hide the FMA
/// latency) on one core and then on every core at once, for about
/// `seconds` each, and reports f32 GFLOP/s (an FMA counts as 2 FLOPs).
FmaPeak measureFmaPeak(double seconds);

} // namespace mlagen::bench

#endif // MLAGEN_BENCH_FMAPEAK_H
