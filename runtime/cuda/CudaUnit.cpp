//===- CudaUnit.cpp - mla IR to a CUDA translation unit -------------------===//

#include "mlagen/CudaUnit.h"
#include "passes/Passes.h"
#include "passes/cuda/CudaTranslation.h"
#include "passes/cuda/KernelSource.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"

#include <chrono>

using namespace mlagen;

llvm::Expected<CudaUnit>
mlagen::generateCudaUnit(mlir::ModuleOp module,
                         const CudaUnitOptions &options) {
  auto start = std::chrono::steady_clock::now();
  mlir::MLIRContext &context = *module.getContext();
  std::string diagnostics;
  llvm::raw_string_ostream diagnosticStream(diagnostics);
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &d) {
    diagnosticStream << d.getLocation() << ": " << d << "\n";
    return mlir::success();
  });
  mlir::PassManager pm(&context);
  if (options.rewrite) {
    mlir::mla::RewritePipelineOptions rewrite;
    rewrite.numSplits = options.splits;
    rewrite.smCount = options.smCount;
    mlir::mla::buildRewritePipeline(pm, rewrite);
  }
  mlir::mla::CudaPipelineOptions cuda;
  cuda.arch = options.arch;
  mlir::mla::buildCudaPipeline(pm, cuda);
  if (mlir::failed(pm.run(module)))
    return llvm::createStringError("the CUDA pipeline failed:\n" + diagnostics);
  llvm::FailureOr<std::vector<mlir::mla::KernelSource>> kernels =
      mlir::mla::generateCudaKernels(module);
  if (mlir::failed(kernels))
    return llvm::createStringError("the CUDA printer failed:\n" + diagnostics);
  CudaUnit unit;
  llvm::raw_string_ostream sourceStream(unit.source);
  mlir::mla::printTranslationUnit(*kernels, sourceStream);
  llvm::Expected<std::vector<KernelLaunch>> launches =
      parseLaunchDescription(unit.source);
  if (!launches)
    return launches.takeError();
  unit.kernels = std::move(*launches);
  unit.generateSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return unit;
}
