//===- CombineKernel.cpp - the split-KV combine as a CUDA kernel ----------===//
//
// mla.combine: N partial (out, lse) pairs per query row merged exactly:
// m = max lse_n, w_n = exp(lse_n - m), out = sum w_n out_n / sum w_n,
// lse = m + log(sum w_n); a row no split saw (every lse_n = -inf) gets
// out 0 and lse -inf. One warp per query row, `warps` rows per CTA; lanes
// stride the latent columns.
//
//===----------------------------------------------------------------------===//

#include "passes/cuda/KernelSource.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::mla;

FailureOr<KernelSource> mlir::mla::printCombineKernel(CombineOp op,
                                                      CudaTilingAttr tiling,
                                                      StringRef name) {
  if (op.getWUv())
    return op.emitOpError("the CUDA printer generates the absorptions as "
                          "their own kernels; run the mla-to-cuda pipeline "
                          "(mla-unfuse-absorptions) first");
  auto partial = cast<RankedTensorType>(op.getPartialOut().getType());
  int64_t splits = partial.getDimSize(0), width = partial.getDimSize(4);
  if (ShapedType::isDynamic(splits) || ShapedType::isDynamic(width))
    return op.emitOpError("the CUDA printer needs a static split count and "
                          "latent width");
  StorageNames out = storageNames(
      cast<RankedTensorType>(op.getOut().getType()).getElementType());
  int64_t warps = tiling.getWarps();

  KernelSource kernel;
  kernel.name = name.str();
  kernel.op = "mla.combine";
  kernel.threadsPerBlock = warps * 32;
  kernel.grid = {GridDim{"rows", 0, warps}};
  kernel.params = {
      {"partial_out", "const float *",
       llvm::formatv("[{0}, rows, {1}] f32 partial outputs", splits, width)},
      {"partial_lse", "const float *",
       llvm::formatv("[{0}, rows] f32 partial LSEs", splits)},
      {"out", out.type + " *", llvm::formatv("[rows, {0}] output", width)},
      {"lse", "float *", "[rows] f32 LSE (natural log)"},
      {"rows", "int", "query rows: batch x tokens x heads"}};
  bindParam(kernel, "partial_out", op.getPartialOut());
  bindParam(kernel, "partial_lse", op.getPartialLse());
  bindParam(kernel, "out", op.getOut());
  bindParam(kernel, "lse", op.getLse());
  bindParam(kernel, "rows", op.getOut(), {0, 1, 2});
  kernel.code = llvm::formatv(R"cuda(
extern "C" __global__ void __launch_bounds__({0})
{1}(const float *__restrict__ partial_out,
    const float *__restrict__ partial_lse, {2} *__restrict__ out,
    float *__restrict__ lse, int rows) {{
  const int row = blockIdx.x * {3} + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= rows)
    return;
  // The splits' LSEs are few: every lane reads them all.
  float max = mlagen_negative_infinity();
  for (int n = 0; n < {4}; ++n)
    max = fmaxf(max, partial_lse[(long long)n * rows + row]);
  float sum = 0.0f;
  for (int n = 0; n < {4}; ++n)
    sum += mlagen_exp_relative(partial_lse[(long long)n * rows + row], max);
  const float scale = sum != 0.0f ? 1.0f / sum : 0.0f;
  for (int c = lane; c < {5}; c += 32) {{
    float acc = 0.0f;
    for (int n = 0; n < {4}; ++n) {{
      const float w =
          mlagen_exp_relative(partial_lse[(long long)n * rows + row], max);
      if (w != 0.0f) // a split that saw no key may hold anything
        acc += w * partial_out[((long long)n * rows + row) * {5} + c];
    }
    out[(long long)row * {5} + c] = {6}(acc * scale);
  }
  if (lane == 0)
    lse[row] = sum != 0.0f ? max + logf(sum) : mlagen_negative_infinity();
}
)cuda",
                              kernel.threadsPerBlock, name, out.type, warps,
                              splits, width, out.fromFloat);
  return kernel;
}
