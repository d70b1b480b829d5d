//===- VariantSpace.cpp - the CUDA kernel variants of an op ---------------===//

#include "passes/cuda/VariantSpace.h"
#include "passes/cuda/KernelFamily.h"

using namespace mlir;
using namespace mlir::mla;

std::vector<CudaTilingAttr> mlir::mla::cudaVariantSpace(Operation *op,
                                                        StringRef arch) {
  std::vector<CudaTilingAttr> variants;
  // The Hopper family first, as autotuners list it.
  for (const KernelFamily *family :
       {&decodeWgmmaFamily(), &decodeMmaSyncFamily()})
    if (family->takes(op)) {
      std::vector<CudaTilingAttr> found = family->variants(op, arch);
      variants.insert(variants.end(), found.begin(), found.end());
    }
  if (!variants.empty())
    return variants;
  if (const KernelFamily *family = kernelFamilyOf(op, MmaFlavor::MmaSync))
    return family->variants(op, arch);
  return variants;
}
