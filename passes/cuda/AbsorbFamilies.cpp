//===- AbsorbFamilies.cpp - the absorptions as their own kernels ----------===//
//
// The two families of device/Absorb.cuh: mla.absorb_query (a thread per
// output column) and mla.absorb_output (a warp per output row). What they
// stage in shared memory comes from mlagen_absorb_shape.
//
//===----------------------------------------------------------------------===//

#include "passes/cuda/KernelFamily.h"
#include "passes/cuda/KernelShapes.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::mla;

namespace {

using Shape = mlagen_absorb_shape;

/// One absorption: x [tokens, heads, in] times a per-head weight into
/// [tokens, heads, out]. W_UK is [heads, in, out], W_UV [heads, out, in].
struct Absorption {
  Value x, w, result;
  bool weightIsOutByIn;
  StringRef op, xName, wName, resultName;
};

Absorption absorptionOf(Operation *op) {
  if (auto q = dyn_cast<AbsorbQueryOp>(op))
    return {q.getQNope(),       q.getWUk(), q.getQLatent(), false,
            "mla.absorb_query", "q_nope",   "w_uk",         "q_latent"};
  auto o = cast<AbsorbOutputOp>(op);
  return {o.getOLatent(),      o.getWUv(), o.getOut(), true,
          "mla.absorb_output", "o_latent", "w_uv",     "out"};
}

Type elementOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getElementType();
}

FailureOr<Shape> shapeOf(const Absorption &a, CudaTilingAttr tiling,
                         std::string &why) {
  auto xType = cast<RankedTensorType>(a.x.getType());
  auto wType = cast<RankedTensorType>(a.w.getType());
  if (!wType.hasStaticShape() || xType.isDynamicDim(2) ||
      xType.isDynamicDim(3)) {
    why = "the CUDA printer needs static heads and widths";
    return failure();
  }
  auto kind = [](Value v) { return storageKindOf(elementOf(v)); };
  Shape s{};
  s.input = kind(a.x), s.weight = kind(a.w), s.result = kind(a.result);
  s.warps = int(tiling.getWarps());
  s.heads = int(wType.getDimSize(0));
  s.in = int(a.weightIsOutByIn ? wType.getDimSize(2) : wType.getDimSize(1));
  s.out = int(a.weightIsOutByIn ? wType.getDimSize(1) : wType.getDimSize(2));
  return s;
}

class AbsorbFamily : public KernelFamily {
public:
  explicit AbsorbFamily(bool query) : query(query) {}

  StringRef name() const override {
    return query ? "absorb-query" : "absorb-output";
  }

  bool takes(Operation *op) const override {
    return query ? isa<AbsorbQueryOp>(op) : isa<AbsorbOutputOp>(op);
  }

  std::optional<std::string> problem(Operation *op,
                                     CudaTilingAttr tiling) const override {
    std::string why;
    FailureOr<Shape> s = shapeOf(absorptionOf(op), tiling, why);
    if (failed(s))
      return why;
    if (query && s->staged_bytes() > Shape::max_static_shared)
      return llvm::formatv("absorb_query stages {0} bytes of inputs in "
                           "static shared memory, more than {1}",
                           s->staged_bytes(), Shape::max_static_shared)
          .str();
    if (!query)
      return sharedMemoryProblem("absorb_output", s->staged_bytes(), tiling,
                                 "input columns");
    return std::nullopt;
  }

  FailureOr<std::vector<KernelDescription>>
  describe(Operation *op, CudaTilingAttr tiling,
           StringRef name) const override {
    if (std::optional<std::string> why = problem(op, tiling))
      return op->emitOpError(*why);
    Absorption a = absorptionOf(op);
    std::string unused;
    Shape s = *shapeOf(a, tiling, unused); // checked above
    int64_t threads = s.warps * 32;
    KernelDescription k;
    k.name = (name + (query ? "_absorb_query" : "_absorb_output")).str();
    k.op = a.op.str();
    k.family = this->name().str();
    k.threadsPerBlock = threads;
    if (query) {
      k.grid = {GridDim{"", mlagen_ceil_div(s.out, threads), 1},
                GridDim{"", s.heads, 1}};
    } else {
      k.grid = {GridDim{"", s.heads, 1},
                GridDim{"", mlagen_ceil_div(s.out, s.warps), 1}};
      k.dynamicSharedBytes = s.staged_bytes();
    }
    std::string weightShape =
        query ? llvm::formatv("[{0}, {1}, {2}] W_UK", s.heads, s.in, s.out)
              : llvm::formatv("[{0}, {1}, {2}] W_UV", s.heads, s.out, s.in);
    k.params = {{a.xName.str(), "const " + elementName(elementOf(a.x)) + " *",
                 llvm::formatv("[tokens, {0}, {1}] input", s.heads, s.in)},
                {a.wName.str(), "const " + elementName(elementOf(a.w)) + " *",
                 weightShape},
                {a.resultName.str(), elementName(elementOf(a.result)) + " *",
                 llvm::formatv("[tokens, {0}, {1}] output", s.heads, s.out)},
                {"tokens", "int", "batch x query tokens"}};
    bindParam(k, a.xName, a.x);
    bindParam(k, a.wName, a.w);
    bindParam(k, a.resultName, a.result);
    bindParam(k, "tokens", a.x, {0, 1});
    k.templateName = query ? "mlagen_absorb_query" : "mlagen_absorb_output";
    k.shapeType = "mlagen_absorb_shape";
    k.shape = {{"input", shapeStorage(elementOf(a.x))},
               {"weight", shapeStorage(elementOf(a.w))},
               {"result", shapeStorage(elementOf(a.result))},
               {"warps", shapeValue(int64_t(s.warps))},
               {"heads", shapeValue(int64_t(s.heads))},
               {"in", shapeValue(int64_t(s.in))},
               {"out", shapeValue(int64_t(s.out))}};
    k.sources = {DeviceSource::Storage, DeviceSource::Absorb};
    return std::vector<KernelDescription>{std::move(k)};
  }

private:
  bool query;
};

} // namespace

const KernelFamily &mlir::mla::absorbQueryFamily() {
  static const AbsorbFamily family(/*query=*/true);
  return family;
}

const KernelFamily &mlir::mla::absorbOutputFamily() {
  static const AbsorbFamily family(/*query=*/false);
  return family;
}
