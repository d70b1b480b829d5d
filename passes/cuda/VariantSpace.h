//===- VariantSpace.h - the CUDA kernel variants of an op -------*- C++ -*-===//
//
// The tilings an autotuner chooses among for one mla op on one GPU
// architecture: every combination of the candidate values below that the
// printer can generate (registers, shared memory and warp tiling fit).
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_PASSES_CUDA_VARIANTSPACE_H
#define MLAGEN_PASSES_CUDA_VARIANTSPACE_H

#include "dialect/MlaOps.h"

#include <vector>

namespace mlir::mla {

/// Latent attention: rows_per_cta in {16, 32, 64} up to the op's S x H rows
/// (rounded up), keys_per_tile in {32, 64}, warps in {4, 8, 16}, stages in
/// {1, 2}, mma_sync; on sm_90a with at least 64 rows also the wgmma
/// kernel: 64 rows, warps in {8, 16}, keys_per_tile in {32, 64}, stages in
/// {1, 2, 3}. Prefill (MHA) attention: warps in {4, 8} with 16
/// query tokens each, keys_per_tile in {32, 64}, stages in {1, 2}. Append
/// and combine: warps in {1, 2, 4, 8}. Other ops: none.
std::vector<CudaTilingAttr> cudaVariantSpace(Operation *op, StringRef arch);

} // namespace mlir::mla

#endif // MLAGEN_PASSES_CUDA_VARIANTSPACE_H
