//===- DecodeMmaSyncFamily.cpp - decode attention with mma_sync -----------===//
//
// The family of device/DecodeMmaSync.cuh: latent attention (whole or split)
// on sm_80 and later. Its fit, shared memory and warp tiling come from
// mlagen_decode_mma_sync_shape.
//
//===----------------------------------------------------------------------===//

#include "passes/cuda/DecodeAttention.h"
#include "passes/cuda/KernelFamily.h"
#include "passes/cuda/KernelShapes.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::mla;

namespace {

using Shape = mlagen_decode_mma_sync_shape;

Shape shapeOf(const AttentionOperands &a, CudaTilingAttr t) {
  Shape s{};
  s.storage = storageKindOf(a.storage());
  s.rows = int(t.getRowsPerCta()), s.keys = int(t.getKeysPerTile());
  s.warps = int(t.getWarps()), s.stages = int(t.getStages());
  s.latent = int(a.cache.getLatentDim()), s.rope = int(a.cache.getRopeDim());
  s.heads = int(a.heads()), s.tokens = int(a.tokens());
  s.page_size = int(a.cache.getPageSize()), s.splits = int(a.splits());
  s.causal = a.causal(), s.partial = bool(a.partial);
  s.schedule = a.schedule().value_or(mlagen_schedule{0, 1, 1});
  s.scale = float(a.config.getSoftmaxScale());
  return s;
}

std::vector<ShapeField> fields(const Shape &s, const AttentionOperands &a) {
  std::vector<ShapeField> f = {
      {"storage", shapeStorage(a.storage())},
      {"rows", shapeValue(int64_t(s.rows))},
      {"keys", shapeValue(int64_t(s.keys))},
      {"warps", shapeValue(int64_t(s.warps))},
      {"stages", shapeValue(int64_t(s.stages))},
      {"latent", shapeValue(int64_t(s.latent))},
      {"rope", shapeValue(int64_t(s.rope))},
      {"heads", shapeValue(int64_t(s.heads))},
      {"tokens", shapeValue(int64_t(s.tokens))},
      {"page_size", shapeValue(int64_t(s.page_size))},
      {"splits", shapeValue(int64_t(s.splits))},
      {"causal", shapeValue(s.causal)},
      {"partial", shapeValue(s.partial)},
      {"scale", shapeFloat(a.config.getSoftmaxScale())}};
  if (s.scheduled())
    f.push_back({"schedule", shapeSchedule(s.schedule)});
  return f;
}

class DecodeMmaSyncFamily : public KernelFamily {
public:
  StringRef name() const override { return "decode-mma-sync"; }

  bool takes(Operation *op) const override {
    return isa<LatentAttentionOp, PartialLatentAttentionOp>(op);
  }

  std::optional<std::string> problem(Operation *op,
                                     CudaTilingAttr tiling) const override {
    std::string why;
    FailureOr<AttentionOperands> a = attentionOperands(op, why);
    if (failed(a))
      return why;
    if (tiling.getMma() != MmaFlavor::MmaSync)
      return std::string("the mma_sync decode kernel takes mma = mma_sync");
    Shape s = shapeOf(*a, tiling);
    if (s.rows <= 0 || s.warps <= 0 || s.keys <= 0 || s.stages <= 0)
      return std::string("tiling values must be positive");
    if (!s.warps_tile_the_work())
      return llvm::formatv(
                 "tiling keys_per_tile = {0}, rows_per_cta = {1} with {2} "
                 "warps: each warp needs whole 16-row slabs, 8-key and "
                 "8-column tiles (rows_per_cta a multiple of 16 whose slabs "
                 "the warps share evenly, keys_per_tile divisible by 16 and "
                 "by 8 x {3} key groups, the latent width {4} by 8 x warps)",
                 s.keys, s.rows, s.warps, s.slab_groups() ? s.key_groups() : 0,
                 s.latent)
          .str();
    if (!s.accumulators_fit())
      return llvm::formatv("tiling rows_per_cta = {0} with {1} warps keeps "
                           "{2} output accumulators per thread (at most {3}): "
                           "use more warps or fewer rows",
                           s.rows, s.warps, s.accumulators(),
                           Shape::max_accumulators)
          .str();
    return sharedMemoryProblem("tiling", s.shared_bytes(), tiling,
                               "keys_per_tile, stages or rows_per_cta");
  }

  FailureOr<std::vector<KernelDescription>>
  describe(Operation *op, CudaTilingAttr tiling,
           StringRef name) const override {
    if (std::optional<std::string> why = problem(op, tiling))
      return op->emitOpError(*why);
    std::string unused;
    AttentionOperands a = *attentionOperands(op, unused); // checked above
    Shape s = shapeOf(a, tiling);
    KernelDescription k;
    k.name = (name + "_attention").str();
    k.op = op->getName().getStringRef().str();
    k.family = this->name().str();
    k.threadsPerBlock = s.warps * 32;
    k.dynamicSharedBytes = s.shared_bytes();
    std::optional<mlagen_schedule> schedule = a.schedule();
    if (schedule)
      k.grid = scheduledGrid(s.grid_x(), *schedule);
    else
      k.grid = {GridDim{"", s.grid_x(), 1}, GridDim{"", s.splits, 1},
                GridDim{"batch", 0, 1}};
    k.params = attentionParams(
        a, KernelParam{"cache", "const " + elementName(a.storage()) + " *",
                       cacheMeaning(a)});
    k.templateName = schedule ? "mlagen_decode_mma_sync_scheduled"
                              : "mlagen_decode_mma_sync";
    k.shapeType = "mlagen_decode_mma_sync_shape";
    k.shape = fields(s, a);
    k.sources = {DeviceSource::Storage, DeviceSource::Schedule,
                 DeviceSource::DecodeMmaSync};
    if (schedule)
      return scheduledKernels(a, std::move(k), name);
    return std::vector<KernelDescription>{std::move(k)};
  }

  /// rows: the op's S x H rounded up to a power of two in [16, 64]; warps:
  /// enough that the P x V accumulators fit (at least 4), else the first
  /// count that fits; keys: 32.
  TilingRequest defaultTiling(Operation *op,
                              const TilingRequest &r) const override {
    std::string why;
    FailureOr<AttentionOperands> a = attentionOperands(op, why);
    int64_t queryRows = succeeded(a) ? a->tokens() * a->heads() : 0;
    int64_t latent = succeeded(a) ? a->cache.getLatentDim() : 0;
    int64_t rows =
        r.rowsPerCta
            ? r.rowsPerCta
            : std::clamp<int64_t>(llvm::PowerOf2Ceil(queryRows), 16, 64);
    int64_t keys = r.keysPerTile ? r.keysPerTile : 32;
    auto make = [&](int64_t warps) {
      return TilingRequest{r.arch, rows,     keys,
                           warps,  r.stages, MmaFlavor::MmaSync};
    };
    if (r.warps)
      return make(r.warps);
    int64_t needed =
        llvm::divideCeil(rows * latent, 32 * int64_t(Shape::max_accumulators));
    int64_t warps = std::clamp<int64_t>(llvm::PowerOf2Ceil(needed), 4, 16);
    auto fits = [&](int64_t count) {
      CudaTilingAttr tiling = validTiling(op->getContext(), make(count));
      return tiling && !problem(op, tiling);
    };
    if (fits(warps))
      return make(warps);
    for (int64_t other : {1, 2, 4, 8, 16})
      if (fits(other))
        return make(other);
    return make(warps); // nothing fits: the pass names why
  }

  /// rows_per_cta in {16, 32, 64} up to the op's S x H rows (rounded up),
  /// keys_per_tile in {32, 64}, warps in {4, 8, 16}, stages in {1, 2}.
  std::vector<CudaTilingAttr> candidates(Operation *op,
                                         StringRef arch) const override {
    auto query = cast<RankedTensorType>(op->getOperand(0).getType());
    int64_t needed = query.isDynamicDim(1) || query.isDynamicDim(2)
                         ? 64
                         : int64_t(llvm::PowerOf2Ceil(query.getDimSize(1) *
                                                      query.getDimSize(2)));
    std::vector<CudaTilingAttr> found;
    for (int64_t rows : {16, 32, 64}) {
      if (rows > std::max<int64_t>(16, needed))
        continue;
      for (int64_t keys : {32, 64})
        for (int64_t warps : {4, 8, 16})
          for (int64_t stages : {1, 2}) {
            auto tiling =
                CudaTilingAttr::get(op->getContext(), arch, rows, keys, warps,
                                    stages, MmaFlavor::MmaSync);
            found.push_back(tiling);
          }
    }
    return found;
  }
};

} // namespace

const KernelFamily &mlir::mla::decodeMmaSyncFamily() {
  static const DecodeMmaSyncFamily family;
  return family;
}
