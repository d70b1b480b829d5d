//===- EntryPoint.h - the C-callable wrapper of a CPU kernel ----*- C++ -*-===//
//
// Internal to the runtime. A compiled function is called through
// `<function>_entry`, which takes a dense memref per operand and per untied
// result (a paged cache the function appends to is tied to its operand and
// updated in place), plus, when a result has a dynamic dimension, an i32
// status per untied result: 1 when the result's shape matched its buffer
// and was stored, 0 when it did not (and nothing was stored).
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_RUNTIME_CPU_ENTRYPOINT_H
#define MLAGEN_RUNTIME_CPU_ENTRYPOINT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Error.h"

#include <vector>

namespace mlagen {

/// For each result of `function` (still on mla types), the operand it
/// updates in place: a paged-cache result whose type only one operand has
/// (the cache it was appended to), or -1.
std::vector<int> findTiedOperands(mlir::func::FuncOp function);

struct EntryPoint {
  mlir::func::FuncOp op;
  unsigned numStatus = 0; // trailing status slots (0: no status buffer)
};

/// Adds `<function>_entry` next to `function` (already on tensors).
EntryPoint buildEntryPoint(mlir::ModuleOp module, mlir::func::FuncOp function,
                           llvm::ArrayRef<int> tied);

/// After bufferization: each tied operand's buffer reaches the function
/// as it is, and the function returns that same buffer for the tied result
/// (it appended in place, not into a copy).
llvm::Error checkUpdatedInPlace(mlir::ModuleOp module, llvm::StringRef entry,
                                llvm::StringRef function,
                                llvm::ArrayRef<int> tied);

} // namespace mlagen

#endif // MLAGEN_RUNTIME_CPU_ENTRYPOINT_H
