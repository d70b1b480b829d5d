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
  if (std::optional<mlagen_schedule> s = a.schedule()) {
    // The workspace the schedule's kernels share, sized for the batch when
    // it is static: the prefix sums, then batch + parts - 1 partial slots.
    int64_t batch = a.query.getDimSize(0), rows = tokens * heads;
    int64_t slots = a.query.isDynamicDim(0) ? 0 : batch + s->parts - 1;
    auto scratch = [&](StringRef name, StringRef type, std::string meaning,
                       int64_t words) {
      KernelParam p =
          boundParam(name, type, std::move(meaning), a.op->getResult(0));
      p.scratch = true;
      p.scratchWords = words;
      params.push_back(std::move(p));
    };
    scratch("starts", "const long long *",
            "[batch + 1] i64 prefix sums of the sequences' costs",
            a.query.isDynamicDim(0) ? 0 : 2 * (batch + 1));
    scratch("partial_out", "float *",
            llvm::formatv("[batch + {0}, {1}, {2}, {3}] f32 partial outputs",
                          s->parts - 1, tokens, heads, latent),
            slots * rows * latent);
    scratch("partial_lse", "float *",
            llvm::formatv("[batch + {0}, {1}, {2}] f32 partial LSEs",
                          s->parts - 1, tokens, heads),
            slots * rows);
  }
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
  add("pages", "int", "pages of the cache",
      whole ? a.whole.getCache() : a.partial.getCache(), {0});
  return params;
}

std::string mlir::mla::shapeSchedule(const mlagen_schedule &s) {
  return llvm::formatv("{{.parts = {0}, .keys_per_unit = {1}, "
                       ".overhead_units = {2}}",
                       s.parts, s.keys_per_unit, s.overhead_units);
}

std::vector<GridDim> mlir::mla::scheduledGrid(int64_t rowBlocks,
                                              const mlagen_schedule &s) {
  return {GridDim{"", rowBlocks, 1}, GridDim{"", s.parts, 1}};
}

std::vector<KernelDescription>
mlir::mla::scheduledKernels(const AttentionOperands &a,
                            KernelDescription attention, StringRef name) {
  mlagen_schedule s = *a.schedule();
  // The attention's parameter `n`, passed as `type` when given.
  auto param = [&](StringRef n, StringRef type = "") {
    for (KernelParam p : attention.params)
      if (p.name == n) {
        if (!type.empty())
          p.type = type.str();
        return p;
      }
    llvm_unreachable("the scheduled attention names its parameters");
  };
  std::vector<KernelDescription> kernels(3);
  KernelDescription &starts = kernels[0], &combine = kernels[2];
  starts.name = (name + "_schedule").str();
  starts.op = combine.op = attention.op;
  starts.family = combine.family = attention.family;
  starts.threadsPerBlock = 32;
  starts.grid = {GridDim{"", 1, 1}};
  starts.params = {param("seq_lens"), param("starts", "long long *"),
                   param("table_width"), param("batch")};
  starts.templateName = "mlagen_schedule_starts";
  starts.shapeType = "mlagen_schedule_shape";
  starts.shape = {{"schedule", shapeSchedule(s)},
                  {"page_size", shapeValue(a.cache.getPageSize())}};
  starts.sources = {DeviceSource::Schedule};

  // The combine: a warp per query row, 4 per CTA.
  constexpr int64_t kCombineWarps = 4;
  int64_t rows = a.tokens() * a.heads();
  combine.name = (name + "_combine").str();
  combine.threadsPerBlock = kCombineWarps * 32;
  combine.grid = {GridDim{"rows", 0, kCombineWarps}};
  combine.params = {param("partial_out", "const float *"),
                    param("partial_lse", "const float *"), param("starts"),
                    param("out"), param("lse")};
  combine.params.push_back(boundParam("rows", "int",
                                      "query rows: batch x tokens x heads",
                                      a.op->getResult(1), {0, 1, 2}));
  combine.templateName = "mlagen_combine_scheduled";
  combine.shapeType = "mlagen_combine_shape";
  combine.shape = {{"storage", shapeStorage(a.storage())},
                   {"warps", shapeValue(kCombineWarps)},
                   {"splits", shapeValue(int64_t(1))},
                   {"width", shapeValue(a.cache.getLatentDim())},
                   {"schedule", shapeSchedule(s)},
                   {"sequence_rows", shapeValue(rows)}};
  combine.sources = {DeviceSource::Storage, DeviceSource::Schedule,
                     DeviceSource::Combine};
  kernels[1] = std::move(attention);
  return kernels;
}
