//===- VariantSpace.cpp - the CUDA kernel variants of an op ---------------===//

#include "passes/cuda/VariantSpace.h"
#include "passes/cuda/KernelSource.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::mla;

std::vector<CudaTilingAttr> mlir::mla::cudaVariantSpace(Operation *op,
                                                        StringRef arch) {
  MLIRContext *context = op->getContext();
  auto make = [&](int64_t rows, int64_t keys, int64_t warps, int64_t stages) {
    return CudaTilingAttr::get(context, arch, rows, keys, warps, stages,
                               MmaFlavor::MmaSync);
  };
  std::vector<CudaTilingAttr> variants;
  if (isa<CacheAppendOp, CombineOp>(op)) {
    for (int64_t warps : {1, 2, 4, 8})
      variants.push_back(make(16, 32, warps, 1));
    return variants;
  }
  if (auto prefill = dyn_cast<MhaAttentionOp>(op)) {
    for (int64_t warps : {4, 8})
      for (int64_t keys : {32, 64})
        for (int64_t stages : {1, 2}) {
          CudaTilingAttr tiling = make(16 * warps, keys, warps, stages);
          if (!prefillTilingProblem(prefill, tiling))
            variants.push_back(tiling);
        }
    return variants;
  }
  if (!isa<LatentAttentionOp, PartialLatentAttentionOp>(op))
    return variants;
  auto query = cast<RankedTensorType>(op->getOperand(0).getType());
  int64_t needed = query.isDynamicDim(1) || query.isDynamicDim(2)
                       ? 64
                       : int64_t(llvm::PowerOf2Ceil(query.getDimSize(1) *
                                                    query.getDimSize(2)));
  // The Hopper family: 64 rows, two or four warpgroups.
  if (arch == "sm_90a")
    for (int64_t warps : {8, 16})
      for (int64_t keys : {32, 64})
        for (int64_t stages : {1, 2, 3}) {
          auto tiling = CudaTilingAttr::get(context, arch, 64, keys, warps,
                                            stages, MmaFlavor::Wgmma);
          if (needed >= 64 && !attentionTilingProblem(op, tiling))
            variants.push_back(tiling);
        }
  for (int64_t rows : {16, 32, 64}) {
    if (rows > std::max<int64_t>(16, needed))
      continue;
    for (int64_t keys : {32, 64})
      for (int64_t warps : {4, 8, 16})
        for (int64_t stages : {1, 2}) {
          CudaTilingAttr tiling = make(rows, keys, warps, stages);
          if (!attentionTilingProblem(op, tiling))
            variants.push_back(tiling);
        }
  }
  return variants;
}
