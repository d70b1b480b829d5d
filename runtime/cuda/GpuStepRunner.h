//===- GpuStepRunner.h - a decode step on the GPU ---------------*- C++ -*-===//
//
// mla-run's GPU back end, both modes: the step's IR (latent attention over
// the paged cache, or the whole decode layer) through mla-rewrite (splits
// chosen for the GPU's multiprocessors) and mla-to-cuda for the GPU's arch,
// NVRTC through the kernel cache, the cubin loaded; every buffer the plan
// names in device memory (the problem's inputs uploaded, the positions and
// lengths the step's index arithmetic makes computed on the host); each
// run launches the kernels in order and waits for them.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_RUNTIME_CUDA_GPUSTEPRUNNER_H
#define MLAGEN_RUNTIME_CUDA_GPUSTEPRUNNER_H

#include "mlagen/CudaUnit.h"
#include "mlagen/Gpu.h"
#include "mlagen/KernelCompiler.h"
#include "mlagen/Problem.h"

#include <memory>

namespace mlagen {

class GpuStepRunner {
public:
  /// The kernels of `variant` (its split count, 0: chosen for the GPU's
  /// SMs; its tilings, those that fit: unit().notes says which did not).
  /// Fails, naming the reason, for f32 storage (the attention kernels take
  /// bf16 or f16) or any generation, planning, compile, load or upload
  /// error.
  static llvm::Expected<std::unique_ptr<GpuStepRunner>>
  create(const Problem &problem, const GpuInfo &gpu, bool rewrite,
         const CudaVariant &variant, KernelCompiler &compiler);
  ~GpuStepRunner();

  /// One step: every kernel launched in order, then waited for.
  llvm::Error run();
  /// The last run's results, widened to float: out and lse (attention), or
  /// out and the cache after the append (layer).
  llvm::Expected<StepResult> result() const;

  const CudaUnit &unit() const;
  const CompileResult &compiled() const;

private:
  struct State;
  explicit GpuStepRunner(std::unique_ptr<State> state);
  std::unique_ptr<State> state;
};

} // namespace mlagen

#endif // MLAGEN_RUNTIME_CUDA_GPUSTEPRUNNER_H
