//===- ReadBandwidth.cpp - the machine's measured memory read rate --------===//

#include "mlagen/CpuPeaks.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

double mlagen::measureReadBandwidth() {
  constexpr size_t kBytes = size_t(256) << 20;
  std::vector<float> data(kBytes / sizeof(float), 1.0f);
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  size_t part = data.size() / cores;
  std::vector<float> sums(cores);
  double best = 0;
  for (int pass = 0; pass < 5; ++pass) {
    auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (unsigned c = 0; c < cores; ++c)
      workers.emplace_back([&, c] {
        // Eight independent sums, so that the adds do not bound the loop.
        float lanes[8] = {};
        const float *p = data.data() + c * part;
        for (size_t i = 0; i + 8 <= part; i += 8)
          for (int l = 0; l < 8; ++l)
            lanes[l] += p[i + l];
        float total = 0;
        for (float l : lanes)
          total += l;
        sums[c] = total;
      });
    for (std::thread &w : workers)
      w.join();
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    best = std::max(best, double(part * cores * sizeof(float)) / seconds);
  }
  // Keep the sums observable so the reads are not optimized away.
  volatile float sink = sums[0];
  (void)sink;
  return best * 1e-9;
}
