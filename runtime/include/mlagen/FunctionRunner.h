//===- FunctionRunner.h - a user's MLA function on the CPU ------*- C++ -*-===//
//
// Compiles one function of a user's MLA module for the host CPU (after the
// mla-rewrite pipeline, or as written) and runs it on given operands. A
// paged cache the function appends to is updated in its operand's buffer,
// so repeated runs with the same lengths write the same rows.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_FUNCTIONRUNNER_H
#define MLAGEN_FUNCTIONRUNNER_H

#include "mlagen/CpuKernel.h"
#include "mlagen/FunctionValues.h"
#include "mlagen/StorageBuffer.h"

#include <optional>

namespace mlagen {

class FunctionRunner {
public:
  /// Compiles @`function` of a clone of `module`; `rewrite` runs
  /// mla-rewrite first (`splits` is passed to mla-split-kv). `shape` binds
  /// dynamic dimensions. Fails, naming the operand, when `operands` do not
  /// match the function's operands or are unsafe to run
  /// (checkOperandValues).
  static llvm::Expected<std::unique_ptr<FunctionRunner>>
  create(mlir::ModuleOp module, llvm::StringRef function, bool rewrite,
         int64_t splits, const FunctionShape &shape,
         const std::vector<FunctionValue> &operands);

  llvm::Error run();
  /// The results of the last run.
  std::vector<FunctionValue> results() const;
  /// The function's IR after the rewrite pipeline, before lowering.
  const std::string &rewrittenIR() const { return ir; }

private:
  /// One operand's or result's memory.
  struct Buffer {
    std::optional<StorageBuffer> floats;
    std::vector<int32_t> ints;
    void *data() { return floats ? floats->data() : ints.data(); }
  };

  FunctionRunner() = default;
  static void readBack(const Buffer &buffer, FunctionValue &value);

  std::unique_ptr<CpuKernel> kernel;
  std::vector<FunctionValue> results_; // shapes and types, without values
  std::vector<Buffer> operandBuffers, resultBuffers;
  std::vector<MemRefArg> args;
  std::string ir;
};

} // namespace mlagen

#endif // MLAGEN_FUNCTIONRUNNER_H
