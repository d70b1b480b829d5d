//===- CudaUnit.h - mla IR to a CUDA translation unit -----------*- C++ -*-===//
//
// The code generation steps between a module of mla ops and NVRTC, in one
// call: mla-rewrite (optional; its split count chosen for the GPU's
// multiprocessors), the mla-to-cuda pipeline for an arch, the printer, and
// the launch description read back from the printed unit, so that what a
// runtime launches from is exactly what the unit says; and, when asked, the
// plan binding the function's kernels to buffers.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_CUDAUNIT_H
#define MLAGEN_CUDAUNIT_H

#include "mlagen/FunctionPlan.h"
#include "mlagen/LaunchDescription.h"

#include "mlir/IR/BuiltinOps.h"

namespace mlagen {

struct CudaUnitOptions {
  std::string arch = "sm_90a";
  bool rewrite = true;   // run mla-rewrite first
  int64_t splits = 0;    // mla-split-kv's num-splits (0 chooses)
  int64_t smCount = 132; // multiprocessors the split choice fills
  bool balanced = false; // mla-split-kv's schedule=balanced instead
  bool plan = false;     // also plan the module's one function (static shapes)
};

struct CudaUnit {
  std::string source; // self-contained CUDA C++, launch description at the end
  std::vector<KernelLaunch> kernels;
  double generateSeconds = 0;
  std::optional<FunctionPlan> plan; // when asked for
};

/// Generates the unit for `module` (which it rewrites in place); fails with
/// the passes' or the printer's located diagnostics.
llvm::Expected<CudaUnit> generateCudaUnit(mlir::ModuleOp module,
                                          const CudaUnitOptions &options);

} // namespace mlagen

#endif // MLAGEN_CUDAUNIT_H
