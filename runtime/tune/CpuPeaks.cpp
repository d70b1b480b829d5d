//===- CpuPeaks.cpp - the machine's measured compute throughput -----------===//

#include "mlagen/CpuPeaks.h"
#include "mlagen/CpuVariant.h"

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

using namespace mlagen;

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

// AMX: four accumulator tiles (tmm0-3) take turns, so that a product never
// waits for the one before it; tmm4 and tmm5 are the constant operands.
constexpr int kTileChains = 4;

/// The tile configuration: palette 1, every tile 16 rows of 64 bytes.
struct alignas(64) TileConfig {
  uint8_t palette = 1, startRow = 0, reserved[14] = {};
  uint16_t bytesPerRow[16] = {};
  uint8_t rows[16] = {};
  TileConfig() {
    for (int t = 0; t < 8; ++t) {
      bytesPerRow[t] = 64;
      rows[t] = 16;
    }
  }
};

__attribute__((target("amx-tile,amx-bf16"))) float
amxTileChains(int64_t rounds) {
  TileConfig config;
  alignas(64) uint16_t operand[16 * 32];
  std::fill(std::begin(operand), std::end(operand), uint16_t(0x3380)); // 6e-8
  alignas(64) float result[16 * 16];
  _tile_loadconfig(&config);
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  _tile_loadd(4, operand, 64);
  _tile_loadd(5, operand, 64);
  for (int64_t r = 0; r < rounds; ++r) {
    _tile_dpbf16ps(0, 4, 5);
    _tile_dpbf16ps(1, 4, 5);
    _tile_dpbf16ps(2, 4, 5);
    _tile_dpbf16ps(3, 4, 5);
  }
  _tile_stored(0, result, 64);
  _tile_release();
  return result[0];
}

/// A kernel that runs `rounds` rounds of independent chains, and the
/// FLOPs of a round.
struct Isa {
  const char *name;
  double flopsPerRound;
  float (*run)(int64_t);
};

Isa detectIsa() {
  if (__builtin_cpu_supports("avx512f"))
    return {"avx512f", 2.0 * kChains * 16, fmaChainsAvx512};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return {"avx2", 2.0 * kChains * 8, fmaChainsAvx2};
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
  double flops = isa.flopsPerRound * double(rounds) * threads;
  volatile float sink = 0;
  for (float r : results)
    sink = sink + r;
  return flops / seconds * 1e-9;
}

} // namespace

ComputePeaks mlagen::measureComputePeaks(double seconds) {
  Isa isa = detectIsa();
  ComputePeaks peak;
  peak.isa = isa.name;
  peak.cores = std::max(1u, std::thread::hardware_concurrency());
  if (!isa.run)
    return peak;
  // Each kernel's round count is calibrated on one core (doubled until a
  // run takes 10 ms), then measured.
  auto measure = [&](const Isa &kernel, double &oneCore, double &allCores) {
    int64_t rounds = 1 << 10;
    double rate = run(kernel, 1, rounds);
    while (kernel.flopsPerRound * double(rounds) / (rate * 1e9) < 0.01)
      rate = run(kernel, 1, rounds *= 2);
    double perRound = kernel.flopsPerRound / (rate * 1e9);
    rounds = std::max<int64_t>(rounds, int64_t(seconds / perRound));
    oneCore = run(kernel, 1, rounds);
    allCores = run(kernel, peak.cores, rounds);
  };
  measure(isa, peak.fmaOneCoreGflops, peak.fmaAllCoresGflops);
  // Two FLOPs per bf16 pair, 32 pairs per instruction.
  if (__builtin_cpu_supports("avx512bf16"))
    measure({"avx512bf16", 2.0 * kChains * 32, bf16DotChains},
            peak.bf16DotOneCoreGflops, peak.bf16DotAllCoresGflops);
  if (hostHasAmxTiles())
    measure({"amx-bf16", 2.0 * 16 * 16 * 32 * kTileChains, amxTileChains},
            peak.amxOneCoreGflops, peak.amxAllCoresGflops);
  return peak;
}

double ComputePeaks::allCoresGflops(StorageType storage) const {
  if (storage != StorageType::BF16)
    return fmaAllCoresGflops;
  return std::max(
      {fmaAllCoresGflops, bf16DotAllCoresGflops, amxAllCoresGflops});
}
