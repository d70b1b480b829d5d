//===- Problem.cpp - the inputs of one MLA decode call --------------------===//

#include "mlagen/Problem.h"
#include "mlagen/MemoryEstimate.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>

using namespace mlagen;
using llvm::createStringError;
using llvm::formatv;

int64_t Problem::keysAttended(int64_t b) const {
  int64_t cached = shape.seqLens[b];
  return shape.mode == RunMode::Layer ? cached + shape.queryTokens : cached;
}

/// Tokens the cache must hold for sequence b: its keys, plus the appended
/// ones in layer mode.
static int64_t tokensHeld(const ProblemShape &shape, int64_t b) {
  return shape.seqLens[b] +
         (shape.mode == RunMode::Layer ? shape.queryTokens : 0);
}

static int64_t pagesNeeded(const ProblemShape &shape) {
  int64_t pages = 0;
  for (int64_t b = 0; b < shape.batch(); ++b)
    pages += (tokensHeld(shape, b) + shape.pageSize - 1) / shape.pageSize;
  return pages;
}

int64_t mlagen::cachePages(const ProblemShape &shape) {
  return std::max<int64_t>({pagesNeeded(shape), shape.numPages, 1});
}

int64_t mlagen::tableWidth(const ProblemShape &shape) {
  int64_t width = 1;
  for (int64_t b = 0; b < shape.batch(); ++b)
    width = std::max(width, (tokensHeld(shape, b) + shape.pageSize - 1) /
                                shape.pageSize);
  return width;
}

llvm::Error mlagen::validateShape(const LayerConfig &config,
                                  const ProblemShape &shape) {
  if (shape.batch() < 1 || shape.batch() > 65536)
    return createStringError(
        formatv("the batch must hold 1 to 65536 sequences, got {0}",
                shape.batch())
            .str());
  if (shape.queryTokens < 1 || shape.queryTokens > 64)
    return createStringError(
        formatv("query tokens per sequence must be in [1, 64], got {0}",
                shape.queryTokens)
            .str());
  if (shape.pageSize < 1 || shape.pageSize > (1 << 20))
    return createStringError(
        formatv("page size must be in [1, 1048576], got {0}", shape.pageSize)
            .str());
  for (int64_t b = 0; b < shape.batch(); ++b)
    if (shape.seqLens[b] < 0 || shape.seqLens[b] > (1 << 24))
      return createStringError(
          formatv("length of sequence {0} must be in [0, 16777216], got {1}", b,
                  shape.seqLens[b])
              .str());
  int64_t needed = pagesNeeded(shape);
  if (shape.numPages < 0 || shape.numPages > INT32_MAX)
    return createStringError(
        formatv("the page count must be in [0, 2^31), got {0}", shape.numPages)
            .str());
  if (shape.numPages != 0 && shape.numPages < needed)
    return createStringError(
        formatv("{0} pages of {1} rows cannot hold the sequences, which need "
                "{2}",
                shape.numPages, shape.pageSize, needed)
            .str());
  // Every array is held as floats on the host: keep their sum under 2^30
  // values (4 GiB), which also keeps every size computation far from int64
  // overflow (each factor is bounded above).
  int64_t pages = std::max<int64_t>({needed, shape.numPages, 1});
  int64_t rows = shape.batch() * shape.queryTokens * config.heads;
  int64_t values = pages * shape.pageSize * config.rowWidth() +
                   rows * (config.kvLoraRank + config.qkRopeHeadDim) +
                   shape.batch() * shape.queryTokens * config.dModel;
  if (values > (int64_t(1) << 30))
    return createStringError(
        formatv("the problem would hold {0} values (cache {1} pages x {2} "
                "rows x {3}), more than 2^30",
                values, pages, shape.pageSize, config.rowWidth())
            .str());
  return llvm::Error::success();
}

std::vector<int32_t> mlagen::randomLengths(int64_t batch, int32_t minLength,
                                           int32_t maxLength, uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::uniform_int_distribution<int32_t> uniform(minLength, maxLength);
  std::vector<int32_t> lengths(batch);
  for (int32_t &length : lengths)
    length = uniform(engine);
  return lengths;
}

namespace {

class Values {
public:
  Values(uint64_t seed, StorageType storage) : engine(seed), storage(storage) {}

  std::vector<float> make(int64_t count, float scale) {
    std::uniform_real_distribution<float> uniform(-scale, scale);
    std::vector<float> result(count);
    for (float &v : result)
      v = roundTo(storage, uniform(engine));
    return result;
  }

  std::mt19937_64 engine;
  StorageType storage;
};

} // namespace

llvm::Expected<Problem> mlagen::makeProblemSizes(const LayerConfig &c,
                                                 const ProblemShape &shape) {
  if (llvm::Error e = validateShape(c, shape))
    return std::move(e);
  Problem p{c, shape, {}, {}, {}, {}, {}, {}};
  p.cache = reference::PagedCache{
      cachePages(shape), shape.pageSize, c.kvLoraRank, c.qkRopeHeadDim, {}};
  p.table = reference::SequenceTable{
      shape.batch(), tableWidth(shape), {}, shape.seqLens};
  return p;
}

llvm::Expected<Problem> mlagen::makeRandomProblem(const LayerConfig &c,
                                                  const ProblemShape &shape,
                                                  uint64_t seed) {
  if (llvm::Error e = validateShape(c, shape))
    return std::move(e);
  if (llvm::Error e =
          checkHostMemory(problemMemory(c, shape), "the problem's arrays"))
    return std::move(e);
  Problem p{c, shape, {}, {}, {}, {}, {}, {}};
  Values values(seed, shape.storage);
  int64_t batch = shape.batch();
  // At least one page, so that even an all-empty batch has a cache.
  int64_t numPages = cachePages(shape);

  p.cache = reference::PagedCache{
      numPages, shape.pageSize, c.kvLoraRank, c.qkRopeHeadDim,
      std::vector<float>(numPages * shape.pageSize * c.rowWidth(), NAN)};
  int64_t width = tableWidth(shape);
  std::vector<int32_t> pages(numPages);
  std::iota(pages.begin(), pages.end(), 0);
  std::shuffle(pages.begin(), pages.end(), values.engine);
  p.table = reference::SequenceTable{
      batch, width, std::vector<int32_t>(batch * width, 1 << 30),
      shape.seqLens};
  size_t next = 0;
  for (int64_t b = 0; b < batch; ++b) {
    int64_t used = (tokensHeld(shape, b) + shape.pageSize - 1) / shape.pageSize;
    for (int64_t i = 0; i < used; ++i)
      p.table.blockTable[b * width + i] = pages[next++];
    for (int64_t t = 0; t < shape.seqLens[b]; ++t) {
      std::vector<float> row = values.make(c.rowWidth(), 1.0f);
      std::copy(row.begin(), row.end(),
                p.cache.row(p.table.blockTable[b * width + t / shape.pageSize],
                            t % shape.pageSize));
    }
  }

  int64_t rows = batch * shape.queryTokens * c.heads;
  if (shape.mode == RunMode::Attention) {
    p.qLatent = values.make(rows * c.kvLoraRank, 1.0f);
    p.qRope = values.make(rows * c.qkRopeHeadDim, 1.0f);
    return p;
  }
  // Weights scaled like a trained layer's (1 / sqrt(fan-in)) so that
  // activations stay near unit size through every projection.
  auto weight = [&](int64_t count, int64_t fanIn) {
    return values.make(count, 1.0f / std::sqrt(float(fanIn)));
  };
  int64_t h = c.heads, dn = c.qkNopeHeadDim, dr = c.qkRopeHeadDim;
  int64_t dc = c.kvLoraRank, dv = c.vHeadDim, dm = c.dModel;
  p.hidden = values.make(batch * shape.queryTokens * dm, 1.0f);
  if (c.hasQueryCompression()) {
    p.weights.wDq = weight(c.qLoraRank * dm, dm);
    p.weights.qNorm = values.make(c.qLoraRank, 1.0f);
  }
  p.weights.wUq = weight(h * (dn + dr) * c.queryInputDim(), c.queryInputDim());
  p.weights.wDkv = weight((dc + dr) * dm, dm);
  p.weights.kvNorm = values.make(dc, 1.0f);
  p.weights.wUk = weight(h * dn * dc, dc);
  p.weights.wUv = weight(h * dv * dc, dc);
  p.weights.wO = weight(dm * h * dv, h * dv);
  return p;
}
