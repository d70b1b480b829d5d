//===- CompileOnly.cpp - mla-run --compile-only ---------------------------===//

#include "CompileOnly.h"
#include "Report.h"
#include "mlagen/CpuRunner.h"

#include "llvm/Support/Format.h"

#ifdef MLAGEN_HAVE_CUDA
#include "mlagen/CudaUnit.h"
#include "mlagen/KernelCompiler.h"
#endif

using namespace mlagen;
using llvm::outs;

namespace {
/// The multiprocessors a compile for an architecture fills when it knows
/// no GPU (an H100 SXM's).
constexpr int64_t kDefaultSmCount = 132;
} // namespace

CudaChoice mlagen::chooseCudaStep(const RunOptions &options, const Problem &p,
                                  const std::optional<DeviceKey> &device,
                                  int64_t smCount) {
  CudaChoice choice;
  if (device) {
    TuneDatabase db = TuneDatabase::load(TuneDatabase::defaultPath());
    for (const std::string &problem : db.problems())
      llvm::errs() << "mla-run: note: " << problem << "\n";
    choice = chooseCudaVariant(tuneKeyOf(p, *device), db, smCount);
  } else {
    choice.smCount = smCount;
    choice.source = "heuristic (" + std::to_string(smCount) +
                    " SMs; no --gpu-name to look tuning entries up for)";
  }
  if (options.splits > 0) {
    choice.variant.splits = options.splits;
    choice.source += ", then --num-splits";
  }
  if (options.cudaVariant) {
    choice.variant = choice.variant.overriddenBy(*options.cudaVariant);
    choice.source += ", then --cuda-variant";
  }
  return choice;
}

void mlagen::printCudaChoice(const CudaChoice &choice, const CudaUnit &unit) {
  outs() << "CUDA variant: " << unit.variant.str() << "\n  (" << choice.source
         << ")\n";
  for (const std::string &note : unit.notes)
    outs() << "  left out " << note << "\n";
}

int mlagen::compileOnly(const RunOptions &options, const Problem &p) {
  mlir::MLIRContext context;
  llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>> module =
      parseStepModule(p, context);
  if (!module)
    return fail(module.takeError());
  std::optional<DeviceKey> device;
  if (!options.gpuName.empty())
    device = namedCudaDevice(options.gpuName, options.arch);
  CudaChoice choice = chooseCudaStep(options, p, device, kDefaultSmCount);
  return compileModule(options, **module, &choice);
}

int mlagen::compileModule(const RunOptions &options, mlir::ModuleOp module,
                          const CudaChoice *choice) {
#ifndef MLAGEN_HAVE_CUDA
  return fail("--compile-only: this build has no CUDA toolkit (NVRTC)");
#else
  CudaUnitOptions unitOptions;
  unitOptions.arch = options.arch;
  unitOptions.rewrite = options.rewrite;
  unitOptions.splits = options.splits;
  unitOptions.smCount = kDefaultSmCount;
  if (choice) {
    unitOptions.splits = choice->variant.splits;
    unitOptions.tilings = choice->variant.tilings;
    unitOptions.smCount = choice->smCount;
  }
  llvm::Expected<CudaUnit> unit = generateCudaUnit(module, unitOptions);
  if (!unit)
    return fail(unit.takeError());
  if (choice)
    printCudaChoice(*choice, *unit);
  if (options.printIR)
    module.print(outs());

  std::unique_ptr<KernelCompiler> compiler = KernelCompiler::fromEnvironment();
  llvm::Expected<CompileResult> result =
      compiler->compile({unit->source, options.arch, {}});
  if (!result)
    return fail(llvm::toString(result.takeError()));
  outs() << llvm::format("%zu kernel(s) for %s: generated in %.2f ms, cubin of "
                         "%zu bytes in %.2f ms (%s",
                         unit->kernels.size(), options.arch.c_str(),
                         unit->generateSeconds * 1e3,
                         result->kernel->cubin.size(), result->seconds * 1e3,
                         toString(result->outcome).str().c_str());
  if (result->outcome != CacheOutcome::Compiled)
    outs() << llvm::format("; NVRTC took %.3f s when it was compiled",
                           result->kernel->compileSeconds);
  outs() << ")\n";
  outs() << "kernel cache: "
         << (compiler->cacheDirectory() ? *compiler->cacheDirectory()
                                        : std::string("off"))
         << (result->cacheNote.empty() ? "" : " (" + result->cacheNote + ")")
         << "\n";
  if (options.stats)
    printKernelResources(*unit, *result);
  return 0;
#endif
}

#ifdef MLAGEN_HAVE_CUDA
void mlagen::printKernelResources(const CudaUnit &unit,
                                  const CompileResult &compiled) {
  for (const ResourceRecord &r : compiled.kernel->resources) {
    int64_t dynamicShared = 0, threads = 0;
    for (const KernelLaunch &k : unit.kernels)
      if (k.name == r.kernel) {
        dynamicShared = k.dynamicSharedBytes;
        threads = k.block;
      }
    outs() << llvm::format(
        "  %-34s %3lld registers, %4lld threads, %6lld B dynamic + %lld B "
        "static shared, %lld B stack, %lld/%lld B spilled (stores/loads)\n",
        r.kernel.c_str(), (long long)r.registers, (long long)threads,
        (long long)dynamicShared, (long long)r.sharedBytes,
        (long long)r.stackBytes, (long long)r.spillStoreBytes,
        (long long)r.spillLoadBytes);
  }
}
#endif
