//===- CudaUnit.h - mla IR to a CUDA translation unit -----------*- C++ -*-===//
//
// The code generation steps between a module of mla ops and NVRTC, in one
// call: mla-rewrite (optional; its split count chosen for the GPU's
// multiprocessors), a tuned variant's tilings, the mla-to-cuda pipeline for
// an arch (mla-cuda-tile keeps the tilings ops carry), the printer, and
// the launch description read back from the printed unit, so that what a
// runtime launches from is exactly what the unit says; and, when asked, the
// plan binding the function's kernels to buffers.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_CUDAUNIT_H
#define MLAGEN_CUDAUNIT_H

#include "mlagen/CudaVariant.h"
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
  /// Tilings (a tuned variant's) set on every op of their name before
  /// mla-cuda-tile (latent attention's, whole or split, on both); one the
  /// op's kernel family cannot take is left out, with a note.
  std::vector<OpTiling> tilings;
};

struct CudaUnit {
  std::string source; // self-contained CUDA C++, launch description at the end
  std::vector<KernelLaunch> kernels;
  double generateSeconds = 0;
  std::optional<FunctionPlan> plan; // when asked for
  /// Each of the options' tilings left out, and why.
  std::vector<std::string> notes;
  /// What the unit was generated with: mla-split-kv's split count (0: the
  /// step is not split) and each tiled op's tiling (an op name twice where
  /// its ops differ).
  CudaVariant variant;
};

/// Generates the unit for `module` (which it rewrites in place); fails with
/// the passes' or the printer's located diagnostics.
llvm::Expected<CudaUnit> generateCudaUnit(mlir::ModuleOp module,
                                          const CudaUnitOptions &options);

} // namespace mlagen

#endif // MLAGEN_CUDAUNIT_H
