// RUN: mla-translate --mla-to-cuda -split-input-file -verify-diagnostics %s

// The printer never guesses a tiling: mla-cuda-tile must run first.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = bf16>
func.func @untiled(%po: tensor<2x4x1x2x16xf32>, %pl: tensor<2x4x1x2xf32>)
    -> (tensor<4x1x2x16xbf16>, tensor<4x1x2xf32>) {
  // expected-error @+1 {{'mla.combine' op has no mla.cuda_tiling; run mla-cuda-tile before printing CUDA}}
  %out, %lse = mla.combine %po, %pl {config = #cfg}
      : (tensor<2x4x1x2x16xf32>, tensor<2x4x1x2xf32>) -> (tensor<4x1x2x16xbf16>, tensor<4x1x2xf32>)
  return %out, %lse : tensor<4x1x2x16xbf16>, tensor<4x1x2xf32>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = bf16>
!cache = !mla.paged_cache<pages = 8, page_size = 16, latent = 16, rope = 4, bf16>
func.func @attention(%q: tensor<2x1x2x16xbf16>, %qr: tensor<2x1x2x4xbf16>,
                     %cache: !cache, %bt: tensor<2x4xi32>, %lens: tensor<2xi32>)
    -> (tensor<2x1x2x16xbf16>, tensor<2x1x2xf32>) {
  // expected-error @+1 {{'mla.latent_attention' op the CUDA printer does not generate latent attention kernels yet}}
  %out, %lse = mla.latent_attention %q, %qr, %cache[%bt, %lens]
      {config = #cfg, mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 16, keys_per_tile = 64, warps = 4, stages = 2, mma = mma_sync>}
      : (tensor<2x1x2x16xbf16>, tensor<2x1x2x4xbf16>, !cache, tensor<2x4xi32>,
         tensor<2xi32>) -> (tensor<2x1x2x16xbf16>, tensor<2x1x2xf32>)
  return %out, %lse : tensor<2x1x2x16xbf16>, tensor<2x1x2xf32>
}

// -----

// An mla op the rewrite pipeline should have removed.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = bf16>
func.func @naive(%x: tensor<2x1x4xbf16>, %p: tensor<2x1xi32>) -> tensor<2x1x4xbf16> {
  // expected-error @+1 {{'mla.rope' op has no CUDA kernel; the CUDA printer takes the ops mla-rewrite leaves (latent attention, combine, cache append)}}
  %0 = mla.rope %x, %p {config = #cfg} : tensor<2x1x4xbf16>, tensor<2x1xi32>
  return %0 : tensor<2x1x4xbf16>
}
