//===- EngineJit.cpp - the JIT runtime's kernels: a bundle, or NVRTC ------===//

#include "EngineKernels.h"
#include "EngineUnit.h"
#include "mlagen/CudaChoice.h"
#include "mlagen/KernelCompiler.h"

llvm::Expected<mlagen::EngineKernels>
mlagen::obtainEngineKernels(const EngineOptions &options, const GpuInfo &gpu) {
  if (!options.bundle.empty())
    return bundleKernels(options, gpu);
  TuneDatabase db = TuneDatabase::load(TuneDatabase::defaultPath());
  CudaChoice choice = chooseCudaVariant(
      engineTuneKey(options,
                    cudaDeviceKey(gpu, KernelCompiler::nvrtcVersion())),
      db, gpu.multiprocessors);
  llvm::Expected<CudaUnit> unit = generateEngineUnit(
      options, gpu.arch, gpu.multiprocessors, choice.variant.tilings);
  if (!unit)
    return unit.takeError();
  for (const std::string &note : unit->notes)
    choice.source += "; left out " + note;
  for (const std::string &problem : db.problems())
    choice.source += "; " + problem;
  std::unique_ptr<KernelCompiler> compiler = KernelCompiler::fromEnvironment();
  llvm::Expected<CompileResult> compiled =
      compiler->compile({unit->source, gpu.arch, {}});
  if (!compiled)
    return compiled.takeError();
  return EngineKernels{std::move(unit->source), std::move(unit->kernels),
                       compiled->kernel->cubin, std::move(choice.source)};
}
