//===- NestingDepthTest.cpp - the depth bound every tool applies ----------===//

#include "runtime/problem/NestingDepth.h"

#include <gtest/gtest.h>

using namespace mlagen;

namespace {

std::string check(const std::string &text, InputSyntax syntax) {
  llvm::Error e = checkNestingDepth(text, "in", syntax);
  return e ? llvm::toString(std::move(e)) : "ok";
}

TEST(NestingDepth, RefusesPastTheBoundAtTheBracket) {
  std::string deep(kMaxNestingDepth, '[');
  EXPECT_EQ(check(deep + std::string(kMaxNestingDepth, ']'), InputSyntax::Mlir),
            "ok");
  EXPECT_EQ(check("x\n  " + deep + "[", InputSyntax::Json),
            "in:2:259: nested deeper than 256 levels of brackets, braces: "
            "refused before parsing");
  // Closing brackets bring the depth back: long but shallow input passes.
  std::string wide;
  for (int i = 0; i < 10000; ++i)
    wide += "tensor<4x?xf32> ";
  EXPECT_EQ(check(wide, InputSyntax::Mlir), "ok");
}

TEST(NestingDepth, StringsCommentsAndArrowsDoNotNest) {
  std::string brackets(1000, '[');
  EXPECT_EQ(
      check("\"" + brackets + "\\\"" + brackets + "\"", InputSyntax::Json),
      "ok");
  EXPECT_EQ(check("// " + brackets + "\nfunc", InputSyntax::Mlir), "ok");
  // "->" closes nothing: 300 function types in a row stay 1 deep...
  std::string arrows;
  for (int i = 0; i < 300; ++i)
    arrows += "(i32) -> i32, ";
  EXPECT_EQ(check(arrows, InputSyntax::Mlir), "ok");
  // ... while a nested `<` per level counts.
  std::string types;
  for (int i = 0; i < 300; ++i)
    types += "tuple<";
  EXPECT_NE(check(types, InputSyntax::Mlir), "ok");
  // Angle brackets and parentheses are not JSON's.
  EXPECT_EQ(check(types, InputSyntax::Json), "ok");
}

} // namespace
