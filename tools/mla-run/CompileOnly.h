//===- CompileOnly.h - mla-run --compile-only -------------------*- C++ -*-===//
//
// Generates the CUDA kernels of a problem's step (mla-rewrite,
// mla-cuda-tile, the CUDA printer), compiles them with NVRTC for --arch
// through the kernel cache, and prints the compile time, where the cubin
// came from and, with --stats, each kernel's resource record. Needs no GPU.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_TOOLS_MLA_RUN_COMPILEONLY_H
#define MLAGEN_TOOLS_MLA_RUN_COMPILEONLY_H

#include "RunOptions.h"

#include "mlir/IR/BuiltinOps.h"

namespace mlagen {

/// The process exit status.
int compileOnly(const RunOptions &options, const Problem &problem);
/// The same for a module (a user's .mlir file): mla-rewrite unless
/// --naive, mla-cuda-tile for --arch, the printer, NVRTC.
int compileModule(const RunOptions &options, mlir::ModuleOp module);

} // namespace mlagen

#endif // MLAGEN_TOOLS_MLA_RUN_COMPILEONLY_H
