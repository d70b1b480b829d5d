//===- RandomProblem.h - random MLA inputs for tests ------------*- C++ -*-===//

#ifndef MLAGEN_TEST_RUNTIME_RANDOMPROBLEM_H
#define MLAGEN_TEST_RUNTIME_RANDOMPROBLEM_H

#include "mlagen/Reference.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace mlagen::test {

/// A small config with every dimension distinct, so a mixed-up index shows.
inline LayerConfig smallConfig(int64_t heads, RopePairing pairing,
                               bool queryCompression, bool yarn) {
  LayerConfig config{heads,
                     /*dModel=*/24,
                     queryCompression ? 10 : 0,
                     /*kvLoraRank=*/12,
                     /*qkNopeHeadDim=*/6,
                     /*qkRopeHeadDim=*/4,
                     /*vHeadDim=*/5};
  config.rope.pairing = pairing;
  if (yarn)
    config.rope.yarn = YarnScaling{40.0, 64, 32.0, 1.0, 0.707, 1.0};
  return config;
}

class RandomSource {
public:
  explicit RandomSource(unsigned seed) : engine(seed) {}

  /// Uniform values in [-scale, scale], rounded to `storage`.
  std::vector<float> values(int64_t count, StorageType storage,
                            float scale = 1.0f) {
    std::uniform_real_distribution<float> uniform(-scale, scale);
    std::vector<float> result(count);
    for (float &v : result)
      v = roundTo(storage, uniform(engine));
    return result;
  }

  /// A cache of `numPages` pages whose rows hold NaN until written, so a
  /// read of an unwritten row shows in the results.
  reference::PagedCache nanCache(const LayerConfig &config, int64_t numPages,
                                 int64_t pageSize) {
    return reference::PagedCache{
        numPages, pageSize, config.kvLoraRank, config.qkRopeHeadDim,
        std::vector<float>(numPages * pageSize * config.rowWidth(), NAN)};
  }

  /// Block tables over a random permutation of the pages; entries past what
  /// each sequence needs hold a huge page index that must never be read.
  reference::SequenceTable table(const std::vector<int32_t> &lengths,
                                 int64_t extraTokens, int64_t pageSize,
                                 int64_t numPages) {
    int64_t batch = lengths.size();
    int64_t longest = *std::max_element(lengths.begin(), lengths.end());
    int64_t width = (longest + extraTokens + pageSize - 1) / pageSize + 1;
    std::vector<int32_t> pages(numPages);
    std::iota(pages.begin(), pages.end(), 0);
    std::shuffle(pages.begin(), pages.end(), engine);
    reference::SequenceTable result{
        batch, width, std::vector<int32_t>(batch * width, 1 << 30), lengths};
    size_t next = 0;
    for (int64_t b = 0; b < batch; ++b) {
      int64_t used = (lengths[b] + extraTokens + pageSize - 1) / pageSize;
      for (int64_t i = 0; i < used; ++i)
        result.blockTable[b * width + i] = pages.at(next++);
    }
    return result;
  }

  /// Fills rows t < seqLens[b] of every sequence with random values.
  void fillHistory(reference::PagedCache &cache,
                   const reference::SequenceTable &table, StorageType storage) {
    for (int64_t b = 0; b < table.batch; ++b)
      for (int64_t t = 0; t < table.seqLens[b]; ++t) {
        std::vector<float> row = values(cache.rowWidth(), storage);
        std::copy(
            row.begin(), row.end(),
            cache.row(table.blockTable[b * table.width + t / cache.pageSize],
                      t % cache.pageSize));
      }
  }

  reference::LayerWeights weights(const LayerConfig &c, StorageType storage) {
    int64_t h = c.heads, dn = c.qkNopeHeadDim, dr = c.qkRopeHeadDim;
    int64_t dc = c.kvLoraRank, dv = c.vHeadDim, dm = c.dModel;
    float s = 0.5f;
    reference::LayerWeights w;
    if (c.hasQueryCompression()) {
      w.wDq = values(c.qLoraRank * dm, storage, s);
      w.qNorm = values(c.qLoraRank, storage, s);
    }
    w.wUq = values(h * (dn + dr) * c.queryInputDim(), storage, s);
    w.wDkv = values((dc + dr) * dm, storage, s);
    w.kvNorm = values(dc, storage, s);
    w.wUk = values(h * dn * dc, storage, s);
    w.wUv = values(h * dv * dc, storage, s);
    w.wO = values(dm * h * dv, storage, s);
    return w;
  }

private:
  std::mt19937 engine;
};

inline bool allFinite(const std::vector<double> &values) {
  return std::all_of(values.begin(), values.end(),
                     [](double v) { return std::isfinite(v); });
}

} // namespace mlagen::test

#endif // MLAGEN_TEST_RUNTIME_RANDOMPROBLEM_H
