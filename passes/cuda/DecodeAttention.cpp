//===- DecodeAttention.cpp - what both decode families read of an op ------===//

#include "passes/cuda/DecodeAttention.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::mla;

FailureOr<AttentionOperands> mlir::mla::attentionOperands(Operation *op,
                                                          std::string &why) {
  AttentionOperands a;
  a.op = op;
  a.whole = dyn_cast<LatentAttentionOp>(op);
  a.partial = dyn_cast<PartialLatentAttentionOp>(op);
  if (!a.whole && !a.partial) {
    why = "not a latent attention op";
    return failure();
  }
  if ((a.whole && (a.whole.getWUk() || a.whole.getWUv())) ||
      (a.partial && a.partial.getWUk())) {
    why = "the CUDA printer generates the absorptions as their own kernels; "
          "run the mla-to-cuda pipeline (mla-unfuse-absorptions) first";
    return failure();
  }
  a.query = cast<RankedTensorType>(
      (a.whole ? a.whole.getQuery() : a.partial.getQuery()).getType());
  a.cache = cast<PagedCacheType>(
      (a.whole ? a.whole.getCache() : a.partial.getCache()).getType());
  a.config = a.whole ? a.whole.getConfig() : a.partial.getConfig();
  if (a.query.isDynamicDim(1) || a.query.isDynamicDim(2)) {
    why = "the CUDA printer needs static query tokens and heads";
    return failure();
  }
  // The shapes are int on the device; a grid's y (the splits) is at most
  // 65535.
  if (a.tokens() * a.heads() > (int64_t(1) << 24) || a.splits() > 65535) {
    why = llvm::formatv("the CUDA printer takes at most 2^24 query rows and "
                        "65535 splits, got {0} rows and {1} splits",
                        a.tokens() * a.heads(), a.splits());
    return failure();
  }
  if (!a.storage().isBF16() && !a.storage().isF16()) {
    why = "the attention kernels take bf16 or f16 storage";
    return failure();
  }
  return a;
}

std::string mlir::mla::cacheMeaning(const AttentionOperands &a) {
  return llvm::formatv("[pages, {0}, {1}] the paged cache",
                       a.cache.getPageSize(), a.cache.getRowWidth());
}

std::vector<KernelParam> mlir::mla::attentionParams(AttentionOperands a,
                                                    KernelParam cacheParam) {
  std::string e = elementName(a.storage());
  int64_t tokens = a.tokens(), heads = a.heads();
  int64_t latent = a.cache.getLatentDim(), rope = a.cache.getRopeDim();
  bool whole = bool(a.whole);
  Value blockTable =
      whole ? a.whole.getBlockTable() : a.partial.getBlockTable();
  Value query = whole ? a.whole.getQuery() : a.partial.getQuery();
  std::vector<KernelParam> params;
  auto add = [&](StringRef name, StringRef type, std::string meaning,
                 Value value, ArrayRef<int64_t> dims = {}) {
    params.push_back(boundParam(name, type, std::move(meaning), value, dims));
  };
  add("q_latent", "const " + e + " *",
      llvm::formatv("[batch, {0}, {1}, {2}] absorbed queries", tokens, heads,
                    latent),
      query);
  add("q_rope", "const " + e + " *",
      llvm::formatv("[batch, {0}, {1}, {2}] rotated rope queries", tokens,
                    heads, rope),
      whole ? a.whole.getQRope() : a.partial.getQRope());
  cacheParam.value = whole ? a.whole.getCache() : a.partial.getCache();
  params.push_back(std::move(cacheParam));
  add("block_table", "const int *", "[batch, table_width] pages", blockTable);
  add("seq_lens", "const int *", "[batch] keys per sequence",
      whole ? a.whole.getSeqLens() : a.partial.getSeqLens());
  if (a.partial) {
    add("out", "float *",
        llvm::formatv("[{0}, batch, {1}, {2}, {3}] f32 partial outputs",
                      a.splits(), tokens, heads, latent),
        a.op->getResult(0));
    add("lse", "float *",
        llvm::formatv("[{0}, batch, {1}, {2}] f32 partial LSEs", a.splits(),
                      tokens, heads),
        a.op->getResult(1));
  } else {
    add("out", e + " *",
        llvm::formatv("[batch, {0}, {1}, {2}] output", tokens, heads, latent),
        a.op->getResult(0));
    add("lse", "float *",
        llvm::formatv("[batch, {0}, {1}] f32 LSE", tokens, heads),
        a.op->getResult(1));
  }
  add("table_width", "int", "block-table entries per sequence", blockTable,
      {1});
  add("batch", "int", "sequences", query, {0});
  return params;
}
