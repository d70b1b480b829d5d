//===- AppendFamily.cpp - the cache append (RoPE fused) -------------------===//
//
// The family of device/Append.cuh: mla.cache_append, one CTA per new token,
// any page size.
//
//===----------------------------------------------------------------------===//

#include "passes/cuda/KernelFamily.h"
#include "passes/cuda/KernelShapes.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::mla;

namespace {

class AppendFamily : public KernelFamily {
public:
  StringRef name() const override { return "append"; }

  bool takes(Operation *op) const override { return isa<CacheAppendOp>(op); }

  std::optional<std::string> problem(Operation *op,
                                     CudaTilingAttr) const override {
    auto append = cast<CacheAppendOp>(op);
    if (cast<RankedTensorType>(append.getCKv().getType()).isDynamicDim(1))
      return std::string("the CUDA printer needs a static count of new "
                         "tokens");
    return std::nullopt;
  }

  FailureOr<std::vector<KernelDescription>>
  describe(Operation *op, CudaTilingAttr tiling,
           StringRef name) const override {
    if (std::optional<std::string> why = problem(op, tiling))
      return op->emitOpError(*why);
    auto append = cast<CacheAppendOp>(op);
    auto cache = cast<PagedCacheType>(append.getCache().getType());
    int64_t tokens =
        cast<RankedTensorType>(append.getCKv().getType()).getDimSize(1);
    RopeAttr rope = append.getConfig().getRope();
    int64_t latent = cache.getLatentDim(), ropeDim = cache.getRopeDim();
    bool rotate = bool(append.getPositions());
    std::string e = elementName(cache.getElementType());
    std::string kernelName = (name + "_cache_append").str();
    std::string table = kernelName + "_inv_freq";

    KernelDescription k;
    k.name = kernelName;
    k.op = "mla.cache_append";
    k.family = this->name().str();
    k.threadsPerBlock = tiling.getWarps() * 32;
    k.grid = {GridDim{"new_tokens", 0, 1}};
    auto param = [&](StringRef n, StringRef type, std::string meaning,
                     Value value, ArrayRef<int64_t> dims = {}) {
      k.params.push_back(boundParam(n, type, std::move(meaning), value, dims));
    };
    param("c_kv", "const " + e + " *",
          llvm::formatv("[batch, {0}, {1}] new latents", tokens, latent),
          append.getCKv());
    param("k_rope", "const " + e + " *",
          llvm::formatv("[batch, {0}, {1}] new rope keys{2}", tokens, ropeDim,
                        rotate ? ", not yet rotated" : ""),
          append.getKRope());
    if (rotate)
      param("positions", "const int *",
            llvm::formatv("[batch, {0}] RoPE positions", tokens),
            append.getPositions());
    // The result is this buffer, written in place.
    param("cache", e + " *",
          llvm::formatv("[pages, {0}, {1}] the paged cache, written in place",
                        cache.getPageSize(), cache.getRowWidth()),
          append.getCache());
    param("block_table", "const int *", "[batch, table_width] pages",
          append.getBlockTable());
    param("seq_lens", "const int *", "[batch] tokens cached before the append",
          append.getSeqLens());
    param("table_width", "int", "block-table entries per sequence",
          append.getBlockTable(), {1});
    param("new_tokens", "int", llvm::formatv("batch x {0}", tokens),
          append.getCKv(), {0, 1});
    param("pages", "int", "pages of the cache", append.getCache(), {0});

    k.templateName = "mlagen_append";
    k.shapeType = "mlagen_append_shape";
    k.shape = {{"storage", shapeStorage(cache.getElementType())},
               {"warps", shapeValue(tiling.getWarps())},
               {"latent", shapeValue(latent)},
               {"rope", shapeValue(ropeDim)},
               {"page_size", shapeValue(cache.getPageSize())},
               {"tokens", shapeValue(tokens)},
               {"rotate", shapeValue(rotate)},
               {"interleaved",
                shapeValue(rope.getPairing() == RopePairing::Interleaved)},
               {"cos_sin_scale", shapeDouble(rope.getCosSinScale())}};
    k.arguments = {
        "c_kv",        "k_rope",      rotate ? "positions" : "nullptr",
        "cache",       "block_table", "seq_lens",
        "table_width", "new_tokens",  rotate ? table : "nullptr",
        "pages"};
    if (rotate)
      k.prelude = ropeFrequencyTable(table, rope, ropeDim);
    k.sources = {DeviceSource::Storage, DeviceSource::Rope,
                 DeviceSource::Append};
    return std::vector<KernelDescription>{std::move(k)};
  }

  std::vector<CudaTilingAttr> candidates(Operation *op,
                                         StringRef arch) const override {
    return warpCandidates(op, arch);
  }
};

} // namespace

const KernelFamily &mlir::mla::appendFamily() {
  static const AppendFamily family;
  return family;
}
