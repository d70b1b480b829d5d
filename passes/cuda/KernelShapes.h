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

#endif // MLAGEN_PASSES_CUDA_KERNELSHAPES_H
