//===- RunFunction.h - mla-run on an .mlir file's function ------*- C++ -*-===//
//
// mla-run's path for a user's program: parse an MLA module, make (or load)
// operands for one of its functions, run it rewritten on the CPU, time it,
// print its results, and with --verify compare it with the function
// compiled as written (no mla-rewrite).
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_TOOLS_MLA_RUN_RUNFUNCTION_H
#define MLAGEN_TOOLS_MLA_RUN_RUNFUNCTION_H

#include "RunOptions.h"

namespace mlagen {

/// Runs options.inputFile's function; the process exit status.
int runFunction(const RunOptions &options, mlir::MLIRContext &context);

} // namespace mlagen

#endif // MLAGEN_TOOLS_MLA_RUN_RUNFUNCTION_H
