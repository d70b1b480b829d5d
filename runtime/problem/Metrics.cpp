//===- Metrics.cpp - how results and speed are judged and reported --------===//

#include "mlagen/Metrics.h"
#include "mlagen/MemoryEstimate.h"
#include "llvm/Support/Format.h"

#include <cmath>

using namespace mlagen;

ErrorStats mlagen::compare(llvm::ArrayRef<float> actual,
                           llvm::ArrayRef<double> expected, NanPolicy policy) {
  ErrorStats stats;
  if (actual.size() != expected.size()) {
    stats.nans = std::max(actual.size(), expected.size()); // nothing matches
    stats.firstBad = std::min(actual.size(), expected.size());
    stats.cosine = 0;
    return stats;
  }
  auto bad = [&](size_t i, double a, double e) {
    if (stats.firstBad < 0) {
      stats.firstBad = i;
      stats.firstBadActual = a;
      stats.firstBadExpected = e;
    }
  };
  double dot = 0, actualNorm = 0, expectedNorm = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    double a = actual[i], e = expected[i];
    if (std::isnan(a) || std::isnan(e)) {
      bool unwritten =
          policy == NanPolicy::UnwrittenRows && std::isnan(a) && std::isnan(e);
      if (!unwritten) {
        ++stats.nans;
        bad(i, a, e);
      }
      continue;
    }
    if (std::isinf(e) || std::isinf(a)) {
      if (a != e) {
        ++stats.mismatchedInfinities;
        bad(i, a, e);
      }
      continue;
    }
    double error = std::abs(a - e);
    stats.maxAbs = std::max(stats.maxAbs, error);
    stats.maxExpected = std::max(stats.maxExpected, std::abs(e));
    if (std::abs(e) > 1e-6)
      stats.maxRel = std::max(stats.maxRel, error / std::abs(e));
    dot += a * e;
    actualNorm += a * a;
    expectedNorm += e * e;
  }
  if (actualNorm > 0 && expectedNorm > 0)
    stats.cosine = dot / std::sqrt(actualNorm * expectedNorm);
  else if (actualNorm != expectedNorm)
    stats.cosine = 0; // one is all zeros, the other is not
  return stats;
}

// Attention: the output is one f32-accumulated softmax average rounded once
// to storage (half an ulp: 2^-9 bf16, 2^-12 f16), with margin for the f32
// accumulation over thousands of keys. Layer: about eight roundings to
// storage compound along the projections.
Tolerance mlagen::attentionTolerance(StorageType storage) {
  switch (storage) {
  case StorageType::BF16:
    return {1e-2, 0.9999};
  case StorageType::F16:
    return {2e-3, 0.99999};
  case StorageType::F32:
    return {1e-4, 0.999999};
  }
  return {0, 1};
}

Tolerance mlagen::layerTolerance(StorageType storage) {
  switch (storage) {
  case StorageType::BF16:
    return {3e-2, 0.999};
  case StorageType::F16:
    return {5e-3, 0.9999};
  case StorageType::F32:
    return {1e-4, 0.999999};
  }
  return {0, 1};
}

bool mlagen::withinTolerance(const ErrorStats &stats, Tolerance tolerance) {
  return stats.nans == 0 && stats.mismatchedInfinities == 0 &&
         stats.maxAbs <= tolerance.relativeToMax * stats.maxExpected &&
         stats.cosine >= tolerance.minCosine;
}

AttentionWork mlagen::attentionWork(const LayerConfig &c, int64_t batch,
                                    int64_t queryTokens, int64_t keysTotal,
                                    StorageType storage) {
  double qk = c.kvLoraRank + c.qkRopeHeadDim, v = c.kvLoraRank;
  double rows = double(batch) * queryTokens * c.heads;
  double flops = 2.0 * queryTokens * double(keysTotal) * c.heads * (qk + v);
  double bytes =
      (double(keysTotal) * qk + rows * qk + rows * v) * double(sizeOf(storage));
  return {flops, bytes};
}

AttentionWork mlagen::layerWork(const LayerConfig &c, int64_t batch,
                                int64_t queryTokens, int64_t keysTotal,
                                StorageType storage) {
  AttentionWork work = attentionWork(c, batch, queryTokens, keysTotal, storage);
  double h = c.heads, dn = c.qkNopeHeadDim, dr = c.qkRopeHeadDim;
  double dc = c.kvLoraRank, dv = c.vHeadDim, dm = c.dModel;
  double weights = h * (dn + dr) * c.queryInputDim() // W_UQ
                   + (dc + dr) * dm                  // W_DKV
                   + h * dn * dc + h * dv * dc       // W_UK, W_UV
                   + dm * h * dv;                    // W_O
  if (c.hasQueryCompression())
    weights += double(c.qLoraRank) * dm; // W_DQ
  work.flops += 2.0 * weights * double(batch) * queryTokens;
  work.bytes += weights * double(sizeOf(storage));
  return work;
}

void mlagen::printCacheReport(llvm::raw_ostream &os, const LayerConfig &c,
                              StorageType storage, int64_t layers,
                              int64_t context, int64_t batch, int64_t groups) {
  // K and V heads of d_h = qk_nope_head_dim for GQA and MQA, as
  // docs/counting.md section 2 compares them; MHA in MLA's own head dims.
  int64_t headDim = c.qkNopeHeadDim;
  struct Row {
    const char *name;
    int64_t elements;
  } rows[] = {
      {"MHA", c.heads * (c.qkNopeHeadDim + c.qkRopeHeadDim + c.vHeadDim)},
      {"GQA", 2 * groups * headDim},
      {"MQA", 2 * headDim},
      {"MLA", c.kvLoraRank + c.qkRopeHeadDim},
  };
  size_t element = sizeOf(storage);
  double mla = double(rows[3].elements);
  os << llvm::format("KV cache, %s storage, %lld layers, %lld sequences x "
                     "%lld tokens (GQA with %lld groups):\n",
                     toString(storage).str().c_str(), (long long)layers,
                     (long long)batch, (long long)context, (long long)groups);
  os << llvm::format("  %-5s %14s %14s %16s %10s\n", "form", "elems/tok/layer",
                     "bytes/tok/layer", "whole model", "vs MLA");
  for (const Row &row : rows) {
    double perToken = double(row.elements) * element;
    double total = perToken * layers * double(context) * batch;
    os << llvm::format("  %-5s %14lld %14.0f %16s %9.2fx\n", row.name,
                       (long long)row.elements, perToken,
                       formatBytes(total).c_str(), row.elements / mla);
  }
}

void mlagen::printErrorStats(llvm::raw_ostream &os, llvm::StringRef what,
                             const ErrorStats &stats) {
  os << llvm::format("  %-6s max abs err %.3e  max rel err %.3e  "
                     "cosine %.8f  (max |ref| %.3e",
                     what.str().c_str(), stats.maxAbs, stats.maxRel,
                     stats.cosine, stats.maxExpected);
  os << ")\n";
  if (stats.nans || stats.mismatchedInfinities)
    os << llvm::format("  %-6s %lld NaN and %lld mismatched infinities; the "
                       "first at index %lld: %g, the reference %g\n",
                       what.str().c_str(), (long long)stats.nans,
                       (long long)stats.mismatchedInfinities,
                       (long long)stats.firstBad, stats.firstBadActual,
                       stats.firstBadExpected);
}
