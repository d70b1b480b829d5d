//===- FmaPeak.cpp - the machine's measured f32 FMA throughput ------------===//

#include "FmaPeak.h"

#include <immintrin.h>

#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

using namespace mlagen::bench;

namespace {

// Twelve independent accumulators cover a 4-cycle FMA latency on two pipes
// with room to spare.
constexpr int kChains = 12;

__attribute__((target("avx512f"))) float fmaChainsAvx512(int64_t rounds) {
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i)
    acc[i] = _mm512_set1_ps(float(i) * 1e-3f);
  __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (int64_t r = 0; r < rounds; ++r)
    for (int i = 0; i < kChains; ++i)
      acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  __m512 sum = acc[0];
  for (int i = 1; i < kChains; ++i)
    sum = _mm512_add_ps(sum, acc[i]);
  return _mm512_reduce_add_ps(sum);
}

__attribute__((target("avx2,fma"))) float fmaChainsAvx2(int64_t rounds) {
  __m256 acc[kChains];
  for (int i = 0; i < kChains; ++i)
    acc[i] = _mm256_set1_ps(float(i) * 1e-3f);
  __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (int64_t r = 0; r < rounds; ++r)
    for (int i = 0; i < kChains; ++i)
      acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  __m256 sum = acc[0];
  for (int i = 1; i < kChains; ++i)
    sum = _mm256_add_ps(sum, acc[i]);
  float lanes[8];
  _mm256_storeu_ps(lanes, sum);
  return lanes[0] + lanes[7];
}

__attribute__((target("avx512f,avx512bf16"))) float
bf16DotChains(int64_t rounds) {
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i)
    acc[i] = _mm512_set1_ps(float(i) * 1e-3f);
  __m512bh a =
      _mm512_cvtne2ps_pbh(_mm512_set1_ps(1e-7f), _mm512_set1_ps(1e-7f));
  for (int64_t r = 0; r < rounds; ++r)
    for (int i = 0; i < kChains; ++i)
      acc[i] = _mm512_dpbf16_ps(acc[i], a, a);
  __m512 sum = acc[0];
  for (int i = 1; i < kChains; ++i)
    sum = _mm512_add_ps(sum, acc[i]);
  return _mm512_reduce_add_ps(sum);
}

struct Isa {
  const char *name;
  int lanes;
  float (*run)(int64_t);
};

Isa detectIsa() {
  if (__builtin_cpu_supports("avx512f"))
    return {"avx512f", 16, fmaChainsAvx512};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return {"avx2", 8, fmaChainsAvx2};
  return {"none", 0, nullptr};
}

/// GFLOP/s of `threads` threads each running `rounds` rounds.
double run(const Isa &isa, unsigned threads, int64_t rounds) {
  // Each thread keeps its result, so the work cannot be optimized away.
  std::vector<float> results(threads);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t)
    workers.emplace_back([&, t] { results[t] = isa.run(rounds); });
  for (std::thread &worker : workers)
    worker.join();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  double flops = 2.0 * kChains * isa.lanes * double(rounds) * threads;
  volatile float sink = 0;
  for (float r : results)
    sink = sink + r;
  return flops / seconds * 1e-9;
}

} // namespace

FmaPeak mlagen::bench::measureFmaPeak(double seconds) {
  Isa isa = detectIsa();
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  if (!isa.run)
    return {isa.name, 0, 0, cores};
  // Calibrate the round count on one core, then measure.
  int64_t rounds = 1 << 20;
  double gflops = run(isa, 1, rounds);
  double perRound = 2.0 * kChains * isa.lanes / (gflops * 1e9);
  rounds = std::max<int64_t>(rounds, int64_t(seconds / perRound));
  FmaPeak peak{isa.name, run(isa, 1, rounds), run(isa, cores, rounds), cores};
  if (__builtin_cpu_supports("avx512bf16")) {
    // Two FLOPs per bf16 pair: 32 lanes of 16-bit values per instruction.
    Isa dot{"avx512bf16", 32, bf16DotChains};
    peak.bf16OneCoreGflops = run(dot, 1, rounds);
    peak.bf16AllCoresGflops = run(dot, cores, rounds);
  }
  return peak;
}
