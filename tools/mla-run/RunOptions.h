//===- RunOptions.h - mla-run's command line --------------------*- C++ -*-===//
//
// Turns mla-run's flags into a layer config and a problem shape, with a
// clear error for each inconsistent or out-of-range flag.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_TOOLS_MLA_RUN_RUNOPTIONS_H
#define MLAGEN_TOOLS_MLA_RUN_RUNOPTIONS_H

#include "mlagen/CudaVariant.h"
#include "mlagen/Problem.h"
#include "mlir/IR/MLIRContext.h"

namespace mlagen {

enum class Backend { Cpu, Cuda, Auto };

struct RunOptions {
  LayerConfig config;
  ProblemShape shape;
  int64_t layers = 0; // whole-model layer count, for the cache report
  Backend backend = Backend::Auto;
  uint64_t seed = 0;
  int64_t iterations = 0, warmup = 0, splits = 0;
  bool verify = false, rewrite = true, printIR = false;
  bool cacheReport = false;
  bool compileOnly = false, stats = false, gpuInfo = false;
  int device = 0;      // the GPU --backend=cuda and --gpu-info use
  std::string arch;    // for --compile-only
  std::string gpuName; // --compile-only: the GPU to look tuning entries up for
  int64_t reportContext = 0, reportGroups = 0;
  std::string cpuVariant; // --cpu-variant's overrides, checked to parse
  std::optional<CudaVariant> cudaVariant; // --cuda-variant's overrides
  std::string loadDir, saveDir;
  std::string inputFile, entry; // a user's function, instead of a step
};

/// Hides LLVM's own options from --help (call before parsing).
void hideUnrelatedOptions();

/// Reads the parsed command line. Errors name the offending flag.
llvm::Expected<RunOptions> readRunOptions(mlir::MLIRContext &context);

} // namespace mlagen

#endif // MLAGEN_TOOLS_MLA_RUN_RUNOPTIONS_H
