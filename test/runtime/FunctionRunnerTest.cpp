//===- FunctionRunnerTest.cpp - user functions on the CPU -----------------===//
//
// FunctionRunner rejects operands that do not match the function, naming
// the operand, and returns a cache the function appends to from the
// operand's own buffer (updated in place, not copied).
//
//===----------------------------------------------------------------------===//

#include "mlagen/FunctionRunner.h"
#include "dialect/MlaDialect.h"
#include "passes/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace mlagen;

namespace {

constexpr const char *kAppend = R"mlir(
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = f32>
!cache = !mla.paged_cache<pages = 4, page_size = 4, latent = 16, rope = 4, f32>
func.func @append(%c_kv: tensor<2x1x16xf32>, %k_rope: tensor<2x1x4xf32>,
                  %cache: !cache, %block_table: tensor<2x2xi32>,
                  %seq_lens: tensor<2xi32>) -> !cache {
  %0 = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens]
      {config = #cfg}
      : tensor<2x1x16xf32>, tensor<2x1x4xf32> into !cache[tensor<2x2xi32>, tensor<2xi32>]
  return %0 : !cache
}
)mlir";

class FunctionRunnerTest : public ::testing::Test {
protected:
  void SetUp() override {
    mlir::DialectRegistry registry;
    registry.insert<mlir::mla::MlaDialect>();
    mlir::mla::registerCpuLoweringDialects(registry);
    context.appendDialectRegistry(registry);
    module = mlir::parseSourceString<mlir::ModuleOp>(kAppend, &context);
    ASSERT_TRUE(module);
    function = module->lookupSymbol<mlir::func::FuncOp>("append");
  }

  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  mlir::func::FuncOp function;
  FunctionShape shape;
};

TEST_F(FunctionRunnerTest, AppendsInPlaceWhereTheSequencesEnd) {
  shape.seqLen = 3;
  llvm::Expected<std::vector<FunctionValue>> operands =
      makeFunctionInputs(function, shape, /*seed=*/7);
  ASSERT_TRUE(bool(operands)) << llvm::toString(operands.takeError());
  const FunctionValue &table = (*operands)[3], &lens = (*operands)[4];
  EXPECT_EQ(table.role, ValueRole::BlockTable);
  EXPECT_EQ(lens.role, ValueRole::SequenceLengths);
  // 4 pages for 2 sequences: 2 pages (8 rows) each, room for 3 + 1.
  EXPECT_EQ(lens.ints, (std::vector<int32_t>{3, 3}));
  EXPECT_NE(table.ints[0], table.ints[2]);

  llvm::Expected<std::unique_ptr<FunctionRunner>> runner =
      FunctionRunner::create(*module, "append", /*rewrite=*/true, 0, shape,
                             *operands);
  ASSERT_TRUE(bool(runner)) << llvm::toString(runner.takeError());
  ASSERT_FALSE(bool((*runner)->run()));
  std::vector<FunctionValue> results = (*runner)->results();
  ASSERT_EQ(results.size(), 1u);
  const std::vector<float> &before = (*operands)[2].floats;
  const std::vector<float> &after = results[0].floats;
  ASSERT_EQ(after.size(), before.size());
  // Row 3 of each sequence's first page now holds its new token; every
  // other value is as it was (NaN stays NaN).
  const int64_t row = 20, pageSize = 4;
  for (int64_t b = 0; b < 2; ++b) {
    int64_t first = (table.ints[b * 2] * pageSize + 3) * row;
    for (int64_t i = 0; i < 16; ++i)
      EXPECT_EQ(after[first + i], (*operands)[0].floats[b * 16 + i]);
    for (int64_t i = 0; i < 4; ++i)
      EXPECT_EQ(after[first + 16 + i], (*operands)[1].floats[b * 4 + i]);
  }
  int64_t changed = 0;
  for (size_t i = 0; i < after.size(); ++i)
    if (!(after[i] == before[i] ||
          (std::isnan(after[i]) && std::isnan(before[i]))))
      ++changed;
  EXPECT_EQ(changed, 2 * row);
}

TEST_F(FunctionRunnerTest, RejectsAMismatchedOperandByName) {
  llvm::Expected<std::vector<FunctionValue>> operands =
      makeFunctionInputs(function, shape, /*seed=*/7);
  ASSERT_TRUE(bool(operands)) << llvm::toString(operands.takeError());
  (*operands)[3].shape = {2, 3};
  llvm::Expected<std::unique_ptr<FunctionRunner>> runner =
      FunctionRunner::create(*module, "append", true, 0, shape, *operands);
  ASSERT_FALSE(bool(runner));
  EXPECT_EQ(llvm::toString(runner.takeError()),
            "arg3: the function takes tensor<2x2xi32>, got tensor<2x3xi32>");

  operands->pop_back();
  runner = FunctionRunner::create(*module, "append", true, 0, shape, *operands);
  ASSERT_FALSE(bool(runner));
  EXPECT_EQ(llvm::toString(runner.takeError()),
            "@append takes 5 operands, got 4");
}

TEST_F(FunctionRunnerTest, RejectsTooFewValues) {
  llvm::Expected<std::vector<FunctionValue>> operands =
      makeFunctionInputs(function, shape, /*seed=*/7);
  ASSERT_TRUE(bool(operands)) << llvm::toString(operands.takeError());
  (*operands)[0].floats.pop_back();
  llvm::Expected<std::unique_ptr<FunctionRunner>> runner =
      FunctionRunner::create(*module, "append", true, 0, shape, *operands);
  ASSERT_FALSE(bool(runner));
  EXPECT_EQ(llvm::toString(runner.takeError()),
            "arg0: 31 values for tensor<2x1x16xf32> (32 elements)");
}

TEST_F(FunctionRunnerTest, RejectsABlockTableOutsideTheCache) {
  shape.seqLen = 3;
  llvm::Expected<std::vector<FunctionValue>> operands =
      makeFunctionInputs(function, shape, /*seed=*/7);
  ASSERT_TRUE(bool(operands)) << llvm::toString(operands.takeError());
  (*operands)[3].ints[2] = 4; // sequence 1's first page: there are 4
  llvm::Expected<std::unique_ptr<FunctionRunner>> runner =
      FunctionRunner::create(*module, "append", true, 0, shape, *operands);
  ASSERT_FALSE(bool(runner));
  EXPECT_EQ(llvm::toString(runner.takeError()),
            "arg3[1][0] = 4 is outside the cache's 4 pages");

  (*operands)[3].ints[2] = 0;
  (*operands)[4].ints[0] = 8; // 8 rows, and one more appended
  runner = FunctionRunner::create(*module, "append", true, 0, shape, *operands);
  ASSERT_FALSE(bool(runner));
  EXPECT_EQ(llvm::toString(runner.takeError()),
            "arg4[0] = 8: with the 1 tokens appended it must fit the 8 rows "
            "of arg3");
}

// A result whose dynamic dimension is not the batch mla-run assumes: the
// entry point stores nothing and the run fails, instead of writing past the
// buffer.
TEST(FunctionRunnerShapes, ChecksADynamicResultAgainstItsBuffer) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::mla::MlaDialect>();
  mlir::mla::registerCpuLoweringDialects(registry);
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(R"mlir(
func.func @twice(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %one = arith.constant 1.0 : f32
  %rows = tensor.dim %x, %c0 : tensor<?x4xf32>
  %twice = arith.muli %rows, %c2 : index
  %empty = tensor.empty(%twice) : tensor<?x4xf32>
  %filled = linalg.fill ins(%one : f32) outs(%empty : tensor<?x4xf32>) -> tensor<?x4xf32>
  return %filled : tensor<?x4xf32>
}
)mlir",
                                              &context);
  ASSERT_TRUE(module);
  auto function = module->lookupSymbol<mlir::func::FuncOp>("twice");
  FunctionShape shape;
  shape.batch = 3;
  llvm::Expected<std::vector<FunctionValue>> operands =
      makeFunctionInputs(function, shape, /*seed=*/1);
  ASSERT_TRUE(bool(operands)) << llvm::toString(operands.takeError());
  llvm::Expected<std::unique_ptr<FunctionRunner>> runner =
      FunctionRunner::create(*module, "twice", false, 0, shape, *operands);
  ASSERT_TRUE(bool(runner)) << llvm::toString(runner.takeError());
  llvm::Error ran = (*runner)->run();
  ASSERT_TRUE(bool(ran));
  EXPECT_EQ(llvm::toString(std::move(ran)),
            "untied result 0: its shape differs from the buffer given for it "
            "(a dynamic dimension guessed wrong); nothing was stored");
}

} // namespace
