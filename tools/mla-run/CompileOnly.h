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

#ifdef MLAGEN_HAVE_CUDA
#include "mlagen/CudaUnit.h"
#include "mlagen/KernelCompiler.h"
#endif

namespace mlagen {

/// The process exit status.
int compileOnly(const RunOptions &options, const Problem &problem);
/// The same for a module (a user's .mlir file): mla-rewrite unless
/// --naive, mla-cuda-tile for --arch, the printer, NVRTC.
int compileModule(const RunOptions &options, mlir::ModuleOp module);

#ifdef MLAGEN_HAVE_CUDA
/// --stats: each kernel's registers, threads, shared memory, stack and
/// spills (ptxas's report, NVRTC's log).
void printKernelResources(const CudaUnit &unit, const CompileResult &compiled);
#endif

} // namespace mlagen

#endif // MLAGEN_TOOLS_MLA_RUN_COMPILEONLY_H
