//===- mla-translate.cpp - mla IR to other languages ----------------------===//
//
// mlir-translate with the mla dialect: `--mla-to-cuda` prints a module that
// mla-cuda-tile prepared as a CUDA C++ translation unit.
//
//===----------------------------------------------------------------------===//

#include "passes/cuda/CudaTranslation.h"
#include "runtime/problem/NestingDepth.h"
#include "tools/ToolOptions.h"
#include "tools/ToolVersion.h"

#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  mlagen::setVersionPrinter("mla-translate");
  mlagen::hideLibraryOptions(); // LLVM's; MLIR's and ours register later
  if (llvm::Error e = mlagen::checkToolInputDepth(argc, argv)) {
    llvm::errs() << "mla-translate: " << llvm::toString(std::move(e)) << "\n";
    return 1;
  }
  mlir::mla::registerMlaToCudaTranslation();
  return mlir::failed(mlir::mlirTranslateMain(argc, argv, "mla-translate"));
}
