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

namespace mlagen {

/// The process exit status.
int compileOnly(const RunOptions &options, const Problem &problem);

} // namespace mlagen

#endif // MLAGEN_TOOLS_MLA_RUN_COMPILEONLY_H
