//===- KernelShapes.h - the kernel templates' shape structs -----*- C++ -*-===//
//
// The shape structs of passes/cuda/device/, compiled into the code
// generator: the families compute a kernel's shared memory, warp tiling
// and fit from the same constexpr members the kernel templates read.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_PASSES_CUDA_KERNELSHAPES_H
#define MLAGEN_PASSES_CUDA_KERNELSHAPES_H

#define MLAGEN_SHAPES_ONLY
// Common.cuh first, the families after it.
// clang-format off
#include "passes/cuda/device/Common.cuh"
#include "passes/cuda/device/Schedule.cuh"
#include "passes/cuda/device/Absorb.cuh"
#include "passes/cuda/device/Append.cuh"
#include "passes/cuda/device/Combine.cuh"
#include "passes/cuda/device/DecodeMmaSync.cuh"
#include "passes/cuda/device/DecodeWgmma.cuh"
#include "passes/cuda/device/Linear.cuh"
#include "passes/cuda/device/Prefill.cuh"
#include "passes/cuda/device/RmsNorm.cuh"
#include "passes/cuda/device/Rope.cuh"
// clang-format on
#undef MLAGEN_SHAPES_ONLY

#include "mlir/IR/Types.h"

namespace mlir::mla {

/// The storage kind of an element type the kernels store (bf16, f16, else
/// f32).
inline mlagen_storage_kind storageKindOf(Type element) {
  return element.isBF16()  ? mlagen_bf16
         : element.isF16() ? mlagen_f16
                           : mlagen_f32;
}

} // namespace mlir::mla

#endif // MLAGEN_PASSES_CUDA_KERNELSHAPES_H
