//===- EngineJit.cpp - the JIT runtime's kernels: a bundle, or NVRTC ------===//

#include "EngineKernels.h"
#include "EngineUnit.h"
#include "mlagen/KernelCompiler.h"

llvm::Expected<mlagen::EngineKernels>
mlagen::obtainEngineKernels(const EngineOptions &options, const GpuInfo &gpu) {
  if (!options.bundle.empty())
    return bundleKernels(options, gpu);
  llvm::Expected<CudaUnit> unit =
      generateEngineUnit(options, gpu.arch, gpu.multiprocessors);
  if (!unit)
    return unit.takeError();
  std::unique_ptr<KernelCompiler> compiler = KernelCompiler::fromEnvironment();
  llvm::Expected<CompileResult> compiled =
      compiler->compile({unit->source, gpu.arch, {}});
  if (!compiled)
    return compiled.takeError();
  return EngineKernels{std::move(unit->source), std::move(unit->kernels),
                       compiled->kernel->cubin};
}
