//===- CpuKernel.h - an MLA function compiled for the host CPU --*- C++ -*-===//
//
// Lowers one function of an MLA module through the mla-to-cpu pipeline and
// JIT-compiles it with MLIR's ExecutionEngine. The compiled entry point
// takes every operand of the function (the paged cache as a dense
// [pages, page_size, row] buffer) followed by one output buffer per result,
// all dense row-major buffers the caller owns. A paged-cache result whose
// type only one operand has (the cache it appends to) takes no output
// buffer: it is written in place into that operand's buffer. A result with
// a dynamic dimension is stored only if its buffer has its shape; run()
// fails otherwise.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_CPUKERNEL_H
#define MLAGEN_CPUKERNEL_H

#include "mlagen/CpuVariant.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include <functional>
#include <memory>
#include <vector>

namespace llvm {
class Module;
} // namespace llvm

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace mlagen {

/// A memref descriptor over a dense row-major buffer the caller owns, laid
/// out as MLIR's C interface expects (pointers, offset, sizes, strides).
class MemRefArg {
public:
  MemRefArg(void *data, llvm::ArrayRef<int64_t> shape);
  void *descriptor() { return slots.data(); }

private:
  std::vector<int64_t> slots;
};

class CpuKernel {
public:
  /// Compiles `function` of `module` (which it lowers in place) with the
  /// variant's threads and register block (its splits and chunks are the
  /// caller's: see CpuRunner).
  static llvm::Expected<std::unique_ptr<CpuKernel>>
  compile(mlir::ModuleOp module, llvm::StringRef function,
          const CpuVariant &variant = {});
  ~CpuKernel();

  /// Runs the kernel: the function's operands, then its untied results'
  /// buffers.
  llvm::Error run(llvm::MutableArrayRef<MemRefArg> args);
  /// For each result, the operand it updates in place, or -1.
  llvm::ArrayRef<int> tiedOperands() const { return tied; }

private:
  CpuKernel();
  // LLVM's -O3 pipeline, which the engine holds only a reference to and
  // runs whenever it compiles: it lives as long as the engine (destroyed
  // after it).
  std::function<llvm::Error(llvm::Module *)> optimize;
  std::unique_ptr<mlir::ExecutionEngine> engine;
  void (*function)(void **) = nullptr; // the packed entry point
  size_t numArgs = 0;
  std::vector<int> tied;
  unsigned numStatus = 0; // untied results whose shapes are checked on run
};

} // namespace mlagen

#endif // MLAGEN_CPUKERNEL_H
