//===- WgmmaAttentionKernel.cpp - decode latent attention on Hopper -------===//
//
// mla.latent_attention / mla.partial_latent_attention, the wgmma variant
// (sm_90a). One CTA per (64 query rows, split, sequence) with `warps / 4`
// warpgroups. Query rows and KV tiles live in shared memory as 128-byte
// swizzled tiles of 64 columns (the layout both TMA and wgmma read):
//   - the query rows are copied in once (cp.async into swizzled places);
//   - each KV tile of keys_per_tile keys comes in by TMA, one box per page
//     run and 64-column slice, completing on the stage's mbarrier, so later
//     tiles load while one is used (pages smaller than 8 keys, whose boxes
//     would break the swizzle's 1024-byte atoms, use cp.async instead);
//     keys past the end are zeroed, so a stale or NaN row never reaches
//     P x V. Split ranges are whole tiles (the combine merges any
//     partition exactly), so a tile never straddles a page it did not ask
//     for.
// Per tile: scores = Q K^T with wgmma (A and B from shared memory); the
// warpgroups split the 576-wide dot products and sum their partial scores
// through shared memory in a fixed order, so each holds the same full
// score tile; online softmax on the fragments in the log2 domain; the
// probabilities become register A fragments of O = O * alpha + P V
// (wgmma, V read N-major from the same tile), where warpgroup g owns
// latent columns [g x 512 / groups, ...). The end normalizes and writes the
// output (storage type, or f32 partials) and the natural-log LSE.
//
//===----------------------------------------------------------------------===//

#include "passes/cuda/KernelSource.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mla;

namespace {

constexpr int64_t kRows = 64;       // wgmma's M
constexpr int64_t kSliceWidth = 64; // columns per 128-byte swizzled slice
constexpr int64_t kMinTmaPage = 8;  // keys: one 1024-byte swizzle atom

/// Score plus output accumulators per thread, by CTA size.
int64_t accumulatorLimit(int64_t threads) { return threads <= 256 ? 144 : 80; }

struct WgmmaShape {
  int64_t groups, latent, width, columns, depth, pageSize;
  bool tma;
};

WgmmaShape wgmmaShape(const AttentionOperands &a, CudaTilingAttr tiling) {
  WgmmaShape s;
  s.groups = tiling.getWarps() / 4;
  s.latent = a.cache.getLatentDim();
  s.width = s.latent + a.cache.getRopeDim();
  s.columns = s.latent / s.groups;
  s.depth = s.width / s.groups;
  s.pageSize = a.cache.getPageSize();
  // A TMA box is min(page, tile) keys of one page and must fill whole
  // 1024-byte swizzle atoms (8 keys); other page sizes take cp.async.
  int64_t keys = tiling.getKeysPerTile();
  s.tma = s.pageSize % kMinTmaPage == 0 &&
          (s.pageSize % keys == 0 || keys % s.pageSize == 0);
  return s;
}

int64_t sharedBytesOf(const WgmmaShape &s, CudaTilingAttr tiling) {
  int64_t keys = tiling.getKeysPerTile(), stages = tiling.getStages();
  return 1024 +                            // alignment of the swizzled tiles
         s.width * kRows * 2 +             // query rows
         stages * s.width * keys * 2 +     // KV tiles
         s.groups * (keys / 2) * 128 * 4 + // partial score exchange
         stages * 8;                       // mbarriers
}

} // namespace

std::optional<std::string>
mlir::mla::wgmmaTilingProblem(Operation *op, CudaTilingAttr tiling) {
  std::string why;
  FailureOr<AttentionOperands> a = attentionOperands(op, why);
  if (failed(a))
    return why;
  WgmmaShape s = wgmmaShape(*a, tiling);
  int64_t keys = tiling.getKeysPerTile(), threads = tiling.getWarps() * 32;
  if (tiling.getRowsPerCta() != kRows)
    return llvm::formatv("the wgmma attention kernel takes 64 query rows per "
                         "CTA (wgmma's M), got rows_per_cta = {0}",
                         tiling.getRowsPerCta())
        .str();
  if (s.width % kSliceWidth || s.latent % (kSliceWidth * s.groups) ||
      s.columns > 256 || s.depth % 16)
    return llvm::formatv(
               "the wgmma attention kernel with {0} warpgroup(s) needs the "
               "row width ({1}) in 64-column slices, each warpgroup's latent "
               "columns ({2}) whole slices and at most 256, and its share of "
               "the dot product ({3}) a multiple of 16: use 8 or 16 warps",
               s.groups, s.width, s.columns, s.depth)
        .str();
  if (keys % 16 || keys > 256)
    return llvm::formatv("the wgmma attention kernel needs keys_per_tile a "
                         "multiple of 16 and at most 256, got {0}",
                         keys)
        .str();
  int64_t accumulators = (s.columns + keys) / 2;
  if (accumulators > accumulatorLimit(threads))
    return llvm::formatv("wgmma tiling keys_per_tile = {0} with {1} warps "
                         "keeps {2} score and output accumulators per thread "
                         "(at most {3}): use fewer keys per tile",
                         keys, tiling.getWarps(), accumulators,
                         accumulatorLimit(threads))
        .str();
  return sharedMemoryProblem("wgmma tiling", sharedBytesOf(s, tiling), tiling,
                             "keys_per_tile or stages");
}

FailureOr<KernelSource>
mlir::mla::printWgmmaAttentionKernel(Operation *op, CudaTilingAttr tiling,
                                     StringRef name) {
  if (std::optional<std::string> problem = wgmmaTilingProblem(op, tiling))
    return op->emitOpError(*problem);
  std::string unused;
  AttentionOperands a = *attentionOperands(op, unused); // checked above
  WgmmaShape shape = wgmmaShape(a, tiling);
  Type storage = a.cache.getElementType();
  bool bf16 = storage.isBF16();
  StorageNames names = storageNames(storage);
  int64_t keys = tiling.getKeysPerTile(), stages = tiling.getStages();
  int64_t tokens = a.query.getDimSize(1), heads = a.query.getDimSize(2);
  int64_t rope = a.cache.getRopeDim();
  int64_t splits = a.partial ? a.partial.getNumSplits() : 1;
  bool causal = a.whole ? a.whole.getCausal() : a.partial.getCausal();
  int64_t queryRows = tokens * heads;
  int64_t boxRows = std::min(shape.pageSize, keys);

  KernelSource kernel;
  kernel.name = name.str();
  kernel.op = op->getName().getStringRef().str();
  kernel.threadsPerBlock = tiling.getWarps() * 32;
  kernel.dynamicSharedBytes = sharedBytesOf(shape, tiling);
  kernel.hopper = true;
  kernel.grid = {GridDim{"", int64_t(llvm::divideCeil(queryRows, kRows)), 1},
                 GridDim{"", splits, 1}, GridDim{"batch", 0, 1}};
  std::string type = bf16 ? "bf16" : "f16";
  std::string scores =
      llvm::formatv("mlagen_wgmma_m64n{0}k16_ss_{1}", keys, type);
  std::string values =
      llvm::formatv("mlagen_wgmma_m64n{0}k16_rs_tb_{1}", shape.columns, type);
  kernel.helpers = {printWgmmaWrapper(scores, keys, false, false, type),
                    printWgmmaWrapper(values, shape.columns, true, true, type)};

  std::string s = names.type;
  kernel.params = {{"q_latent", "const " + s + " *",
                    llvm::formatv("[batch, {0}, {1}, {2}] absorbed queries",
                                  tokens, heads, shape.latent)},
                   {"q_rope", "const " + s + " *",
                    llvm::formatv("[batch, {0}, {1}, {2}] rotated rope queries",
                                  tokens, heads, rope)}};
  std::string cacheMeaning = llvm::formatv("[pages, {0}, {1}] the paged cache",
                                           shape.pageSize, shape.width);
  if (shape.tma)
    kernel.params.push_back(
        {"cache_map", "const __grid_constant__ mlagen_tensor_map",
         "TMA descriptor of the cache " + cacheMeaning,
         TensorMapLayout{"cache", type,
                         llvm::formatv("pages x {0}", shape.pageSize),
                         shape.width, shape.width * 2, kSliceWidth, boxRows}});
  else
    kernel.params.push_back({"cache", "const " + s + " *", cacheMeaning});
  kernel.params.push_back(
      {"block_table", "const int *", "[batch, table_width] pages"});
  kernel.params.push_back(
      {"seq_lens", "const int *", "[batch] keys per sequence"});
  if (a.partial) {
    kernel.params.push_back(
        {"out", "float *",
         llvm::formatv("[{0}, batch, {1}, {2}, {3}] f32 partial outputs",
                       splits, tokens, heads, shape.latent)});
    kernel.params.push_back(
        {"lse", "float *",
         llvm::formatv("[{0}, batch, {1}, {2}] f32 partial LSEs", splits,
                       tokens, heads)});
  } else {
    kernel.params.push_back({"out", s + " *",
                             llvm::formatv("[batch, {0}, {1}, {2}] output",
                                           tokens, heads, shape.latent)});
    kernel.params.push_back(
        {"lse", "float *",
         llvm::formatv("[batch, {0}, {1}] f32 LSE", tokens, heads)});
  }
  kernel.params.push_back(
      {"table_width", "int", "block-table entries per sequence"});
  kernel.params.push_back({"batch", "int", "sequences"});
  bindAttentionParams(kernel, a);

  // Loading a KV tile and making it ready, by copy engine.
  std::string loadTile = shape.tma ? R"cuda(
  // One thread asks TMA for the tile's boxes: a box is kBoxRows keys of one
  // page (a tile never crosses a page it does not fill) and one slice.
  auto loadTile = [&](int tile, int buffer) {
    if (threadIdx.x != 0)
      return;
    const int first = begin + tile * kKeys;
    const int boxes = min(kKeys / kBoxRows, (end - first + kBoxRows - 1) / kBoxRows);
    const unsigned bar = base + kBarOffset + 8 * buffer;
    mlagen_mbarrier_expect_bytes(bar, boxes * kSlices * kBoxRows * 128);
    for (int box = 0; box < boxes; ++box) {
      const int key = first + box * kBoxRows;
      const int page = block_table[(long long)b * table_width + key / kPageSize];
      const int row = page * kPageSize + key % kPageSize;
      for (int slice = 0; slice < kSlices; ++slice)
        mlagen_tma_load_2d(base + kvOffset(buffer) +
                               (slice * kKeys + box * kBoxRows) * 128,
                           &cache_map, slice * 64, row, bar);
    }
  };
)cuda"
                                   : R"cuda(
  // Pages under 8 keys: every thread copies 16-byte pieces (cp.async) into
  // their swizzled places, zero past `end`.
  auto loadTile = [&](int tile, int buffer) {
    const int first = begin + tile * kKeys;
    for (int c = threadIdx.x; c < kKeys * kSlices * 8; c += blockDim.x) {
      const int t = c / (kSlices * 8), piece = c % (kSlices * 8);
      const int key = first + t;
      const bool live = key < end;
      const ${storage} *src = cache;
      if (live) {
        const long long page =
            block_table[(long long)b * table_width + key / kPageSize];
        src = cache + (page * kPageSize + key % kPageSize) * kWidth + piece * 8;
      }
      mlagen_cp_async_16(shared + kvOffset(buffer) + (piece / 8) * kKeys * 128 +
                             mlagen_swizzle_128b(t, piece % 8),
                         src, live ? 16 : 0);
    }
  };
)cuda";
  std::string commitTile = shape.tma ? "" : "\n    mlagen_cp_async_commit();";
  std::string waitTile = shape.tma ? R"cuda(
    mlagen_mbarrier_wait(base + kBarOffset + 8 * (tile % kStages),
                         (tile / kStages) & 1);
    // Keys past `end` (a partial box, or a box never asked for) are zeroed:
    // a stale or NaN row must not reach P x V.
    if (first + kKeys > end) {
      const int live = end - first;
      unsigned *rows = reinterpret_cast<unsigned *>(shared + kvOffset(tile % kStages));
      for (int c = threadIdx.x; c < (kKeys - live) * kSlices * 32; c += blockDim.x) {
        const int t = live + c / (kSlices * 32), rest = c % (kSlices * 32);
        rows[((rest / 32) * kKeys + t) * 32 + rest % 32] = 0u;
      }
      mlagen_fence_proxy_async();
      __syncthreads();
    })cuda"
                                   : R"cuda(
    mlagen_cp_async_wait<kStages - 1>();
    mlagen_fence_proxy_async();
    __syncthreads();)cuda";

  std::string body = R"cuda(
extern "C" __global__ void __launch_bounds__(${threads}, 1)
${name}(${signature}) {
  constexpr int kRows = 64, kKeys = ${keys}, kStages = ${stages};
  constexpr int kGroups = ${groups}; // warpgroups
  constexpr int kLatent = ${latent}, kRope = ${rope}, kWidth = kLatent + kRope;
  constexpr int kHeads = ${heads}, kTokens = ${tokens};
  constexpr int kQueryRows = kTokens * kHeads;
  constexpr int kSplits = ${splits}, kPageSize = ${pageSize};
  constexpr int kBoxRows = ${boxRows}; // keys per TMA box
  // Rows are stored as 64-column slices, each a 128-byte swizzled tile.
  constexpr int kSlices = kWidth / 64;
  // Scores: warpgroup g sums columns [g * kDepth, (g + 1) * kDepth) of the
  // dot products; P x V: it owns latent columns [g * kColumns, ...).
  constexpr int kDepth = kWidth / kGroups, kColumns = kLatent / kGroups;
  constexpr float kScaleLog2 = ${scaleLog2}f; // softmax scale / ln 2
  constexpr float kLn2 = 0.693147181f;
  // Shared memory from a 1024-byte aligned base (the launch adds 1024).
  constexpr int kQueryBytes = kSlices * kRows * 128;
  constexpr int kTileBytes = kSlices * kKeys * 128;
  constexpr int kExchangeOffset = kQueryBytes + kStages * kTileBytes;
  constexpr int kBarOffset = kExchangeOffset + kGroups * (kKeys / 2) * 128 * 4;
  extern __shared__ __align__(16) unsigned char shared_raw[];
  const unsigned raw = mlagen_smem_address(shared_raw);
  const unsigned base = (raw + 1023) & ~1023u;
  unsigned char *shared = shared_raw + (base - raw);
  auto kvOffset = [](int buffer) { return kQueryBytes + buffer * kTileBytes; };
  float *exchange = reinterpret_cast<float *>(shared + kExchangeOffset);

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int group = warp / 4, member = threadIdx.x % 128;
  const int row0 = blockIdx.x * kRows, split = blockIdx.y, b = blockIdx.z;
  if (b >= batch)
    return;
  // This split's keys, in whole tiles (the combine merges any partition).
  const int length = seq_lens[b];
  const int chunk =
      ((length + kSplits - 1) / kSplits + kKeys - 1) / kKeys * kKeys;
  const int begin = min(split * chunk, length);
  const int end = min(begin + chunk, length);
  const int tiles = (end - begin + kKeys - 1) / kKeys;

  // The query rows (latent then rope) into their swizzled places.
  for (int c = threadIdx.x; c < kRows * kSlices * 8; c += blockDim.x) {
    const int r = c / (kSlices * 8), piece = c % (kSlices * 8), row = row0 + r;
    const bool live = row < kQueryRows;
    const long long at = (long long)b * kQueryRows + (live ? row : 0);
    const ${storage} *src = piece * 8 < kLatent
        ? q_latent + at * kLatent + piece * 8
        : q_rope + at * kRope + (piece * 8 - kLatent);
    mlagen_cp_async_16(shared + (piece / 8) * kRows * 128 +
                           mlagen_swizzle_128b(r, piece % 8),
                       src, live ? 16 : 0);
  }
  mlagen_cp_async_commit();
  if (threadIdx.x == 0) {
    for (int stage = 0; stage < kStages; ++stage)
      mlagen_mbarrier_init(base + kBarOffset + 8 * stage, 1);
    mlagen_fence_mbarrier_init();
  }
  mlagen_cp_async_wait<0>();
  mlagen_fence_proxy_async();
  __syncthreads();
${loadTile}
  for (int stage = 0; stage + 1 < kStages; ++stage) {
    if (stage < tiles)
      loadTile(stage, stage);${commitTile}
  }

  // This thread's rows: lane / 4 and lane / 4 + 8 of its warp's 16.
  float acc[kColumns / 2] = {};
  float rowMax[2] = {mlagen_negative_infinity(), mlagen_negative_infinity()};
  float rowSum[2] = {0.0f, 0.0f}; // this thread's columns only
  for (int tile = 0; tile < tiles; ++tile) {
    if (tile + kStages - 1 < tiles)
      loadTile(tile + kStages - 1, (tile + kStages - 1) % kStages);${commitTile}
    const int first = begin + tile * kKeys;${waitTile}
    const unsigned keys = base + kvOffset(tile % kStages);

    // This warpgroup's share of the scores, then the sum over warpgroups.
    float score[kKeys / 2] = {};
    __syncwarp(); // converged for the .aligned wgmma instructions
    mlagen_wgmma_fence();
#pragma unroll
    for (int k = 0; k < kDepth / 16; ++k) {
      const int d = group * kDepth + k * 16;
      const unsigned long long qa = mlagen_wgmma_descriptor(
          base + (d / 64) * kRows * 128 + (d % 64) * 2, 16, 1024);
      const unsigned long long kb = mlagen_wgmma_descriptor(
          keys + (d / 64) * kKeys * 128 + (d % 64) * 2, 16, 1024);
      ${scores}(score, qa, kb, k > 0);
    }
    mlagen_wgmma_commit();
    mlagen_wgmma_wait<0>();
    if (kGroups > 1) {
#pragma unroll
      for (int i = 0; i < kKeys / 2; ++i)
        exchange[(group * (kKeys / 2) + i) * 128 + member] = score[i];
      __syncthreads();
#pragma unroll
      for (int i = 0; i < kKeys / 2; ++i) {
        float sum = exchange[i * 128 + member]; // same order everywhere
        for (int g = 1; g < kGroups; ++g)
          sum += exchange[(g * (kKeys / 2) + i) * 128 + member];
        score[i] = sum;
      }
    }

    // Online softmax on the fragments: block j holds keys 8j..8j+7, rows
    // `half` = 0 / 1 in elements 4j + 2 half + {0, 1}.
    ${softmax}

    // O += P V: the scores of 16 keys are one register A fragment, all
    // packed before the fence (wgmma may read them only after it); V is the
    // tile's first kLatent columns, read N-major.
    unsigned p[kKeys / 16][4];
#pragma unroll
    for (int kc = 0; kc < kKeys / 16; ++kc) {
      p[kc][0] = ${pack}(score[8 * kc], score[8 * kc + 1]);
      p[kc][1] = ${pack}(score[8 * kc + 2], score[8 * kc + 3]);
      p[kc][2] = ${pack}(score[8 * kc + 4], score[8 * kc + 5]);
      p[kc][3] = ${pack}(score[8 * kc + 6], score[8 * kc + 7]);
    }
    __syncwarp();
    mlagen_wgmma_fence();
#pragma unroll
    for (int kc = 0; kc < kKeys / 16; ++kc) {
      const unsigned long long vb = mlagen_wgmma_descriptor(
          keys + (group * kColumns / 64) * kKeys * 128 + kc * 16 * 128,
          kKeys * 128, 1024);
      ${values}(acc, p[kc], vb, 1);
    }
    mlagen_wgmma_commit();
    mlagen_wgmma_wait<0>();
    __syncthreads();
  }${drain}

  // Normalize; a row that saw no key gets 0 and LSE -inf.
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    const float sum = mlagen_quad_sum(rowSum[half]);
    const int row = row0 + (warp % 4) * 16 + lane / 4 + half * 8;
    if (row >= kQueryRows)
      continue;
    const long long at = ${outIndex};
    const float inverse = sum != 0.0f ? 1.0f / sum : 0.0f;
#pragma unroll
    for (int j = 0; j < kColumns / 8; ++j)
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        const float value = acc[4 * j + half * 2 + e] * inverse;
        out[at * kLatent + group * kColumns + j * 8 + (lane % 4) * 2 + e] =
            ${store};
      }
    if (group == 0 && lane % 4 == 0)
      lse[at] = sum != 0.0f ? (rowMax[half] + log2f(sum)) * kLn2
                            : mlagen_negative_infinity();
  }
}
)cuda";
  std::string storeValue = a.partial ? "value" : names.fromFloat + "(value)";
  std::string filledLoad = fillTemplate(loadTile, {{"storage", s}});
  kernel.code = fillTemplate(
      body,
      {{"threads", std::to_string(kernel.threadsPerBlock)},
       {"name", name.str()},
       {"signature", printSignature(kernel.params, ",\n    ")},
       {"keys", std::to_string(keys)},
       {"stages", std::to_string(stages)},
       {"groups", std::to_string(shape.groups)},
       {"latent", std::to_string(shape.latent)},
       {"rope", std::to_string(rope)},
       {"heads", std::to_string(heads)},
       {"tokens", std::to_string(tokens)},
       {"splits", std::to_string(splits)},
       {"pageSize", std::to_string(shape.pageSize)},
       {"boxRows", std::to_string(boxRows)},
       {"scaleLog2",
        llvm::formatv("{0:e9}", a.config.getSoftmaxScale() / std::log(2.0))},
       {"storage", s},
       {"loadTile", filledLoad},
       {"commitTile", commitTile},
       {"waitTile", waitTile},
       {"scores", scores},
       {"values", values},
       {"pack", bf16 ? "mlagen_pack_bf16" : "mlagen_pack_f16"},
       {"softmax",
        printFragmentSoftmax(
            "score[4 * j + half * 2 + e]", "acc[4 * j + half * 2 + e]",
            std::string("const int row = row0 + (warp % 4) * 16 + "
                        "lane / 4 + half * 8;\n      const int limit = ") +
                (causal ? "min(end, length - kTokens + 1 + row / kHeads);"
                        : "end;"),
            "kColumns / 8")},
       {"drain", shape.tma ? "" : "\n  mlagen_cp_async_wait<0>();"},
       {"outIndex", a.partial
                        ? "((long long)split * batch + b) * kQueryRows + row"
                        : "(long long)b * kQueryRows + row"},
       {"store", storeValue}});
  return kernel;
}
