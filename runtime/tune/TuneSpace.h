//===- TuneSpace.h - the variants mla-tune considers for a bucket -*- C++
//-*-===//
//
// One shape bucket (batch, cached length, query tokens, page size, storage)
// of a model's decode attention step, and every kernel variant the code
// generator can print for it on an architecture: for each op the kernel
// families take, each candidate tiling (KernelFamily::candidates) is
// either pruned with the family's reason or printed as a unit of its own
// (the op's other kernels at their default tilings), ready for NVRTC.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_RUNTIME_TUNE_TUNESPACE_H
#define MLAGEN_RUNTIME_TUNE_TUNESPACE_H

#include "mlagen/CudaUnit.h"
#include "mlagen/LayerConfig.h"
#include "mlagen/StorageType.h"

#include <optional>

namespace mlagen {

struct Bucket {
  int64_t batch = 4, length = 4096, queryTokens = 1, pageSize = 64;
  StorageType storage = StorageType::BF16;
};

/// "batch 4, 4096 keys, 1 query token(s), page 64, bf16".
std::string describe(const Bucket &bucket);

struct TuneCandidate {
  std::string op;                    // e.g. "mla.partial_latent_attention"
  std::string family;                // the kernel family, e.g. "decode-wgmma"
  std::string tiling;                // the #mla.cuda_tiling<...> text
  bool isDefault = false;            // what mla-cuda-tile picks unasked
  std::optional<std::string> pruned; // the family's reason, if it does not fit
  CudaUnit unit;                     // printed when it fits (with a plan)
  std::string kernel;                // the name of the varied kernel in `unit`
  int64_t rowsPerCta = 0, splits = 1;
};

struct BucketSpace {
  Bucket bucket;
  int64_t splits = 1; // what mla-split-kv chose for the bucket
  std::vector<TuneCandidate> candidates;
};

/// The step of `config` at `bucket`, rewritten and tiled for `arch`
/// (`smCount` SMs for the split choice), and each candidate of each
/// tunable op.
llvm::Expected<BucketSpace> enumerateBucket(const LayerConfig &config,
                                            const Bucket &bucket,
                                            llvm::StringRef arch,
                                            int64_t smCount);

} // namespace mlagen

#endif // MLAGEN_RUNTIME_TUNE_TUNESPACE_H
