// RUN: mla-opt %s -split-input-file --mla-cuda-tile | FileCheck %s --check-prefix=AUTO
// RUN: mla-opt %s -split-input-file --mla-cuda-tile="arch=sm_80 stages=1" | FileCheck %s --check-prefix=AMPERE
// RUN: not mla-opt %s -split-input-file --mla-cuda-tile="arch=sm_80 warps=8 stages=3" 2>&1 | FileCheck %s --check-prefix=REFUSED
// RUN: mla-opt %s -split-input-file --mla-cuda-tile="rows-per-cta=32 overwrite=true" | FileCheck %s --check-prefix=OVERWRITE
// RUN: not mla-opt %s -split-input-file --mla-cuda-tile="mma=tcgen05" 2>&1 | FileCheck %s --check-prefix=FLAVOUR
// RUN: not mla-opt %s -split-input-file --mla-cuda-tile="arch=sm_80 mma=wgmma" 2>&1 | FileCheck %s --check-prefix=WGMMA

// FLAVOUR: error: mla-cuda-tile: mma must be mma_sync, wgmma or auto, got 'tcgen05'
// WGMMA: error: mla-cuda-tile: cuda_tiling mma = wgmma needs arch "sm_90a", got "sm_80"

// Options that give a tiling its kernel family cannot generate are refused
// at the op with the family's reason (mla-cuda-tile-refused.mlir: a tiling
// an op already carries).
// REFUSED: error: mla-cuda-tile: no decode-mma-sync kernel for #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 16, keys_per_tile = 32, warps = 8, stages = 3, mma = mma_sync>: tiling keys_per_tile = 32, rows_per_cta = 16 with 8 warps: each warp needs whole 16-row slabs, 8-key and 8-column tiles ({{.*}} the latent width 32 by 8 x warps)
// REFUSED: error: mla-cuda-tile: no decode-mma-sync kernel for #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 64, keys_per_tile = 32, warps = 8, stages = 3, mma = mma_sync>: tiling rows_per_cta = 64 with 8 warps keeps 128 output accumulators per thread (at most 64): use more warps or fewer rows
// REFUSED: error: mla-cuda-tile: no prefill-mma-sync kernel for #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 128, keys_per_tile = 64, warps = 8, stages = 3, mma = mma_sync>: prefill tiling needs 180224 bytes of shared memory per CTA, more than the 166912 sm_80 offers: use fewer keys_per_tile, stages or rows_per_cta

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 32, qk_nope_head_dim = 8, qk_rope_head_dim = 16, v_head_dim = 8, storage = bf16>
!cache = !mla.paged_cache<pages = 64, page_size = 16, latent = 32, rope = 16, bf16>

// Rows per CTA from the op: 2 tokens x 2 heads = 4 rows, rounded up to one
// m16 tile; 4 warps, 32-key tiles and mma_sync by default. The append and
// the split pieces get a tiling too.
// AUTO-LABEL: func.func @step
// AUTO: mla.cache_append {{.*}} {config = #mla_config, mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_90a", rows_per_cta = 16, keys_per_tile = 32, warps = 4, stages = 2, mma = mma_sync>}
// AUTO: mla.partial_latent_attention {{.*}} mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_90a", rows_per_cta = 16, keys_per_tile = 32, warps = 4, stages = 2, mma = mma_sync>
// AUTO: mla.combine {{.*}} mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_90a", rows_per_cta = 16,
// AMPERE-LABEL: func.func @step
// AMPERE: mla.partial_latent_attention {{.*}} mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 16, keys_per_tile = 32, warps = 4, stages = 1, mma = mma_sync>
func.func @step(%c_kv: tensor<4x2x32xbf16>, %k_rope: tensor<4x2x16xbf16>,
                %query: tensor<4x2x2x32xbf16>, %q_rope: tensor<4x2x2x16xbf16>,
                %cache: !cache, %block_table: tensor<4x16xi32>,
                %seq_lens: tensor<4xi32>)
    -> (tensor<4x2x2x32xbf16>, tensor<4x2x2xf32>) {
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens]
      {config = #cfg}
      : tensor<4x2x32xbf16>, tensor<4x2x16xbf16> into !cache[tensor<4x16xi32>, tensor<4xi32>]
  %po, %pl = mla.partial_latent_attention %query, %q_rope, %new[%block_table, %seq_lens]
      {causal, config = #cfg, num_splits = 4 : i64}
      : (tensor<4x2x2x32xbf16>, tensor<4x2x2x16xbf16>, !cache, tensor<4x16xi32>,
         tensor<4xi32>) -> (tensor<4x4x2x2x32xf32>, tensor<4x4x2x2xf32>)
  %out, %lse = mla.combine %po, %pl {config = #cfg}
      : (tensor<4x4x2x2x32xf32>, tensor<4x4x2x2xf32>)
      -> (tensor<4x2x2x32xbf16>, tensor<4x2x2xf32>)
  return %out, %lse : tensor<4x2x2x32xbf16>, tensor<4x2x2xf32>
}

// -----

// 128 heads x 1 token on sm_90a: the wgmma kernel, 64 rows per CTA (two
// CTAs cover the heads), two warpgroups, 32-key tiles. On sm_80 (AMPERE)
// the mma_sync kernel: 64 rows and 16 warps, so that 64 rows x 512 latent
// columns of accumulators fit (64 per thread). A tiling already on an op
// (an autotuner's) stays unless overwrite is set; then 32 rows take 8
// warps and mma_sync (wgmma takes 64 rows only).
#big = #mla.config<"deepseek-v3">
!cache = !mla.paged_cache<pages = 64, page_size = 64, latent = 512, rope = 64, bf16>
// AUTO-LABEL: func.func @tuned
// AUTO: mla.latent_attention {{.*}}mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 32, keys_per_tile = 32, warps = 8, stages = 3, mma = mma_sync>
// AUTO: mla.latent_attention {{.*}}mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_90a", rows_per_cta = 64, keys_per_tile = 32, warps = 8, stages = 2, mma = wgmma>
// AMPERE-LABEL: func.func @tuned
// AMPERE: mla.latent_attention {{.*}}mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 32, keys_per_tile = 32, warps = 8, stages = 3, mma = mma_sync>
// AMPERE: mla.latent_attention {{.*}}mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 64, keys_per_tile = 32, warps = 16, stages = 1, mma = mma_sync>
// OVERWRITE-LABEL: func.func @tuned
// OVERWRITE: mla.latent_attention {{.*}}mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_90a", rows_per_cta = 32, keys_per_tile = 32, warps = 8, stages = 2, mma = mma_sync>
// OVERWRITE: mla.latent_attention {{.*}}mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_90a", rows_per_cta = 32, keys_per_tile = 32, warps = 8, stages = 2, mma = mma_sync>
func.func @tuned(%query: tensor<2x1x128x512xbf16>, %q_rope: tensor<2x1x128x64xbf16>,
                 %cache: !cache, %block_table: tensor<2x32xi32>,
                 %seq_lens: tensor<2xi32>)
    -> (tensor<2x1x128x512xbf16>, tensor<2x1x128x512xbf16>) {
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens]
      {config = #big, mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 32, keys_per_tile = 32, warps = 8, stages = 3, mma = mma_sync>}
      : (tensor<2x1x128x512xbf16>, tensor<2x1x128x64xbf16>, !cache, tensor<2x32xi32>,
         tensor<2xi32>) -> (tensor<2x1x128x512xbf16>, tensor<2x1x128xf32>)
  %out2, %lse2 = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens]
      {config = #big}
      : (tensor<2x1x128x512xbf16>, tensor<2x1x128x64xbf16>, !cache, tensor<2x32xi32>,
         tensor<2xi32>) -> (tensor<2x1x128x512xbf16>, tensor<2x1x128xf32>)
  return %out, %out2 : tensor<2x1x128x512xbf16>, tensor<2x1x128x512xbf16>
}

// -----

// Prefill (MHA) attention: 16 query tokens per warp. A dynamic prompt gets
// 64 tokens on 4 warps and 64-key tiles; with warps=8 128 tokens, whose
// three stages are refused for their shared memory (REFUSED).
// AUTO-LABEL: func.func @prefill
// AUTO: mla.mha_attention {{.*}} mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_90a", rows_per_cta = 64, keys_per_tile = 64, warps = 4, stages = 2, mma = mma_sync>
// AMPERE-LABEL: func.func @prefill
// AMPERE: mla.mha_attention {{.*}} mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 64, keys_per_tile = 64, warps = 4, stages = 1, mma = mma_sync>
#v3 = #mla.config<"deepseek-v3", storage = bf16>
func.func @prefill(%qn: tensor<1x?x128x128xbf16>, %qr: tensor<1x?x128x64xbf16>,
                   %kn: tensor<1x?x128x128xbf16>, %kr: tensor<1x?x64xbf16>,
                   %v: tensor<1x?x128x128xbf16>, %lens: tensor<1xi32>)
    -> tensor<1x?x128x128xbf16> {
  %out, %lse = mla.mha_attention %qn, %qr, %kn, %kr, %v, %lens {causal, config = #v3}
      : (tensor<1x?x128x128xbf16>, tensor<1x?x128x64xbf16>, tensor<1x?x128x128xbf16>,
         tensor<1x?x64xbf16>, tensor<1x?x128x128xbf16>, tensor<1xi32>)
      -> (tensor<1x?x128x128xbf16>, tensor<1x?x128xf32>)
  return %out : tensor<1x?x128x128xbf16>
}

// -----

// A static 20-token prompt: 32 tokens on 2 warps.
// AUTO-LABEL: func.func @short_prompt
// AUTO: mla.mha_attention {{.*}} mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_90a", rows_per_cta = 32, keys_per_tile = 64, warps = 2, stages = 2, mma = mma_sync>
#v3 = #mla.config<"deepseek-v3", storage = bf16>
func.func @short_prompt(%qn: tensor<1x20x128x128xbf16>, %qr: tensor<1x20x128x64xbf16>,
                        %kn: tensor<1x20x128x128xbf16>, %kr: tensor<1x20x64xbf16>,
                        %v: tensor<1x20x128x128xbf16>, %lens: tensor<1xi32>)
    -> tensor<1x20x128x128xbf16> {
  %out, %lse = mla.mha_attention %qn, %qr, %kn, %kr, %v, %lens {causal, config = #v3}
      : (tensor<1x20x128x128xbf16>, tensor<1x20x128x64xbf16>, tensor<1x20x128x128xbf16>,
         tensor<1x20x64xbf16>, tensor<1x20x128x128xbf16>, tensor<1xi32>)
      -> (tensor<1x20x128x128xbf16>, tensor<1x20x128xf32>)
  return %out : tensor<1x20x128x128xbf16>
}
