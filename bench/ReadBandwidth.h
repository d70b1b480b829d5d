//===- ReadBandwidth.h - the machine's measured memory read rate -*- C++
//-*-===//

#ifndef MLAGEN_BENCH_READBANDWIDTH_H
#define MLAGEN_BENCH_READBANDWIDTH_H

namespace mlagen::bench {

/// Sums a buffer far larger than the caches (256 MiB) with every core
/// reading its own part, best of a few passes, and reports GB/s: the rate
/// at which a memory-bound step can stream its weights and cache.
double measureReadBandwidth();

} // namespace mlagen::bench

#endif // MLAGEN_BENCH_READBANDWIDTH_H
