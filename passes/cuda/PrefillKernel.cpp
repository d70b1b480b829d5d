//===- PrefillKernel.cpp - prefill attention in MHA form as a CUDA kernel -===//
//
// mla.mha_attention, the mma_sync variant (sm_80 and later), for the prompt:
// each head has its own up-projected K (nope part) and V, the rope key is
// shared by all heads. One CTA per (rows_per_cta query tokens, head,
// sequence); each of its warps owns 16 query tokens. The query tile stays
// in shared memory; the loop over tiles of keys_per_tile keys brings each
// key's K row (nope + rope) and V row in with cp.async into `stages`
// buffers. Per tile, everything a warp needs stays in registers: scores
// = Q K^T with m16n8k16 MMAs, masked (sequence length, bottom-right causal)
// and scaled into the log2 domain, online softmax on the accumulator
// fragments (quad reductions), and the probabilities are repacked from the
// score fragments into MMA A fragments for O = O * alpha + P V. With
// `causal`, a CTA stops at the last key its last token sees, so the work is
// about half of the square. The end writes the output in the storage type
// and the LSE (natural log; a token that saw no key gets 0 and -inf).
//
//===----------------------------------------------------------------------===//

#include "passes/cuda/KernelSource.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mla;

namespace {

// Score plus output accumulators per thread the kernel keeps in registers.
constexpr int64_t kMaxAccumulators = 128;

struct PrefillShape {
  int64_t heads, nope, rope, value;
  Type storage;
};

FailureOr<PrefillShape> prefillShape(MhaAttentionOp op, std::string &why) {
  auto query = cast<RankedTensorType>(op.getQNope().getType());
  ConfigAttr config = op.getConfig();
  PrefillShape shape{query.getDimSize(2), config.getQkNopeHeadDim(),
                     config.getQkRopeHeadDim(), config.getVHeadDim(),
                     query.getElementType()};
  if (ShapedType::isDynamic(shape.heads)) {
    why = "the CUDA printer needs a static head count";
    return failure();
  }
  if (!shape.storage.isBF16() && !shape.storage.isF16()) {
    why = "the mma_sync prefill kernel takes bf16 or f16 storage";
    return failure();
  }
  if ((shape.nope + shape.rope) % 16 || shape.nope % 8 || shape.rope % 8 ||
      shape.value % 8) {
    why = "the prefill kernel needs head dims in 8-element pieces and "
          "nope + rope divisible by 16";
    return failure();
  }
  return shape;
}

int64_t sharedBytesOf(const PrefillShape &shape, CudaTilingAttr tiling) {
  int64_t qkStride = shape.nope + shape.rope + 8, vStride = shape.value + 8;
  return 2 *
         (tiling.getRowsPerCta() * qkStride +
          tiling.getStages() * tiling.getKeysPerTile() * (qkStride + vStride));
}

} // namespace

std::optional<std::string>
mlir::mla::prefillTilingProblem(MhaAttentionOp op, CudaTilingAttr tiling) {
  std::string why;
  FailureOr<PrefillShape> shape = prefillShape(op, why);
  if (failed(shape))
    return why;
  if (tiling.getMma() != MmaFlavor::MmaSync)
    return std::string("the prefill kernel is generated with mma_sync only; "
                       "tile with mma = mma_sync");
  int64_t rows = tiling.getRowsPerCta(), keys = tiling.getKeysPerTile();
  int64_t warps = tiling.getWarps();
  if (rows != 16 * warps || keys % 16)
    return llvm::formatv("prefill tiling rows_per_cta = {0}, keys_per_tile = "
                         "{1} with {2} warps: each warp takes 16 query tokens "
                         "(rows_per_cta = 16 x warps) and keys_per_tile must "
                         "be a multiple of 16",
                         rows, keys, warps)
        .str();
  int64_t accumulators = (keys + shape->value) / 2;
  if (accumulators > kMaxAccumulators)
    return llvm::formatv("prefill tiling keys_per_tile = {0} keeps {1} score "
                         "and output accumulators per thread (at most {2}): "
                         "use fewer keys per tile",
                         keys, accumulators, kMaxAccumulators)
        .str();
  return sharedMemoryProblem("prefill tiling", sharedBytesOf(*shape, tiling),
                             tiling, "keys_per_tile, stages or rows_per_cta");
}

FailureOr<KernelSource> mlir::mla::printPrefillKernel(MhaAttentionOp op,
                                                      CudaTilingAttr tiling,
                                                      StringRef name) {
  if (std::optional<std::string> problem = prefillTilingProblem(op, tiling))
    return op.emitOpError(*problem);
  std::string unused;
  PrefillShape shape = *prefillShape(op, unused); // checked above
  StorageNames names = storageNames(shape.storage);
  bool bf16 = shape.storage.isBF16();
  int64_t rows = tiling.getRowsPerCta();
  double scaleLog2 = op.getConfig().getSoftmaxScale() / std::log(2.0);

  KernelSource kernel;
  kernel.name = name.str();
  kernel.op = op->getName().getStringRef().str();
  kernel.threadsPerBlock = tiling.getWarps() * 32;
  kernel.dynamicSharedBytes = sharedBytesOf(shape, tiling);
  kernel.grid = {GridDim{"tokens", 0, rows}, GridDim{"", shape.heads, 1},
                 GridDim{"batch", 0, 1}};
  std::string s = names.type;
  kernel.params = {
      {"q_nope", "const " + s + " *",
       llvm::formatv("[batch, tokens, {0}, {1}] queries (nope part)",
                     shape.heads, shape.nope)},
      {"q_rope", "const " + s + " *",
       llvm::formatv("[batch, tokens, {0}, {1}] rotated rope queries",
                     shape.heads, shape.rope)},
      {"k_nope", "const " + s + " *",
       llvm::formatv("[batch, key_tokens, {0}, {1}] up-projected keys",
                     shape.heads, shape.nope)},
      {"k_rope", "const " + s + " *",
       llvm::formatv("[batch, key_tokens, {0}] rotated rope keys (one head)",
                     shape.rope)},
      {"v", "const " + s + " *",
       llvm::formatv("[batch, key_tokens, {0}, {1}] up-projected values",
                     shape.heads, shape.value)},
      {"seq_lens", "const int *", "[batch] keys per sequence"},
      {"out", s + " *",
       llvm::formatv("[batch, tokens, {0}, {1}] output", shape.heads,
                     shape.value)},
      {"lse", "float *",
       llvm::formatv("[batch, tokens, {0}] f32 LSE", shape.heads)},
      {"tokens", "int", "query tokens per sequence (the last of each)"},
      {"key_tokens", "int", "key rows per sequence in k_nope, k_rope, v"},
      {"batch", "int", "sequences"}};

  bindParam(kernel, "q_nope", op.getQNope());
  bindParam(kernel, "q_rope", op.getQRope());
  bindParam(kernel, "k_nope", op.getKNope());
  bindParam(kernel, "k_rope", op.getKRope());
  bindParam(kernel, "v", op.getV());
  bindParam(kernel, "seq_lens", op.getSeqLens());
  bindParam(kernel, "out", op.getOut());
  bindParam(kernel, "lse", op.getLse());
  bindParam(kernel, "tokens", op.getQNope(), {1});
  bindParam(kernel, "key_tokens", op.getKNope(), {1});
  bindParam(kernel, "batch", op.getQNope(), {0});
  kernel.code = llvm::formatv(
      R"cuda(
extern "C" __global__ void __launch_bounds__({0})
{1}({2}) {{
  constexpr int kRows = {3}, kKeys = {4}, kStages = {5}, kHeads = {6};
  constexpr int kNope = {7}, kRope = {8}, kQk = kNope + kRope, kValue = {9};
  // Padded rows: ldmatrix hits distinct banks.
  constexpr int kQkStride = kQk + 8, kValueStride = kValue + 8;
  constexpr int kQkPieces = kQk / 8, kPieces = kQkPieces + kValue / 8;
  constexpr float kScaleLog2 = {10:e9}f; // softmax scale / ln 2
  constexpr float kLn2 = 0.693147181f;
  extern __shared__ __align__(16) unsigned char shared[];
  {11} *q = reinterpret_cast<{11} *>(shared);
  {11} *k = q + kRows * kQkStride;
  {11} *vs = k + kStages * kKeys * kQkStride;

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int q0 = blockIdx.x * kRows, h = blockIdx.y, b = blockIdx.z;
  if (b >= batch || q0 >= tokens)
    return;
  const int length = max(0, min(seq_lens[b], key_tokens));
  // The keys token `t` sees: the query tokens are the sequence's last.
  auto visibleEnd = [&](int t) {{
    return {12};
  };
  const int end = visibleEnd(min(q0 + kRows, tokens) - 1);
  const int tiles = (end + kKeys - 1) / kKeys;

  // The query tokens (nope then rope), zero past the last token.
  for (int c = threadIdx.x; c < kRows * kQkPieces; c += blockDim.x) {{
    const int r = c / kQkPieces, piece = c % kQkPieces, token = q0 + r;
    const bool live = token < tokens;
    const long long at =
        ((long long)b * tokens + (live ? token : 0)) * kHeads + h;
    const {11} *src = piece * 8 < kNope
        ? q_nope + at * kNope + piece * 8
        : q_rope + at * kRope + (piece * 8 - kNope);
    mlagen_cp_async_16(q + r * kQkStride + piece * 8, src, live ? 16 : 0);
  }
  mlagen_cp_async_commit(); // the oldest group: waited for with tile 0
  // One tile: each key's K row (this head's nope, the shared rope) and V
  // row; zero past `end`.
  auto loadTile = [&](int tile, int buffer) {{
    const int first = tile * kKeys;
    for (int c = threadIdx.x; c < kKeys * kPieces; c += blockDim.x) {{
      const int t = c / kPieces, piece = c % kPieces, key = first + t;
      const bool live = key < end;
      const long long at = (long long)b * key_tokens + (live ? key : 0);
      const {11} *src;
      {11} *dst;
      if (piece < kQkPieces) {{
        src = piece * 8 < kNope
            ? k_nope + (at * kHeads + h) * kNope + piece * 8
            : k_rope + at * kRope + (piece * 8 - kNope);
        dst = k + (buffer * kKeys + t) * kQkStride + piece * 8;
      } else {{
        const int p = piece - kQkPieces;
        src = v + (at * kHeads + h) * kValue + p * 8;
        dst = vs + (buffer * kKeys + t) * kValueStride + p * 8;
      }
      mlagen_cp_async_16(dst, src, live ? 16 : 0);
    }
  };
  for (int stage = 0; stage + 1 < kStages; ++stage) {{
    if (stage < tiles)
      loadTile(stage, stage);
    mlagen_cp_async_commit();
  }

  // This thread's rows of the warp's 16: lane / 4 and lane / 4 + 8.
  float acc[kValue / 8][4] = {{};
  float rowMax[2] = {{mlagen_negative_infinity(), mlagen_negative_infinity()};
  float rowSum[2] = {{0.0f, 0.0f}; // this thread's columns only
  for (int tile = 0; tile < tiles; ++tile) {{
    if (tile + kStages - 1 < tiles)
      loadTile(tile + kStages - 1, (tile + kStages - 1) % kStages);
    mlagen_cp_async_commit();
    mlagen_cp_async_wait<kStages - 1>();
    __syncthreads();
    const {11} *keys = k + (tile % kStages) * kKeys * kQkStride;
    const {11} *values = vs + (tile % kStages) * kKeys * kValueStride;

    float score[kKeys / 8][4] = {{};
#pragma unroll
    for (int d = 0; d < kQk; d += 16) {{
      unsigned a[4];
      mlagen_ldmatrix_x4(a, q + (warp * 16 + lane % 16) * kQkStride + d +
                                (lane / 16) * 8);
#pragma unroll
      for (int nt = 0; nt < kKeys / 8; ++nt) {{
        unsigned bk[2];
        mlagen_ldmatrix_x2(bk, keys + (nt * 8 + lane % 8) * kQkStride + d +
                                   (lane / 8 % 2) * 8);
        {13}(score[nt], a, bk);
      }
    }

    // Online softmax on the fragments, rows `half` = 0 / 1.
    const int first = tile * kKeys;
    {16}

    // O += P V: the score fragments of 16 keys are one A fragment.
#pragma unroll
    for (int kc = 0; kc < kKeys / 16; ++kc) {{
      const unsigned a[4] = {{
          {14}(score[2 * kc][0], score[2 * kc][1]),
          {14}(score[2 * kc][2], score[2 * kc][3]),
          {14}(score[2 * kc + 1][0], score[2 * kc + 1][1]),
          {14}(score[2 * kc + 1][2], score[2 * kc + 1][3])};
#pragma unroll
      for (int nt = 0; nt < kValue / 8; ++nt) {{
        unsigned bv[2];
        mlagen_ldmatrix_x2_trans(bv, values + (kc * 16 + lane % 16) *
                                                  kValueStride + nt * 8);
        {13}(acc[nt], a, bv);
      }
    }
    __syncthreads();
  }
  mlagen_cp_async_wait<0>();

  // Normalize; a token that saw no key gets 0 and LSE -inf.
#pragma unroll
  for (int half = 0; half < 2; ++half) {{
    const float sum = mlagen_quad_sum(rowSum[half]);
    const int token = q0 + warp * 16 + lane / 4 + half * 8;
    if (token >= tokens)
      continue;
    const long long at = ((long long)b * tokens + token) * kHeads + h;
    const float inverse = sum != 0.0f ? 1.0f / sum : 0.0f;
#pragma unroll
    for (int nt = 0; nt < kValue / 8; ++nt)
#pragma unroll
      for (int j = 0; j < 2; ++j)
        out[at * kValue + nt * 8 + (lane % 4) * 2 + j] =
            {15}(acc[nt][half * 2 + j] * inverse);
    if (lane % 4 == 0)
      lse[at] = sum != 0.0f ? (rowMax[half] + log2f(sum)) * kLn2
                            : mlagen_negative_infinity();
  }
}
)cuda",
      kernel.threadsPerBlock, name, printSignature(kernel.params, ",\n    "),
      rows, tiling.getKeysPerTile(), tiling.getStages(), shape.heads,
      shape.nope, shape.rope, shape.value, scaleLog2, s,
      op.getCausal() ? "max(0, min(length, length - tokens + 1 + t))"
                     : "length",
      bf16 ? "mlagen_mma_bf16" : "mlagen_mma_f16",
      bf16 ? "mlagen_pack_bf16" : "mlagen_pack_f16", names.fromFloat,
      printFragmentSoftmax(
          "score[j][half * 2 + e]", "acc[j][half * 2 + e]",
          "const int limit = visibleEnd(q0 + warp * 16 + lane / 4 + half * 8);",
          "kValue / 8"));
  return kernel;
}
