//===- BoundLaunchTest.cpp - kernel parameters bound to value slots -------===//
//
// Binding, without a GPU: each parameter resolves to its slot and kind, a
// grid count to its slot; a name with no slot, a slot out of the table, a
// type the runtime cannot pass and more than 32 parameters fail naming the
// kernel and parameter; grids and values read from the slots, rejecting
// negative counts, grids too large, negative ints and ints that do not
// fit, a null TMA descriptor and a table of the wrong size.
//
//===----------------------------------------------------------------------===//

#include "runtime/cuda/BoundLaunch.h"

#include "llvm/ADT/StringSwitch.h"

#include <gtest/gtest.h>

using namespace mlagen;

namespace {

std::string errorOf(llvm::Error e) {
  return e ? llvm::toString(std::move(e)) : "no error";
}

/// A kernel like the combine: (float *out, CUtensorMap map, int rows), a
/// grid of ceil(rows / 4) x 3 x 1.
KernelLaunch kernel() {
  KernelLaunch k;
  k.name = "mla_combine_0";
  k.op = "mla.combine";
  k.params = {{"out", "float *", "output", std::nullopt},
              {"map", "const __grid_constant__ CUtensorMap", "cache",
               TensorMapDescription{
                   "cache", "bf16", "pages x 64", 576, 1152, {64, 64}}},
              {"rows", "int", "row count", std::nullopt}};
  k.grid = {LaunchDim{"rows", 1, 4}, LaunchDim{"", 3, 1}, LaunchDim{}};
  k.block = 128;
  return k;
}

/// Stands for the host address of a TMA descriptor (never read here).
constexpr uint64_t kMap = 0x7000;

std::optional<unsigned> slotOf(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<unsigned>>(name)
      .Case("out", 2)
      .Case("map", 0)
      .Case("rows", 1)
      .Default(std::nullopt);
}

TEST(BoundLaunch, ResolvesParametersAndGridCounts) {
  llvm::Expected<BoundLaunch> bound = bindLaunch(kernel(), 5, 3, slotOf);
  ASSERT_TRUE(bool(bound)) << llvm::toString(bound.takeError());
  EXPECT_EQ(bound->kernel, 5u);
  ASSERT_EQ(bound->params.size(), 3u);
  EXPECT_EQ(bound->params[0].kind, BoundLaunch::Kind::Pointer);
  EXPECT_EQ(bound->params[0].slot, 2u);
  EXPECT_EQ(bound->params[1].kind, BoundLaunch::Kind::TensorMap);
  EXPECT_EQ(bound->params[1].slot, 0u);
  EXPECT_EQ(bound->params[2].kind, BoundLaunch::Kind::Int);
  EXPECT_EQ(bound->params[2].slot, 1u);
  EXPECT_EQ(bound->countSlots[0], std::optional<unsigned>(1));
  EXPECT_FALSE(bound->countSlots[1]);

  std::vector<uint64_t> slots = {kMap, 10, 0x1000};
  std::array<unsigned, 3> grid;
  ASSERT_EQ(errorOf(bound->gridFor(kernel(), slots, grid)), "no error");
  EXPECT_EQ(grid, (std::array<unsigned, 3>{3, 3, 1}));
  std::array<int, BoundLaunch::kMaxParams> ints;
  ASSERT_EQ(errorOf(bound->valuesFor(kernel(), slots, ints)), "no error");
  EXPECT_EQ(ints[2], 10);

  std::vector<uint64_t> noMap = {0, 10, 0x1000};
  EXPECT_EQ(errorOf(bound->valuesFor(kernel(), noMap, ints)),
            "mla_combine_0: no TMA descriptor for parameter 'map'");
  std::vector<uint64_t> short_ = {kMap, 10};
  EXPECT_EQ(errorOf(bound->valuesFor(kernel(), short_, ints)),
            "mla_combine_0: internal error: a table of 2 slots, bound to one "
            "of 3");
  EXPECT_EQ(errorOf(bound->gridFor(kernel(), short_, grid)),
            "mla_combine_0: internal error: a table of 2 slots, bound to one "
            "of 3");
}

TEST(BoundLaunch, BindingErrorsNameTheParameter) {
  auto noRows = [](llvm::StringRef name) -> std::optional<unsigned> {
    return name == "rows" ? std::nullopt : slotOf(name);
  };
  EXPECT_EQ(errorOf(bindLaunch(kernel(), 0, 3, noRows).takeError()),
            "mla_combine_0: no value for parameter 'rows' (int)");
  EXPECT_EQ(errorOf(bindLaunch(kernel(), 0, 2, slotOf).takeError()),
            "mla_combine_0: parameter 'out' bound to slot 2 of 2");
  KernelLaunch odd = kernel();
  odd.params[2].type = "float";
  odd.grid[0] = LaunchDim{};
  EXPECT_EQ(errorOf(bindLaunch(odd, 0, 3, slotOf).takeError()),
            "mla_combine_0: parameter 'rows' has type 'float', which the "
            "runtime cannot pass");
  KernelLaunch most = kernel();
  most.params.resize(BoundLaunch::kMaxParams, most.params[0]);
  EXPECT_TRUE(bool(bindLaunch(most, 0, 3, slotOf)));
  KernelLaunch many = kernel();
  many.params.resize(BoundLaunch::kMaxParams + 1, many.params[0]);
  EXPECT_EQ(errorOf(bindLaunch(many, 0, 3, slotOf).takeError()),
            "mla_combine_0: takes 33 parameters, more than the 32 a launch "
            "passes");
}

TEST(BoundLaunch, RejectsCountsAndIntsOutOfRange) {
  llvm::Expected<BoundLaunch> bound = bindLaunch(kernel(), 0, 3, slotOf);
  ASSERT_TRUE(bool(bound)) << llvm::toString(bound.takeError());
  std::array<unsigned, 3> grid;
  std::array<int, BoundLaunch::kMaxParams> ints;
  std::vector<uint64_t> negative = {kMap, uint64_t(-5), 0x1000};
  EXPECT_EQ(errorOf(bound->gridFor(kernel(), negative, grid)),
            "mla_combine_0: grid count -5 is negative");
  EXPECT_EQ(errorOf(bound->valuesFor(kernel(), negative, ints)),
            "mla_combine_0: parameter 'rows' = -5 is negative");
  std::vector<uint64_t> huge = {kMap, uint64_t(1) << 40, 0x1000};
  EXPECT_EQ(errorOf(bound->gridFor(kernel(), huge, grid)),
            "mla_combine_0: grid count 1099511627776 needs 274877906944 CTAs "
            "in dimension 0, more than a grid takes");
  std::vector<uint64_t> largest = {kMap, uint64_t(INT64_MAX), 0x1000};
  EXPECT_EQ(errorOf(bound->gridFor(kernel(), largest, grid)),
            "mla_combine_0: grid count 9223372036854775807 needs "
            "2305843009213693952 CTAs in dimension 0, more than a grid takes");
  EXPECT_EQ(errorOf(bound->valuesFor(kernel(), huge, ints)),
            "mla_combine_0: parameter 'rows' = 1099511627776 does not fit an "
            "int");
}

} // namespace
