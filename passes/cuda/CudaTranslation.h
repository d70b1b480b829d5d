//===- CudaTranslation.h - mla IR to a CUDA translation unit ----*- C++ -*-===//
//
// The printer of the CUDA code generation. Reads a module that
// mla-cuda-tile prepared (it never changes the IR) and prints one
// self-contained CUDA C++ translation unit: a header comment naming each
// kernel's op, tiling and pipeline, the device primitives, the kernels, and
// a launch description (JSON in a closing comment) that a runtime reads.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_PASSES_CUDA_CUDATRANSLATION_H
#define MLAGEN_PASSES_CUDA_CUDATRANSLATION_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <vector>

namespace mlir::mla {

struct KernelSource;

/// The kernels of `module`, in op order. Fails with an error at the op on
/// an mla op without a tiling, or one it does not generate yet.
FailureOr<std::vector<KernelSource>> generateCudaKernels(ModuleOp module);

/// The translation unit of `kernels`: header, primitives, kernels, launch
/// description.
void printTranslationUnit(ArrayRef<KernelSource> kernels, raw_ostream &os);

/// The device primitives every unit starts with (Primitives.cuh), and the
/// Hopper ones units with a wgmma kernel add (HopperPrimitives.cuh).
StringRef cudaPrimitives();
StringRef cudaHopperPrimitives();

/// generateCudaKernels, then printTranslationUnit.
LogicalResult translateToCuda(ModuleOp module, raw_ostream &os);

/// Registers `--mla-to-cuda` with mlir-translate's registry.
void registerMlaToCudaTranslation();

} // namespace mlir::mla

#endif // MLAGEN_PASSES_CUDA_CUDATRANSLATION_H
