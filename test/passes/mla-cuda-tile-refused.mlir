// RUN: mla-opt %s -split-input-file -verify-diagnostics --mla-cuda-tile="arch=sm_80"
// RUN: not mla-opt %s -split-input-file --mla-cuda-tile="arch=sm_90a mma=wgmma" 2>&1 | FileCheck %s --check-prefix=WGMMA

// mla-cuda-tile asks each op's kernel family whether a tiling fits and
// refuses one that does not at the op, with the family's reason: here a
// tiling an op already carries (an autotuner's, from code that since
// changed) whose KV tiles need more shared memory than sm_80 has.
#big = #mla.config<"deepseek-v3">
!cache = !mla.paged_cache<pages = 64, page_size = 64, latent = 512, rope = 64, bf16>
func.func @stale(%query: tensor<2x1x128x512xbf16>, %q_rope: tensor<2x1x128x64xbf16>,
                 %cache: !cache, %block_table: tensor<2x32xi32>,
                 %seq_lens: tensor<2xi32>) -> tensor<2x1x128x512xbf16> {
  // expected-error @+1 {{mla-cuda-tile: no decode-mma-sync kernel for the tiling the op carries, #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 32, keys_per_tile = 128, warps = 8, stages = 4, mma = mma_sync>: tiling needs 661888 bytes of shared memory per CTA, more than the 166912 sm_80 offers: use fewer keys_per_tile, stages or rows_per_cta (retile with overwrite=true)}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens]
      {config = #big, mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 32, keys_per_tile = 128, warps = 8, stages = 4, mma = mma_sync>}
      : (tensor<2x1x128x512xbf16>, tensor<2x1x128x64xbf16>, !cache, tensor<2x32xi32>,
         tensor<2xi32>) -> (tensor<2x1x128x512xbf16>, tensor<2x1x128xf32>)
  return %out : tensor<2x1x128x512xbf16>
}

// -----

// A model whose row (latent 16 + rope 4) is not whole 16-element MMA steps
// has no mma_sync decode tiling at all; the default is refused with why.
#tiny = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = bf16>
!small = !mla.paged_cache<pages = 64, page_size = 16, latent = 16, rope = 4, bf16>
func.func @no_tiling(%query: tensor<4x2x2x16xbf16>, %q_rope: tensor<4x2x2x4xbf16>,
                     %cache: !small, %block_table: tensor<4x16xi32>,
                     %seq_lens: tensor<4xi32>) -> tensor<4x2x2x16xbf16> {
  // expected-error @+1 {{no decode-mma-sync kernel for #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 16, keys_per_tile = 32, warps = 4, stages = 2, mma = mma_sync>: tiling keys_per_tile = 32, rows_per_cta = 16 with 4 warps: each warp needs whole 16-row slabs}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens]
      {config = #tiny}
      : (tensor<4x2x2x16xbf16>, tensor<4x2x2x4xbf16>, !small, tensor<4x16xi32>,
         tensor<4xi32>) -> (tensor<4x2x2x16xbf16>, tensor<4x2x2xf32>)
  return %out : tensor<4x2x2x16xbf16>
}

// The same model asked for the wgmma family (WGMMA) is refused for its
// row width.
// WGMMA: error: mla-cuda-tile: no decode-wgmma kernel for #mla.cuda_tiling<arch = "sm_90a", rows_per_cta = 64, keys_per_tile = 32, warps = 8, stages = 2, mma = wgmma>: the wgmma attention kernel with 8 warps needs whole warpgroups, the row width (20) in 64-column slices
