//===- mla-opt.cpp - the mla optimizer driver -----------------------------===//
//
// mlir-opt for MLA programs: the mla dialect, its rewrite passes and
// pipelines, and the upstream dialects and passes written around them.
//
//===----------------------------------------------------------------------===//

#include "dialect/MlaDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "passes/Passes.h"
#include "runtime/problem/NestingDepth.h"
#include "tools/ToolOptions.h"
#include "tools/ToolVersion.h"

int main(int argc, char **argv) {
  mlagen::setVersionPrinter("mla-opt");
  mlagen::hideLibraryOptions(); // LLVM's; MLIR's and ours register later
  if (llvm::Error e = mlagen::checkToolInputDepth(argc, argv)) {
    llvm::errs() << "mla-opt: " << llvm::toString(std::move(e)) << "\n";
    return 1;
  }
  mlir::DialectRegistry registry;
  registry.insert<mlir::mla::MlaDialect>();
  mlir::mla::registerCpuLoweringDialects(registry);
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
  mlir::mla::registerMlaPasses();
  mlir::mla::registerMlaPipelines();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "mla-opt: MLA dialect optimizer and rewrite driver\n",
      registry));
}
