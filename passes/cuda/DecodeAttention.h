//===- DecodeAttention.h - what the decode families read -------*- C++ -*-===//
//
// Latent attention, whole or split, as the two decode families (mma_sync
// and wgmma) see it, and the parameters their kernels share.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_PASSES_CUDA_DECODEATTENTION_H
#define MLAGEN_PASSES_CUDA_DECODEATTENTION_H

#include "passes/cuda/KernelDescription.h"
#include "passes/cuda/KernelShapes.h"

#include <optional>

namespace mlir::mla {

struct AttentionOperands {
  Operation *op = nullptr;
  LatentAttentionOp whole;
  PartialLatentAttentionOp partial;
  RankedTensorType query;
  PagedCacheType cache;
  ConfigAttr config;

  int64_t tokens() const { return query.getDimSize(1); }
  int64_t heads() const { return query.getDimSize(2); }
  // The op getters are not const: read through copies of the handles.
  int64_t splits() const {
    return partial ? PartialLatentAttentionOp(partial).getNumSplits() : 1;
  }
  bool causal() const {
    return whole ? LatentAttentionOp(whole).getCausal()
                 : PartialLatentAttentionOp(partial).getCausal();
  }
  Type storage() const { return cache.getElementType(); }
  /// The balanced schedule of a whole attention with #mla.decode_schedule.
  std::optional<mlagen_schedule> schedule() const {
    DecodeScheduleAttr s =
        whole ? LatentAttentionOp(whole).getScheduleAttr() : nullptr;
    if (!s)
      return std::nullopt;
    return mlagen_schedule{int(s.getParts()), int(s.getKeysPerUnit()),
                           int(s.getOverheadUnits())};
  }
};

/// `op`'s operands, or failure with why no attention kernel takes it.
FailureOr<AttentionOperands> attentionOperands(Operation *op, std::string &why);

/// The decode kernels' parameters, bound to the op: queries, the cache
/// (`cacheParam`: a pointer, or a TMA descriptor), block table and
/// lengths, output and LSE (f32 partials for a split op), table width and
/// batch.
std::vector<KernelParam> attentionParams(AttentionOperands a,
                                         KernelParam cacheParam);
/// "[pages, page size, width] the paged cache".
std::string cacheMeaning(const AttentionOperands &a);

/// The shape field of a schedule: "{.parts = 132, ...}".
std::string shapeSchedule(const mlagen_schedule &s);

/// A scheduled attention's grid: its row blocks, then its parts.
std::vector<GridDim> scheduledGrid(int64_t rowBlocks, const mlagen_schedule &s);

/// The kernels of a scheduled attention around `attention` (the family's
/// kernel over the parts): the schedule kernel (the prefix sums of the
/// sequences' costs from the device lengths), `attention`, then the
/// combine of the sequences more than one part met.
std::vector<KernelDescription> scheduledKernels(const AttentionOperands &a,
                                                KernelDescription attention,
                                                StringRef name);

} // namespace mlir::mla

#endif // MLAGEN_PASSES_CUDA_DECODEATTENTION_H
