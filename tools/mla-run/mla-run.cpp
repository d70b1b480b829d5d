//===- mla-run.cpp - run an MLA decode step and check it ------------------===//
//
// Makes (or loads) the inputs of one MLA decode call for a preset or config,
// compiles the step through the mla-rewrite pipeline for a back end, runs
// it, times it, and compares it with the reference. See --help.
//
//===----------------------------------------------------------------------===//

#include "CompileOnly.h"
#include "Report.h"
#include "RunFunction.h"
#include "RunOptions.h"
#include "dialect/MlaDialect.h"
#include "mlagen/CpuRunner.h"
#include "mlagen/CpuVariant.h"
#include "mlagen/Gpu.h"
#include "mlagen/MemoryEstimate.h"
#include "mlagen/Metrics.h"
#include "mlagen/TunedChoice.h"
#include "runtime/problem/ProblemIO.h"
#include "tools/ToolVersion.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#ifdef MLAGEN_HAVE_CUDA
#include "runtime/cuda/GpuStepRunner.h"
#endif

#include <algorithm>
#include <chrono>
#include <optional>

using namespace mlagen;
using llvm::outs;

namespace {

/// The CPU variant of the step: the tuning database's nearest entry for
/// this CPU or the heuristic's, then --num-splits and --cpu-variant on top
/// (the naive form is never split). What makes the database untrusted is
/// said once, as a note.
llvm::Expected<CpuChoice> chooseCpuStep(const RunOptions &options,
                                        const Problem &p) {
  TuneDatabase db = TuneDatabase::load(TuneDatabase::defaultPath());
  for (const std::string &problem : db.problems())
    llvm::errs() << "mla-run: note: " << problem << "\n";
  CpuChoice choice = chooseCpuStepVariant(p, db, thisCpu());
  if (options.splits > 0) {
    choice.variant.splits = options.splits;
    choice.source += ", then --num-splits";
  }
  if (!options.cpuVariant.empty()) {
    llvm::Expected<CpuVariant> set =
        CpuVariant::parse(options.cpuVariant, choice.variant);
    if (!set)
      return set.takeError();
    choice.variant = *set;
    choice.source += ", then --cpu-variant";
  }
  if (!options.rewrite)
    choice.variant.splits = 1;
  return choice;
}

/// The median step time and the attention work's rates (docs/counting.md);
/// on a GPU, in attention mode, against its roofline too.
void printTiming(const Problem &p, llvm::ArrayRef<double> times,
                 const GpuInfo *gpu = nullptr) {
  double median = printTimes("step", times);
  int64_t keys = 0;
  for (int64_t b = 0; b < p.shape.batch(); ++b)
    keys += p.keysAttended(b);
  AttentionWork work = attentionWork(
      p.config, p.shape.batch(), p.shape.queryTokens, keys, p.shape.storage);
  outs() << llvm::format(
      "attention work (docs/counting.md): %.3f GFLOP, "
      "%.3f MB -> %.2f GB/s, %.4f TFLOP/s%s\n",
      work.flops * 1e-9, work.bytes * 1e-6, work.bytes / median * 1e-9,
      work.flops / median * 1e-12,
      p.shape.mode == RunMode::Layer ? " (the time covers the whole layer)"
                                     : "");
  if (!gpu || p.shape.mode != RunMode::Attention)
    return;
  GpuRoofline peak = rooflineOf(*gpu);
  double bound = work.bytes / peak.bytesPerSecond;
  outs() << llvm::format("roofline of %s (the driver's peak clocks): %.0f GB/s "
                         "DRAM",
                         gpu->name.c_str(), peak.bytesPerSecond * 1e-9);
  if (peak.flopsPerSecond > 0) {
    bound = std::max(bound, work.flops / peak.flopsPerSecond);
    outs() << llvm::format(", %.0f dense bf16 TFLOP/s",
                           peak.flopsPerSecond * 1e-12);
  }
  outs() << llvm::format(
      "; the step needs at least %.2f us: %.1f%% of the roofline (%.1f%% of "
      "peak bandwidth)\n",
      bound * 1e6, 100 * bound / median,
      100 * work.bytes / median / peak.bytesPerSecond);
}

/// Whether the whole run fits in host memory, before anything is made: the
/// problem's arrays, the CPU step's buffers and the reference's (nothing
/// for --compile-only). Each part
/// is checked again right before it is allocated.
llvm::Error checkRunMemory(const RunOptions &options, bool onGpu) {
  if (options.compileOnly)
    return llvm::Error::success(); // it makes no values
  MemoryEstimate need = problemMemory(options.config, options.shape);
  if (!onGpu)
    need.add(cpuStepMemory(options.config, options.shape,
                           std::max<int64_t>(options.splits, 1)));
  if (options.verify)
    need.add(verifyMemory(options.config, options.shape));
  return checkHostMemory(need, "the run");
}

/// Saves and verifies a step's result as the flags ask; the exit code.
int finishStep(const RunOptions &options, const Problem &p,
               const StepResult &result) {
  if (!options.saveDir.empty()) {
    if (llvm::Error e = saveProblem(options.saveDir, p, result))
      return fail(std::move(e));
    outs() << "saved inputs, outputs and manifest.json to " << options.saveDir
           << "\n";
  }
  if (!options.verify)
    return 0;
  if (llvm::Error e = checkHostMemory(verifyMemory(p.config, p.shape),
                                      "the reference for --verify"))
    return fail(std::move(e));
  outs() << "verify against the reference (double accumulation):\n";
  llvm::Expected<bool> ok = verifyStep(p, result, outs());
  if (!ok)
    return fail(ok.takeError());
  outs() << (*ok ? "verify: PASS\n" : "verify: FAIL (beyond tolerance)\n");
  return *ok ? 0 : 1;
}

/// The GPU to run on, or none (the CPU). --backend=cuda fails where the
/// CUDA back end cannot run the step; --backend=auto falls back to the
/// CPU with a one-line notice saying why.
llvm::Expected<std::optional<GpuInfo>> chooseGpu(const RunOptions &options) {
  if (options.backend == Backend::Cpu)
    return std::nullopt;
  std::string why;
  llvm::Expected<GpuInfo> found = findGpu(options.device);
  if (!found)
    why = llvm::toString(found.takeError());
  else if (options.shape.mode == RunMode::Layer && !options.rewrite)
    why = found->name + " found, but the naive layer (--naive) is one "
                        "mla.decode_step, which has no CUDA kernel";
  else if (options.shape.storage == StorageType::F32)
    why = found->name + " found, but the CUDA attention kernels take bf16 or "
                        "f16 storage";
  if (why.empty()) {
    outs() << llvm::format("backend: cuda (%s, %s, %d SMs)\n",
                           found->name.c_str(), found->arch.c_str(),
                           found->multiprocessors);
    return std::optional<GpuInfo>(*found);
  }
  if (options.backend == Backend::Cuda)
    return llvm::createStringError("--backend=cuda: " + why);
  outs() << "backend: cpu (" << why << ")\n";
  return std::nullopt;
}

/// A step on the GPU: the same timing, save and verify as on the CPU.
int runOnGpu(const RunOptions &options, const Problem &p, const GpuInfo &gpu) {
#ifndef MLAGEN_HAVE_CUDA
  return fail("--backend=cuda: this build has no CUDA toolkit");
#else
  std::unique_ptr<KernelCompiler> compiler = KernelCompiler::fromEnvironment();
  CudaChoice choice =
      chooseCudaStep(options, p, cudaDeviceKey(gpu, compiler->nvrtcVersion()),
                     gpu.multiprocessors);
  llvm::Expected<std::unique_ptr<GpuStepRunner>> runner =
      GpuStepRunner::create(p, gpu, options.rewrite, choice.variant, *compiler);
  if (!runner)
    return fail(runner.takeError());
  printCudaChoice(choice, (*runner)->unit());
  const CompileResult &compiled = (*runner)->compiled();
  outs() << llvm::format("%zu kernel(s) for %s: generated in %.2f ms, cubin "
                         "in %.2f ms (%s)\n",
                         (*runner)->unit().kernels.size(), gpu.arch.c_str(),
                         (*runner)->unit().generateSeconds * 1e3,
                         compiled.seconds * 1e3,
                         toString(compiled.outcome).str().c_str());
  if (options.stats)
    printKernelResources((*runner)->unit(), compiled);
  llvm::Expected<std::vector<double>> times = timeRuns(
      options.warmup, options.iterations, [&] { return (*runner)->run(); });
  if (!times)
    return fail(times.takeError());
  printTiming(p, *times, &gpu);
  llvm::Expected<StepResult> result = (*runner)->result();
  if (!result)
    return fail(result.takeError());
  return finishStep(options, p, *result);
#endif
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlagen::setVersionPrinter("mla-run");
  hideUnrelatedOptions();
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "mla-run: run one MLA decode call (latent attention over a paged "
      "cache, or a whole layer) for a model preset, check it against the "
      "reference and time it; or, given input.mlir, run one of its functions "
      "on "
      "operands made for their roles\n");
  mlir::MLIRContext context;
  context.loadDialect<mlir::mla::MlaDialect>();
  llvm::Expected<RunOptions> options = readRunOptions(context);
  if (!options)
    return fail(options.takeError());

  if (options->gpuInfo) {
    llvm::Expected<GpuInfo> gpu = findGpu(options->device);
    if (!gpu) {
      outs() << llvm::toString(gpu.takeError()) << "\n";
      return 1;
    }
    outs() << llvm::format("GPU %d: %s, compute capability %d.%d (%s), %d "
                           "SMs, %lld bytes of shared memory per CTA\n",
                           gpu->device, gpu->name.c_str(), gpu->major,
                           gpu->minor, gpu->arch.c_str(), gpu->multiprocessors,
                           (long long)gpu->sharedMemoryPerBlock);
    return 0;
  }
  if (!options->inputFile.empty()) {
    if (options->backend == Backend::Cuda && !options->compileOnly)
      return fail(llvm::createStringError(
          "--backend=cuda: a function from a file runs on the CPU only (use "
          "--compile-only to generate and compile its kernels)"));
    return runFunction(*options, context);
  }
  if (options->cacheReport) {
    printCacheReport(outs(), options->config, options->shape.storage,
                     options->layers, options->reportContext,
                     options->shape.batch(), options->reportGroups);
    return 0;
  }
  std::optional<GpuInfo> gpu;
  if (!options->compileOnly) {
    llvm::Expected<std::optional<GpuInfo>> chosen = chooseGpu(*options);
    if (!chosen)
      return fail(chosen.takeError());
    gpu = *chosen;
  }

  if (options->loadDir.empty())
    if (llvm::Error e = checkRunMemory(*options, gpu.has_value()))
      return fail(std::move(e));
  // Code generation needs the sizes only: no values are made for it.
  llvm::Expected<Problem> problem =
      !options->loadDir.empty() ? loadProblem(options->loadDir)
      : options->compileOnly
          ? makeProblemSizes(options->config, options->shape)
          : makeRandomProblem(options->config, options->shape, options->seed);
  if (!problem)
    return fail(problem.takeError());
  const Problem &p = *problem;
  outs() << llvm::format(
      "%s, %s storage: batch %lld, %lld query token(s), "
      "%lld heads, page size %lld, %lld pages\n",
      p.shape.mode == RunMode::Layer ? "whole layer" : "latent attention",
      toString(p.shape.storage).str().c_str(), (long long)p.shape.batch(),
      (long long)p.shape.queryTokens, (long long)p.config.heads,
      (long long)p.cache.pageSize, (long long)p.cache.numPages);

  if (options->compileOnly)
    return compileOnly(*options, p);
  if (gpu)
    return runOnGpu(*options, p, *gpu);
  llvm::Expected<CpuChoice> choice = chooseCpuStep(*options, p);
  if (!choice)
    return fail(choice.takeError());
  auto start = std::chrono::steady_clock::now();
  llvm::Expected<std::unique_ptr<CpuRunner>> runner =
      CpuRunner::create(p, options->rewrite, choice->variant);
  if (!runner)
    return fail(runner.takeError());
  outs() << llvm::format("compiled for the CPU in %.3f s\n",
                         secondsSince(start));
  outs() << "CPU variant: " << choice->variant.str() << " (" << choice->source
         << ")\n";
  if (options->stats)
    outs() << "--stats: no kernel resources to show (the step runs on the "
              "CPU)\n";
  if (options->printIR)
    outs() << (*runner)->rewrittenIR();

  llvm::Expected<std::vector<double>> times = timeRuns(
      options->warmup, options->iterations, [&] { return (*runner)->run(); });
  if (!times)
    return fail(times.takeError());
  printTiming(p, *times);
  return finishStep(*options, p, (*runner)->result());
}
