//===- LatentAttentionTest.cpp - the absorbed attention oracle ------------===//
//
// The two references must agree: the naive MHA-form layer and the absorbed
// form (W_UK on the query, latent attention over the pages, W_UV and W_O on
// the output). Both accumulate in double; the absorbed path hands its query
// to latentAttention as float, so they agree to float rounding (2^-24
// relative) amplified by the dot products: 1e-5 relative to the output's
// magnitude.
//
//===----------------------------------------------------------------------===//

#include "RandomProblem.h"

#include "gtest/gtest.h"
#include <cmath>
#include <limits>
#include <tuple>

using namespace mlagen;
using namespace mlagen::reference;
using namespace mlagen::test;

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

/// The absorbed decode step built from the reference's pieces.
std::vector<double> absorbedLayer(const LayerConfig &c, const LayerWeights &w,
                                  const std::vector<float> &hidden,
                                  int64_t tokens, PagedCache &cache,
                                  const SequenceTable &table) {
  int64_t h = c.heads, dn = c.qkNopeHeadDim, dr = c.qkRopeHeadDim;
  int64_t dc = c.kvLoraRank, dv = c.vHeadDim, dm = c.dModel;
  llvm::Expected<QueryHeads> queries =
      projectQueries(c, w, hidden, tokens, table);
  EXPECT_TRUE(bool(queries)) << llvm::toString(queries.takeError());
  llvm::Error appended =
      appendTokens(c, w, hidden, tokens, StorageType::BF16, cache, table);
  EXPECT_FALSE(bool(appended)) << llvm::toString(std::move(appended));

  int64_t rows = table.batch * tokens * h;
  std::vector<float> qLatent(rows * dc), qRope(rows * dr);
  for (int64_t q = 0; q < rows; ++q) {
    int64_t head = q % h;
    for (int64_t i = 0; i < dc; ++i) {
      double sum = 0;
      for (int64_t n = 0; n < dn; ++n)
        sum +=
            double(w.wUk[(head * dn + n) * dc + i]) * queries->nope[q * dn + n];
      qLatent[q * dc + i] = float(sum);
    }
    for (int64_t i = 0; i < dr; ++i)
      qRope[q * dr + i] = float(queries->rope[q * dr + i]);
  }
  SequenceTable after = table;
  for (int32_t &length : after.seqLens)
    length += tokens;
  llvm::Expected<AttentionResult> attention =
      latentAttention(c, qLatent, qRope, tokens, cache, after, true);
  EXPECT_TRUE(bool(attention)) << llvm::toString(attention.takeError());

  std::vector<double> out(table.batch * tokens * dm, 0.0);
  for (int64_t token = 0; token < table.batch * tokens; ++token)
    for (int64_t head = 0; head < h; ++head) {
      const double *oLatent = &attention->out[(token * h + head) * dc];
      for (int64_t v = 0; v < dv; ++v) {
        double o = 0;
        for (int64_t i = 0; i < dc; ++i)
          o += double(w.wUv[(head * dv + v) * dc + i]) * oLatent[i];
        for (int64_t m = 0; m < dm; ++m)
          out[token * dm + m] += double(w.wO[(m * h + head) * dv + v]) * o;
      }
    }
  return out;
}

// heads, query tokens, page size, pairing, query compression, YaRN
using LayerCase = std::tuple<int, int, int, RopePairing, bool, bool>;

class AbsorbedEqualsNaive : public ::testing::TestWithParam<LayerCase> {};

TEST_P(AbsorbedEqualsNaive, SameOutputs) {
  auto [heads, tokens, pageSize, pairing, queryCompression, yarn] = GetParam();
  LayerConfig config = smallConfig(heads, pairing, queryCompression, yarn);
  RandomSource random(heads * 1000 + tokens * 100 + pageSize);
  // Empty, one-token, page-straddling and longer histories in one batch.
  std::vector<int32_t> lengths = {0, 1, 5, 17};
  int64_t numPages = 64 / pageSize + 64;
  PagedCache cache = random.nanCache(config, numPages, pageSize);
  SequenceTable table = random.table(lengths, tokens, pageSize, numPages);
  random.fillHistory(cache, table, StorageType::BF16);
  LayerWeights weights = random.weights(config, StorageType::BF16);
  std::vector<float> hidden =
      random.values(lengths.size() * tokens * config.dModel, StorageType::BF16);

  PagedCache naiveCache = cache;
  llvm::Expected<std::vector<double>> naive = decodeLayer(
      config, weights, hidden, tokens, StorageType::BF16, naiveCache, table);
  ASSERT_TRUE(bool(naive)) << llvm::toString(naive.takeError());
  ASSERT_TRUE(allFinite(*naive)) << "a NaN from an unwritten row leaked";

  std::vector<double> absorbed =
      absorbedLayer(config, weights, hidden, tokens, cache, table);
  double scale = 0;
  for (double v : *naive)
    scale = std::max(scale, std::abs(v));
  ASSERT_GT(scale, 0.0);
  for (size_t i = 0; i < naive->size(); ++i)
    ASSERT_NEAR(absorbed[i], (*naive)[i], 1e-5 * scale) << "element " << i;
}

std::string layerCaseName(const ::testing::TestParamInfo<LayerCase> &info) {
  auto [heads, tokens, pageSize, pairing, queryCompression, yarn] = info.param;
  return "heads" + std::to_string(heads) + "_tokens" + std::to_string(tokens) +
         "_page" + std::to_string(pageSize) +
         (pairing == RopePairing::Half ? "_half" : "_interleaved") +
         (queryCompression ? "_qlora" : "") + (yarn ? "_yarn" : "");
}

INSTANTIATE_TEST_SUITE_P(
    Sweep, AbsorbedEqualsNaive,
    ::testing::Combine(::testing::Values(1, 3), ::testing::Values(1, 2, 4),
                       ::testing::Values(1, 4, 16),
                       ::testing::Values(RopePairing::Interleaved,
                                         RopePairing::Half),
                       ::testing::Bool(), ::testing::Bool()),
    layerCaseName);

/// A latent attention problem with random queries over a random cache.
struct LatentProblem {
  LayerConfig config = smallConfig(3, RopePairing::Interleaved, false, false);
  PagedCache cache;
  SequenceTable table;
  std::vector<float> qLatent, qRope;
  int64_t tokens;

  LatentProblem(std::vector<int32_t> lengths, int64_t tokens, int64_t pageSize,
                unsigned seed)
      : tokens(tokens) {
    RandomSource random(seed);
    int64_t numPages = 8;
    for (int32_t length : lengths)
      numPages += (length + pageSize - 1) / pageSize;
    cache = random.nanCache(config, numPages, pageSize);
    table = random.table(lengths, 0, pageSize, numPages);
    random.fillHistory(cache, table, StorageType::BF16);
    int64_t rows = lengths.size() * tokens * config.heads;
    qLatent = random.values(rows * config.kvLoraRank, StorageType::BF16);
    qRope = random.values(rows * config.qkRopeHeadDim, StorageType::BF16);
  }
};

TEST(LatentAttention, SplitsCombineToTheWhole) {
  LatentProblem p({0, 1, 63, 64, 65, 150}, /*tokens=*/2, /*pageSize=*/16, 7);
  for (bool causal : {false, true}) {
    llvm::Expected<AttentionResult> whole = latentAttention(
        p.config, p.qLatent, p.qRope, p.tokens, p.cache, p.table, causal);
    ASSERT_TRUE(bool(whole)) << llvm::toString(whole.takeError());
    for (int64_t splits : {1, 2, 3, 5, 64, 200}) {
      llvm::Expected<AttentionResult> parts =
          partialLatentAttention(p.config, p.qLatent, p.qRope, p.tokens,
                                 p.cache, p.table, causal, splits);
      ASSERT_TRUE(bool(parts)) << llvm::toString(parts.takeError());
      llvm::Expected<AttentionResult> combined = combine(*parts, splits);
      ASSERT_TRUE(bool(combined)) << llvm::toString(combined.takeError());
      AttentionResult &merged = *combined;
      ASSERT_EQ(merged.out.size(), whole->out.size());
      for (size_t i = 0; i < whole->out.size(); ++i)
        ASSERT_NEAR(merged.out[i], whole->out[i], 1e-12)
            << splits << " splits, element " << i;
      for (size_t i = 0; i < whole->lse.size(); ++i) {
        if (whole->lse[i] == kNegInf)
          ASSERT_EQ(merged.lse[i], kNegInf);
        else
          ASSERT_NEAR(merged.lse[i], whole->lse[i], 1e-12);
      }
    }
  }
}

TEST(LatentAttention, QueriesThatSeeNoKeyGiveZeroAndNegativeInfinity) {
  // Sequence 0 is empty; sequence 1 holds 1 token but has 3 causal queries,
  // so its first two queries see nothing.
  LatentProblem p({0, 1}, /*tokens=*/3, /*pageSize=*/4, 11);
  llvm::Expected<AttentionResult> result = latentAttention(
      p.config, p.qLatent, p.qRope, p.tokens, p.cache, p.table, true);
  ASSERT_TRUE(bool(result)) << llvm::toString(result.takeError());
  int64_t heads = p.config.heads, dc = p.config.kvLoraRank;
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t k = 0; k < 3; ++k)
      for (int64_t h = 0; h < heads; ++h) {
        int64_t q = (b * 3 + k) * heads + h;
        bool seesKey = b == 1 && k == 2;
        if (seesKey) {
          EXPECT_TRUE(std::isfinite(result->lse[q]));
          continue;
        }
        EXPECT_EQ(result->lse[q], kNegInf);
        for (int64_t c = 0; c < dc; ++c)
          EXPECT_EQ(result->out[q * dc + c], 0.0);
      }
  // The one query that sees a key attends to exactly that key: out = c_kv.
  const float *row = p.cache.row(p.table.blockTable[p.table.width], 0);
  int64_t q = (1 * 3 + 2) * heads;
  for (int64_t c = 0; c < dc; ++c)
    EXPECT_NEAR(result->out[q * dc + c], row[c], 1e-12);
}

TEST(LatentAttention, RejectsBadTablesWithoutReadingThem) {
  LatentProblem p({5, 9}, /*tokens=*/1, /*pageSize=*/4, 3);
  auto run = [&](const SequenceTable &table) {
    return llvm::toString(
        latentAttention(p.config, p.qLatent, p.qRope, 1, p.cache, table, true)
            .takeError());
  };
  SequenceTable outside = p.table;
  outside.blockTable[1] = p.cache.numPages;
  EXPECT_NE(run(outside).find(
                "block_table[0][1] = " + std::to_string(p.cache.numPages) +
                " is outside the cache's"),
            std::string::npos);
  SequenceTable negative = p.table;
  negative.blockTable[p.table.width] = -1;
  EXPECT_NE(run(negative).find("block_table[1][0] = -1"), std::string::npos);
  SequenceTable tooLong = p.table;
  tooLong.seqLens[1] = p.table.width * 4 + 1;
  EXPECT_NE(run(tooLong).find("sequence 1 needs"), std::string::npos);
  SequenceTable negativeLength = p.table;
  negativeLength.seqLens[0] = -2;
  EXPECT_NE(run(negativeLength).find("seq_lens[0] is negative"),
            std::string::npos);
  SequenceTable shortTable = p.table;
  shortTable.blockTable.pop_back();
  EXPECT_NE(run(shortTable).find("block table has"), std::string::npos);

  std::vector<float> shortQuery(p.qLatent.begin(), p.qLatent.end() - 1);
  llvm::Expected<AttentionResult> badQuery =
      latentAttention(p.config, shortQuery, p.qRope, 1, p.cache, p.table, true);
  EXPECT_NE(llvm::toString(badQuery.takeError()).find("queries hold"),
            std::string::npos);
}

TEST(DecodeLayer, RejectsMisshapenWeights) {
  LayerConfig config = smallConfig(2, RopePairing::Half, true, false);
  RandomSource random(5);
  PagedCache cache = random.nanCache(config, 8, 4);
  SequenceTable table = random.table({3}, 1, 4, 8);
  LayerWeights weights = random.weights(config, StorageType::BF16);
  weights.wUk.pop_back();
  std::vector<float> hidden = random.values(config.dModel, StorageType::BF16);
  llvm::Expected<std::vector<double>> out =
      decodeLayer(config, weights, hidden, 1, StorageType::BF16, cache, table);
  EXPECT_NE(llvm::toString(out.takeError()).find("'w_uk' holds"),
            std::string::npos);
}

} // namespace
