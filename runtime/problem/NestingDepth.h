//===- NestingDepth.h - refuse input nested too deep to parse ---*- C++ -*-===//
//
// MLIR's and LLVM's JSON parsers recurse once per nesting level, so 50,000
// levels of `[`, regions or types overflow the stack. Every tool scans its
// text input first and refuses one nested deeper than a bound no real
// program comes near, with where the bound was crossed.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_RUNTIME_PROBLEM_NESTINGDEPTH_H
#define MLAGEN_RUNTIME_PROBLEM_NESTINGDEPTH_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace mlagen {

/// Levels of nesting any input may have.
inline constexpr int kMaxNestingDepth = 256;

enum class InputSyntax {
  Mlir, // ( [ { < nest ("->" is no bracket); "..." strings, // comments
  Json, // [ { nest; "..." strings
};

/// An error "<name>:<line>:<column>: nested deeper than 256 levels ..." at
/// the bracket that went past kMaxNestingDepth, or success.
llvm::Error checkNestingDepth(llvm::StringRef text, llvm::StringRef name,
                              InputSyntax syntax);

/// For a tool that reads its input itself (mlir-opt and mlir-translate
/// style), before it parses its options: every argument naming a regular
/// file is checked; with none, stdin (unless a terminal) is read, checked
/// and put back as a memory file with the same bytes. Runs that only
/// inform (--help, --version, ...) are not checked. Returns the error to
/// print, or success (also when an input cannot be read: the tool says
/// why).
llvm::Error checkToolInputDepth(int argc, char **argv);

} // namespace mlagen

#endif // MLAGEN_RUNTIME_PROBLEM_NESTINGDEPTH_H
