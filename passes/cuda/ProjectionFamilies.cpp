//===- ProjectionFamilies.cpp - the layer's linear maps and RoPE ----------===//
//
// The families of device/Linear.cuh, RmsNorm.cuh and Rope.cuh:
//   - compression (mla.compress_query, mla.compress_kv): the linear map
//     into an f32 pre-norm scratch buffer, then the RMSNorm kernel that
//     rounds the latent to storage once;
//   - linear (mla.up_project_query, mla.output_projection);
//   - rope (mla.rope on the queries).
// A warp per output column (linear) or token row (RMSNorm); the staged
// inputs come from mlagen_linear_shape.
//
//===----------------------------------------------------------------------===//

#include "passes/cuda/KernelFamily.h"
#include "passes/cuda/KernelShapes.h"

#include "mlir/IR/TypeUtilities.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::mla;

namespace {

/// Elements per token: the product of a value's dims after the first two
/// (batch, tokens).
int64_t perToken(Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t size = 1;
  for (int64_t d : type.getShape().drop_front(2))
    size *= d;
  return size;
}

bool staticPerToken(Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  return llvm::none_of(type.getShape().drop_front(2), ShapedType::isDynamic);
}

/// One linear map of the layer: its parameters (input, weight, outputs,
/// tokens), the template that stores its outputs and its shape.
struct Linear {
  std::vector<KernelParam> params;
  std::string templateName;
  mlagen_linear_shape shape{};
  Type storage;
};

FailureOr<Linear> linearOf(Operation *op, CudaTilingAttr tiling,
                           std::string &why) {
  Linear l;
  auto param = [&](StringRef name, bool input, Value v, StringRef meaning) {
    std::string type = elementName(getElementTypeOrSelf(v.getType()));
    l.params.push_back(boundParam(name, (input ? "const " : "") + type + " *",
                                  meaning.str(), v));
  };
  auto preNorm = [&](StringRef name, Value v, StringRef meaning) {
    l.params.push_back(boundParam(name, "float *", meaning.str(), v));
    l.params.back().scratch = true;
  };
  Value x, w;
  if (auto c = dyn_cast<CompressQueryOp>(op)) {
    x = c.getHidden(), w = c.getWDq();
    param("hidden", true, x, "[tokens, d_model] input");
    param("w_dq", true, w, "[q_lora_rank, d_model] W_DQ");
    preNorm("c_q_f32", c.getCQ(), "[tokens, q_lora_rank] f32 before RMSNorm");
    l.templateName = "mlagen_compress_query";
  } else if (auto c = dyn_cast<CompressKvOp>(op)) {
    x = c.getHidden(), w = c.getWDkv();
    param("hidden", true, x, "[tokens, d_model] input");
    param("w_dkv", true, w, "[kv_lora_rank + rope, d_model] W_DKV");
    preNorm("c_kv_f32", c.getCKv(),
            "[tokens, kv_lora_rank] f32 before RMSNorm");
    param("k_rope", false, c.getKRope(), "[tokens, rope] not yet rotated");
    l.shape.split = int(perToken(c.getCKv()));
    l.templateName = "mlagen_compress_kv";
  } else if (auto u = dyn_cast<UpProjectQueryOp>(op)) {
    x = u.getInput(), w = u.getWUq();
    param("input", true, x, "[tokens, in] c_q or hidden");
    param("w_uq", true, w, "[heads, nope + rope, in] W_UQ");
    param("q_nope", false, u.getQNope(), "[tokens, heads, nope]");
    param("q_rope", false, u.getQRope(), "[tokens, heads, rope] not rotated");
    auto weight = cast<RankedTensorType>(w.getType());
    l.shape.heads = int(weight.getDimSize(0));
    l.shape.nope = int(u.getConfig().getQkNopeHeadDim());
    l.templateName = "mlagen_up_project_query";
  } else if (auto o = dyn_cast<OutputProjectionOp>(op)) {
    x = o.getHeadsOut(), w = o.getWO();
    param("heads_out", true, x, "[tokens, heads x D] the heads' outputs");
    param("w_o", true, w, "[d_model, heads x D] W_O");
    param("out", false, o.getOut(), "[tokens, d_model] output");
    l.templateName = "mlagen_output_projection";
  } else {
    why = "not a projection";
    return failure();
  }
  auto weight = cast<RankedTensorType>(w.getType());
  if (!weight.hasStaticShape() || !staticPerToken(x)) {
    why = "the CUDA printer needs static weights and feature widths";
    return failure();
  }
  // W is [out, in] once its leading dims are folded (W_UQ: heads x
  // (nope + rope) rows); the input's trailing dims fold into `in`.
  int64_t in = perToken(x);
  l.shape.in = int(std::min<int64_t>(in, INT32_MAX));
  if (!l.shape.even_input() || weight.getNumElements() % in) {
    why = llvm::formatv("the CUDA printer needs an even input width ({0}) "
                        "that divides the weight's {1} elements",
                        in, weight.getNumElements());
    return failure();
  }
  l.storage = getElementTypeOrSelf(w.getType());
  if (getElementTypeOrSelf(x.getType()) != l.storage) {
    why = "the CUDA printer needs input and weight in one storage type";
    return failure();
  }
  l.shape.storage = storageKindOf(l.storage);
  l.shape.warps = int(tiling.getWarps());
  l.shape.out = int(weight.getNumElements() / in);
  l.params.push_back(
      boundParam("tokens", "int", "batch x query tokens", x, {0, 1}));
  return l;
}

/// Why the linear map of `op` cannot be generated, or nothing.
std::optional<std::string> linearProblem(Operation *op, CudaTilingAttr tiling) {
  std::string why;
  if (failed(linearOf(op, tiling, why)))
    return why;
  return std::nullopt;
}

FailureOr<KernelDescription> describeLinear(Operation *op,
                                            CudaTilingAttr tiling,
                                            StringRef name, StringRef family) {
  std::string why;
  FailureOr<Linear> l = linearOf(op, tiling, why);
  if (failed(l))
    return op->emitOpError(why);
  const mlagen_linear_shape &s = l->shape;
  KernelDescription k;
  k.name = name.str();
  k.op = op->getName().getStringRef().str();
  k.family = family.str();
  k.threadsPerBlock = s.warps * 32;
  // Min-blocks 1: ptxas would otherwise squeeze the registers for
  // occupancy and spill the accumulators.
  k.minBlocks = 1;
  k.dynamicSharedBytes = s.shared_bytes();
  k.grid = {GridDim{"", s.grid_x(), 1}};
  k.params = l->params;
  k.templateName = l->templateName;
  k.shapeType = "mlagen_linear_shape";
  k.shape = {{"storage", shapeStorage(l->storage)},
             {"warps", shapeValue(int64_t(s.warps))},
             {"in", shapeValue(int64_t(s.in))},
             {"out", shapeValue(int64_t(s.out))},
             {"split", shapeValue(int64_t(s.split))},
             {"heads", shapeValue(int64_t(s.heads))},
             {"nope", shapeValue(int64_t(s.nope))}};
  k.sources = {DeviceSource::Storage, DeviceSource::Linear};
  return k;
}

/// The RMSNorm after a compression: the f32 pre-norm scratch in, the
/// normalized latent out in the storage type.
KernelDescription describeRmsNorm(Operation *op, CudaTilingAttr tiling,
                                  StringRef name, StringRef family) {
  Value normed, weight;
  StringRef buffer;
  if (auto c = dyn_cast<CompressQueryOp>(op))
    normed = c.getCQ(), weight = c.getNormWeight(), buffer = "c_q";
  else if (auto c = dyn_cast<CompressKvOp>(op))
    normed = c.getCKv(), weight = c.getNormWeight(), buffer = "c_kv";
  int64_t width = perToken(normed);
  Type storage = getElementTypeOrSelf(normed.getType());
  Type weightStorage = getElementTypeOrSelf(weight.getType());
  int64_t warps = tiling.getWarps();
  KernelDescription k;
  k.name = name.str();
  k.op = op->getName().getStringRef().str();
  k.family = family.str();
  k.threadsPerBlock = warps * 32;
  k.grid = {GridDim{"tokens", 0, warps}};
  std::string preNorm = (buffer + "_f32").str();
  k.params = {{preNorm, "const float *",
               llvm::formatv("[tokens, {0}] f32 before RMSNorm", width)},
              {buffer.str(), elementName(storage) + " *",
               llvm::formatv("[tokens, {0}] normalized", width)},
              {"norm_weight", "const " + elementName(weightStorage) + " *",
               llvm::formatv("[{0}] RMSNorm weight", width)},
              {"tokens", "int", "batch x query tokens"}};
  k.params[0].scratch = true;
  bindParam(k, preNorm, normed);
  bindParam(k, buffer, normed);
  bindParam(k, "norm_weight", weight);
  bindParam(k, "tokens", normed, {0, 1});
  k.templateName = "mlagen_rms_norm";
  k.shapeType = "mlagen_rms_norm_shape";
  k.shape = {
      {"storage", shapeStorage(storage)},
      {"weight", shapeStorage(weightStorage)},
      {"warps", shapeValue(warps)},
      {"width", shapeValue(width)},
      {"epsilon",
       shapeFloat(cast<ConfigAttr>(op->getAttr("config")).getEpsilon())}};
  k.sources = {DeviceSource::Storage, DeviceSource::RmsNorm};
  return k;
}

/// compress_query / compress_kv: the linear map, then its RMSNorm.
class CompressionFamily : public KernelFamily {
public:
  StringRef name() const override { return "compression"; }

  bool takes(Operation *op) const override {
    return isa<CompressQueryOp, CompressKvOp>(op);
  }

  std::optional<std::string> problem(Operation *op,
                                     CudaTilingAttr tiling) const override {
    return linearProblem(op, tiling);
  }

  FailureOr<std::vector<KernelDescription>>
  describe(Operation *op, CudaTilingAttr tiling,
           StringRef name) const override {
    FailureOr<KernelDescription> linear =
        describeLinear(op, tiling, (name + "_compress").str(), this->name());
    if (failed(linear))
      return failure();
    return std::vector<KernelDescription>{
        std::move(*linear),
        describeRmsNorm(op, tiling, (name + "_norm").str(), this->name())};
  }
};

/// up_project_query / output_projection.
class LinearFamily : public KernelFamily {
public:
  StringRef name() const override { return "linear"; }

  bool takes(Operation *op) const override {
    return isa<UpProjectQueryOp, OutputProjectionOp>(op);
  }

  std::optional<std::string> problem(Operation *op,
                                     CudaTilingAttr tiling) const override {
    return linearProblem(op, tiling);
  }

  FailureOr<std::vector<KernelDescription>>
  describe(Operation *op, CudaTilingAttr tiling,
           StringRef name) const override {
    std::string suffix =
        isa<UpProjectQueryOp>(op) ? "_up_project_query" : "_output_projection";
    FailureOr<KernelDescription> linear =
        describeLinear(op, tiling, (name + suffix).str(), this->name());
    if (failed(linear))
      return failure();
    return std::vector<KernelDescription>{std::move(*linear)};
  }
};

class RopeFamily : public KernelFamily {
public:
  StringRef name() const override { return "rope"; }

  bool takes(Operation *op) const override { return isa<RopeOp>(op); }

  std::optional<std::string> problem(Operation *op,
                                     CudaTilingAttr) const override {
    auto rope = cast<RopeOp>(op);
    if (!staticPerToken(rope.getInput()))
      return std::string("the CUDA printer needs static heads and rope width");
    if (cast<RankedTensorType>(rope.getInput().getType()).getShape().back() % 2)
      return std::string("the CUDA printer needs an even rope width");
    return std::nullopt;
  }

  FailureOr<std::vector<KernelDescription>>
  describe(Operation *op, CudaTilingAttr tiling,
           StringRef name) const override {
    if (std::optional<std::string> why = problem(op, tiling))
      return op->emitOpError(*why);
    auto rope = cast<RopeOp>(op);
    auto type = cast<RankedTensorType>(rope.getInput().getType());
    int64_t width = perToken(rope.getInput()), ropeDim = type.getShape().back();
    RopeAttr attr = rope.getConfig().getRope();
    std::string e = elementName(type.getElementType());
    std::string ropeName = (name + "_rope").str();
    std::string table = ropeName + "_inv_freq";
    KernelDescription k;
    k.name = ropeName;
    k.op = "mla.rope";
    k.family = this->name().str();
    k.threadsPerBlock = tiling.getWarps() * 32;
    k.grid = {GridDim{"tokens", 0, 1}};
    k.params = {
        {"input", "const " + e + " *",
         llvm::formatv("[tokens, {0}] not rotated", width)},
        {"positions", "const int *", "[tokens] RoPE positions"},
        {"result", e + " *", llvm::formatv("[tokens, {0}] rotated", width)},
        {"tokens", "int", "batch x query tokens"}};
    bindParam(k, "input", rope.getInput());
    bindParam(k, "positions", rope.getPositions());
    bindParam(k, "result", rope.getResult());
    bindParam(k, "tokens", rope.getInput(), {0, 1});
    k.templateName = "mlagen_rope";
    k.shapeType = "mlagen_rope_shape";
    k.shape = {{"storage", shapeStorage(type.getElementType())},
               {"warps", shapeValue(tiling.getWarps())},
               {"per_token", shapeValue(width)},
               {"rope", shapeValue(ropeDim)},
               {"interleaved",
                shapeValue(attr.getPairing() == RopePairing::Interleaved)},
               {"cos_sin_scale", shapeDouble(attr.getCosSinScale())}};
    k.arguments = {"input", "positions", "result", "tokens", table};
    k.prelude = ropeFrequencyTable(table, attr, ropeDim);
    k.sources = {DeviceSource::Storage, DeviceSource::Rope};
    return std::vector<KernelDescription>{std::move(k)};
  }
};

} // namespace

const KernelFamily &mlir::mla::compressionFamily() {
  static const CompressionFamily family;
  return family;
}

const KernelFamily &mlir::mla::linearFamily() {
  static const LinearFamily family;
  return family;
}

const KernelFamily &mlir::mla::ropeFamily() {
  static const RopeFamily family;
  return family;
}
