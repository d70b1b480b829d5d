//===- LatentAttention.cpp - absorbed attention over a paged cache --------===//

#include "mlagen/Reference.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlagen;
using namespace mlagen::reference;

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

/// Softmax attention of one query over the keys [begin, end) of one
/// sequence; writes kvLoraRank outputs and returns the LSE.
double attendRange(const LayerConfig &config, const float *qLatent,
                   const float *qRope, const PagedCache &cache,
                   const int32_t *pages, int64_t begin, int64_t end,
                   double *out) {
  int64_t dc = config.kvLoraRank, dr = config.qkRopeHeadDim;
  std::fill(out, out + dc, 0.0);
  if (begin >= end)
    return kNegInf;
  std::vector<double> scores(end - begin);
  for (int64_t j = begin; j < end; ++j) {
    const float *row = cache.row(pages[j / cache.pageSize], j % cache.pageSize);
    double dot = 0;
    for (int64_t c = 0; c < dc; ++c)
      dot += double(qLatent[c]) * row[c];
    for (int64_t r = 0; r < dr; ++r)
      dot += double(qRope[r]) * row[dc + r];
    scores[j - begin] = config.softmaxScale() * dot;
  }
  double max = *std::max_element(scores.begin(), scores.end());
  double sum = 0;
  for (double score : scores)
    sum += std::exp(score - max);
  double lse = max + std::log(sum);
  for (int64_t j = begin; j < end; ++j) {
    const float *row = cache.row(pages[j / cache.pageSize], j % cache.pageSize);
    double weight = std::exp(scores[j - begin] - lse);
    for (int64_t c = 0; c < dc; ++c)
      out[c] += weight * row[c];
  }
  return lse;
}

llvm::Error checkQueries(const LayerConfig &config,
                         const std::vector<float> &qLatent,
                         const std::vector<float> &qRope, int64_t queryTokens,
                         const SequenceTable &table) {
  int64_t rows = table.batch * queryTokens * config.heads;
  if (queryTokens < 1 || int64_t(qLatent.size()) != rows * config.kvLoraRank ||
      int64_t(qRope.size()) != rows * config.qkRopeHeadDim)
    return llvm::createStringError(
        llvm::formatv("queries hold {0} and {1} values, expected batch {2} x "
                      "tokens {3} x heads {4} x {5} and x {6}",
                      qLatent.size(), qRope.size(), table.batch, queryTokens,
                      config.heads, config.kvLoraRank, config.qkRopeHeadDim)
            .str());
  return llvm::Error::success();
}

/// Attends every query over the keys of `numSplits` chunks of its sequence.
llvm::Expected<AttentionResult>
attendInChunks(const LayerConfig &config, const std::vector<float> &qLatent,
               const std::vector<float> &qRope, int64_t queryTokens,
               const PagedCache &cache, const SequenceTable &table, bool causal,
               int64_t numSplits) {
  if (numSplits < 1)
    return llvm::createStringError("the split count must be at least 1");
  if (llvm::Error error = validate(config, cache, table))
    return std::move(error);
  if (llvm::Error error =
          checkQueries(config, qLatent, qRope, queryTokens, table))
    return std::move(error);

  int64_t batch = table.batch, heads = config.heads;
  int64_t dc = config.kvLoraRank, dr = config.qkRopeHeadDim;
  int64_t queries = batch * queryTokens * heads;
  AttentionResult result;
  result.out.assign(numSplits * queries * dc, 0.0);
  result.lse.assign(numSplits * queries, kNegInf);
  for (int64_t b = 0; b < batch; ++b) {
    int64_t length = table.seqLens[b];
    int64_t chunk = (length + numSplits - 1) / numSplits;
    const int32_t *pages = table.blockTable.data() + b * table.width;
    for (int64_t k = 0; k < queryTokens; ++k) {
      int64_t visible =
          causal ? std::clamp<int64_t>(length - queryTokens + 1 + k, 0, length)
                 : length;
      for (int64_t h = 0; h < heads; ++h) {
        int64_t query = (b * queryTokens + k) * heads + h;
        for (int64_t n = 0; n < numSplits; ++n) {
          int64_t begin = n * chunk;
          int64_t end = std::min((n + 1) * chunk, visible);
          int64_t slot = n * queries + query;
          result.lse[slot] =
              attendRange(config, &qLatent[query * dc], &qRope[query * dr],
                          cache, pages, begin, end, &result.out[slot * dc]);
        }
      }
    }
  }
  return result;
}

} // namespace

llvm::Expected<AttentionResult> reference::latentAttention(
    const LayerConfig &config, const std::vector<float> &qLatent,
    const std::vector<float> &qRope, int64_t queryTokens,
    const PagedCache &cache, const SequenceTable &table, bool causal) {
  return attendInChunks(config, qLatent, qRope, queryTokens, cache, table,
                        causal, /*numSplits=*/1);
}

llvm::Expected<AttentionResult> reference::partialLatentAttention(
    const LayerConfig &config, const std::vector<float> &qLatent,
    const std::vector<float> &qRope, int64_t queryTokens,
    const PagedCache &cache, const SequenceTable &table, bool causal,
    int64_t numSplits) {
  return attendInChunks(config, qLatent, qRope, queryTokens, cache, table,
                        causal, numSplits);
}

llvm::Expected<AttentionResult>
reference::combine(const AttentionResult &partials, int64_t numSplits) {
  if (numSplits < 1 || partials.lse.size() % numSplits != 0 ||
      (!partials.lse.empty() && partials.out.size() % partials.lse.size() != 0))
    return llvm::createStringError(
        llvm::formatv("cannot combine {0} splits of {1} outputs and {2} LSEs",
                      numSplits, partials.out.size(), partials.lse.size())
            .str());
  int64_t queries = partials.lse.size() / numSplits;
  int64_t width = queries ? partials.out.size() / partials.lse.size() : 0;
  AttentionResult result;
  result.out.assign(queries * width, 0.0);
  result.lse.assign(queries, kNegInf);
  for (int64_t q = 0; q < queries; ++q) {
    double max = kNegInf;
    for (int64_t n = 0; n < numSplits; ++n)
      max = std::max(max, partials.lse[n * queries + q]);
    if (max == kNegInf)
      continue; // no split saw a key: 0 and -inf
    double sum = 0;
    for (int64_t n = 0; n < numSplits; ++n)
      sum += std::exp(partials.lse[n * queries + q] - max);
    double lse = max + std::log(sum);
    result.lse[q] = lse;
    for (int64_t n = 0; n < numSplits; ++n) {
      double weight = std::exp(partials.lse[n * queries + q] - lse);
      const double *part = &partials.out[(n * queries + q) * width];
      for (int64_t c = 0; c < width; ++c)
        result.out[q * width + c] += weight * part[c];
    }
  }
  return result;
}
