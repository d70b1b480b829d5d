//===- CpuVariantTest.cpp - the CPU back end's choices --------------------===//
//
// The text form of a CPU variant, its range checks, the heuristic, and that
// every variant computes the same step (within the reference tolerances).
//
//===----------------------------------------------------------------------===//

#include "mlagen/CpuVariant.h"
#include "mlagen/CpuRunner.h"
#include "mlagen/Presets.h"
#include "mlagen/Problem.h"

#include "llvm/Support/raw_ostream.h"
#include <cctype>
#include <gtest/gtest.h>

using namespace mlagen;

namespace {

Problem liteProblem(RunMode mode, std::vector<int32_t> lengths,
                    int64_t queryTokens = 1, int64_t pageSize = 16) {
  llvm::Expected<LayerConfig> config = presetLayerConfig("deepseek-v2-lite");
  if (!config) // a bug: the preset is built in
    llvm::report_fatal_error(config.takeError());
  ProblemShape shape;
  shape.mode = mode;
  shape.queryTokens = queryTokens;
  shape.pageSize = pageSize;
  shape.seqLens = std::move(lengths);
  llvm::Expected<Problem> p = makeRandomProblem(*config, shape, /*seed=*/7);
  if (!p) // every shape here fits
    llvm::report_fatal_error(p.takeError());
  return std::move(*p);
}

std::string errorOf(llvm::Error e) { return llvm::toString(std::move(e)); }

TEST(CpuVariant, TextRoundTripsAndOverridesItsBase) {
  CpuVariant v;
  v.splits = 3;
  v.chunks = 2;
  v.threads = 5;
  v.accumulatorRegisters = 8;
  v.innerRegisters = 2;
  EXPECT_EQ(v.str(), "splits=3,chunks=2,threads=5,acc=8,inner=2,amx=0,dot=0");
  llvm::Expected<CpuVariant> back = CpuVariant::parse(v.str(), CpuVariant());
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  EXPECT_EQ(*back, v);
  llvm::Expected<CpuVariant> over = CpuVariant::parse("inner=1, splits=9", v);
  ASSERT_TRUE(bool(over));
  EXPECT_EQ(over->str(),
            "splits=9,chunks=2,threads=5,acc=8,inner=1,amx=0,dot=0");
}

TEST(CpuVariant, ParseErrorsNameTheField) {
  llvm::Expected<CpuVariant> unknown =
      CpuVariant::parse("warps=4", CpuVariant());
  ASSERT_FALSE(bool(unknown));
  EXPECT_NE(errorOf(unknown.takeError())
                .find("unknown CPU variant field "
                      "'warps'"),
            std::string::npos);
  llvm::Expected<CpuVariant> bad = CpuVariant::parse("acc=x", CpuVariant());
  ASSERT_FALSE(bool(bad));
  EXPECT_NE(errorOf(bad.takeError()).find("'acc' is not an integer"),
            std::string::npos);
}

TEST(CpuVariant, CheckRejectsWhatDoesNotFit) {
  Problem p = liteProblem(RunMode::Attention, {100, 200, 300});
  auto rejected = [&](const char *text, const char *why) {
    llvm::Expected<CpuVariant> v = CpuVariant::parse(text, CpuVariant());
    ASSERT_TRUE(bool(v));
    std::string error = errorOf(v->check(p));
    EXPECT_NE(error.find(why), std::string::npos) << text << ": " << error;
  };
  rejected("chunks=2", "'chunks' must divide the batch of 3");
  rejected("splits=0", "'splits' must be in [1, 1024]");
  rejected("threads=-1", "'threads' must be in [0, 1024]");
  rejected("acc=12", "'acc' must be a power of two in [1, 32]");
  rejected("inner=16", "'inner' must be a power of two in [1, 8]");
  rejected("amx=2", "'amx' must be 0 or 1");
  if (!hostHasAmxTiles())
    rejected("amx=1", "'amx' is 1, but this CPU has no AMX-BF16 tiles");
  rejected("dot=-1", "'dot' must be 0 or 1");
  if (!hostHasAvx512Bf16())
    rejected("dot=1", "'dot' is 1, but this CPU has no AVX512-BF16");
  llvm::Expected<CpuVariant> fits =
      CpuVariant::parse("chunks=3,splits=4", CpuVariant());
  ASSERT_TRUE(bool(fits));
  EXPECT_FALSE(bool(fits->check(p)));

  // A layer step whose chunks share a page: one call would append where
  // the other reads.
  Problem layer = liteProblem(RunMode::Layer, {40, 40});
  layer.table.blockTable[layer.table.width] = layer.table.blockTable[0];
  CpuVariant two;
  two.chunks = 2;
  EXPECT_NE(errorOf(two.check(layer)).find("common cache page"),
            std::string::npos);
}

TEST(CpuVariant, HeuristicFillsTheCores) {
  // One sequence: split it so that both cores work.
  CpuVariant one =
      chooseCpuVariant(liteProblem(RunMode::Attention, {4096}), /*cores=*/2);
  // The register block as the host's vector registers allow.
  EXPECT_EQ(one.str(),
            std::string("splits=2,chunks=1,threads=2,") +
                (hostHasAvx512() ? "acc=16,inner=4" : "acc=4,inner=1") +
                ",amx=" + (hostHasAmxTiles() ? "1" : "0") + ",dot=" +
                (!hostHasAmxTiles() && hostHasAvx512Bf16() ? "1" : "0"));
  // Enough sequences: no split.
  CpuVariant four =
      chooseCpuVariant(liteProblem(RunMode::Attention, {4096, 10, 20, 30}), 2);
  EXPECT_EQ(four.splits, 1);
  // Short sequences are not split below 256 keys a split.
  EXPECT_EQ(chooseCpuVariant(liteProblem(RunMode::Attention, {300}), 16).splits,
            1);
  EXPECT_EQ(
      chooseCpuVariant(liteProblem(RunMode::Attention, {8192}), 16).splits, 16);
  EXPECT_EQ(
      chooseCpuVariant(liteProblem(RunMode::Attention, {64 * 256 * 4}), 128)
          .splits,
      64);
  // A layer step is one call on every core: its weights stream once.
  CpuVariant layer =
      chooseCpuVariant(liteProblem(RunMode::Layer, {64, 64, 64, 64}), 2);
  EXPECT_EQ(layer.chunks, 1);
  EXPECT_EQ(layer.threads, 2);
}

TEST(CpuVariant, HeuristicUsesTilesWhereTheyFit) {
  Problem bf16 = liteProblem(RunMode::Attention, {300});
  EXPECT_TRUE(amxTilesFit(bf16));
  EXPECT_EQ(chooseCpuVariant(bf16, 2).amx, hostHasAmxTiles() ? 1 : 0);
  // Pages of 8 keys are half a tile: vector FMAs.
  Problem shortPages =
      liteProblem(RunMode::Attention, {300}, /*queryTokens=*/1, /*pageSize=*/8);
  EXPECT_FALSE(amxTilesFit(shortPages));
  EXPECT_EQ(chooseCpuVariant(shortPages, 2).amx, 0);
}

TEST(CpuVariant, HeuristicUsesPairDotsWhereTheyFitAndNoTiles) {
  Problem bf16 = liteProblem(RunMode::Attention, {300});
  EXPECT_TRUE(pairDotsFit(bf16));
  EXPECT_EQ(chooseCpuVariant(bf16, 2).dot,
            !hostHasAmxTiles() && hostHasAvx512Bf16() ? 1 : 0);
  // Pages of 8 keys still pair up; pages of 5 do not.
  EXPECT_TRUE(pairDotsFit(liteProblem(RunMode::Attention, {300}, 1, 8)));
  Problem oddPages = liteProblem(RunMode::Attention, {300}, 1, /*pageSize=*/5);
  EXPECT_FALSE(pairDotsFit(oddPages));
  EXPECT_EQ(chooseCpuVariant(oddPages, 2).dot, 0);
}

/// Every variant of the same step agrees with the reference.
class EveryCpuVariant : public testing::TestWithParam<const char *> {};

TEST_P(EveryCpuVariant, MatchesReference) {
  if (llvm::StringRef(GetParam()).contains("amx=1") && !hostHasAmxTiles())
    GTEST_SKIP() << "this CPU has no AMX-BF16 tiles (or the OS refused them)";
  if (llvm::StringRef(GetParam()).contains("dot=1") && !hostHasAvx512Bf16())
    GTEST_SKIP() << "this CPU has no AVX512-BF16";
  for (RunMode mode : {RunMode::Attention, RunMode::Layer}) {
    Problem p = liteProblem(mode, {700, 0, 333, 1024}, /*queryTokens=*/2);
    llvm::Expected<CpuVariant> v = CpuVariant::parse(GetParam(), CpuVariant());
    ASSERT_TRUE(bool(v));
    llvm::Expected<std::unique_ptr<CpuRunner>> runner =
        CpuRunner::create(p, /*rewrite=*/true, *v);
    ASSERT_TRUE(bool(runner)) << llvm::toString(runner.takeError());
    EXPECT_EQ((*runner)->variant(), *v);
    ASSERT_FALSE(bool((*runner)->run()));
    std::string log;
    llvm::raw_string_ostream os(log);
    llvm::Expected<bool> agrees = verifyStep(p, (*runner)->result(), os);
    ASSERT_TRUE(bool(agrees)) << llvm::toString(agrees.takeError());
    EXPECT_TRUE(*agrees) << GetParam() << "\n" << log;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Variants, EveryCpuVariant,
    testing::Values("splits=1,threads=1", "splits=3,threads=2",
                    "splits=7,threads=3,acc=4,inner=1",
                    "splits=2,chunks=2,threads=1,acc=32,inner=8",
                    "splits=64,chunks=4,threads=2,acc=8,inner=2",
                    "splits=1,threads=1,amx=0", "splits=3,threads=2,amx=1",
                    "splits=2,chunks=2,threads=1,amx=1",
                    "splits=1,threads=1,amx=0,dot=1",
                    "splits=3,threads=2,acc=8,inner=2,dot=1",
                    "splits=2,chunks=2,threads=1,acc=32,inner=8,dot=1"),
    [](const testing::TestParamInfo<const char *> &info) {
      std::string name = info.param;
      for (char &c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)))
          c = '_';
      return name;
    });

} // namespace
