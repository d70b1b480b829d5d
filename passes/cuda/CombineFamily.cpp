//===- CombineFamily.cpp - the split-KV combine ---------------------------===//
//
// The family of device/Combine.cuh: mla.combine, a warp per query row.
//
//===----------------------------------------------------------------------===//

#include "passes/cuda/KernelFamily.h"
#include "passes/cuda/KernelShapes.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::mla;

namespace {

class CombineFamily : public KernelFamily {
public:
  StringRef name() const override { return "combine"; }

  bool takes(Operation *op) const override { return isa<CombineOp>(op); }

  std::optional<std::string> problem(Operation *op,
                                     CudaTilingAttr) const override {
    auto combine = cast<CombineOp>(op);
    if (combine.getWUv())
      return std::string("the CUDA printer generates the absorptions as "
                         "their own kernels; run the mla-to-cuda pipeline "
                         "(mla-unfuse-absorptions) first");
    auto partial = cast<RankedTensorType>(combine.getPartialOut().getType());
    if (partial.isDynamicDim(0) || partial.isDynamicDim(4))
      return std::string("the CUDA printer needs a static split count and "
                         "latent width");
    return std::nullopt;
  }

  FailureOr<std::vector<KernelDescription>>
  describe(Operation *op, CudaTilingAttr tiling,
           StringRef name) const override {
    if (std::optional<std::string> why = problem(op, tiling))
      return op->emitOpError(*why);
    auto combine = cast<CombineOp>(op);
    auto partial = cast<RankedTensorType>(combine.getPartialOut().getType());
    int64_t splits = partial.getDimSize(0), width = partial.getDimSize(4);
    Type storage =
        cast<RankedTensorType>(combine.getOut().getType()).getElementType();
    int64_t warps = tiling.getWarps();

    KernelDescription k;
    k.name = (name + "_combine").str();
    k.op = "mla.combine";
    k.family = this->name().str();
    k.threadsPerBlock = warps * 32;
    k.grid = {GridDim{"rows", 0, warps}};
    k.params = {
        {"partial_out", "const float *",
         llvm::formatv("[{0}, rows, {1}] f32 partial outputs", splits, width)},
        {"partial_lse", "const float *",
         llvm::formatv("[{0}, rows] f32 partial LSEs", splits)},
        {"out", elementName(storage) + " *",
         llvm::formatv("[rows, {0}] output", width)},
        {"lse", "float *", "[rows] f32 LSE (natural log)"},
        {"rows", "int", "query rows: batch x tokens x heads"}};
    bindParam(k, "partial_out", combine.getPartialOut());
    bindParam(k, "partial_lse", combine.getPartialLse());
    bindParam(k, "out", combine.getOut());
    bindParam(k, "lse", combine.getLse());
    bindParam(k, "rows", combine.getOut(), {0, 1, 2});
    k.templateName = "mlagen_combine";
    k.shapeType = "mlagen_combine_shape";
    k.shape = {{"storage", shapeStorage(storage)},
               {"warps", shapeValue(warps)},
               {"splits", shapeValue(splits)},
               {"width", shapeValue(width)}};
    k.sources = {DeviceSource::Storage, DeviceSource::Schedule,
                 DeviceSource::Combine};
    return std::vector<KernelDescription>{std::move(k)};
  }

  std::vector<CudaTilingAttr> candidates(Operation *op,
                                         StringRef arch) const override {
    return warpCandidates(op, arch);
  }
};

} // namespace

const KernelFamily &mlir::mla::combineFamily() {
  static const CombineFamily family;
  return family;
}
