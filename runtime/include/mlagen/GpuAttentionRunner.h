//===- GpuAttentionRunner.h - decode attention on the GPU -------*- C++ -*-===//
//-*-===//
//
// mla-run's GPU back end for attention mode: the step's IR (latent
// attention over the paged cache) through mla-rewrite (splits chosen for
// the GPU's multiprocessors) and mla-to-cuda for the GPU's arch, NVRTC
// through the kernel cache, the cubin loaded, the problem's inputs in
// device memory; each run launches the kernels in order (attention, then
// the combine) and waits for them.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_GPUATTENTIONRUNNER_H
#define MLAGEN_GPUATTENTIONRUNNER_H

#include "mlagen/CudaUnit.h"
#include "mlagen/Gpu.h"
#include "mlagen/KernelCompiler.h"
#include "mlagen/Problem.h"

#include <memory>

namespace mlagen {

class GpuAttentionRunner {
public:
  /// Fails, naming the reason, for a layer-mode problem (its kernels
  /// compile, but this runner binds attention and combine only), f32
  /// storage, or any generation, compile, load or upload error.
  static llvm::Expected<std::unique_ptr<GpuAttentionRunner>>
  create(const Problem &problem, const GpuInfo &gpu, bool rewrite,
         int64_t splits, KernelCompiler &compiler);
  ~GpuAttentionRunner();

  /// One step: every kernel launched in order, then waited for.
  llvm::Error run();
  /// out and lse of the last run, widened to float.
  llvm::Expected<StepResult> result() const;

  const CudaUnit &unit() const;
  const CompileResult &compiled() const;

private:
  struct State;
  explicit GpuAttentionRunner(std::unique_ptr<State> state);
  std::unique_ptr<State> state;
};

} // namespace mlagen

#endif // MLAGEN_GPUATTENTIONRUNNER_H
