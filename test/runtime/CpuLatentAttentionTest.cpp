//===- CpuLatentAttentionTest.cpp - latent attention JIT-run on the CPU ---===//
//
// The CPU lowering of mla.latent_attention (whole, and split by mla-split-kv
// into partial attentions plus the combine) against the reference, over a
// paged bf16 cache whose unwritten rows are NaN and whose unused block-table
// entries are huge, with a randomly permuted page order.
//
// Tolerances: the kernel accumulates in f32 and rounds its output to bf16
// (relative error up to 2^-9); allow 2^-8 relative plus 1e-5 absolute. LSE
// stays f32: 1e-4 relative to max(1, |lse|). On AMX tiles the probabilities
// are rounded to bf16 too (as on a GPU's tensor cores): the documented
// bf16 attention tolerance (Metrics.h) holds there, and the same LSE bound.
//
//===----------------------------------------------------------------------===//

#include "RandomProblem.h"
#include "dialect/MlaDialect.h"
#include "mlagen/CpuKernel.h"
#include "mlagen/CpuVariant.h"
#include "mlagen/Metrics.h"
#include "passes/AmxTiles.h"
#include "passes/Passes.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FormatVariadic.h"
#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <tuple>

using namespace mlagen;
using namespace mlagen::reference;
using namespace mlagen::test;
namespace tiles = mlir::mla::tiles;

namespace {

uint16_t toBF16Bits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return uint16_t(bits >> 16); // values are already bf16-exact
}

float fromBF16Bits(uint16_t value) {
  uint32_t bits = uint32_t(value) << 16;
  float result;
  std::memcpy(&result, &bits, sizeof(result));
  return result;
}

std::vector<uint16_t> toBF16(const std::vector<float> &values) {
  std::vector<uint16_t> bits(values.size());
  for (size_t i = 0; i < values.size(); ++i)
    bits[i] = toBF16Bits(values[i]);
  return bits;
}

/// The IR of one latent attention over a bf16 cache.
std::string attentionModule(const LayerConfig &c, int64_t batch, int64_t tokens,
                            const PagedCache &cache, int64_t tableWidth,
                            bool causal) {
  return llvm::formatv(
      R"mlir(
!cache = !mla.paged_cache<pages = {0}, page_size = {1}, latent = {2}, rope = {3}, bf16>
#cfg = #mla.config<heads = {4}, d_model = {5}, kv_lora_rank = {2}, qk_nope_head_dim = {6}, qk_rope_head_dim = {3}, v_head_dim = {7}, storage = bf16>
func.func @attention(%q: tensor<{8}x{9}x{4}x{2}xbf16>, %qr: tensor<{8}x{9}x{4}x{3}xbf16>,
    %cache: !cache, %bt: tensor<{8}x{10}xi32>, %lens: tensor<{8}xi32>)
    -> (tensor<{8}x{9}x{4}x{2}xbf16>, tensor<{8}x{9}x{4}xf32>) {{
  %o, %l = mla.latent_attention %q, %qr, %cache[%bt, %lens] {{{11}config = #cfg}
      : (tensor<{8}x{9}x{4}x{2}xbf16>, tensor<{8}x{9}x{4}x{3}xbf16>, !cache,
         tensor<{8}x{10}xi32>, tensor<{8}xi32>)
      -> (tensor<{8}x{9}x{4}x{2}xbf16>, tensor<{8}x{9}x{4}xf32>)
  return %o, %l : tensor<{8}x{9}x{4}x{2}xbf16>, tensor<{8}x{9}x{4}xf32>
}
)mlir",
      cache.numPages, cache.pageSize, c.kvLoraRank, c.qkRopeHeadDim, c.heads,
      c.dModel, c.qkNopeHeadDim, c.vHeadDim, batch, tokens, tableWidth,
      causal ? "causal, " : "");
}

/// What a compiled latent attention produced: out (widened from bf16) and
/// lse.
struct CpuAttention {
  std::vector<float> out, lse;
};

/// Compiles a causal latent attention over `cache` (split into `splits`
/// partial attentions by mla-split-kv when > 0) as `variant` says, runs it
/// on the CPU and returns its outputs.
void runOnCpu(const LayerConfig &config, const std::vector<float> &qLatent,
              const std::vector<float> &qRope, int64_t tokens,
              const PagedCache &cache, const SequenceTable &table,
              int64_t splits, CpuAttention &result,
              const CpuVariant &variant = CpuVariant()) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::mla::MlaDialect>();
  mlir::mla::registerCpuLoweringDialects(registry);
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(
          attentionModule(config, table.batch, tokens, cache, table.width,
                          true),
          &context);
  ASSERT_TRUE(module);
  if (splits > 0) {
    mlir::PassManager pm(&context);
    pm.addPass(
        mlir::mla::createMlaSplitKv(mlir::mla::MlaSplitKvOptions{splits, 132}));
    ASSERT_TRUE(mlir::succeeded(pm.run(*module)));
  }
  llvm::Expected<std::unique_ptr<CpuKernel>> kernel =
      CpuKernel::compile(*module, "attention", variant);
  ASSERT_TRUE(bool(kernel)) << llvm::toString(kernel.takeError());

  int64_t b = table.batch, s = tokens, h = config.heads;
  int64_t dc = config.kvLoraRank, dr = config.qkRopeHeadDim;
  std::vector<uint16_t> q = toBF16(qLatent), qr = toBF16(qRope);
  std::vector<uint16_t> cacheBits = toBF16(cache.rows), out(b * s * h * dc);
  std::vector<int32_t> blockTable = table.blockTable, seqLens = table.seqLens;
  result.lse.assign(b * s * h, 0.0f);
  std::vector<MemRefArg> args = {
      MemRefArg(q.data(), {b, s, h, dc}),
      MemRefArg(qr.data(), {b, s, h, dr}),
      MemRefArg(cacheBits.data(), {cache.numPages, cache.pageSize, dc + dr}),
      MemRefArg(blockTable.data(), {b, table.width}),
      MemRefArg(seqLens.data(), {b}),
      MemRefArg(out.data(), {b, s, h, dc}),
      MemRefArg(result.lse.data(), {b, s, h})};
  llvm::Error ran = (*kernel)->run(args);
  ASSERT_FALSE(bool(ran)) << llvm::toString(std::move(ran));
  result.out.resize(out.size());
  for (size_t i = 0; i < out.size(); ++i)
    result.out[i] = fromBF16Bits(out[i]);
}

/// LSE within 1e-4 of max(1, |lse|); -inf (a row that saw no key) exactly.
void expectLseMatches(const std::vector<float> &got,
                      const std::vector<double> &expected) {
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isinf(expected[i])) {
      ASSERT_EQ(got[i], expected[i]) << "lse " << i;
      continue;
    }
    ASSERT_NEAR(got[i], expected[i],
                kLseTolerance * std::max(1.0, std::abs(expected[i])))
        << "lse " << i;
  }
}

/// `got` against the reference within the documented bf16 attention
/// tolerance (for the tiles, which round the probabilities to bf16), with
/// no NaN and the LSE bound.
void expectWithinBf16Tolerance(const LayerConfig &config,
                               const std::vector<float> &qLatent,
                               const std::vector<float> &qRope, int64_t tokens,
                               const PagedCache &cache,
                               const SequenceTable &table,
                               const CpuAttention &got) {
  llvm::Expected<AttentionResult> expected =
      latentAttention(config, qLatent, qRope, tokens, cache, table, true);
  ASSERT_TRUE(bool(expected)) << llvm::toString(expected.takeError());
  ErrorStats out = compare(got.out, expected->out);
  EXPECT_EQ(out.nans, 0) << "first at output " << out.firstBad;
  EXPECT_TRUE(withinTolerance(out, attentionTolerance(StorageType::BF16)))
      << "max abs " << out.maxAbs << " of max |ref| " << out.maxExpected
      << ", cosine " << out.cosine;
  expectLseMatches(got.lse, expected->lse);
}

// heads, query tokens, page size, KV splits (0: whole)
using CpuCase = std::tuple<int, int, int, int>;

class CpuLatentAttention : public ::testing::TestWithParam<CpuCase> {};

TEST_P(CpuLatentAttention, MatchesReference) {
  auto [heads, tokens, pageSize, splits] = GetParam();
  LayerConfig config =
      smallConfig(heads, RopePairing::Interleaved, false, false);
  RandomSource random(heads * 7919 + tokens * 131 + pageSize * 17 + splits);
  // Empty, short, page-boundary and long sequences in one batch; with
  // causal masking and S > 1 the empty and 1-token ones have queries that
  // see nothing.
  std::vector<int32_t> lengths = {0, 1, 63, 64, 65, 200};
  int64_t numPages = 8;
  for (int32_t length : lengths)
    numPages += (length + pageSize - 1) / pageSize;
  PagedCache cache = random.nanCache(config, numPages, pageSize);
  SequenceTable table = random.table(lengths, 0, pageSize, numPages);
  random.fillHistory(cache, table, StorageType::BF16);
  int64_t batch = lengths.size();
  int64_t rows = batch * tokens * heads;
  std::vector<float> qLatent =
      random.values(rows * config.kvLoraRank, StorageType::BF16);
  std::vector<float> qRope =
      random.values(rows * config.qkRopeHeadDim, StorageType::BF16);

  CpuAttention got;
  runOnCpu(config, qLatent, qRope, tokens, cache, table, splits, got);
  if (HasFatalFailure())
    return;

  llvm::Expected<AttentionResult> expected =
      latentAttention(config, qLatent, qRope, tokens, cache, table, true);
  ASSERT_TRUE(bool(expected)) << llvm::toString(expected.takeError());
  ASSERT_EQ(got.out.size(), expected->out.size());
  for (size_t i = 0; i < got.out.size(); ++i) {
    double want = expected->out[i];
    ASSERT_FALSE(std::isnan(got.out[i])) << "NaN at output " << i;
    ASSERT_NEAR(got.out[i], want, 0x1p-8 * std::abs(want) + 1e-5)
        << "output " << i;
  }
  expectLseMatches(got.lse, expected->lse);
}

TEST(CpuLatentAttentionNaN, AVisibleNaNKeyPoisonsItsSequenceOnly) {
  // A NaN in a key a query sees must come out as NaN (as in the reference),
  // never as the 0 / -inf of a query that saw nothing.
  LayerConfig config = smallConfig(2, RopePairing::Interleaved, false, false);
  RandomSource random(99);
  PagedCache cache = random.nanCache(config, 8, 4);
  SequenceTable table = random.table({3, 5}, 0, 4, 8);
  random.fillHistory(cache, table, StorageType::BF16);
  cache.row(table.blockTable[table.width], 1)[0] = NAN; // sequence 1, key 1
  std::vector<float> qLatent = random.values(2 * 2 * 12, StorageType::BF16);
  std::vector<float> qRope = random.values(2 * 2 * 4, StorageType::BF16);

  CpuAttention got;
  runOnCpu(config, qLatent, qRope, 1, cache, table, 0, got);
  if (HasFatalFailure())
    return;
  for (int64_t i = 0; i < 2 * 12; ++i)
    EXPECT_FALSE(std::isnan(got.out[i])) << "sequence 0, " << i;
  for (int64_t i = 2 * 12; i < 4 * 12; ++i)
    EXPECT_TRUE(std::isnan(got.out[i])) << "sequence 1, " << i;
}

std::string cpuCaseName(const ::testing::TestParamInfo<CpuCase> &info) {
  auto [heads, tokens, pageSize, splits] = info.param;
  return "heads" + std::to_string(heads) + "_tokens" + std::to_string(tokens) +
         "_page" + std::to_string(pageSize) +
         (splits ? "_splits" + std::to_string(splits) : "");
}

INSTANTIATE_TEST_SUITE_P(Sweep, CpuLatentAttention,
                         ::testing::Combine(::testing::Values(1, 3, 16),
                                            ::testing::Values(1, 2, 4),
                                            ::testing::Values(1, 16, 64),
                                            ::testing::Values(0, 3)),
                         cpuCaseName);

// heads, query tokens, page size, KV splits (0: whole)
class CpuLatentAttentionOnTiles : public ::testing::TestWithParam<CpuCase> {};

TEST_P(CpuLatentAttentionOnTiles, MatchesReference) {
  if (!hostHasAmxTiles())
    GTEST_SKIP() << "this CPU has no AMX-BF16 tiles (or the OS refused them)";
  auto [heads, tokens, pageSize, splits] = GetParam();
  // Widths that fill tile rows (latent 64, rope 32), still all distinct.
  LayerConfig config =
      smallConfig(heads, RopePairing::Interleaved, false, false);
  config.kvLoraRank = 64;
  config.qkRopeHeadDim = 32;
  ASSERT_TRUE(tiles::pageStepFits(true, config.kvLoraRank, config.qkRopeHeadDim,
                                  pageSize));
  RandomSource random(heads * 7919 + tokens * 131 + pageSize * 17 + splits);
  // 300 and 1000 keys: page steps of several pages (passes/AmxTiles.h,
  // kStepKeys) with single pages after them; split, steps that start
  // inside a page.
  std::vector<int32_t> lengths = {0, 1, 15, 16, 17, 63, 64, 65, 300, 1000};
  int64_t numPages = 8;
  for (int32_t length : lengths)
    numPages += (length + pageSize - 1) / pageSize;
  PagedCache cache = random.nanCache(config, numPages, pageSize);
  SequenceTable table = random.table(lengths, 0, pageSize, numPages);
  random.fillHistory(cache, table, StorageType::BF16);
  int64_t rows = int64_t(lengths.size()) * tokens * heads;
  std::vector<float> qLatent =
      random.values(rows * config.kvLoraRank, StorageType::BF16);
  std::vector<float> qRope =
      random.values(rows * config.qkRopeHeadDim, StorageType::BF16);

  CpuVariant onTiles;
  onTiles.amx = 1;
  CpuAttention got;
  runOnCpu(config, qLatent, qRope, tokens, cache, table, splits, got, onTiles);
  if (HasFatalFailure())
    return;
  expectWithinBf16Tolerance(config, qLatent, qRope, tokens, cache, table, got);
}

// One query row to more than a tile of them (20 and 40 rows: a last block
// that overlaps the one before it), pages
// of one tile, of three and of four (a depth tail of 16 keys at 48).
INSTANTIATE_TEST_SUITE_P(Sweep, CpuLatentAttentionOnTiles,
                         ::testing::Combine(::testing::Values(1, 3, 16, 20),
                                            ::testing::Values(1, 2),
                                            ::testing::Values(16, 48, 64),
                                            ::testing::Values(0, 3)),
                         cpuCaseName);

// Scores that jump along the sequence: the running max lags behind the
// scores by up to kMaxLagBehindScores and moves (rescaling the accumulator)
// only on larger jumps; the result must not show which pages did which.
// Per page, an offset added to every latent value of its keys raises (or
// lowers) their scores by about 2.6 per unit, with a positive query: jumps
// of 2.6 (the max stays), 10 to 13 (it moves), and falls.
class CpuLatentAttentionRescale : public ::testing::TestWithParam<int> {};

TEST_P(CpuLatentAttentionRescale, ScoresThatJumpStayExact) {
  CpuVariant variant;
  variant.amx = GetParam();
  if (variant.amx && !hostHasAmxTiles())
    GTEST_SKIP() << "this CPU has no AMX-BF16 tiles (or the OS refused them)";
  LayerConfig config = smallConfig(3, RopePairing::Interleaved, false, false);
  config.kvLoraRank = 64;
  config.qkRopeHeadDim = 32;
  int64_t pageSize = 16, tokens = 2;
  RandomSource random(4242 + variant.amx);
  std::vector<int32_t> lengths = {300, 37};
  int64_t numPages = 4 + (300 + 15) / 16 + (37 + 15) / 16;
  PagedCache cache = random.nanCache(config, numPages, pageSize);
  SequenceTable table = random.table(lengths, 0, pageSize, numPages);
  random.fillHistory(cache, table, StorageType::BF16);
  const double offsets[] = {0, 1, 5, 5, 4.5, 9, 9.5, -2, 13, 13, 14, 0};
  for (int64_t b = 0; b < table.batch; ++b)
    for (int64_t t = 0; t < lengths[b]; ++t) {
      int64_t logical = t / pageSize;
      float *row =
          cache.row(table.blockTable[b * table.width + logical], t % pageSize);
      for (int64_t c = 0; c < config.kvLoraRank; ++c)
        row[c] = roundTo(StorageType::BF16,
                         float(offsets[logical % 12] + 0.05 * row[c]));
    }
  int64_t rows = table.batch * tokens * config.heads;
  std::vector<float> qLatent(rows * config.kvLoraRank, 0.25f);
  std::vector<float> qRope(rows * config.qkRopeHeadDim, 0.0f);

  CpuAttention got;
  runOnCpu(config, qLatent, qRope, tokens, cache, table, /*splits=*/0, got,
           variant);
  if (HasFatalFailure())
    return;
  expectWithinBf16Tolerance(config, qLatent, qRope, tokens, cache, table, got);
}

INSTANTIATE_TEST_SUITE_P(BothPaths, CpuLatentAttentionRescale,
                         ::testing::Values(0, 1),
                         [](const ::testing::TestParamInfo<int> &info) {
                           return std::string(info.param ? "tiles" : "vectors");
                         });

} // namespace
