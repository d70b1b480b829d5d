//===- AbsorbKernels.cpp - the absorption projections as CUDA kernels -----===//
//
// mla.absorb_query (q_latent[m, h, c] = sum_n q_nope[m, h, n] W_UK[h, n, c])
// and mla.absorb_output (out[m, h, v] = sum_c o_latent[m, h, c]
// W_UV[h, v, c]), m over the batch x query tokens. At decode both are
// small per-head GEMMs bound by reading the weight once: the tokens are
// taken 8 at a time from shared memory and each weight element loaded is
// used for all of them, accumulating in f32.
// - absorb_query: a thread per output column c (W_UK rows are read
//   coalesced along c); grid (columns / threads, heads).
// - absorb_output: a warp per output row v (lanes stride the W_UV row along
//   c, then a warp sum); grid (heads, rows / warps).
//
//===----------------------------------------------------------------------===//

#include "passes/cuda/KernelSource.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::mla;

namespace {

constexpr int64_t kTokensPerPass = 8;

struct Projection {
  int64_t heads, in, out; // per head: in -> out
  StorageNames input, weight, result;
};

FailureOr<Projection> projectionOf(Operation *op, Value x, Value w,
                                   Value result, bool weightIsOutByIn) {
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  auto rType = cast<RankedTensorType>(result.getType());
  if (!wType.hasStaticShape() || xType.isDynamicDim(2) || xType.isDynamicDim(3))
    return op->emitOpError("the CUDA printer needs static heads and widths");
  Projection p;
  p.heads = wType.getDimSize(0);
  p.in = weightIsOutByIn ? wType.getDimSize(2) : wType.getDimSize(1);
  p.out = weightIsOutByIn ? wType.getDimSize(1) : wType.getDimSize(2);
  p.input = storageNames(xType.getElementType());
  p.weight = storageNames(wType.getElementType());
  p.result = storageNames(rType.getElementType());
  return p;
}

std::vector<KernelParam> projectionParams(const Projection &p, StringRef inName,
                                          StringRef wName, StringRef wShape,
                                          StringRef outName) {
  return {{inName.str(), "const " + p.input.type + " *",
           llvm::formatv("[tokens, {0}, {1}] input", p.heads, p.in)},
          {wName.str(), "const " + p.weight.type + " *", wShape.str()},
          {outName.str(), p.result.type + " *",
           llvm::formatv("[tokens, {0}, {1}] output", p.heads, p.out)},
          {"tokens", "int", "batch x query tokens"}};
}

} // namespace

FailureOr<KernelSource> mlir::mla::printAbsorbQueryKernel(AbsorbQueryOp op,
                                                          CudaTilingAttr tiling,
                                                          StringRef name) {
  FailureOr<Projection> p =
      projectionOf(op, op.getQNope(), op.getWUk(), op.getQLatent(), false);
  if (failed(p))
    return failure();
  int64_t threads = tiling.getWarps() * 32;
  KernelSource kernel;
  kernel.name = name.str();
  kernel.op = "mla.absorb_query";
  kernel.threadsPerBlock = threads;
  kernel.grid = {GridDim{"", int64_t(llvm::divideCeil(p->out, threads)), 1},
                 GridDim{"", p->heads, 1}};
  kernel.params = projectionParams(
      *p, "q_nope", "w_uk",
      llvm::formatv("[{0}, {1}, {2}] W_UK", p->heads, p->in, p->out).str(),
      "q_latent");
  bindParam(kernel, "q_nope", op.getQNope());
  bindParam(kernel, "w_uk", op.getWUk());
  bindParam(kernel, "q_latent", op.getQLatent());
  bindParam(kernel, "tokens", op.getQNope(), {0, 1});
  kernel.code = llvm::formatv(
      R"cuda(
extern "C" __global__ void __launch_bounds__({0})
{1}({2}) {{
  constexpr int kHeads = {3}, kIn = {4}, kOut = {5}, kPass = {6};
  __shared__ float x[kPass][kIn];
  const int h = blockIdx.y, c = blockIdx.x * blockDim.x + threadIdx.x;
  const {7} *w = w_uk + (long long)h * kIn * kOut;
  for (int first = 0; first < tokens; first += kPass) {{
    for (int i = threadIdx.x; i < kPass * kIn; i += blockDim.x) {{
      const int m = first + i / kIn;
      x[i / kIn][i % kIn] =
          m < tokens ? {8}(q_nope[((long long)m * kHeads + h) * kIn + i % kIn])
                     : 0.0f;
    }
    __syncthreads();
    float acc[kPass] = {{};
    if (c < kOut)
#pragma unroll 8
      for (int n = 0; n < kIn; ++n) {{
        const float weight = {9}(w[(long long)n * kOut + c]);
#pragma unroll
        for (int t = 0; t < kPass; ++t)
          acc[t] += x[t][n] * weight;
      }
    {11} *dst = q_latent + ((long long)first * kHeads + h) * kOut + c;
#pragma unroll
    for (int t = 0; t < kPass; ++t)
      if (c < kOut && first + t < tokens)
        dst[(long long)t * kHeads * kOut] = {10}(acc[t]);
    __syncthreads();
  }
}
)cuda",
      threads, name, printSignature(kernel.params), p->heads, p->in, p->out,
      kTokensPerPass, p->weight.type, p->input.toFloat, p->weight.toFloat,
      p->result.fromFloat, p->result.type);
  return kernel;
}

FailureOr<KernelSource>
mlir::mla::printAbsorbOutputKernel(AbsorbOutputOp op, CudaTilingAttr tiling,
                                   StringRef name) {
  FailureOr<Projection> p =
      projectionOf(op, op.getOLatent(), op.getWUv(), op.getOut(), true);
  if (failed(p))
    return failure();
  int64_t warps = tiling.getWarps();
  KernelSource kernel;
  kernel.name = name.str();
  kernel.op = "mla.absorb_output";
  kernel.threadsPerBlock = warps * 32;
  kernel.grid = {GridDim{"", p->heads, 1},
                 GridDim{"", int64_t(llvm::divideCeil(p->out, warps)), 1}};
  kernel.dynamicSharedBytes = kTokensPerPass * p->in * 4;
  kernel.params = projectionParams(
      *p, "o_latent", "w_uv",
      llvm::formatv("[{0}, {1}, {2}] W_UV", p->heads, p->out, p->in).str(),
      "out");
  bindParam(kernel, "o_latent", op.getOLatent());
  bindParam(kernel, "w_uv", op.getWUv());
  bindParam(kernel, "out", op.getOut());
  bindParam(kernel, "tokens", op.getOLatent(), {0, 1});
  kernel.code = llvm::formatv(
      R"cuda(
extern "C" __global__ void __launch_bounds__({0})
{1}({2}) {{
  constexpr int kHeads = {3}, kIn = {4}, kOut = {5}, kPass = {6};
  extern __shared__ __align__(16) unsigned char shared[];
  float (*x)[kIn] = reinterpret_cast<float (*)[kIn]>(shared);
  const int h = blockIdx.x, warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int v = blockIdx.y * {7} + warp;
  const {8} *w = w_uv + ((long long)h * kOut + v) * kIn;
  for (int first = 0; first < tokens; first += kPass) {{
    for (int i = threadIdx.x; i < kPass * kIn; i += blockDim.x) {{
      const int m = first + i / kIn;
      x[i / kIn][i % kIn] =
          m < tokens ? {9}(o_latent[((long long)m * kHeads + h) * kIn + i % kIn])
                     : 0.0f;
    }
    __syncthreads();
    float acc[kPass] = {{};
    if (v < kOut)
#pragma unroll 8
      for (int c = lane; c < kIn; c += 32) {{
        const float weight = {10}(w[c]);
#pragma unroll
        for (int t = 0; t < kPass; ++t)
          acc[t] += x[t][c] * weight;
      }
#pragma unroll
    for (int t = 0; t < kPass; ++t) {{
      const float sum = mlagen_warp_sum(acc[t]);
      if (lane == 0 && v < kOut && first + t < tokens)
        out[((long long)(first + t) * kHeads + h) * kOut + v] = {11}(sum);
    }
    __syncthreads();
  }
}
)cuda",
      kernel.threadsPerBlock, name, printSignature(kernel.params), p->heads,
      p->in, p->out, kTokensPerPass, warps, p->weight.type, p->input.toFloat,
      p->weight.toFloat, p->result.fromFloat);
  return kernel;
}
