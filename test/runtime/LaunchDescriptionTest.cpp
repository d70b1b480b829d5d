//===- LaunchDescriptionTest.cpp - reading the printer's launch JSON ------===//
//
// The runtime launches generated kernels from the launch description at the
// end of the unit (no IR). A unit generated for the DeepSeek-V3 attention
// step (the wgmma kernel with its TMA descriptor, and the combine) and for
// a prefill reads back as the printer described it; damaged descriptions
// are rejected with the JSON path at fault; grids follow the int
// parameters.
//
//===----------------------------------------------------------------------===//

#include "dialect/MlaDialect.h"
#include "mlagen/CudaUnit.h"
#include "runtime/cuda/BoundLaunch.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlagen;

namespace {

constexpr const char *kAttention = R"mlir(
#cfg = #mla.config<"deepseek-v3">
!cache = !mla.paged_cache<pages = ?, page_size = 64, latent = 512, rope = 64, bf16>
func.func @attention(%q: tensor<4x2x128x512xbf16>, %qr: tensor<4x2x128x64xbf16>,
                     %cache: !cache, %bt: tensor<4x?xi32>, %lens: tensor<4xi32>)
    -> (tensor<4x2x128x512xbf16>, tensor<4x2x128xf32>) {
  %o, %l = mla.latent_attention %q, %qr, %cache[%bt, %lens] {causal, config = #cfg}
      : (tensor<4x2x128x512xbf16>, tensor<4x2x128x64xbf16>, !cache, tensor<4x?xi32>,
         tensor<4xi32>) -> (tensor<4x2x128x512xbf16>, tensor<4x2x128xf32>)
  return %o, %l : tensor<4x2x128x512xbf16>, tensor<4x2x128xf32>
}
)mlir";

llvm::Expected<CudaUnit> generate(const char *source, CudaUnitOptions options) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::mla::MlaDialect, mlir::func::FuncDialect>();
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  if (!module)
    return llvm::createStringError("does not parse");
  return generateCudaUnit(*module, options);
}

const LaunchParam *param(const KernelLaunch &k, llvm::StringRef name) {
  for (const LaunchParam &p : k.params)
    if (p.name == name)
      return &p;
  return nullptr;
}

/// The grid of `k` for the int parameter values `ints` (the others 0),
/// through a binding of each parameter to a slot of its own.
llvm::Expected<std::array<unsigned, 3>>
gridOf(const KernelLaunch &k, const llvm::StringMap<int64_t> &ints) {
  llvm::Expected<BoundLaunch> bound = bindInOrder(k, 0);
  if (!bound)
    return bound.takeError();
  std::vector<uint64_t> slots(k.params.size());
  for (auto [i, p] : llvm::enumerate(k.params))
    slots[i] = uint64_t(ints.lookup(p.name));
  std::array<unsigned, 3> grid;
  if (llvm::Error e = bound->gridFor(k, slots, grid))
    return std::move(e);
  return grid;
}

TEST(LaunchDescription, ReadsTheWgmmaAttentionAndTheCombine) {
  CudaUnitOptions options;
  options.arch = "sm_90a";
  options.splits = 4;
  llvm::Expected<CudaUnit> unit = generate(kAttention, options);
  ASSERT_TRUE(bool(unit)) << llvm::toString(unit.takeError());
  ASSERT_EQ(unit->kernels.size(), 2u);
  const KernelLaunch &attention = unit->kernels[0];
  EXPECT_EQ(attention.name, "mla_kernel_0_attention");
  EXPECT_EQ(attention.op, "mla.partial_latent_attention");
  EXPECT_EQ(attention.block, 256);
  EXPECT_EQ(attention.dynamicSharedBytes, 164880);
  // 256 query rows in CTAs of 64, 4 splits, the batch.
  EXPECT_EQ(attention.grid[0].count, 4);
  EXPECT_EQ(attention.grid[1].count, 4);
  EXPECT_EQ(attention.grid[2].countParam, "batch");
  const LaunchParam *map = param(attention, "cache_map");
  ASSERT_TRUE(map && map->tensorMap);
  EXPECT_EQ(map->tensorMap->element, "bf16");
  EXPECT_EQ(map->tensorMap->columns, 576);
  EXPECT_EQ(map->tensorMap->rowStrideBytes, 1152);
  EXPECT_EQ(map->tensorMap->box, (std::array<int64_t, 2>{64, 32}));
  EXPECT_EQ(map->tensorMap->rows, "pages x 64");
  ASSERT_TRUE(param(attention, "block_table"));
  EXPECT_TRUE(param(attention, "block_table")->isPointer());
  EXPECT_TRUE(param(attention, "table_width")->isInt());
  llvm::Expected<std::array<unsigned, 3>> grid =
      gridOf(attention, {{"batch", 4}, {"table_width", 9}});
  ASSERT_TRUE(bool(grid)) << llvm::toString(grid.takeError());
  EXPECT_EQ(*grid, (std::array<unsigned, 3>{4, 4, 4}));

  const KernelLaunch &combine = unit->kernels[1];
  EXPECT_EQ(combine.op, "mla.combine");
  EXPECT_EQ(combine.grid[0].countParam, "rows");
  EXPECT_EQ(combine.grid[1].count, 1);
  EXPECT_EQ(combine.grid[2].count, 1);
  grid = gridOf(combine, {{"rows", 1024}});
  ASSERT_TRUE(bool(grid));
  EXPECT_EQ((*grid)[0], 1024u / combine.grid[0].perBlock);
  grid = gridOf(combine, {{"rows", -1}});
  ASSERT_FALSE(bool(grid));
  EXPECT_EQ(llvm::toString(grid.takeError()),
            "mla_kernel_1_combine: grid count -1 is negative");
}

TEST(LaunchDescription, TheMmaSyncAttentionTakesThePlainCache) {
  CudaUnitOptions options;
  options.arch = "sm_80";
  options.splits = 1;
  llvm::Expected<CudaUnit> unit = generate(kAttention, options);
  ASSERT_TRUE(bool(unit)) << llvm::toString(unit.takeError());
  ASSERT_EQ(unit->kernels.size(), 1u);
  EXPECT_EQ(unit->kernels[0].op, "mla.latent_attention");
  EXPECT_FALSE(param(unit->kernels[0], "cache_map"));
  ASSERT_TRUE(param(unit->kernels[0], "cache"));
  EXPECT_EQ(param(unit->kernels[0], "cache")->type, "const mlagen_u16 *");
}

/// A description with one kernel whose JSON text is `kernel`.
std::string unitWith(llvm::StringRef kernel,
                     llvm::StringRef format = "mlagen-launch-1") {
  return ("// code\n/* mlagen-launch\n{\"format\": \"" + format +
          "\", \"kernels\": [" + kernel + "]}\n*/\n")
      .str();
}

constexpr const char *kGood =
    R"({"name": "k", "op": "mla.combine", "block": [128, 1, 1],
        "dynamic_shared_bytes": 0,
        "grid": [{"count_param": "rows", "per_block": 4},
                 {"count": 1, "per_block": 1}, {"count": 1, "per_block": 1}],
        "params": [{"name": "rows", "type": "int", "meaning": "rows"}]})";

/// `text` with its first `from` replaced by `to`.
std::string replaced(std::string text, llvm::StringRef from,
                     llvm::StringRef to) {
  size_t at = text.find(from.str());
  EXPECT_NE(at, std::string::npos) << from.str();
  if (at != std::string::npos)
    text.replace(at, from.size(), to.str());
  return text;
}

std::string errorOf(const std::string &source) {
  llvm::Expected<std::vector<KernelLaunch>> kernels =
      parseLaunchDescription(source);
  if (kernels)
    return "no error";
  return llvm::toString(kernels.takeError());
}

TEST(LaunchDescription, RejectsDamagedDescriptions) {
  EXPECT_EQ(errorOf(unitWith(kGood)), "no error");
  EXPECT_EQ(errorOf("__global__ void k() {}\n"),
            "no launch description (/* mlagen-launch ... */) in the unit");
  EXPECT_NE(errorOf("/* mlagen-launch\n{\"format\": \n*/")
                .find("launch description: "),
            std::string::npos);
  EXPECT_EQ(errorOf(unitWith(kGood, "mlagen-launch-2")),
            "launch description: format is not mlagen-launch-1");
  std::string noBlock = replaced(kGood, "\"block\"", "\"blocks\"");
  EXPECT_NE(errorOf(unitWith(noBlock))
                .find("missing value at launch description.kernels[0].block"),
            std::string::npos)
      << errorOf(unitWith(noBlock));
  std::string wideBlock = replaced(kGood, "[128, 1, 1]", "[128, 2, 1]");
  EXPECT_NE(errorOf(unitWith(wideBlock))
                .find("expected [threads, 1, 1] at launch "
                      "description.kernels[0].block"),
            std::string::npos);
  std::string strangeCount =
      replaced(kGood, "\"count_param\": \"rows\"", "\"count_param\": \"cols\"");
  EXPECT_NE(errorOf(unitWith(strangeCount))
                .find("counts an int parameter the kernel lacks at launch "
                      "description.kernels[0].grid"),
            std::string::npos)
      << errorOf(unitWith(strangeCount));
  std::string zeroPerBlock =
      replaced(kGood, "\"per_block\": 4", "\"per_block\": 0");
  EXPECT_NE(errorOf(unitWith(zeroPerBlock)).find("expected a positive count"),
            std::string::npos);
  std::string twoDims =
      replaced(kGood, ", {\"count\": 1, \"per_block\": 1}]", "]");
  EXPECT_NE(errorOf(unitWith(twoDims)).find("expected three dimensions"),
            std::string::npos)
      << errorOf(unitWith(twoDims));
}

} // namespace
