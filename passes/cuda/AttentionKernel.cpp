//===- AttentionKernel.cpp - decode latent attention as a CUDA kernel -----===//
//
// mla.latent_attention / mla.partial_latent_attention, the mma_sync variant
// (sm_80 and later). One CTA per (tile of rows_per_cta query rows, split,
// sequence). The query rows (S tokens x H heads, each a latent + rope row)
// stay in shared memory; the loop over KV tiles of keys_per_tile keys reads
// each key's cache row through the block table (any page size) with
// cp.async into `stages` buffers, so later tiles load while one is used.
// Per tile: scores = Q K^T with m16n8k16 MMAs (warps split the keys),
// masked (split range, sequence length, bottom-right causal) and scaled;
// online softmax (warps split the rows: running max, sum, rescale factor);
// O = O * alpha + P V with MMAs (warps split the latent columns, the
// accumulators stay in registers across tiles). The end normalizes by the
// sum and writes the output and LSE (natural log; a row that saw no key
// gets 0 and -inf) - partial f32 results per split, or the final output in
// the storage type.
//
//===----------------------------------------------------------------------===//

#include "passes/cuda/KernelSource.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::mla;

namespace {

// Accumulators per thread the P x V block may keep in registers.
constexpr int64_t kMaxAccumulators = 64;

/// Bytes of shared memory the kernel takes with `tiling`.
int64_t sharedBytesOf(const AttentionOperands &a, CudaTilingAttr tiling) {
  int64_t rows = tiling.getRowsPerCta(), keys = tiling.getKeysPerTile();
  int64_t stride = a.cache.getRowWidth() + 8, element = 2;
  return rows * stride * element +                      // queries
         tiling.getStages() * keys * stride * element + // KV tiles
         rows * (keys + 8) * 4 +                        // scores
         rows * (keys + 8) * element +                  // probabilities
         3 * rows * 4;                                  // max, sum, alpha
}

} // namespace

FailureOr<AttentionOperands> mlir::mla::attentionOperands(Operation *op,
                                                          std::string &why) {
  AttentionOperands a;
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
  Type storage = a.cache.getElementType();
  if (!storage.isBF16() && !storage.isF16()) {
    why = "the attention kernels take bf16 or f16 storage";
    return failure();
  }
  return a;
}

void mlir::mla::bindAttentionParams(KernelSource &kernel, AttentionOperands a) {
  Operation *op = a.whole ? a.whole.getOperation() : a.partial.getOperation();
  bool whole = bool(a.whole);
  Value query = whole ? a.whole.getQuery() : a.partial.getQuery();
  Value blockTable =
      whole ? a.whole.getBlockTable() : a.partial.getBlockTable();
  for (KernelParam &p : kernel.params) {
    if (p.name == "q_latent")
      p.value = query;
    else if (p.name == "q_rope")
      p.value = whole ? a.whole.getQRope() : a.partial.getQRope();
    else if (p.name == "cache" || p.name == "cache_map")
      p.value = whole ? a.whole.getCache() : a.partial.getCache();
    else if (p.name == "block_table")
      p.value = blockTable;
    else if (p.name == "seq_lens")
      p.value = whole ? a.whole.getSeqLens() : a.partial.getSeqLens();
    else if (p.name == "out")
      p.value = op->getResult(0);
    else if (p.name == "lse")
      p.value = op->getResult(1);
    else if (p.name == "table_width")
      p.value = blockTable, p.dims = {1};
    else if (p.name == "batch")
      p.value = query, p.dims = {0};
  }
}

std::optional<std::string>
mlir::mla::attentionTilingProblem(Operation *op, CudaTilingAttr tiling) {
  std::string why;
  FailureOr<AttentionOperands> a = attentionOperands(op, why);
  if (failed(a))
    return why;
  if (tiling.getMma() == MmaFlavor::Wgmma)
    return wgmmaTilingProblem(op, tiling);
  int64_t rows = tiling.getRowsPerCta(), keys = tiling.getKeysPerTile();
  int64_t warps = tiling.getWarps();
  int64_t latent = a->cache.getLatentDim(), rope = a->cache.getRopeDim();
  // Scores: warps split the 16-row slabs, then the keys; P x V: warps
  // split the latent columns.
  int64_t slabs = rows / 16;
  int64_t keyGroups = warps >= slabs ? warps / slabs : 1;
  if (keys % (8 * keyGroups) || latent % (8 * warps) || (latent + rope) % 16 ||
      rope % 8)
    return llvm::formatv(
               "tiling keys_per_tile = {0}, rows_per_cta = {1} with {2} "
               "warps: each warp needs whole 8-key and 8-column tiles "
               "(keys_per_tile divisible by 8 x {3} key groups, the latent "
               "width {4} by 8 x warps)",
               keys, rows, warps, keyGroups, latent)
        .str();
  int64_t accumulators = rows * latent / (32 * warps);
  if (accumulators > kMaxAccumulators)
    return llvm::formatv("tiling rows_per_cta = {0} with {1} warps keeps {2} "
                         "output accumulators per thread (at most {3}): use "
                         "more warps or fewer rows",
                         rows, warps, accumulators, kMaxAccumulators)
        .str();
  return sharedMemoryProblem("tiling", sharedBytesOf(*a, tiling), tiling,
                             "keys_per_tile, stages or rows_per_cta");
}

FailureOr<KernelSource> mlir::mla::printAttentionKernel(Operation *op,
                                                        CudaTilingAttr tiling,
                                                        StringRef name) {
  if (tiling.getMma() == MmaFlavor::Wgmma)
    return printWgmmaAttentionKernel(op, tiling, name);
  if (std::optional<std::string> problem = attentionTilingProblem(op, tiling))
    return op->emitOpError(*problem);
  std::string unused;
  AttentionOperands a = *attentionOperands(op, unused); // checked above
  LatentAttentionOp whole = a.whole;
  PartialLatentAttentionOp partial = a.partial;
  ConfigAttr config = a.config;
  RankedTensorType queryType = a.query;
  PagedCacheType cache = a.cache;
  Type storage = cache.getElementType();
  int64_t rows = tiling.getRowsPerCta(), keys = tiling.getKeysPerTile();
  int64_t warps = tiling.getWarps(), stages = tiling.getStages();
  int64_t tokens = queryType.getDimSize(1), heads = queryType.getDimSize(2);
  int64_t latent = cache.getLatentDim(), rope = cache.getRopeDim();
  int64_t width = latent + rope;
  int64_t splits = partial ? partial.getNumSplits() : 1;
  bool causal = whole ? whole.getCausal() : partial.getCausal();
  int64_t sharedBytes = sharedBytesOf(a, tiling);

  StorageNames names = storageNames(storage);
  std::string mma = storage.isBF16() ? "mlagen_mma_bf16" : "mlagen_mma_f16";
  int64_t queryRows = tokens * heads;

  KernelSource kernel;
  kernel.name = name.str();
  kernel.op = op->getName().getStringRef().str();
  kernel.threadsPerBlock = warps * 32;
  kernel.dynamicSharedBytes = sharedBytes;
  kernel.grid = {GridDim{"", int64_t(llvm::divideCeil(queryRows, rows)), 1},
                 GridDim{"", splits, 1}, GridDim{"batch", 0, 1}};
  std::string s = names.type;
  kernel.params = {{"q_latent", "const " + s + " *",
                    llvm::formatv("[batch, {0}, {1}, {2}] absorbed queries",
                                  tokens, heads, latent)},
                   {"q_rope", "const " + s + " *",
                    llvm::formatv("[batch, {0}, {1}, {2}] rotated rope queries",
                                  tokens, heads, rope)},
                   {"cache", "const " + s + " *",
                    llvm::formatv("[pages, {0}, {1}] the paged cache",
                                  cache.getPageSize(), width)},
                   {"block_table", "const int *", "[batch, table_width] pages"},
                   {"seq_lens", "const int *", "[batch] keys per sequence"}};
  if (partial) {
    kernel.params.push_back(
        {"out", "float *",
         llvm::formatv("[{0}, batch, {1}, {2}, {3}] f32 partial outputs",
                       splits, tokens, heads, latent)});
    kernel.params.push_back(
        {"lse", "float *",
         llvm::formatv("[{0}, batch, {1}, {2}] f32 partial LSEs", splits,
                       tokens, heads)});
  } else {
    kernel.params.push_back({"out", s + " *",
                             llvm::formatv("[batch, {0}, {1}, {2}] output",
                                           tokens, heads, latent)});
    kernel.params.push_back(
        {"lse", "float *",
         llvm::formatv("[batch, {0}, {1}] f32 LSE", tokens, heads)});
  }
  kernel.params.push_back({"table_width", "int",
                           "block-table entries per "
                           "sequence"});
  kernel.params.push_back({"batch", "int", "sequences"});
  bindAttentionParams(kernel, a);

  std::string signature = printSignature(kernel.params, ",\n    ");
  std::string outIndex =
      partial ? "((long long)split * batch + b) * kQueryRows + row"
              : "(long long)b * kQueryRows + row";
  std::string store = partial ? "value" : (names.fromFloat + "(value)");

  kernel.code = llvm::formatv(
      R"cuda(
extern "C" __global__ void __launch_bounds__({0})
{1}({2}) {{
  constexpr int kRows = {3}, kKeys = {4}, kWarps = {5}, kStages = {6};
  constexpr int kLatent = {7}, kRope = {8}, kWidth = kLatent + kRope;
  // Padded rows: ldmatrix and the score stores hit distinct banks.
  constexpr int kStride = kWidth + 8, kProbStride = kKeys + 8;
  constexpr int kScoreStride = kKeys + 8;
  constexpr int kHeads = {9}, kTokens = {10}, kQueryRows = kTokens * kHeads;
  constexpr int kSplits = {11}, kPageSize = {12};
  // Scores: warp w takes slabs w % kSlabGroups (+ kSlabGroups...) of 16 rows
  // and key group w / kSlabGroups; P x V: warp w takes kColsPerWarp columns.
  constexpr int kSlabs = kRows / 16;
  constexpr int kSlabGroups = kSlabs < kWarps ? kSlabs : kWarps;
  constexpr int kSlabsPerWarp = kSlabs / kSlabGroups;
  constexpr int kKeysPerWarp = kKeys / (kWarps / kSlabGroups);
  constexpr int kColsPerWarp = kLatent / kWarps;
  constexpr int kChunks = kWidth / 8; // 16-byte pieces of a row
  constexpr float kScale = {13:e9}f;
  extern __shared__ __align__(16) unsigned char shared[];
  {14} *q = reinterpret_cast<{14} *>(shared);
  {14} *kv = q + kRows * kStride;
  float *scores = reinterpret_cast<float *>(kv + kStages * kKeys * kStride);
  {14} *probs = reinterpret_cast<{14} *>(scores + kRows * kScoreStride);
  float *rowMax = reinterpret_cast<float *>(probs + kRows * kProbStride);
  float *rowSum = rowMax + kRows, *rowAlpha = rowSum + kRows;

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int row0 = blockIdx.x * kRows, split = blockIdx.y, b = blockIdx.z;
  if (b >= batch)
    return;
  // This split's keys of the sequence.
  const int length = seq_lens[b];
  const int chunk = (length + kSplits - 1) / kSplits;
  const int begin = min(split * chunk, length);
  const int end = min(begin + chunk, length);
  const int tiles = (end - begin + kKeys - 1) / kKeys;

  // The query rows (latent then rope), zero past the last row.
  for (int c = threadIdx.x; c < kRows * kChunks; c += blockDim.x) {{
    const int r = c / kChunks, piece = c % kChunks, row = row0 + r;
    const bool live = row < kQueryRows;
    const long long at = (long long)b * kQueryRows + (live ? row : 0);
    const {14} *src = piece * 8 < kLatent
        ? q_latent + at * kLatent + piece * 8
        : q_rope + at * kRope + (piece * 8 - kLatent);
    mlagen_cp_async_16(q + r * kStride + piece * 8, src, live ? 16 : 0);
  }
  mlagen_cp_async_commit(); // the oldest group: waited for with tile 0
  // One KV tile: each key's row through the block table; zero past `end`.
  auto loadTile = [&](int tile, int buffer) {{
    const int first = begin + tile * kKeys;
    for (int c = threadIdx.x; c < kKeys * kChunks; c += blockDim.x) {{
      const int t = c / kChunks, piece = c % kChunks, key = first + t;
      const bool live = key < end;
      const {14} *src = cache;
      if (live) {{
        const long long page =
            block_table[(long long)b * table_width + key / kPageSize];
        src = cache + (page * kPageSize + key % kPageSize) * kWidth + piece * 8;
      }
      mlagen_cp_async_16(kv + (buffer * kKeys + t) * kStride + piece * 8, src,
                         live ? 16 : 0);
    }
  };
  for (int r = threadIdx.x; r < kRows; r += blockDim.x) {{
    rowMax[r] = mlagen_negative_infinity();
    rowSum[r] = 0.0f;
  }
  for (int stage = 0; stage + 1 < kStages; ++stage) {{
    if (stage < tiles)
      loadTile(stage, stage);
    mlagen_cp_async_commit();
  }

  float acc[kRows / 16][kColsPerWarp / 8][4] = {{};
  for (int tile = 0; tile < tiles; ++tile) {{
    if (tile + kStages - 1 < tiles)
      loadTile(tile + kStages - 1, (tile + kStages - 1) % kStages);
    mlagen_cp_async_commit();
    mlagen_cp_async_wait<kStages - 1>();
    __syncthreads();
    const {14} *keys = kv + (tile % kStages) * kKeys * kStride;
    const int first = begin + tile * kKeys;

    // Scores: this warp's row slabs against its keys.
    const int slab0 = warp % kSlabGroups;
    const int key0 = (warp / kSlabGroups) * kKeysPerWarp;
    float score[kSlabsPerWarp][kKeysPerWarp / 8][4] = {{};
#pragma unroll
    for (int d = 0; d < kWidth; d += 16) {{
      unsigned a[kSlabsPerWarp][4];
#pragma unroll
      for (int i = 0; i < kSlabsPerWarp; ++i)
        mlagen_ldmatrix_x4(a[i], q + ((slab0 + i * kSlabGroups) * 16 +
                                      lane % 16) * kStride +
                                     d + (lane / 16) * 8);
#pragma unroll
      for (int nt = 0; nt < kKeysPerWarp / 8; ++nt) {{
        unsigned bk[2];
        mlagen_ldmatrix_x2(bk, keys + (key0 + nt * 8 + lane % 8) * kStride +
                                   d + (lane / 8 % 2) * 8);
#pragma unroll
        for (int i = 0; i < kSlabsPerWarp; ++i)
          {15}(score[i][nt], a[i], bk);
      }
    }
#pragma unroll
    for (int i = 0; i < kSlabsPerWarp; ++i)
#pragma unroll
      for (int nt = 0; nt < kKeysPerWarp / 8; ++nt) {{
        const int r = (slab0 + i * kSlabGroups) * 16 + lane / 4;
        const int t = key0 + nt * 8 + (lane % 4) * 2;
        scores[r * kScoreStride + t] = score[i][nt][0];
        scores[r * kScoreStride + t + 1] = score[i][nt][1];
        scores[(r + 8) * kScoreStride + t] = score[i][nt][2];
        scores[(r + 8) * kScoreStride + t + 1] = score[i][nt][3];
      }
    __syncthreads();

    // Online softmax: a warp per row, lanes over the tile's keys.
    for (int r = warp; r < kRows; r += kWarps) {{
      const int row = row0 + r;
      const int visible = {16};
      float tileMax = mlagen_negative_infinity();
      for (int t = lane; t < kKeys; t += 32) {{
        const float x = first + t < visible ? scores[r * kScoreStride + t] * kScale
                                            : mlagen_negative_infinity();
        scores[r * kScoreStride + t] = x;
        tileMax = fmaxf(tileMax, x);
      }
      tileMax = mlagen_warp_max(tileMax);
      const float oldMax = rowMax[r], newMax = fmaxf(oldMax, tileMax);
      float sum = 0.0f;
      for (int t = lane; t < kKeys; t += 32) {{
        const float p = mlagen_exp_relative(scores[r * kScoreStride + t], newMax);
        probs[r * kProbStride + t] = {17}(p);
        sum += p;
      }
      sum = mlagen_warp_sum(sum);
      if (lane == 0) {{
        const float alpha = mlagen_exp_relative(oldMax, newMax);
        rowAlpha[r] = alpha;
        rowSum[r] = rowSum[r] * alpha + sum;
        rowMax[r] = newMax;
      }
    }
    __syncthreads();

    // O = O * alpha + P V: this warp's latent columns for every row.
    #pragma unroll
    for (int rs = 0; rs < kRows / 16; ++rs)
      #pragma unroll
      for (int nt = 0; nt < kColsPerWarp / 8; ++nt)
        #pragma unroll
        for (int i = 0; i < 4; ++i)
          acc[rs][nt][i] *= rowAlpha[rs * 16 + lane / 4 + (i / 2) * 8];
    #pragma unroll
    for (int k = 0; k < kKeys; k += 16) {{
      unsigned a[kRows / 16][4];
      #pragma unroll
      for (int rs = 0; rs < kRows / 16; ++rs)
        mlagen_ldmatrix_x4(a[rs], probs + (rs * 16 + lane % 16) * kProbStride +
                                      k + (lane / 16) * 8);
      #pragma unroll
      for (int nt = 0; nt < kColsPerWarp / 8; ++nt) {{
        unsigned bv[2];
        mlagen_ldmatrix_x2_trans(bv, keys + (k + lane % 16) * kStride +
                                         warp * kColsPerWarp + nt * 8);
        #pragma unroll
        for (int rs = 0; rs < kRows / 16; ++rs)
          {15}(acc[rs][nt], a[rs], bv);
      }
    }
    __syncthreads();
  }
  mlagen_cp_async_wait<0>();
  __syncthreads();

  // Normalize; a row that saw no key gets 0 and LSE -inf.
  #pragma unroll
  for (int rs = 0; rs < kRows / 16; ++rs)
    #pragma unroll
    for (int nt = 0; nt < kColsPerWarp / 8; ++nt)
      #pragma unroll
      for (int half = 0; half < 2; ++half) {{
        const int r = rs * 16 + lane / 4 + half * 8, row = row0 + r;
        if (row >= kQueryRows)
          continue;
        const float sum = rowSum[r], inverse = sum != 0.0f ? 1.0f / sum : 0.0f;
        const int col = warp * kColsPerWarp + nt * 8 + (lane % 4) * 2;
        #pragma unroll
        for (int j = 0; j < 2; ++j) {{
          const float value = acc[rs][nt][half * 2 + j] * inverse;
          out[({18}) * kLatent + col + j] = {19};
        }
      }
  for (int r = threadIdx.x; r < kRows; r += blockDim.x) {{
    const int row = row0 + r;
    if (row < kQueryRows)
      lse[{18}] = rowSum[r] != 0.0f ? rowMax[r] + logf(rowSum[r])
                                    : mlagen_negative_infinity();
  }
}
)cuda",
      kernel.threadsPerBlock, name, signature, rows, keys, warps, stages,
      latent, rope, heads, tokens, splits, cache.getPageSize(),
      config.getSoftmaxScale(), names.type, mma,
      causal ? "min(end, length - kTokens + 1 + row / kHeads)" : "end",
      names.fromFloat, outIndex, store);
  return kernel;
}
