//===- PrefillFamily.cpp - prefill attention in MHA form ------------------===//
//
// The family of device/Prefill.cuh: mla.mha_attention with mma_sync (sm_80
// and later). Its fit and shared memory come from mlagen_prefill_shape.
//
//===----------------------------------------------------------------------===//

#include "passes/cuda/KernelFamily.h"
#include "passes/cuda/KernelShapes.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mla;

namespace {

using Shape = mlagen_prefill_shape;

double scaleLog2(MhaAttentionOp op) {
  return op.getConfig().getSoftmaxScale() / std::log(2.0);
}

/// The shape of `op` with `tiling`, or failure with why the template does
/// not take the op at all.
FailureOr<Shape> shapeOf(MhaAttentionOp op, CudaTilingAttr t,
                         std::string &why) {
  auto query = cast<RankedTensorType>(op.getQNope().getType());
  ConfigAttr config = op.getConfig();
  Type storage = query.getElementType();
  if (query.isDynamicDim(2)) {
    why = "the CUDA printer needs a static head count";
    return failure();
  }
  if (!storage.isBF16() && !storage.isF16()) {
    why = "the mma_sync prefill kernel takes bf16 or f16 storage";
    return failure();
  }
  Shape s{};
  s.storage = storageKindOf(storage);
  s.rows = int(t.getRowsPerCta()), s.keys = int(t.getKeysPerTile());
  s.warps = int(t.getWarps()), s.stages = int(t.getStages());
  s.heads = int(query.getDimSize(2));
  s.nope = int(config.getQkNopeHeadDim());
  s.rope = int(config.getQkRopeHeadDim());
  s.value = int(config.getVHeadDim());
  s.causal = op.getCausal();
  s.scale_log2 = float(scaleLog2(op));
  return s;
}

std::vector<ShapeField> fields(const Shape &s, MhaAttentionOp op) {
  return {
      {"storage",
       shapeStorage(
           cast<RankedTensorType>(op.getQNope().getType()).getElementType())},
      {"rows", shapeValue(int64_t(s.rows))},
      {"keys", shapeValue(int64_t(s.keys))},
      {"warps", shapeValue(int64_t(s.warps))},
      {"stages", shapeValue(int64_t(s.stages))},
      {"heads", shapeValue(int64_t(s.heads))},
      {"nope", shapeValue(int64_t(s.nope))},
      {"rope", shapeValue(int64_t(s.rope))},
      {"value", shapeValue(int64_t(s.value))},
      {"causal", shapeValue(s.causal)},
      {"scale_log2", shapeFloat(scaleLog2(op))}};
}

class PrefillFamily : public KernelFamily {
public:
  StringRef name() const override { return "prefill-mma-sync"; }

  bool takes(Operation *op) const override { return isa<MhaAttentionOp>(op); }

  std::optional<std::string> problem(Operation *op,
                                     CudaTilingAttr tiling) const override {
    std::string why;
    FailureOr<Shape> s = shapeOf(cast<MhaAttentionOp>(op), tiling, why);
    if (failed(s))
      return why;
    if (!s->head_dims_fit())
      return std::string("the prefill kernel needs head dims in 8-element "
                         "pieces and nope + rope divisible by 16");
    if (tiling.getMma() != MmaFlavor::MmaSync)
      return std::string("the prefill kernel is generated with mma_sync "
                         "only; tile with mma = mma_sync");
    if (s->stages <= 0)
      return std::string("tiling values must be positive");
    if (!s->warps_tile_the_work())
      return llvm::formatv("prefill tiling rows_per_cta = {0}, keys_per_tile "
                           "= {1} with {2} warps: each warp takes 16 query "
                           "tokens (rows_per_cta = 16 x warps) and "
                           "keys_per_tile must be a multiple of 16",
                           s->rows, s->keys, s->warps)
          .str();
    if (!s->accumulators_fit())
      return llvm::formatv("prefill tiling keys_per_tile = {0} keeps {1} "
                           "score and output accumulators per thread (at "
                           "most {2}): use fewer keys per tile",
                           s->keys, s->accumulators(), Shape::max_accumulators)
          .str();
    return sharedMemoryProblem("prefill tiling", s->shared_bytes(), tiling,
                               "keys_per_tile, stages or rows_per_cta");
  }

  FailureOr<std::vector<KernelDescription>>
  describe(Operation *op, CudaTilingAttr tiling,
           StringRef name) const override {
    if (std::optional<std::string> why = problem(op, tiling))
      return op->emitOpError(*why);
    auto mha = cast<MhaAttentionOp>(op);
    std::string unused;
    Shape s = *shapeOf(mha, tiling, unused); // checked above
    std::string e = elementName(
        cast<RankedTensorType>(mha.getQNope().getType()).getElementType());
    KernelDescription k;
    k.name = (name + "_prefill").str();
    k.op = op->getName().getStringRef().str();
    k.family = this->name().str();
    k.threadsPerBlock = s.warps * 32;
    k.dynamicSharedBytes = s.shared_bytes();
    k.grid = {GridDim{"tokens", 0, s.rows}, GridDim{"", s.heads, 1},
              GridDim{"batch", 0, 1}};
    k.params = {
        {"q_nope", "const " + e + " *",
         llvm::formatv("[batch, tokens, {0}, {1}] queries (nope part)", s.heads,
                       s.nope)},
        {"q_rope", "const " + e + " *",
         llvm::formatv("[batch, tokens, {0}, {1}] rotated rope queries",
                       s.heads, s.rope)},
        {"k_nope", "const " + e + " *",
         llvm::formatv("[batch, key_tokens, {0}, {1}] up-projected keys",
                       s.heads, s.nope)},
        {"k_rope", "const " + e + " *",
         llvm::formatv("[batch, key_tokens, {0}] rotated rope keys (one "
                       "head)",
                       s.rope)},
        {"v", "const " + e + " *",
         llvm::formatv("[batch, key_tokens, {0}, {1}] up-projected values",
                       s.heads, s.value)},
        {"seq_lens", "const int *", "[batch] keys per sequence"},
        {"out", e + " *",
         llvm::formatv("[batch, tokens, {0}, {1}] output", s.heads, s.value)},
        {"lse", "float *",
         llvm::formatv("[batch, tokens, {0}] f32 LSE", s.heads)},
        {"tokens", "int", "query tokens per sequence (the last of each)"},
        {"key_tokens", "int", "key rows per sequence in k_nope, k_rope, v"},
        {"batch", "int", "sequences"}};
    bindParam(k, "q_nope", mha.getQNope());
    bindParam(k, "q_rope", mha.getQRope());
    bindParam(k, "k_nope", mha.getKNope());
    bindParam(k, "k_rope", mha.getKRope());
    bindParam(k, "v", mha.getV());
    bindParam(k, "seq_lens", mha.getSeqLens());
    bindParam(k, "out", mha.getOut());
    bindParam(k, "lse", mha.getLse());
    bindParam(k, "tokens", mha.getQNope(), {1});
    bindParam(k, "key_tokens", mha.getKNope(), {1});
    bindParam(k, "batch", mha.getQNope(), {0});
    k.templateName = "mlagen_prefill";
    k.shapeType = "mlagen_prefill_shape";
    k.shape = fields(s, mha);
    k.sources = {DeviceSource::Storage, DeviceSource::FragmentSoftmax,
                 DeviceSource::Prefill};
    return std::vector<KernelDescription>{std::move(k)};
  }

  /// Each warp takes 16 query tokens: 64 tokens (fewer for a short static
  /// prompt) on 4 warps, 64-key tiles.
  TilingRequest defaultTiling(Operation *op,
                              const TilingRequest &r) const override {
    int64_t rows = r.rowsPerCta;
    if (rows == 0 && r.warps)
      rows = 16 * r.warps;
    if (rows == 0) {
      int64_t tokens =
          cast<RankedTensorType>(cast<MhaAttentionOp>(op).getQNope().getType())
              .getDimSize(1);
      rows = ShapedType::isDynamic(tokens)
                 ? 64
                 : std::clamp<int64_t>(llvm::PowerOf2Ceil(tokens), 16, 64);
    }
    int64_t warps = r.warps ? r.warps : std::max<int64_t>(rows / 16, 1);
    return TilingRequest{r.arch, rows,     r.keysPerTile ? r.keysPerTile : 64,
                         warps,  r.stages, r.mma};
  }

  /// warps in {4, 8} with 16 query tokens each, keys_per_tile in {32, 64},
  /// stages in {1, 2}.
  std::vector<CudaTilingAttr> candidates(Operation *op,
                                         StringRef arch) const override {
    std::vector<CudaTilingAttr> found;
    for (int64_t warps : {4, 8})
      for (int64_t keys : {32, 64})
        for (int64_t stages : {1, 2}) {
          auto tiling =
              CudaTilingAttr::get(op->getContext(), arch, 16 * warps, keys,
                                  warps, stages, MmaFlavor::MmaSync);
          found.push_back(tiling);
        }
    return found;
  }
};

} // namespace

const KernelFamily &mlir::mla::prefillFamily() {
  static const PrefillFamily family;
  return family;
}
