//===- VariantSpace.h - the CUDA kernel variants of an op -------*- C++ -*-===//
//
// The tilings an autotuner chooses among for one mla op on one GPU
// architecture: the union of the variants of every kernel family that
// takes the op (KernelFamily::variants), each checked by the family to fit.
// Decode attention: the mma_sync family (rows_per_cta in {16, 32, 64} up to
// the op's S x H rows, keys_per_tile in {32, 64}, warps in {4, 8, 16},
// stages in {1, 2}) and on sm_90a with at least 64 rows the wgmma family
// (64 rows, warps in {8, 16}, keys_per_tile in {32, 64}, stages in
// {1, 2, 3}). Prefill: warps in {4, 8} with 16 query tokens each,
// keys_per_tile in {32, 64}, stages in {1, 2}. Append and combine: warps in
// {1, 2, 4, 8}. Other ops: none.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_PASSES_CUDA_VARIANTSPACE_H
#define MLAGEN_PASSES_CUDA_VARIANTSPACE_H

#include "dialect/MlaOps.h"

#include <vector>

namespace mlir::mla {

std::vector<CudaTilingAttr> cudaVariantSpace(Operation *op, StringRef arch);

} // namespace mlir::mla

#endif // MLAGEN_PASSES_CUDA_VARIANTSPACE_H
