//===- Passes.td - the MLA rewrite passes ------------------*- tablegen -*-===//
//
// Kept alphabetical. Each pass rewrites only what it matches and leaves every
// other op as it found it (no folding, no dead-code removal beyond the ops
// its own rewrite made dead).
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_PASSES_PASSES_TD
#define MLAGEN_PASSES_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertMlaToLinalg : Pass<"convert-mla-to-linalg", "ModuleOp"> {
  let summary = "Lower mla ops to linalg, tensor and scf on tensors";
  let description = [{
    The first step of the CPU (and later GPU) lowering. The paged cache
    becomes a tensor [pages, page_size, latent + rope] (function signatures
    included). Latent attention becomes flash decoding: per sequence, an
    scf.for over the pages its keys live on, each page read in place as a
    slice of the cache (never gathered into a contiguous copy), with the
    online-softmax state of all S x H query rows carried across pages, so
    each page is read once for every head and query token. Contractions
    extend storage-type inputs to f32 inside their loop bodies and
    accumulate in f32. Split-KV partials and the LSE combine are lowered the
    same way. Fails, naming the op, on an mla op it cannot lower yet.

    With `amx`, each page step whose shapes fit AMX tiles (bf16 storage,
    pages a multiple of 16 keys, latent and rope widths that fill tile rows;
    see passes/AmxTiles.h) is written in the tiles' layouts instead: scores
    as [page_size, S, H], the query packed into bf16 pairs once per
    sequence, and its two matrix products as linalg.generic ops marked
    `mla.amx` for mla-cpu-amx. Short pages go several to a step (256 keys),
    so that each accumulator tile of P x V is loaded and stored once per
    step; the pages left after the whole steps are taken one at a time.

    With `bf16-dot` (and not on tiles), each vector page step whose shapes
    fit (bf16 storage, widths multiples of 32, even pages; see
    passes/PairDots.h) writes its products over pairs of bf16 elements:
    the scores against the query rounded to bf16 once per sequence, and P x
    V on pages every query row sees in full with the probabilities rounded
    to bf16; mla-cpu-vectorize with `bf16-dot` makes them AVX512-BF16 dot
    products. Pages with a hidden key keep the f32 P x V (its mask).
  }];
  let options = [
    Option<"amx", "amx", "bool", /*default=*/"false",
           "Write latent attention's page steps for AMX tiles where they fit">,
    Option<"bf16Dot", "bf16-dot", "bool", /*default=*/"false",
           "Write the vector page step's products over bf16 pairs where they "
           "fit">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def MlaAbsorbWeights : Pass<"mla-absorb-weights"> {
  let summary = "Rewrite naive MHA-form attention into absorbed latent "
                "attention over the cache";
  let description = [{
    Matches `mla.mha_attention` whose keys and values are the per-head
    up-projections (`mla.up_project_k`, `mla.up_project_v`) of the latents
    that `mla.cache_read` gathered from a paged cache, with that read's
    k_rope as the shared rope key and the same sequence lengths. Rewrites it
    into `mla.absorb_query` (q_latent = W_UK^T q_nope), `mla.latent_attention`
    reading the pages directly (MQA over kv_lora_rank + qk_rope_head_dim) and
    `mla.absorb_output` (o = W_UV o_latent). The up-projections and the
    gather are removed when nothing else uses them. Exact algebra: results
    agree up to rounding.

    Where an `mla.absorb_output` feeds only an `mla.output_projection` and
    both W_UV and W_O are constants, it pre-multiplies them at compile time
    (W_OV[m, h, c] = sum_v W_O[m, h, v] W_UV[h, v, c], accumulated in double
    and rounded once to the storage type) so the output projection reads the
    latent output directly. The fused weight is d_model x H x kv_lora_rank,
    larger than W_O by kv_lora_rank / v_head_dim, so it is made only up to
    `premultiply-limit` elements (the cost is compile-time memory and a larger
    weight read per token; it saves the separate W_UV projection).
  }];
  let options = [
    Option<"premultiplyLimit", "premultiply-limit", "int64_t",
           /*default=*/"1 << 24",
           "Largest fused W_O x W_UV weight, in elements, to pre-multiply">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def MlaCpuAmx : Pass<"mla-cpu-amx"> {
  let summary = "Lower the marked matrix products of latent attention to AMX "
                "tile operations";
  let description = [{
    Part of mla-to-cpu with `amx`, on buffers right after bufferization.
    Each linalg.generic that convert-mla-to-linalg marked `mla.amx`
    becomes loops of amx.tile_load, amx.tile_mulf (tdpbf16ps) and
    amx.tile_store over 16-row tiles, with smaller tiles for the last rows
    of the query:
    `scores` multiplies the cache page in place by the packed query, one
    16 x 16 f32 tile of S^T at a time over the whole row width;
    `pack_values` interleaves the page's value rows into bf16 pairs (rows
    outside the op's [lo, hi) zeroed, since an unwritten row may hold NaN)
    into the step's pairs; `values` adds P x V over all of the step's keys
    into the accumulator 16 x 16 f32 tile by tile. Fails, naming the op, on
    a marked op whose buffers it cannot read as tiles.
  }];
  let dependentDialects = ["::mlir::amx::AMXDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def MlaCpuVectorize : Pass<"mla-cpu-vectorize"> {
  let summary = "Tile and vectorize static-shaped linalg for the CPU";
  let description = [{
    Part of mla-to-cpu, on tensors after convert-mla-to-linalg. A
    linalg.generic with static loop ranges whose innermost range is a
    multiple of 16 (or short enough for one tile) is tiled and the tile
    vectorized:
    a contraction whose innermost loop is parallel gets a register block of
    about 16 vectors of accumulators, carried in registers through its
    reduction loops (innermost, one step at a time); a reduction over the
    innermost loop is reduced whole (or in power-of-two chunks) in vector
    registers; elementwise ops go 16 lanes at a time. exp and log on vectors
    become polynomials, and multiplies and adds may be fused into FMAs.

    Where a contraction's largest input has at least 2^18 elements (a
    weight that streams from memory), its register block grows first along
    the loops the weight does not use, the tokens, so each weight element is
    loaded once per block of tokens; and, when the op is not inside a
    parallel loop, the block's loops sit in an scf.forall over blocks of the
    weight's outermost parallel loop (at most 64), which the threads share:
    each weight row streams once, from one core.

    The register block's shape is an option (the autotuner's CPU space):
    `accumulator-registers` vectors of accumulators in all, of which at
    most `inner-registers` side by side along the innermost loop.

    With `bf16-dot`, a contraction of bf16 inputs whose innermost loop is a
    reduction over 2 (a pair, passes/PairDots.h) keeps the pair whole in its
    tile: after a parallel loop (P x V) it gets the register block of the
    loops before the pair; after a reduced loop of 16 lanes (the scores'
    whole dot products) a block of outputs, one per accumulator register
    and each with 16 lanes of partial sums, summed across at the end. Each 16 lanes of pairs become one
    x86vector.avx512.dot (vdpbf16ps; the target must have AVX512-BF16).
  }];
  let options = [
    Option<"accumulatorRegisters", "accumulator-registers", "int64_t",
           /*default=*/"16",
           "Vector registers of accumulators in a register block "
           "(a power of two in [1, 32])">,
    Option<"innerRegisters", "inner-registers", "int64_t", /*default=*/"4",
           "Most registers of a block along the innermost loop "
           "(a power of two in [1, 8])">,
    Option<"bf16Dot", "bf16-dot", "bool", /*default=*/"false",
           "Multiply bf16 pair contractions with AVX512-BF16 dot products">
  ];
  let dependentDialects = ["::mlir::vector::VectorDialect",
                           "::mlir::x86vector::X86VectorDialect",
                           "::mlir::scf::SCFDialect"];
}

def MlaCudaTile : Pass<"mla-cuda-tile"> {
  let summary = "Choose the CUDA kernel variant of each kernel-worthy mla op";
  let description = [{
    The first step of the CUDA code generation, after the rewrite pipeline.
    Sets `mla.cuda_tiling = #mla.cuda_tiling<...>` on latent attention
    (whole or split), MHA (prefill) attention, the split-KV combine, the
    cache append, the absorptions, the layer's projections and RoPE: the
    architecture, query rows per CTA, keys per KV tile, warps, pipeline
    stages and MMA flavour that the printer turns into code. Values come
    from the options; 0 (or auto) leaves a value to the op's kernel family
    (passes/cuda/KernelFamily.h), which chooses: rows-per-cta the op's S x H
    query rows rounded up to a power of two in [16, 64]; warps enough that
    the P x V accumulators fit in registers (at least 4), else the first
    count that fits; keys-per-tile 32; mma mma_sync, except latent attention
    on sm_90a with at least 64 query rows, which gets the wgmma kernel: 64
    rows, 8 warps (two warpgroups), 32-key tiles.
    MHA attention gives each warp 16 query tokens: rows-per-cta 64 (the
    prompt length rounded up when it is static and shorter), warps
    rows / 16, keys-per-tile 64.
    An op that already carries a tiling (an autotuner's) keeps it unless
    `overwrite` is set. Fails at the op, with the family's reason, on a
    tiling its kernel template cannot take (registers, shared memory, warp
    tiling, a form it does not generate), whether chosen, given by option or
    carried; and, naming the option, on values no kernel variant supports.
  }];
  let options = [
    Option<"arch", "arch", "std::string", /*default=*/"\"sm_90a\"",
           "Target architecture (sm_80, sm_86, sm_89, sm_90a, sm_100a, ...)">,
    Option<"rowsPerCta", "rows-per-cta", "int64_t", /*default=*/"0",
           "Query rows (tokens x heads) per CTA; 0 chooses from the op">,
    Option<"keysPerTile", "keys-per-tile", "int64_t", /*default=*/"0",
           "Keys per KV tile; 0 chooses">,
    Option<"warps", "warps", "int64_t", /*default=*/"0",
           "Warps per CTA; 0 chooses from the rows and the latent width">,
    Option<"stages", "stages", "int64_t", /*default=*/"2",
           "Pipeline stages of the KV tile loads">,
    Option<"mma", "mma", "std::string", /*default=*/"\"auto\"",
           "mma_sync, wgmma or auto">,
    Option<"overwrite", "overwrite", "bool", /*default=*/"false",
           "Replace a tiling an op already carries">
  ];
}

def MlaDecompose : Pass<"mla-decompose"> {
  let summary = "Decompose mla.decode_step into the primitive mla ops";
  let description = [{
    Rewrites each whole-layer `mla.decode_step` into its definition in the
    naive MHA form: query compression (when the config has q_lora_rank) and
    up-projection, joint KV compression, RoPE of q_rope and k_rope at
    positions seq_lens[b] + k, the cache append, a gather of the cached
    latents, per-head up-projection of K and V, causal MHA attention over
    seq_lens + S tokens, and the output projection. mla-absorb-weights then
    turns the attention into the absorbed form.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def MlaFuse : Pass<"mla-fuse"> {
  let summary = "Fuse RoPE into the cache append and the absorptions into "
                "latent attention";
  let description = [{
    Three fusions, each applied only where the producer's result has no
    other use (so no work is duplicated and no value disappears):
    - `mla.rope` of the new tokens' k_rope feeding `mla.cache_append` becomes
      the append's `rope(positions)` form, rotating while writing;
    - `mla.absorb_query` feeding `mla.latent_attention` becomes the
      attention's `absorb_query(w_uk)` prologue;
    - `mla.absorb_output` of a latent attention's output becomes the
      attention's `absorb_output(w_uv)` epilogue.
    `absorptions=false` keeps the absorptions as their own ops (the CUDA
    printer generates them as separate kernels).
  }];
  let options = [
    Option<"absorptions", "absorptions", "bool", /*default=*/"true",
           "Fuse the absorptions into latent attention">
  ];
}

def MlaSplitKv : Pass<"mla-split-kv"> {
  let summary = "Split latent attention over the KV range plus an exact "
                "LSE combine";
  let description = [{
    Rewrites `mla.latent_attention` into `mla.partial_latent_attention` with
    N splits (each attending a contiguous chunk of every sequence's keys and
    returning its partial output and log-sum-exp) and `mla.combine`, which
    merges them exactly. A fused `absorb_query` prologue stays on the partial
    attention; a fused `absorb_output` epilogue moves to the combine.

    With num-splits = 0 the count is chosen from the shape: enough
    (batch x query-row tiles x splits) work items to fill `sm-count`
    multiprocessors, at most one split per 256 keys of the largest
    sequence the block table can address, and at most 64. A count of 1
    leaves the attention alone.

    With schedule=balanced the attention stays whole and gets a
    #mla.decode_schedule instead: the CUDA kernels cut the batch's KV work,
    by tokens, into sm-count / (query-row blocks of 64) equal parts on the
    device, so a long sequence beside short ones is split and the short
    ones are not, then merge the pieces (num-splits is not used). An op
    with a schedule already is left alone.
  }];
  let options = [
    Option<"numSplits", "num-splits", "int64_t", /*default=*/"0",
           "Number of KV splits; 0 chooses from the shape">,
    Option<"smCount", "sm-count", "int64_t", /*default=*/"132",
           "Multiprocessors to fill when choosing the split count">,
    Option<"schedule", "schedule", "std::string", /*default=*/"\"even\"",
           "even (num-splits per sequence) or balanced (the batch's KV work "
           "cut evenly over sm-count multiprocessors)">
  ];
}

def MlaUnfuseAbsorptions : Pass<"mla-unfuse-absorptions"> {
  let summary = "Move absorptions fused into attention or the combine back "
                "into their own ops";
  let description = [{
    The inverse of mla-fuse's absorption fusion, run by the `mla-to-cuda`
    pipeline: a latent attention (whole or split) with an
    `absorb_query(w_uk)` prologue becomes `mla.absorb_query` feeding the
    unfused attention; an `absorb_output(w_uv)` epilogue on a latent
    attention or a combine becomes `mla.absorb_output` of its latent output.
    The CUDA printer generates those as their own kernels: fused into a
    split-KV kernel, W_UK would be read again by every split and CTA. The
    latent between the ops is held in the storage type.
  }];
}

#endif // MLAGEN_PASSES_PASSES_TD
