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

/// How the runtime encodes a TMA descriptor parameter (cuTensorMapEncodeTiled)
/// for a 2-D row-major tensor: `columns` elements per row (innermost),
/// `rows` rows (a meaning, e.g. "pages x 64", known at run time), rows
/// `rowStrideBytes` apart; boxes of boxColumns x boxRows, 128-byte swizzle,
/// zero fill out of bounds.
struct TensorMapLayout {
  std::string tensor, element, rows;
  int64_t columns = 0, rowStrideBytes = 0, boxColumns = 0, boxRows = 0;
};

/// A kernel parameter, in launch order. `value` is the IR value it carries:
/// for a pointer (or TMA descriptor) the tensor or cache whose buffer it
/// points at; for an int, the value whose static dims `dims` multiply to
/// it. A `scratch` pointer instead takes a buffer of f32 shaped like
/// `value`, private to the op's kernels (shared by those naming it alike):
/// a value in flight between two kernels of one op, kept unrounded. A
/// runtime holding the IR binds launches with these.
struct KernelParam {
  std::string name, type, meaning;
  std::optional<TensorMapLayout> tensorMap = std::nullopt;
  Value value = nullptr;
  SmallVector<int64_t, 3> dims = {};
  bool scratch = false;
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
  /// Needs the Hopper primitives (passes/cuda/HopperPrimitives.cuh).
  bool hopper = false;
  /// Device functions the kernel calls that are printed per shape (wgmma
  /// wrappers); the unit prints each distinct one once, before the kernels.
  std::vector<std::string> helpers;
};

/// `text` with each `${key}` replaced by its value. Every placeholder must
/// have a value (asserted; a release build leaves it in the text, where the
/// CUDA compiler names it).
std::string fillTemplate(StringRef text,
                         ArrayRef<std::pair<StringRef, std::string>> values);

/// The C type and the load/store conversions of a storage type.
struct StorageNames {
  std::string type, toFloat, fromFloat;
};
StorageNames storageNames(Type storage);

/// The online-softmax step on this thread's two rows (`half` = 0 / 1) of an
/// MMA accumulator tile in the m16n8 layout: block j of 8 keys holds row
/// `half`'s keys 2 (lane % 4) + e, e = 0 / 1. `score` and `acc` name that
/// element of the score and output fragments in terms of j, half and e;
/// `limit` is a statement defining `limit`, the keys the row sees;
/// `accBlocks` counts the 8-column output blocks. The kernel provides
/// first, lane, kKeys, kScaleLog2, rowMax[2] and rowSum[2].
std::string printFragmentSoftmax(StringRef score, StringRef acc,
                                 StringRef limit, StringRef accBlocks);

/// `__constant__ double <name>[rope dim / 2] = {...};`: RoPE's inverse
/// frequencies with every digit a double keeps.
std::string ropeFrequencyTable(StringRef name, RopeAttr rope, int64_t ropeDim);

/// The most dynamic shared memory one CTA may use on `capability`.
int64_t sharedMemoryLimit(int64_t capability);
/// Why `bytes` of shared memory per CTA do not fit `tiling`'s arch, or
/// nothing: "<what> needs N bytes of shared memory per CTA, more than the
/// L <arch> offers: use fewer <fewer>".
std::optional<std::string> sharedMemoryProblem(StringRef what, int64_t bytes,
                                               CudaTilingAttr tiling,
                                               StringRef fewer);

/// Sets what parameter `name` of `kernel` carries (see KernelParam).
void bindParam(KernelSource &kernel, StringRef name, Value value,
               ArrayRef<int64_t> dims = {});

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
/// A latent attention op (whole or split) as the attention kernels see it.
struct AttentionOperands {
  LatentAttentionOp whole;
  PartialLatentAttentionOp partial;
  RankedTensorType query;
  PagedCacheType cache;
  ConfigAttr config;
};
/// `op`'s operands, or failure with why no attention kernel takes it.
FailureOr<AttentionOperands> attentionOperands(Operation *op, std::string &why);

/// Binds the attention kernels' parameters (both families) to the op.
void bindAttentionParams(KernelSource &kernel, AttentionOperands a);

/// Why the attention kernel cannot be generated for `op` with `tiling`
/// (registers, shared memory, warp tiling, unsupported forms), or nothing.
std::optional<std::string> attentionTilingProblem(Operation *op,
                                                  CudaTilingAttr tiling);
/// The device function `name` running wgmma m64n`n`k16 on `type` (bf16 or
/// f16) with A from registers or shared memory and B K-major or N-major
/// (transposed); see WgmmaWrapper.cpp.
std::string printWgmmaWrapper(StringRef name, int64_t n, bool aInRegisters,
                              bool transposeB, StringRef type);

/// The wgmma + TMA (sm_90a) latent attention kernel's own checks, and the
/// kernel; attentionTilingProblem / printAttentionKernel dispatch to them
/// for tilings with mma = wgmma.
std::optional<std::string> wgmmaTilingProblem(Operation *op,
                                              CudaTilingAttr tiling);
FailureOr<KernelSource>
printWgmmaAttentionKernel(Operation *op, CudaTilingAttr tiling, StringRef name);
/// Latent attention, whole or split (`op` is either).
FailureOr<KernelSource>
printAttentionKernel(Operation *op, CudaTilingAttr tiling, StringRef name);

/// Why the prefill (MHA) kernel cannot be generated for `op` with `tiling`,
/// or nothing.
std::optional<std::string> prefillTilingProblem(MhaAttentionOp op,
                                                CudaTilingAttr tiling);
FailureOr<KernelSource>
printPrefillKernel(MhaAttentionOp op, CudaTilingAttr tiling, StringRef name);

/// The layer's projections (compress_query, compress_kv, up_project_query,
/// output_projection): y = x W^T, a warp per output column.
FailureOr<KernelSource> printLinearKernel(Operation *op, CudaTilingAttr tiling,
                                          StringRef name);
/// The RMSNorm after compress_query / compress_kv: the f32 pre-norm scratch
/// in, the normalized latent out in the storage type.
FailureOr<KernelSource> printRmsNormKernel(Operation *op, CudaTilingAttr tiling,
                                           StringRef name);
FailureOr<KernelSource> printRopeKernel(RopeOp op, CudaTilingAttr tiling,
                                        StringRef name);

} // namespace mlir::mla

#endif // MLAGEN_PASSES_CUDA_KERNELSOURCE_H
