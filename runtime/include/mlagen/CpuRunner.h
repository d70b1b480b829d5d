//===- CpuRunner.h - a Problem's decode step on the CPU ---------*- C++ -*-===//
//
// Builds the MLA IR of a problem's step (mla.latent_attention over the
// cache, or mla.decode_step for a whole layer), rewrites it with the
// mla-rewrite pipeline, compiles it for the host CPU and runs it on the
// problem's values.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_CPURUNNER_H
#define MLAGEN_CPURUNNER_H

#include "mlagen/CpuKernel.h"
#include "mlagen/CpuVariant.h"
#include "mlagen/Problem.h"
#include "mlagen/StorageBuffer.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

namespace mlagen {

/// The IR of the problem's step, as function @step, for the first `batch`
/// sequences' shapes (all of them when `batch` is 0).
std::string buildStepModule(const Problem &problem, int64_t batch = 0);

/// buildStepModule(problem, batch) parsed into `context`, with the dialects
/// it uses (mla, func, arith, tensor) registered; an error carrying the
/// text if it does not parse (a bug).
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
parseStepModule(const Problem &problem, mlir::MLIRContext &context,
                int64_t batch = 0);

class CpuRunner {
public:
  /// Compiles the problem's step as `variant` says (an error if it does
  /// not fit the problem); `rewrite` runs mla-rewrite first with the
  /// variant's split count (else the naive form is compiled, unsplit).
  static llvm::Expected<std::unique_ptr<CpuRunner>>
  create(const Problem &problem, bool rewrite, const CpuVariant &variant);

  /// Runs the step once into the runner's output buffers: the variant's
  /// chunks of the batch, one kernel call on its own thread each.
  llvm::Error run();
  /// The variant the step was compiled as.
  const CpuVariant &variant() const { return chosen; }
  /// The outputs of the last run.
  StepResult result() const;
  /// The IR after the rewrite pipeline, before lowering.
  const std::string &rewrittenIR() const { return ir; }

private:
  CpuRunner() = default;
  llvm::Error compileStep(bool rewrite, int64_t batch);
  /// The problem's values in the kernel's storage type, in operand order.
  void holdBuffers();
  /// Descriptors for one kernel call on sequences [first, first + n).
  void describeChunk(int64_t first, int64_t n);
  std::vector<int64_t> cacheShape() const;

  const Problem *problem = nullptr;
  CpuVariant chosen;
  mlir::MLIRContext context;
  std::unique_ptr<CpuKernel> kernel;
  std::vector<StorageBuffer> buffers;
  std::vector<std::vector<int64_t>> shapes; // one per buffer
  std::vector<int32_t> blockTable, seqLens;
  std::vector<float> lse;
  std::vector<std::vector<MemRefArg>> chunkArgs; // one call per chunk
  std::string ir;
};

} // namespace mlagen

#endif // MLAGEN_CPURUNNER_H
