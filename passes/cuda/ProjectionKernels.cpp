//===- ProjectionKernels.cpp - the layer's linear maps as CUDA kernels ----===//
//
// The decode layer's projections around the attention, all of the form
// y[m, n] = sum_k x[m, k] W[n, k] with m over the batch x query tokens (a
// few rows at decode) and W read once: bound by the weight's bytes.
//   - mla.compress_query: x = hidden, W = W_DQ, y = c_q, then RMSNorm;
//   - mla.compress_kv: x = hidden, W = W_DKV, y = [c_kv | k_rope], then
//     RMSNorm of the c_kv part;
//   - mla.up_project_query: x = c_q (or hidden), W = W_UQ viewed as
//     [heads x (nope + rope), in], y split per head into q_nope and q_rope;
//   - mla.output_projection: x = the heads' outputs viewed as [m, H x D],
//     W = W_O viewed as [d_model, H x D].
// One warp per output column n (grid: columns / warps); the tokens are
// taken 8 at a time and their inputs staged in shared memory 1024 columns
// at a time, so each weight element loaded (two per lane per step, one
// 32-bit load for 16-bit storage) serves the 8 tokens; f32 accumulation,
// a warp sum, one rounding to storage. The RMSNorm that follows a
// compression is a second kernel (one warp per token row): the pre-norm
// values pass between the two in an f32 scratch buffer, so the normalized
// latent is rounded once, as on the CPU.
// mla.rope rotates q_rope (or k_rope) by the positions like the append
// kernel does (angles and cos/sin in f64, the rotation in f32).
//
//===----------------------------------------------------------------------===//

#include "passes/cuda/KernelSource.h"

#include "mlir/IR/TypeUtilities.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::mla;

namespace {

constexpr int64_t kTokensPerPass = 8, kChunk = 1024;

/// One linear map: input and weight widths, outputs and how column n of y
/// is stored (the C++ statement, with `m`, `n` and `value` in scope).
struct Linear {
  int64_t in = 0, out = 0;
  Type storage;
  std::vector<KernelParam> params;
  std::string store;
};

int64_t staticSize(Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t size = 1;
  for (int64_t d : type.getShape().drop_front(2))
    size *= d;
  return size;
}

bool staticInner(Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  return llvm::none_of(type.getShape().drop_front(2), ShapedType::isDynamic);
}

FailureOr<Linear> linearOf(Operation *op) {
  Linear l;
  auto param = [&](StringRef name, bool input, Value v, StringRef meaning) {
    std::string type = storageNames(getElementTypeOrSelf(v.getType())).type;
    l.params.push_back({name.str(), (input ? "const " : "") + type + " *",
                        meaning.str(), std::nullopt, v});
  };
  auto preNorm = [&](StringRef name, Value v, StringRef meaning) {
    KernelParam p{name.str(), "float *", meaning.str(), std::nullopt, v};
    p.scratch = true;
    l.params.push_back(std::move(p));
  };
  auto weightShape = [](Value w) {
    return cast<RankedTensorType>(w.getType());
  };
  Value x, w;
  if (auto c = dyn_cast<CompressQueryOp>(op)) {
    x = c.getHidden(), w = c.getWDq();
    param("hidden", true, x, "[tokens, d_model] input");
    param("w_dq", true, w, "[q_lora_rank, d_model] W_DQ");
    preNorm("c_q_f32", c.getCQ(), "[tokens, q_lora_rank] f32 before RMSNorm");
    l.store = "c_q_f32[(long long)m * kOut + n] = value;";
  } else if (auto c = dyn_cast<CompressKvOp>(op)) {
    x = c.getHidden(), w = c.getWDkv();
    param("hidden", true, x, "[tokens, d_model] input");
    param("w_dkv", true, w, "[kv_lora_rank + rope, d_model] W_DKV");
    preNorm("c_kv_f32", c.getCKv(),
            "[tokens, kv_lora_rank] f32 before RMSNorm");
    param("k_rope", false, c.getKRope(), "[tokens, rope] not yet rotated");
    l.store =
        llvm::formatv("if (n < {0})\n"
                      "        c_kv_f32[(long long)m * {0} + n] = value;\n"
                      "      else\n"
                      "        k_rope[(long long)m * {1} + n - {0}] = "
                      "${{fromFloat}(value);",
                      staticSize(c.getCKv()), staticSize(c.getKRope()));
  } else if (auto u = dyn_cast<UpProjectQueryOp>(op)) {
    x = u.getInput(), w = u.getWUq();
    auto q = weightShape(w);
    int64_t heads = q.getDimSize(0), per = q.getDimSize(1);
    int64_t nope = u.getConfig().getQkNopeHeadDim();
    param("input", true, x, "[tokens, in] c_q or hidden");
    param("w_uq", true, w, "[heads, nope + rope, in] W_UQ");
    param("q_nope", false, u.getQNope(), "[tokens, heads, nope]");
    param("q_rope", false, u.getQRope(), "[tokens, heads, rope] not rotated");
    l.store = llvm::formatv(
        "const int h = n / {0}, i = n % {0};\n"
        "      if (i < {1})\n"
        "        q_nope[((long long)m * {2} + h) * {1} + i] = "
        "${{fromFloat}(value);\n"
        "      else\n"
        "        q_rope[((long long)m * {2} + h) * {3} + i - {1}] = "
        "${{fromFloat}(value);",
        per, nope, heads, per - nope);
  } else if (auto o = dyn_cast<OutputProjectionOp>(op)) {
    x = o.getHeadsOut(), w = o.getWO();
    param("heads_out", true, x, "[tokens, heads x D] the heads' outputs");
    param("w_o", true, w, "[d_model, heads x D] W_O");
    param("out", false, o.getOut(), "[tokens, d_model] output");
    l.store = "out[(long long)m * kOut + n] = ${fromFloat}(value);";
  } else {
    return failure();
  }
  auto wType = weightShape(w);
  if (!wType.hasStaticShape() || !staticInner(x))
    return op->emitOpError("the CUDA printer needs static weights and "
                           "feature widths");
  // W is [out, in] once its leading dims are folded (W_UQ: heads x
  // (nope + rope) rows); the input's trailing dims fold into `in`.
  l.in = staticSize(x);
  if (l.in % 2 || wType.getNumElements() % l.in)
    return op->emitOpError(
        llvm::formatv("the CUDA printer needs an even input width ({0}) that "
                      "divides the weight's {1} elements",
                      l.in, wType.getNumElements()));
  l.out = wType.getNumElements() / l.in;
  l.storage = getElementTypeOrSelf(w.getType());
  if (getElementTypeOrSelf(x.getType()) != l.storage)
    return op->emitOpError("the CUDA printer needs input and weight in one "
                           "storage type");
  l.params.push_back(
      {"tokens", "int", "batch x query tokens", std::nullopt, x, {0, 1}});
  return l;
}

/// The statements loading W[n, k0 + k] and W[n, k0 + k + 1] into w0, w1.
std::string weightPair(Type storage, const StorageNames &names) {
  if (storage.isF32())
    return "const float w0 = row[k0 + k], w1 = row[k0 + k + 1];";
  return llvm::formatv(
      "const unsigned bits =\n"
      "              *reinterpret_cast<const unsigned *>(row + k0 + k);\n"
      "          const float w0 = {0}(mlagen_u16(bits & 0xffffu)),\n"
      "                      w1 = {0}(mlagen_u16(bits >> 16));",
      names.toFloat);
}

} // namespace

FailureOr<KernelSource> mlir::mla::printLinearKernel(Operation *op,
                                                     CudaTilingAttr tiling,
                                                     StringRef name) {
  FailureOr<Linear> l = linearOf(op);
  if (failed(l))
    return failure();
  StorageNames names = storageNames(l->storage);
  int64_t warps = tiling.getWarps();
  int64_t chunk = std::min<int64_t>(kChunk, l->in);
  KernelSource kernel;
  kernel.name = name.str();
  kernel.op = op->getName().getStringRef().str();
  kernel.threadsPerBlock = warps * 32;
  kernel.dynamicSharedBytes = kTokensPerPass * chunk * 4;
  kernel.grid = {GridDim{"", int64_t(llvm::divideCeil(l->out, warps)), 1}};
  kernel.params = l->params;
  // Min-blocks 1: ptxas would otherwise squeeze the registers for
  // occupancy and spill the accumulators.
  std::string body = R"cuda(
extern "C" __global__ void __launch_bounds__(${threads}, 1)
${name}(${signature}) {
  constexpr int kIn = ${in}, kOut = ${out}, kPass = ${pass}, kChunk = ${chunk};
  extern __shared__ __align__(16) unsigned char shared[];
  float *xs = reinterpret_cast<float *>(shared); // [kPass][kChunk]
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int n = blockIdx.x * ${warps} + warp;
  const ${type} *row = ${weight} + (long long)(n < kOut ? n : 0) * kIn;
  for (int first = 0; first < tokens; first += kPass) {
    float acc[kPass] = {};
    for (int k0 = 0; k0 < kIn; k0 += kChunk) {
      const int width = min(kChunk, kIn - k0);
      __syncthreads(); // the previous chunk is used up
      for (int i = threadIdx.x; i < kPass * kChunk; i += blockDim.x) {
        const int t = i / kChunk, k = i % kChunk, m = first + t;
        xs[i] = m < tokens && k < width
                    ? ${toFloat}(${input}[(long long)m * kIn + k0 + k])
                    : 0.0f;
      }
      __syncthreads();
      if (n < kOut)
        for (int k = 2 * lane; k < width; k += 64) {
          ${weightPair}
#pragma unroll
          for (int t = 0; t < kPass; ++t)
            acc[t] += xs[t * kChunk + k] * w0 + xs[t * kChunk + k + 1] * w1;
        }
    }
#pragma unroll
    for (int t = 0; t < kPass; ++t) {
      const float value = mlagen_warp_sum(acc[t]);
      const int m = first + t;
      if (lane == 0 && n < kOut && m < tokens) {
      ${store}
      }
    }
  }
}
)cuda";
  std::string store = fillTemplate(l->store, {{"fromFloat", names.fromFloat}});
  kernel.code = fillTemplate(
      body, {{"threads", std::to_string(kernel.threadsPerBlock)},
             {"name", name.str()},
             {"signature", printSignature(kernel.params, ",\n    ")},
             {"in", std::to_string(l->in)},
             {"out", std::to_string(l->out)},
             {"pass", std::to_string(kTokensPerPass)},
             {"chunk", std::to_string(chunk)},
             {"warps", std::to_string(warps)},
             {"type", names.type},
             {"weight", kernel.params[1].name},
             {"input", kernel.params[0].name},
             {"toFloat", names.toFloat},
             {"weightPair", weightPair(l->storage, names)},
             {"store", store}});
  return kernel;
}

FailureOr<KernelSource> mlir::mla::printRmsNormKernel(Operation *op,
                                                      CudaTilingAttr tiling,
                                                      StringRef name) {
  Value normed, weight;
  StringRef buffer;
  if (auto c = dyn_cast<CompressQueryOp>(op)) {
    normed = c.getCQ(), weight = c.getNormWeight(), buffer = "c_q";
  } else if (auto c = dyn_cast<CompressKvOp>(op)) {
    normed = c.getCKv(), weight = c.getNormWeight(), buffer = "c_kv";
  } else {
    return failure();
  }
  int64_t width = staticSize(normed);
  StorageNames names = storageNames(getElementTypeOrSelf(normed.getType()));
  StorageNames weightNames =
      storageNames(getElementTypeOrSelf(weight.getType()));
  int64_t warps = tiling.getWarps();
  KernelSource kernel;
  kernel.name = name.str();
  kernel.op = op->getName().getStringRef().str();
  kernel.threadsPerBlock = warps * 32;
  kernel.grid = {GridDim{"tokens", 0, warps}};
  std::string preNorm = (buffer + "_f32").str();
  kernel.params = {{preNorm, "const float *",
                    llvm::formatv("[tokens, {0}] f32 before RMSNorm", width)},
                   {buffer.str(), names.type + " *",
                    llvm::formatv("[tokens, {0}] normalized", width)},
                   {"norm_weight", "const " + weightNames.type + " *",
                    llvm::formatv("[{0}] RMSNorm weight", width)},
                   {"tokens", "int", "batch x query tokens"}};
  kernel.params[0].scratch = true;
  bindParam(kernel, preNorm, normed);
  bindParam(kernel, buffer, normed);
  bindParam(kernel, "norm_weight", weight);
  bindParam(kernel, "tokens", normed, {0, 1});
  kernel.code = llvm::formatv(
      R"cuda(
extern "C" __global__ void __launch_bounds__({0})
{1}({2}) {{
  // x / sqrt(mean(x^2) + eps) * weight over each token's row: a warp a row.
  constexpr int kWidth = {3};
  const int m = blockIdx.x * {4} + threadIdx.x / 32, lane = threadIdx.x % 32;
  if (m >= tokens)
    return;
  const float *x = {6}_f32 + (long long)m * kWidth;
  {5} *y = {6} + (long long)m * kWidth;
  float squares = 0.0f;
  for (int i = lane; i < kWidth; i += 32)
    squares += x[i] * x[i];
  const float inverse =
      rsqrtf(mlagen_warp_sum(squares) / kWidth + {8:e9}f);
  for (int i = lane; i < kWidth; i += 32)
    y[i] = {9}(x[i] * inverse * {7}(norm_weight[i]));
}
)cuda",
      kernel.threadsPerBlock, name, printSignature(kernel.params), width, warps,
      names.type, buffer, weightNames.toFloat,
      cast<ConfigAttr>(op->getAttr("config")).getEpsilon(), names.fromFloat);
  return kernel;
}

FailureOr<KernelSource>
mlir::mla::printRopeKernel(RopeOp op, CudaTilingAttr tiling, StringRef name) {
  auto type = cast<RankedTensorType>(op.getInput().getType());
  if (!staticInner(op.getInput()))
    return op.emitOpError("the CUDA printer needs static heads and rope "
                          "width");
  int64_t perToken = staticSize(op.getInput());
  int64_t ropeDim = type.getShape().back();
  if (ropeDim % 2)
    return op.emitOpError("the CUDA printer needs an even rope width");
  StorageNames names = storageNames(type.getElementType());
  RopeAttr rope = op.getConfig().getRope();
  bool interleaved = rope.getPairing() == RopePairing::Interleaved;
  std::string table = (name + "_inv_freq").str();
  KernelSource kernel;
  kernel.name = name.str();
  kernel.op = "mla.rope";
  kernel.threadsPerBlock = tiling.getWarps() * 32;
  kernel.grid = {GridDim{"tokens", 0, 1}};
  kernel.params = {{"input", "const " + names.type + " *",
                    llvm::formatv("[tokens, {0}] not rotated", perToken)},
                   {"positions", "const int *", "[tokens] RoPE positions"},
                   {"result", names.type + " *",
                    llvm::formatv("[tokens, {0}] rotated", perToken)},
                   {"tokens", "int", "batch x query tokens"}};
  bindParam(kernel, "input", op.getInput());
  bindParam(kernel, "positions", op.getPositions());
  bindParam(kernel, "result", op.getResult());
  bindParam(kernel, "tokens", op.getInput(), {0, 1});
  kernel.code =
      "\n" + ropeFrequencyTable(table, rope, ropeDim) +
      llvm::formatv(R"cuda(
extern "C" __global__ void __launch_bounds__({0})
{1}({2}) {{
  // One CTA per token; threads over its (head, pair) rotations.
  constexpr int kPerToken = {3}, kRope = {4}, kPairs = kPerToken / 2;
  const int token = blockIdx.x;
  if (token >= tokens)
    return;
  const double position = (double)positions[token];
  const {5} *x = input + (long long)token * kPerToken;
  {5} *y = result + (long long)token * kPerToken;
  for (int p = threadIdx.x; p < kPairs; p += blockDim.x) {{
    const int head = p / (kRope / 2), k = p % (kRope / 2);
    const int first = head * kRope + {6}, second = head * kRope + {7};
    const double angle = position * {8}[k];
    const float c = (float)(cos(angle) * {9:e16});
    const float s = (float)(sin(angle) * {9:e16});
    const float a = {10}(x[first]), b = {10}(x[second]);
    y[first] = {11}(a * c - b * s);
    y[second] = {11}(b * c + a * s);
  }
}
)cuda",
                    kernel.threadsPerBlock, name, printSignature(kernel.params),
                    perToken, ropeDim, names.type, interleaved ? "2 * k" : "k",
                    interleaved ? "2 * k + 1"
                                : llvm::formatv("k + {0}", ropeDim / 2).str(),
                    table, rope.getCosSinScale(), names.toFloat,
                    names.fromFloat)
          .str();
  return kernel;
}
