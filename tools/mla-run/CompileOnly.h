//===- CompileOnly.h - mla-run --compile-only -------------------*- C++ -*-===//
//
// Generates the CUDA kernels of a problem's step (mla-rewrite, the variant
// the tuning database or the heuristic chooses, mla-cuda-tile, the CUDA
// printer), compiles them with NVRTC for --arch through the kernel cache,
// and prints the variant and how it was chosen, the compile time, where the
// cubin came from and, with --stats, each kernel's resource record. Needs
// no GPU.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_TOOLS_MLA_RUN_COMPILEONLY_H
#define MLAGEN_TOOLS_MLA_RUN_COMPILEONLY_H

#include "RunOptions.h"
#include "mlagen/CudaChoice.h"
#include "mlagen/CudaUnit.h"

#include "mlir/IR/BuiltinOps.h"

#ifdef MLAGEN_HAVE_CUDA
#include "mlagen/KernelCompiler.h"
#endif

namespace mlagen {

/// The CUDA variant of `problem`'s step: the tuning database's nearest
/// entry for `device` (a GPU's key, or the one --gpu-name names; none: the
/// heuristic), then --num-splits and --cuda-variant on top. What makes the
/// database untrusted is said once, as a note.
CudaChoice chooseCudaStep(const RunOptions &options, const Problem &problem,
                          const std::optional<DeviceKey> &device,
                          int64_t smCount);
/// "CUDA variant: " what `unit` was generated with, how it was chosen, and
/// each tuned tiling it left out.
void printCudaChoice(const CudaChoice &choice, const CudaUnit &unit);

/// The process exit status.
int compileOnly(const RunOptions &options, const Problem &problem);
/// The same for a module (a user's .mlir file): mla-rewrite unless
/// --naive, mla-cuda-tile for --arch, the printer, NVRTC; with `choice`,
/// its variant (a built-in step's).
int compileModule(const RunOptions &options, mlir::ModuleOp module,
                  const CudaChoice *choice = nullptr);

#ifdef MLAGEN_HAVE_CUDA
/// --stats: each kernel's registers, threads, shared memory, stack and
/// spills (ptxas's report, NVRTC's log).
void printKernelResources(const CudaUnit &unit, const CompileResult &compiled);
#endif

} // namespace mlagen

#endif // MLAGEN_TOOLS_MLA_RUN_COMPILEONLY_H
