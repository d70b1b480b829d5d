//===- CudaVariant.h - the CUDA back end's tunable choices ------*- C++ -*-===//
//
// What mla-tune varies in a CUDA step and the tuning database keeps for
// it: the split count mla-split-kv makes and, per op, the tiling
// (#mla.cuda_tiling: rows per CTA, keys per tile, warps, stages, MMA
// flavour) mla-cuda-tile would otherwise choose from the op's kernel
// family. What a variant leaves open, the heuristic chooses: the split
// count for the GPU's multiprocessors and the families' default tilings.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_CUDAVARIANT_H
#define MLAGEN_CUDAVARIANT_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlagen {

/// The tiling every op of one name takes.
struct OpTiling {
  std::string op;     // "mla.partial_latent_attention"
  std::string tiling; // "#mla.cuda_tiling<arch = \"sm_90a\", ...>"
};

struct CudaVariant {
  /// mla-split-kv's num-splits; 0: its own choice for the SMs.
  int64_t splits = 0;
  std::vector<OpTiling> tilings;

  /// "splits=9; mla.partial_latent_attention=#mla.cuda_tiling<...>" (no
  /// splits field when 0): what the tuning database stores.
  std::string str() const;
  /// The inverse of str(); errors name the field. An op may appear once,
  /// its value must be a #mla.cuda_tiling<...> (checked against the op when
  /// the unit is generated).
  static llvm::Expected<CudaVariant> parse(llvm::StringRef text);
  /// This variant with what `other` sets on top: its split count unless
  /// 0, its tilings in place of this one's for the same op.
  CudaVariant overriddenBy(const CudaVariant &other) const;
};

/// A variant and how it was chosen: a tuning entry's key, or "heuristic"
/// with its inputs, and why an entry was not taken.
struct CudaChoice {
  CudaVariant variant;
  std::string source;
  /// The multiprocessors mla-split-kv fills: the GPU's, or those of the
  /// entry's device for a GPU named without a driver.
  int64_t smCount = 0;
};

} // namespace mlagen

#endif // MLAGEN_CUDAVARIANT_H
