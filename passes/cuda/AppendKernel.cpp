//===- AppendKernel.cpp - RoPE + cache append as a CUDA kernel ------------===//
//
// mla.cache_append (with fused rope(positions) or without): token s of
// sequence b goes to row seq_lens[b] + s, i.e. row (seq_lens[b] + s) %
// page_size of page block_table[b][(seq_lens[b] + s) / page_size]: its c_kv
// copied, its k_rope rotated (angles and cos/sin in f64, scaled, the
// rotation in f32, as the CPU path does) and rounded to the storage type.
// One CTA per new token; threads stride the row. Any page size works: each
// token's row is addressed on its own.
//
//===----------------------------------------------------------------------===//

#include "passes/cuda/KernelSource.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::mla;

namespace {

/// The statements that write the rotated (or copied) rope part of one row:
/// `pair` k rotates elements (first, second) of the row.
std::string ropeBody(RopeAttr rope, int64_t ropeDim, bool rotate,
                     const StorageNames &storage, StringRef table) {
  if (!rotate)
    return llvm::formatv(R"cuda(
  for (int i = threadIdx.x; i < {0}; i += blockDim.x)
    dst[kLatent + i] = rope[i];
)cuda",
                         ropeDim);
  bool interleaved = rope.getPairing() == RopePairing::Interleaved;
  return llvm::formatv(
      R"cuda(
  const double position = (double)positions[token];
  for (int k = threadIdx.x; k < {0}; k += blockDim.x) {{
    const int first = {1}, second = {2};
    const double angle = position * {3}[k];
    const float c = (float)(cos(angle) * {4:e16});
    const float s = (float)(sin(angle) * {4:e16});
    const float x = {5}(rope[first]), y = {5}(rope[second]);
    dst[kLatent + first] = {6}(x * c - y * s);
    dst[kLatent + second] = {6}(y * c + x * s);
  }
)cuda",
      ropeDim / 2, interleaved ? "2 * k" : "k",
      interleaved ? "2 * k + 1" : llvm::formatv("k + {0}", ropeDim / 2).str(),
      table, rope.getCosSinScale(), storage.toFloat, storage.fromFloat);
}

} // namespace

FailureOr<KernelSource> mlir::mla::printAppendKernel(CacheAppendOp op,
                                                     CudaTilingAttr tiling,
                                                     StringRef name) {
  auto cache = cast<PagedCacheType>(op.getCache().getType());
  auto latent = cast<RankedTensorType>(op.getCKv().getType());
  int64_t tokens = latent.getDimSize(1);
  if (ShapedType::isDynamic(tokens))
    return op.emitOpError(
        "the CUDA printer needs a static count of new tokens");
  ConfigAttr config = op.getConfig();
  int64_t latentDim = cache.getLatentDim(), ropeDim = cache.getRopeDim();
  int64_t row = cache.getRowWidth(), pageSize = cache.getPageSize();
  StorageNames storage = storageNames(cache.getElementType());
  bool rotate = bool(op.getPositions());
  std::string table = (name + "_inv_freq").str();

  KernelSource kernel;
  kernel.name = name.str();
  kernel.op = "mla.cache_append";
  kernel.threadsPerBlock = tiling.getWarps() * 32;
  kernel.grid = {GridDim{"new_tokens", 0, 1}};
  auto param = [&](StringRef n, StringRef type, std::string meaning) {
    kernel.params.push_back({n.str(), type.str(), std::move(meaning)});
  };
  param("c_kv", "const " + storage.type + " *",
        llvm::formatv("[batch, {0}, {1}] new latents", tokens, latentDim));
  param("k_rope", "const " + storage.type + " *",
        llvm::formatv("[batch, {0}, {1}] new rope keys{2}", tokens, ropeDim,
                      rotate ? ", not yet rotated" : ""));
  if (rotate)
    param("positions", "const int *",
          llvm::formatv("[batch, {0}] RoPE positions", tokens));
  param("cache", storage.type + " *",
        llvm::formatv("[pages, {0}, {1}] the paged cache, written in place",
                      pageSize, row));
  param("block_table", "const int *", "[batch, table_width] pages");
  param("seq_lens", "const int *", "[batch] tokens cached before the append");
  param("table_width", "int", "block-table entries per sequence");
  param("new_tokens", "int", llvm::formatv("batch x {0}", tokens));

  bindParam(kernel, "c_kv", op.getCKv());
  bindParam(kernel, "k_rope", op.getKRope());
  if (rotate)
    bindParam(kernel, "positions", op.getPositions());
  bindParam(kernel, "cache", op.getCache()); // the result is this buffer
  bindParam(kernel, "block_table", op.getBlockTable());
  bindParam(kernel, "seq_lens", op.getSeqLens());
  bindParam(kernel, "table_width", op.getBlockTable(), {1});
  bindParam(kernel, "new_tokens", op.getCKv(), {0, 1});
  std::string signature = printSignature(kernel.params);
  kernel.code =
      "\n" +
      (rotate ? ropeFrequencyTable(table, config.getRope(), ropeDim)
              : std::string()) +
      llvm::formatv(R"cuda(
extern "C" __global__ void __launch_bounds__({0})
{1}({2}) {{
  constexpr int kLatent = {3}, kRow = {4}, kPageSize = {5}, kTokens = {6};
  const int token = blockIdx.x;
  if (token >= new_tokens)
    return;
  const int b = token / kTokens, s = token % kTokens;
  const long long slot = (long long)seq_lens[b] + s;
  const long long page = block_table[(long long)b * table_width + slot / kPageSize];
  {7} *dst = cache + (page * kPageSize + slot % kPageSize) * kRow;
  const {7} *latent = c_kv + (long long)token * kLatent;
  const {7} *rope = k_rope + (long long)token * {8};
  for (int i = threadIdx.x; i < kLatent; i += blockDim.x)
    dst[i] = latent[i];{9}}
)cuda",
                    kernel.threadsPerBlock, name, signature, latentDim, row,
                    pageSize, tokens, storage.type, ropeDim,
                    ropeBody(config.getRope(), ropeDim, rotate, storage, table))
          .str();
  return kernel;
}
