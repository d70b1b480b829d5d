//===- CudaTranslation.h - mla IR to a CUDA translation unit ----*- C++ -*-===//
//
// The printer of the CUDA code generation. Reads a module that
// mla-cuda-tile prepared (it never changes the IR), asks each op's kernel
// family (KernelFamily.h) to describe its kernels, and prints one
// self-contained CUDA C++ translation unit: a header comment, the device
// sources of passes/cuda/device/ the kernels use (primitives, then kernel
// templates), the wgmma specializations, one entry per kernel that
// instantiates its template with its shape, and a launch description (JSON
// in a closing comment) that a runtime reads.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_PASSES_CUDA_CUDATRANSLATION_H
#define MLAGEN_PASSES_CUDA_CUDATRANSLATION_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <vector>

namespace mlir::mla {

struct KernelDescription;
enum class DeviceSource;

/// The kernels of `module`, in op order. Fails with an error at the op on
/// an mla op without a tiling, one whose tiling does not fit, or one no
/// family generates.
FailureOr<std::vector<KernelDescription>> generateCudaKernels(ModuleOp module);

/// The translation unit of `kernels`.
void printTranslationUnit(ArrayRef<KernelDescription> kernels, raw_ostream &os);

/// The texts of passes/cuda/device/ as a unit holds them: the host-device
/// vocabulary every unit starts with (Common.cuh), the device primitives
/// (Primitives.cuh), the Hopper ones units with a wgmma kernel add
/// (HopperPrimitives.cuh), and each kernel template's source.
StringRef cudaCommon();
StringRef cudaPrimitives();
StringRef cudaHopperPrimitives();
StringRef cudaDeviceSource(DeviceSource source);

/// The lines around the wgmma specializations a unit prints.
inline constexpr llvm::StringLiteral kWgmmaBegin =
    "// ---- wgmma specializations of this unit's shapes ----\n";
inline constexpr llvm::StringLiteral kWgmmaEnd =
    "// ---- end of the wgmma specializations ----\n";

/// generateCudaKernels, then printTranslationUnit.
LogicalResult translateToCuda(ModuleOp module, raw_ostream &os);

/// Registers `--mla-to-cuda` with mlir-translate's registry.
void registerMlaToCudaTranslation();

} // namespace mlir::mla

#endif // MLAGEN_PASSES_CUDA_CUDATRANSLATION_H
