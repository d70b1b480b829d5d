//===- KernelSource.h - one generated CUDA kernel ---------------*- C++ -*-===//
//
// What each kernel printer returns: the kernel's CUDA C++ and what a
// runtime needs to launch it (the launch description).
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_PASSES_CUDA_KERNELSOURCE_H
#define MLAGEN_PASSES_CUDA_KERNELSOURCE_H

#include "dialect/MlaOps.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::mla {

/// A kernel parameter, in launch order.
struct KernelParam {
  std::string name, type, meaning;
};

/// One grid dimension: ceil(count / perBlock), where count is the value of
/// the int parameter `countParam`, or `count` when that is empty.
struct GridDim {
  std::string countParam;
  int64_t count = 1, perBlock = 1;
};

struct KernelSource {
  std::string name, op, code;
  std::vector<KernelParam> params;
  std::vector<GridDim> grid; // x, y, z
  int64_t threadsPerBlock = 32;
  int64_t dynamicSharedBytes = 0;
};

/// The C type and the load/store conversions of a storage type.
struct StorageNames {
  std::string type, toFloat, fromFloat;
};
StorageNames storageNames(Type storage);

/// The most dynamic shared memory one CTA may use on `capability`.
int64_t sharedMemoryLimit(int64_t capability);

/// `type name` for each parameter (pointers `__restrict__`), joined by
/// `separator`: a kernel's parameter list.
std::string printSignature(ArrayRef<KernelParam> params,
                           StringRef separator = ", ");

/// One printer per kernel kind; each fails with a located error on a form
/// of its op it does not generate.
FailureOr<KernelSource> printCombineKernel(CombineOp op, CudaTilingAttr tiling,
                                           StringRef name);
FailureOr<KernelSource>
printAppendKernel(CacheAppendOp op, CudaTilingAttr tiling, StringRef name);
FailureOr<KernelSource>
printAbsorbQueryKernel(AbsorbQueryOp op, CudaTilingAttr tiling, StringRef name);
FailureOr<KernelSource> printAbsorbOutputKernel(AbsorbOutputOp op,
                                                CudaTilingAttr tiling,
                                                StringRef name);
/// Why the attention kernel cannot be generated for `op` with `tiling`
/// (registers, shared memory, warp tiling, unsupported forms), or nothing.
std::optional<std::string> attentionTilingProblem(Operation *op,
                                                  CudaTilingAttr tiling);
/// Latent attention, whole or split (`op` is either).
FailureOr<KernelSource>
printAttentionKernel(Operation *op, CudaTilingAttr tiling, StringRef name);

/// Why the prefill (MHA) kernel cannot be generated for `op` with `tiling`,
/// or nothing.
std::optional<std::string> prefillTilingProblem(MhaAttentionOp op,
                                                CudaTilingAttr tiling);
FailureOr<KernelSource>
printPrefillKernel(MhaAttentionOp op, CudaTilingAttr tiling, StringRef name);

} // namespace mlir::mla

#endif // MLAGEN_PASSES_CUDA_KERNELSOURCE_H
