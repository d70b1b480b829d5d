//===- DecodeWgmmaFamily.cpp - decode attention with wgmma + TMA ----------===//
//
// The family of device/DecodeWgmma.cuh: latent attention (whole or split)
// on sm_90a. Its fit, shared memory and copy engine (TMA or cp.async, by
// page size) come from mlagen_decode_wgmma_shape.
//
//===----------------------------------------------------------------------===//

#include "passes/cuda/DecodeAttention.h"
#include "passes/cuda/KernelFamily.h"
#include "passes/cuda/KernelShapes.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mla;

namespace {

using Shape = mlagen_decode_wgmma_shape;

double scaleLog2(const AttentionOperands &a) {
  return a.config.getSoftmaxScale() / std::log(2.0);
}

Shape shapeOf(const AttentionOperands &a, CudaTilingAttr t) {
  Shape s{};
  s.storage = storageKindOf(a.storage());
  s.keys = int(t.getKeysPerTile()), s.warps = int(t.getWarps());
  s.stages = int(t.getStages());
  s.latent = int(a.cache.getLatentDim()), s.rope = int(a.cache.getRopeDim());
  s.heads = int(a.heads()), s.tokens = int(a.tokens());
  s.page_size = int(a.cache.getPageSize()), s.splits = int(a.splits());
  s.causal = a.causal(), s.partial = bool(a.partial);
  s.schedule = a.schedule().value_or(mlagen_schedule{0, 1, 1});
  s.scale_log2 = float(scaleLog2(a));
  return s;
}

std::vector<ShapeField> fields(const Shape &s, const AttentionOperands &a) {
  std::vector<ShapeField> f = {{"storage", shapeStorage(a.storage())},
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
                               {"scale_log2", shapeFloat(scaleLog2(a))}};
  if (s.scheduled())
    f.push_back({"schedule", shapeSchedule(s.schedule)});
  return f;
}

class DecodeWgmmaFamily : public KernelFamily {
public:
  StringRef name() const override { return "decode-wgmma"; }

  bool takes(Operation *op) const override {
    return isa<LatentAttentionOp, PartialLatentAttentionOp>(op);
  }

  std::optional<std::string> problem(Operation *op,
                                     CudaTilingAttr tiling) const override {
    std::string why;
    FailureOr<AttentionOperands> a = attentionOperands(op, why);
    if (failed(a))
      return why;
    if (tiling.getMma() != MmaFlavor::Wgmma)
      return std::string("the wgmma decode kernel takes mma = wgmma");
    Shape s = shapeOf(*a, tiling);
    if (tiling.getRowsPerCta() != Shape::rows)
      return llvm::formatv("the wgmma attention kernel takes {0} query rows "
                           "per CTA (wgmma's M), got rows_per_cta = {1}",
                           Shape::rows, tiling.getRowsPerCta())
          .str();
    if (s.stages <= 0)
      return std::string("tiling values must be positive");
    if (!s.warpgroups_tile_the_row())
      return llvm::formatv(
                 "the wgmma attention kernel with {0} warps needs whole "
                 "warpgroups, the row width ({1}) in {2}-column slices, each "
                 "warpgroup's latent columns ({3}) whole slices and at most "
                 "{4}, and its share of the dot product ({5}) a multiple of "
                 "16: use 8 or 16 warps",
                 s.warps, s.width(), Shape::slice_width,
                 s.groups() ? s.columns() : 0, Shape::max_columns,
                 s.groups() ? s.depth() : 0)
          .str();
    if (!s.keys_fit_wgmma())
      return llvm::formatv("the wgmma attention kernel needs keys_per_tile a "
                           "multiple of 16 and at most {0}, got {1}",
                           Shape::max_keys, s.keys)
          .str();
    if (!s.accumulators_fit())
      return llvm::formatv("wgmma tiling keys_per_tile = {0} with {1} warps "
                           "keeps {2} score and output accumulators per "
                           "thread (at most {3}): use fewer keys per tile",
                           s.keys, s.warps, s.accumulators(),
                           s.max_accumulators())
          .str();
    return sharedMemoryProblem("wgmma tiling", s.shared_bytes(), tiling,
                               "keys_per_tile or stages");
  }

  FailureOr<std::vector<KernelDescription>>
  describe(Operation *op, CudaTilingAttr tiling,
           StringRef name) const override {
    if (std::optional<std::string> why = problem(op, tiling))
      return op->emitOpError(*why);
    std::string unused;
    AttentionOperands a = *attentionOperands(op, unused); // checked above
    Shape s = shapeOf(a, tiling);
    std::string type = a.storage().isBF16() ? "bf16" : "f16";
    KernelParam cache{"cache", "const " + elementName(a.storage()) + " *",
                      cacheMeaning(a)};
    if (s.tma())
      cache = KernelParam{
          "cache_map", "const __grid_constant__ mlagen_tensor_map",
          "TMA descriptor of the cache " + cacheMeaning(a),
          TensorMapLayout{"cache", type,
                          llvm::formatv("pages x {0}", s.page_size), s.width(),
                          s.width() * 2, Shape::slice_width, s.box_rows()}};
    KernelDescription k;
    k.name = (name + "_attention").str();
    k.op = op->getName().getStringRef().str();
    k.family = this->name().str();
    k.threadsPerBlock = s.warps * 32;
    k.minBlocks = 1;
    k.dynamicSharedBytes = s.shared_bytes();
    k.hopper = true;
    std::optional<mlagen_schedule> schedule = a.schedule();
    if (schedule)
      k.grid = scheduledGrid(s.grid_x(), *schedule);
    else
      k.grid = {GridDim{"", s.grid_x(), 1}, GridDim{"", s.splits, 1},
                GridDim{"batch", 0, 1}};
    k.params = attentionParams(a, std::move(cache));
    k.templateName =
        schedule ? "mlagen_decode_wgmma_scheduled" : "mlagen_decode_wgmma";
    k.shapeType = "mlagen_decode_wgmma_shape";
    k.shape = fields(s, a);
    k.sources = {DeviceSource::Storage, DeviceSource::FragmentSoftmax,
                 DeviceSource::Schedule, DeviceSource::DecodeWgmma};
    k.helpers = {printWgmmaWrapper(s.keys, false, a.storage()),
                 printWgmmaWrapper(s.columns(), true, a.storage())};
    if (schedule)
      return scheduledKernels(a, std::move(k), name);
    return std::vector<KernelDescription>{std::move(k)};
  }

  /// 64 rows, two warpgroups, 32-key tiles.
  TilingRequest defaultTiling(Operation *op,
                              const TilingRequest &r) const override {
    return TilingRequest{r.arch,
                         r.rowsPerCta ? r.rowsPerCta : Shape::rows,
                         r.keysPerTile ? r.keysPerTile : 32,
                         r.warps ? r.warps : 8,
                         r.stages,
                         MmaFlavor::Wgmma};
  }

  /// On sm_90a, for ops with at least 64 query rows: warps in {8, 16},
  /// keys_per_tile in {32, 64}, stages in {1, 2, 3}.
  std::vector<CudaTilingAttr> candidates(Operation *op,
                                         StringRef arch) const override {
    std::vector<CudaTilingAttr> found;
    auto query = cast<RankedTensorType>(op->getOperand(0).getType());
    // The op's rows rounded up to a power of two, as the mma_sync grid
    // takes them: 33 to 63 rows fill one 64-row CTA.
    bool enoughRows = query.isDynamicDim(1) || query.isDynamicDim(2) ||
                      llvm::PowerOf2Ceil(query.getDimSize(1) *
                                         query.getDimSize(2)) >= Shape::rows;
    if (arch != "sm_90a" || !enoughRows)
      return found;
    for (int64_t warps : {8, 16})
      for (int64_t keys : {32, 64})
        for (int64_t stages : {1, 2, 3}) {
          auto tiling =
              CudaTilingAttr::get(op->getContext(), arch, Shape::rows, keys,
                                  warps, stages, MmaFlavor::Wgmma);
          found.push_back(tiling);
        }
    return found;
  }
};

} // namespace

const KernelFamily &mlir::mla::decodeWgmmaFamily() {
  static const DecodeWgmmaFamily family;
  return family;
}
