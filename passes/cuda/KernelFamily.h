//===- KernelFamily.h - what each CUDA kernel family decides ----*- C++ -*-===//
//
// A kernel family is one kernel template of passes/cuda/device/ and what it
// can be instantiated for: given an op and a tiling it answers whether the
// tiling fits (and why not), and describes the kernels it makes (shape,
// shared memory, threads, grid, parameters and their bindings). These facts
// are computed from the template's shape struct, which the kernel itself
// reads too, so mla-cuda-tile, the variant space, the printer and the
// autotuner all ask the family and none writes a limit of its own.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_PASSES_CUDA_KERNELFAMILY_H
#define MLAGEN_PASSES_CUDA_KERNELFAMILY_H

#include "passes/cuda/KernelDescription.h"

namespace mlir::mla {

/// What mla-cuda-tile's options ask of a tiling: 0 leaves a field to the
/// family.
struct TilingRequest {
  std::string arch;
  int64_t rowsPerCta = 0, keysPerTile = 0, warps = 0, stages = 2;
  MmaFlavor mma = MmaFlavor::MmaSync;
};

class KernelFamily {
public:
  virtual ~KernelFamily() = default;

  /// The family's name, e.g. "decode-mma-sync".
  virtual StringRef name() const = 0;
  /// Whether the family makes kernels of ops like `op` (its kind).
  virtual bool takes(Operation *op) const = 0;
  /// Why `tiling` does not fit `op` (registers, shared memory, warp tiling,
  /// a form the template does not take), or nothing. The one place that
  /// decides it.
  virtual std::optional<std::string> problem(Operation *op,
                                             CudaTilingAttr tiling) const = 0;
  /// The kernels of `op` in launch order, named `name` plus a suffix per
  /// kernel ("_attention", "_norm", ...); a located
  /// error when problem() has one.
  virtual FailureOr<std::vector<KernelDescription>>
  describe(Operation *op, CudaTilingAttr tiling, StringRef name) const = 0;
  /// The tiling mla-cuda-tile sets from `request`: the fields it leaves 0
  /// chosen so that the tiling fits where one can. Values the request
  /// gives are kept as they are, valid or not (the pass verifies them).
  virtual TilingRequest defaultTiling(Operation *op,
                                      const TilingRequest &request) const;
  /// The tilings an autotuner tries on `arch`, before asking problem():
  /// a grid of the values the template is written for.
  virtual std::vector<CudaTilingAttr> candidates(Operation *op,
                                                 StringRef arch) const;
  /// The candidates that fit.
  std::vector<CudaTilingAttr> variants(Operation *op, StringRef arch) const;
};

/// `request` as a tiling attribute, or null when the attribute's verifier
/// refuses its values (nothing is reported).
CudaTilingAttr validTiling(MLIRContext *context, const TilingRequest &request);

/// The candidates of a kernel whose tiling is only its warps (append,
/// combine): 1, 2, 4 and 8.
std::vector<CudaTilingAttr> warpCandidates(Operation *op, StringRef arch);

/// Every kernel family.
ArrayRef<const KernelFamily *> kernelFamilies();

/// The family that makes `op`'s kernels with tilings of `mma` (the decode
/// attention families differ by flavour; others take any), or null for an
/// op no family takes.
const KernelFamily *kernelFamilyOf(Operation *op, MmaFlavor mma);

/// The most dynamic shared memory one CTA may use on `capability`.
int64_t sharedMemoryLimit(int64_t capability);
/// Why `bytes` of shared memory per CTA do not fit `tiling`'s arch, or
/// nothing: "<what> needs N bytes of shared memory per CTA, more than the
/// L <arch> offers: use fewer <fewer>".
std::optional<std::string> sharedMemoryProblem(StringRef what, int64_t bytes,
                                               CudaTilingAttr tiling,
                                               StringRef fewer);

/// The families (one file each; the absorptions' two and the projections'
/// three share a file with their siblings).
const KernelFamily &decodeMmaSyncFamily();
const KernelFamily &decodeWgmmaFamily();
const KernelFamily &prefillFamily();
const KernelFamily &appendFamily();
const KernelFamily &combineFamily();
const KernelFamily &absorbQueryFamily();
const KernelFamily &absorbOutputFamily();
const KernelFamily &compressionFamily();
const KernelFamily &linearFamily();
const KernelFamily &ropeFamily();

} // namespace mlir::mla

#endif // MLAGEN_PASSES_CUDA_KERNELFAMILY_H
