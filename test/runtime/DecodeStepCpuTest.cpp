//===- DecodeStepCpuTest.cpp - every rewrite keeps the numbers ------------===//
//
// One whole-layer decode step (mla.decode_step) compiled for the CPU after
// each stage of the rewrite pipeline: naive (decomposed only), absorbed,
// fused, split-KV, and the whole mla-rewrite pipeline. Each must give the
// reference's output and leave the reference's cache. Between the two
// sweeps every form meets heads 1, 3, 16 and 128; 1, 2 and 4 causal query
// tokens; page sizes 1, 16, 64 and 256; lengths 0, 1, 15, 16, 40 and 0, 1,
// 63, 64, 65, 1000 mixed in one batch; both RoPE pairings.
//
// Tolerances. f32 storage: every op accumulates in f32, so outputs agree to
// 1e-4 of the output's magnitude. bf16 storage: the compiled layer rounds
// every intermediate (c_q, q heads, c_kv, the attention output) to bf16,
// 2^-9 relative each, and about eight such roundings compound along the
// chain; allow 3% of the output's magnitude. The cache rows the step writes
// are rounded once by both sides, from values that differ by f32 vs double
// accumulation: 1 bf16 ulp (2^-7 relative) or 1e-5 relative for f32.
//
//===----------------------------------------------------------------------===//

#include "RandomProblem.h"
#include "dialect/MlaDialect.h"
#include "mlagen/CpuKernel.h"
#include "mlagen/StorageBuffer.h"
#include "passes/Passes.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FormatVariadic.h"
#include "gtest/gtest.h"

#include <cmath>
#include <tuple>

using namespace mlagen;
using namespace mlagen::reference;
using namespace mlagen::test;

namespace {

enum class Form { Naive, Absorbed, Fused, Split, Rewritten };

const char *formName(Form form) {
  switch (form) {
  case Form::Naive:
    return "naive";
  case Form::Absorbed:
    return "absorbed";
  case Form::Fused:
    return "fused";
  case Form::Split:
    return "split";
  case Form::Rewritten:
    return "rewritten";
  }
  return "?";
}

/// Runs the passes that bring the decode step to `form`.
void rewriteTo(Form form, mlir::ModuleOp module) {
  mlir::PassManager pm(module.getContext());
  if (form == Form::Rewritten) {
    mlir::mla::RewritePipelineOptions options;
    mlir::mla::buildRewritePipeline(pm, options);
  } else if (form != Form::Naive) {
    pm.addPass(mlir::mla::createMlaDecompose());
    pm.addPass(mlir::mla::createMlaAbsorbWeights());
    if (form != Form::Absorbed)
      pm.addPass(mlir::mla::createMlaFuse());
    if (form == Form::Split)
      pm.addPass(
          mlir::mla::createMlaSplitKv(mlir::mla::MlaSplitKvOptions{3, 132}));
  }
  ASSERT_TRUE(mlir::succeeded(pm.run(module)));
}

std::string decodeStepModule(const LayerConfig &c, StorageType storage,
                             int64_t batch, int64_t tokens,
                             const PagedCache &cache, int64_t tableWidth) {
  std::string t = toString(storage).str();
  std::string rope = llvm::formatv(
      "#mla.rope<theta = 1.0e+04, pairing = {0}{1}>",
      c.rope.pairing == RopePairing::Half ? "half" : "interleaved",
      c.rope.yarn ? ", yarn = <factor = 4.0e+01, original_max_position = "
                    "64, beta_fast = 3.2e+01, beta_slow = 1.0, mscale = "
                    "7.07e-01, mscale_all_dim = 1.0>"
                  : "");
  std::string qWeights, qTypes;
  if (c.hasQueryCompression()) {
    qWeights = "q_compress(%w_dq, %q_norm) ";
    qTypes = llvm::formatv("tensor<{0}x{1}x{2}>, tensor<{0}x{2}>, ",
                           c.qLoraRank, c.dModel, t);
  }
  std::string qArgs =
      c.hasQueryCompression()
          ? llvm::formatv("%w_dq: tensor<{0}x{1}x{2}>, %q_norm: "
                          "tensor<{0}x{2}>, ",
                          c.qLoraRank, c.dModel, t)
                .str()
          : "";
  std::string types = llvm::formatv(
      "tensor<{0}x{1}x{2}x{3}>, !cache, tensor<{0}x{4}xi32>, "
      "tensor<{0}xi32>, {5}tensor<{6}x{7}x{8}x{3}>, tensor<{9}x{2}x{3}>, "
      "tensor<{10}x{3}>, tensor<{6}x{11}x{10}x{3}>, "
      "tensor<{6}x{12}x{10}x{3}>, tensor<{2}x{6}x{12}x{3}>",
      batch, tokens, c.dModel, t, tableWidth, qTypes, c.heads,
      c.qkNopeHeadDim + c.qkRopeHeadDim, c.queryInputDim(), c.rowWidth(),
      c.kvLoraRank, c.qkNopeHeadDim, c.vHeadDim);
  return llvm::formatv(
      R"mlir(
!cache = !mla.paged_cache<pages = {0}, page_size = {1}, latent = {2}, rope = {3}, {4}>
#cfg = #mla.config<heads = {5}, d_model = {6}, q_lora_rank = {7}, kv_lora_rank = {2}, qk_nope_head_dim = {8}, qk_rope_head_dim = {3}, v_head_dim = {9}, rope = {10}, storage = {4}>
func.func @step(%hidden: tensor<{11}x{12}x{6}x{4}>, %cache: !cache,
    %bt: tensor<{11}x{13}xi32>, %lens: tensor<{11}xi32>, {14}
    %w_uq: tensor<{5}x{15}x{16}x{4}>, %w_dkv: tensor<{17}x{6}x{4}>,
    %kv_norm: tensor<{2}x{4}>, %w_uk: tensor<{5}x{8}x{2}x{4}>,
    %w_uv: tensor<{5}x{9}x{2}x{4}>, %w_o: tensor<{6}x{5}x{9}x{4}>)
    -> (tensor<{11}x{12}x{6}x{4}>, !cache) {{
  %out, %new = mla.decode_step %hidden, %cache[%bt, %lens] {18}weights(%w_uq,
      %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {{config = #cfg}
      : ({19}) -> (tensor<{11}x{12}x{6}x{4}>, !cache)
  return %out, %new : tensor<{11}x{12}x{6}x{4}>, !cache
}
)mlir",
      cache.numPages, cache.pageSize, c.kvLoraRank, c.qkRopeHeadDim, t, c.heads,
      c.dModel, c.qLoraRank, c.qkNopeHeadDim, c.vHeadDim, rope, batch, tokens,
      tableWidth, qArgs, c.qkNopeHeadDim + c.qkRopeHeadDim, c.queryInputDim(),
      c.rowWidth(), qWeights, types);
}

// form, storage, heads, query tokens, page size, pairing, q_lora, YaRN
using StepCase =
    std::tuple<Form, StorageType, int, int, int, RopePairing, bool, bool>;

/// Compiles the step in `form`, runs it on a batch with the given cached
/// lengths (pages in a random order, NaN in every unwritten row, 2^30 in
/// unused block-table entries) and compares the output and the cache with
/// the reference.
void checkStep(const StepCase &step, const std::vector<int32_t> &lengths) {
  auto [form, storage, heads, tokens, pageSize, pairing, queryCompression,
        yarn] = step;
  LayerConfig config = smallConfig(heads, pairing, queryCompression, yarn);
  RandomSource random(unsigned(form) * 100003 + heads * 1009 + tokens * 101 +
                      pageSize * 7 + queryCompression * 3 + yarn);
  int64_t numPages = 8;
  for (int32_t length : lengths)
    numPages += (length + tokens + pageSize - 1) / pageSize;
  PagedCache cache = random.nanCache(config, numPages, pageSize);
  SequenceTable table = random.table(lengths, tokens, pageSize, numPages);
  random.fillHistory(cache, table, storage);
  LayerWeights w = random.weights(config, storage);
  int64_t batch = lengths.size();
  std::vector<float> hidden =
      random.values(batch * tokens * config.dModel, storage);

  mlir::DialectRegistry registry;
  registry.insert<mlir::mla::MlaDialect>();
  mlir::mla::registerCpuLoweringDialects(registry);
  mlir::MLIRContext context(registry);
  std::string source =
      decodeStepModule(config, storage, batch, tokens, cache, table.width);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  ASSERT_TRUE(module) << source;
  rewriteTo(form, *module);
  llvm::Expected<std::unique_ptr<CpuKernel>> kernel =
      CpuKernel::compile(*module, "step");
  ASSERT_TRUE(bool(kernel)) << llvm::toString(kernel.takeError());

  StorageBuffer hiddenBuffer(storage, hidden), cacheBuffer(storage, cache.rows);
  std::vector<StorageBuffer> weights;
  if (config.hasQueryCompression()) {
    weights.emplace_back(storage, w.wDq);
    weights.emplace_back(storage, w.qNorm);
  }
  for (const std::vector<float> *v :
       {&w.wUq, &w.wDkv, &w.kvNorm, &w.wUk, &w.wUv, &w.wO})
    weights.emplace_back(storage, *v);
  std::vector<int32_t> blockTable = table.blockTable, seqLens = table.seqLens;
  StorageBuffer out(storage, batch * tokens * config.dModel);

  int64_t h = heads, dm = config.dModel, dn = config.qkNopeHeadDim;
  int64_t dr = config.qkRopeHeadDim, dc = config.kvLoraRank;
  int64_t dv = config.vHeadDim;
  std::vector<MemRefArg> args = {
      MemRefArg(hiddenBuffer.data(), {batch, tokens, dm}),
      MemRefArg(cacheBuffer.data(), {numPages, pageSize, dc + dr}),
      MemRefArg(blockTable.data(), {batch, table.width}),
      MemRefArg(seqLens.data(), {batch})};
  size_t next = 0;
  if (config.hasQueryCompression()) {
    args.emplace_back(weights[next++].data(),
                      llvm::ArrayRef<int64_t>{config.qLoraRank, dm});
    args.emplace_back(weights[next++].data(),
                      llvm::ArrayRef<int64_t>{config.qLoraRank});
  }
  args.emplace_back(
      weights[next++].data(),
      llvm::ArrayRef<int64_t>{h, dn + dr, config.queryInputDim()});
  args.emplace_back(weights[next++].data(),
                    llvm::ArrayRef<int64_t>{dc + dr, dm});
  args.emplace_back(weights[next++].data(), llvm::ArrayRef<int64_t>{dc});
  args.emplace_back(weights[next++].data(), llvm::ArrayRef<int64_t>{h, dn, dc});
  args.emplace_back(weights[next++].data(), llvm::ArrayRef<int64_t>{h, dv, dc});
  args.emplace_back(weights[next++].data(), llvm::ArrayRef<int64_t>{dm, h, dv});
  // The updated cache has no buffer of its own: the step appends to
  // cacheBuffer in place.
  args.emplace_back(out.data(), llvm::ArrayRef<int64_t>{batch, tokens, dm});
  llvm::Error ran = (*kernel)->run(args);
  ASSERT_FALSE(bool(ran)) << llvm::toString(std::move(ran));

  PagedCache expectedCache = cache;
  llvm::Expected<std::vector<double>> expected =
      decodeLayer(config, w, hidden, tokens, storage, expectedCache, table);
  ASSERT_TRUE(bool(expected)) << llvm::toString(expected.takeError());
  double magnitude = 0;
  for (double v : *expected)
    magnitude = std::max(magnitude, std::abs(v));
  double outTolerance = (storage == StorageType::F32 ? 1e-4 : 3e-2) * magnitude;
  for (size_t i = 0; i < expected->size(); ++i)
    ASSERT_NEAR(out.get(i), (*expected)[i], outTolerance) << "output " << i;

  // The rows the step wrote, and every other row left as it was (NaN stays
  // NaN where nothing was written).
  double rowTolerance = storage == StorageType::F32 ? 1e-5 : 0x1p-7;
  for (size_t i = 0; i < expectedCache.rows.size(); ++i) {
    float want = expectedCache.rows[i], got = cacheBuffer.get(i);
    if (std::isnan(want)) {
      ASSERT_TRUE(std::isnan(got)) << "cache value " << i << " overwritten";
      continue;
    }
    ASSERT_NEAR(got, want, rowTolerance * std::max(1.0f, std::abs(want)))
        << "cache value " << i;
  }
}

// Short sequences, every form against the small heads, query tokens and
// page sizes, both pairings, with and without q_lora.
class DecodeStepOnCpu : public ::testing::TestWithParam<StepCase> {};

TEST_P(DecodeStepOnCpu, MatchesReference) {
  checkStep(GetParam(), {0, 1, 15, 16, 40});
}

// Lengths around and across 64-row pages up to 1000, every form against the
// large heads, 4 query tokens and the large page sizes.
class LongDecodeStepOnCpu : public ::testing::TestWithParam<StepCase> {};

TEST_P(LongDecodeStepOnCpu, MatchesReference) {
  checkStep(GetParam(), {0, 1, 63, 64, 65, 1000});
}

std::string stepCaseName(const ::testing::TestParamInfo<StepCase> &info) {
  auto [form, storage, heads, tokens, pageSize, pairing, queryCompression,
        yarn] = info.param;
  return std::string(formName(form)) + "_" + toString(storage).str() +
         "_heads" + std::to_string(heads) + "_tokens" + std::to_string(tokens) +
         "_page" + std::to_string(pageSize) +
         (pairing == RopePairing::Half ? "_half" : "_interleaved") +
         (queryCompression ? "_qlora" : "") + (yarn ? "_yarn" : "");
}

INSTANTIATE_TEST_SUITE_P(
    EveryForm, DecodeStepOnCpu,
    ::testing::Combine(
        ::testing::Values(Form::Naive, Form::Absorbed, Form::Fused, Form::Split,
                          Form::Rewritten),
        ::testing::Values(StorageType::F32, StorageType::BF16),
        ::testing::Values(1, 3), ::testing::Values(1, 2),
        ::testing::Values(1, 16),
        ::testing::Values(RopePairing::Interleaved, RopePairing::Half),
        ::testing::Bool(), ::testing::Values(true)),
    stepCaseName);

INSTANTIATE_TEST_SUITE_P(
    EveryForm, LongDecodeStepOnCpu,
    ::testing::Combine(::testing::Values(Form::Naive, Form::Absorbed,
                                         Form::Fused, Form::Split,
                                         Form::Rewritten),
                       ::testing::Values(StorageType::BF16),
                       ::testing::Values(16, 128), ::testing::Values(1, 4),
                       ::testing::Values(64, 256),
                       ::testing::Values(RopePairing::Half),
                       ::testing::Values(true), ::testing::Values(true)),
    stepCaseName);

} // namespace
