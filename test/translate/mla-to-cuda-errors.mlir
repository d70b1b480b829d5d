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

// Attention tilings the mma_sync kernel cannot take, each named.
#v3 = #mla.config<"deepseek-v3">
!cache = !mla.paged_cache<pages = 8, page_size = 64, latent = 512, rope = 64, bf16>
func.func @attention0(%q: tensor<2x1x128x512xbf16>, %qr: tensor<2x1x128x64xbf16>,
                      %cache: !cache, %bt: tensor<2x4xi32>, %lens: tensor<2xi32>)
    -> tensor<2x1x128x512xbf16> {
  // expected-error @+1 {{'mla.latent_attention' op tiling rows_per_cta = 64 with 4 warps keeps 256 output accumulators per thread (at most 64): use more warps or fewer rows}}
  %out, %lse = mla.latent_attention %q, %qr, %cache[%bt, %lens]
      {config = #v3, mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 64, keys_per_tile = 32, warps = 4, stages = 2, mma = mma_sync>}
      : (tensor<2x1x128x512xbf16>, tensor<2x1x128x64xbf16>, !cache, tensor<2x4xi32>,
         tensor<2xi32>) -> (tensor<2x1x128x512xbf16>, tensor<2x1x128xf32>)
  return %out : tensor<2x1x128x512xbf16>
}

// -----

#v3 = #mla.config<"deepseek-v3">
!cache = !mla.paged_cache<pages = 8, page_size = 64, latent = 512, rope = 64, bf16>
func.func @attention1(%q: tensor<2x1x128x512xbf16>, %qr: tensor<2x1x128x64xbf16>,
                      %cache: !cache, %bt: tensor<2x4xi32>, %lens: tensor<2xi32>)
    -> tensor<2x1x128x512xbf16> {
  // expected-error @+1 {{'mla.latent_attention' op tiling needs 330944 bytes of shared memory per CTA, more than the 166912 sm_80 offers: use fewer keys_per_tile, stages or rows_per_cta}}
  %out, %lse = mla.latent_attention %q, %qr, %cache[%bt, %lens]
      {config = #v3, mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 16, keys_per_tile = 128, warps = 4, stages = 2, mma = mma_sync>}
      : (tensor<2x1x128x512xbf16>, tensor<2x1x128x64xbf16>, !cache, tensor<2x4xi32>,
         tensor<2xi32>) -> (tensor<2x1x128x512xbf16>, tensor<2x1x128xf32>)
  return %out : tensor<2x1x128x512xbf16>
}

// -----

#v3 = #mla.config<"deepseek-v3">
!cache = !mla.paged_cache<pages = 8, page_size = 64, latent = 512, rope = 64, bf16>
func.func @attention2(%q: tensor<2x1x128x512xbf16>, %qr: tensor<2x1x128x64xbf16>,
                      %cache: !cache, %bt: tensor<2x4xi32>, %lens: tensor<2xi32>)
    -> tensor<2x1x128x512xbf16> {
  // expected-error @+1 {{'mla.latent_attention' op tiling keys_per_tile = 16, rows_per_cta = 16 with 4 warps: each warp needs whole 16-row slabs, 8-key and 8-column tiles (rows_per_cta a multiple of 16 whose slabs the warps share evenly, keys_per_tile divisible by 16 and by 8 x 4 key groups, the latent width 512 by 8 x warps)}}
  %out, %lse = mla.latent_attention %q, %qr, %cache[%bt, %lens]
      {config = #v3, mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 16, keys_per_tile = 16, warps = 4, stages = 2, mma = mma_sync>}
      : (tensor<2x1x128x512xbf16>, tensor<2x1x128x64xbf16>, !cache, tensor<2x4xi32>,
         tensor<2xi32>) -> (tensor<2x1x128x512xbf16>, tensor<2x1x128xf32>)
  return %out : tensor<2x1x128x512xbf16>
}

// -----

#v3 = #mla.config<"deepseek-v3">
!cache = !mla.paged_cache<pages = 8, page_size = 64, latent = 512, rope = 64, bf16>
func.func @attention3(%q: tensor<2x1x128x512xbf16>, %qr: tensor<2x1x128x64xbf16>,
                      %cache: !cache, %bt: tensor<2x4xi32>, %lens: tensor<2xi32>)
    -> tensor<2x1x128x512xbf16> {
  // expected-error @+1 {{'mla.latent_attention' op the wgmma attention kernel takes 64 query rows per CTA (wgmma's M), got rows_per_cta = 16}}
  %out, %lse = mla.latent_attention %q, %qr, %cache[%bt, %lens]
      {config = #v3, mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_90a", rows_per_cta = 16, keys_per_tile = 32, warps = 4, stages = 2, mma = wgmma>}
      : (tensor<2x1x128x512xbf16>, tensor<2x1x128x64xbf16>, !cache, tensor<2x4xi32>,
         tensor<2xi32>) -> (tensor<2x1x128x512xbf16>, tensor<2x1x128xf32>)
  return %out : tensor<2x1x128x512xbf16>
}

// -----

#f32 = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = f32>
!cache = !mla.paged_cache<pages = 8, page_size = 16, latent = 16, rope = 4, f32>
func.func @f32_attention(%q: tensor<2x1x2x16xf32>, %qr: tensor<2x1x2x4xf32>,
                         %cache: !cache, %bt: tensor<2x4xi32>, %lens: tensor<2xi32>)
    -> (tensor<2x1x2x16xf32>, tensor<2x1x2xf32>) {
  // expected-error @+1 {{'mla.latent_attention' op the attention kernels take bf16 or f16 storage}}
  %out, %lse = mla.latent_attention %q, %qr, %cache[%bt, %lens]
      {config = #f32, mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 16, keys_per_tile = 32, warps = 4, stages = 2, mma = mma_sync>}
      : (tensor<2x1x2x16xf32>, tensor<2x1x2x4xf32>, !cache, tensor<2x4xi32>,
         tensor<2xi32>) -> (tensor<2x1x2x16xf32>, tensor<2x1x2xf32>)
  return %out, %lse : tensor<2x1x2x16xf32>, tensor<2x1x2xf32>
}

// -----

// An mla op the rewrite pipeline should have removed.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = bf16>
func.func @naive(%c: tensor<2x3x16xbf16>, %w: tensor<2x8x16xbf16>) -> tensor<2x3x2x8xbf16> {
  // expected-error @+1 {{'mla.up_project_k' op has no CUDA kernel; the CUDA printer takes latent attention, MHA (prefill) attention, combine, cache append, the absorptions, the projections and RoPE}}
  %0 = mla.up_project_k %c, %w {config = #cfg} : (tensor<2x3x16xbf16>, tensor<2x8x16xbf16>) -> tensor<2x3x2x8xbf16>
  return %0 : tensor<2x3x2x8xbf16>
}

// -----

// An absorption prologue mla-fuse made is not printed: the error says the
// mla-to-cuda pipeline moves it out first.
#v3 = #mla.config<"deepseek-v3">
!cache = !mla.paged_cache<pages = 8, page_size = 64, latent = 512, rope = 64, bf16>
func.func @fused(%q: tensor<2x1x128x128xbf16>, %qr: tensor<2x1x128x64xbf16>,
                 %cache: !cache, %bt: tensor<2x4xi32>, %lens: tensor<2xi32>,
                 %w_uk: tensor<128x128x512xbf16>) -> tensor<2x1x128x512xbf16> {
  // expected-error @+1 {{'mla.latent_attention' op the CUDA printer generates the absorptions as their own kernels; run the mla-to-cuda pipeline (mla-unfuse-absorptions) first}}
  %out, %lse = mla.latent_attention %q, %qr, %cache[%bt, %lens] absorb_query(%w_uk)
      {config = #v3, mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 64, keys_per_tile = 32, warps = 16, stages = 2, mma = mma_sync>}
      : (tensor<2x1x128x128xbf16>, tensor<2x1x128x64xbf16>, !cache, tensor<2x4xi32>,
         tensor<2xi32>, tensor<128x128x512xbf16>) -> (tensor<2x1x128x512xbf16>, tensor<2x1x128xf32>)
  return %out : tensor<2x1x128x512xbf16>
}

// -----

// Prefill (MHA) tilings and forms the kernel cannot take, each named.
#v3 = #mla.config<"deepseek-v3", storage = bf16>
func.func @prefill_rows(%qn: tensor<1x64x128x128xbf16>, %qr: tensor<1x64x128x64xbf16>,
                        %kn: tensor<1x64x128x128xbf16>, %kr: tensor<1x64x64xbf16>,
                        %v: tensor<1x64x128x128xbf16>, %lens: tensor<1xi32>)
    -> tensor<1x64x128x128xbf16> {
  // expected-error @+1 {{'mla.mha_attention' op prefill tiling rows_per_cta = 64, keys_per_tile = 32 with 8 warps: each warp takes 16 query tokens (rows_per_cta = 16 x warps) and keys_per_tile must be a multiple of 16}}
  %out, %lse = mla.mha_attention %qn, %qr, %kn, %kr, %v, %lens
      {config = #v3, mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 64, keys_per_tile = 32, warps = 8, stages = 2, mma = mma_sync>}
      : (tensor<1x64x128x128xbf16>, tensor<1x64x128x64xbf16>, tensor<1x64x128x128xbf16>,
         tensor<1x64x64xbf16>, tensor<1x64x128x128xbf16>, tensor<1xi32>)
      -> (tensor<1x64x128x128xbf16>, tensor<1x64x128xf32>)
  return %out : tensor<1x64x128x128xbf16>
}

// -----

#v3 = #mla.config<"deepseek-v3", storage = bf16>
func.func @prefill_keys(%qn: tensor<1x64x128x128xbf16>, %qr: tensor<1x64x128x64xbf16>,
                        %kn: tensor<1x64x128x128xbf16>, %kr: tensor<1x64x64xbf16>,
                        %v: tensor<1x64x128x128xbf16>, %lens: tensor<1xi32>)
    -> tensor<1x64x128x128xbf16> {
  // expected-error @+1 {{'mla.mha_attention' op prefill tiling keys_per_tile = 256 keeps 192 score and output accumulators per thread (at most 128): use fewer keys per tile}}
  %out, %lse = mla.mha_attention %qn, %qr, %kn, %kr, %v, %lens
      {config = #v3, mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 64, keys_per_tile = 256, warps = 4, stages = 1, mma = mma_sync>}
      : (tensor<1x64x128x128xbf16>, tensor<1x64x128x64xbf16>, tensor<1x64x128x128xbf16>,
         tensor<1x64x64xbf16>, tensor<1x64x128x128xbf16>, tensor<1xi32>)
      -> (tensor<1x64x128x128xbf16>, tensor<1x64x128xf32>)
  return %out : tensor<1x64x128x128xbf16>
}

// -----

#v3 = #mla.config<"deepseek-v3", storage = f32>
func.func @prefill_f32(%qn: tensor<1x64x128x128xf32>, %qr: tensor<1x64x128x64xf32>,
                       %kn: tensor<1x64x128x128xf32>, %kr: tensor<1x64x64xf32>,
                       %v: tensor<1x64x128x128xf32>, %lens: tensor<1xi32>)
    -> tensor<1x64x128x128xf32> {
  // expected-error @+1 {{'mla.mha_attention' op the mma_sync prefill kernel takes bf16 or f16 storage}}
  %out, %lse = mla.mha_attention %qn, %qr, %kn, %kr, %v, %lens
      {config = #v3, mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 64, keys_per_tile = 64, warps = 4, stages = 2, mma = mma_sync>}
      : (tensor<1x64x128x128xf32>, tensor<1x64x128x64xf32>, tensor<1x64x128x128xf32>,
         tensor<1x64x64xf32>, tensor<1x64x128x128xf32>, tensor<1xi32>)
      -> (tensor<1x64x128x128xf32>, tensor<1x64x128xf32>)
  return %out : tensor<1x64x128x128xf32>
}

// -----

// wgmma tilings the Hopper kernel cannot take, each named.
#v3 = #mla.config<"deepseek-v3">
!cache = !mla.paged_cache<pages = 8, page_size = 64, latent = 512, rope = 64, bf16>
func.func @wgmma_keys(%q: tensor<2x1x128x512xbf16>, %qr: tensor<2x1x128x64xbf16>,
                      %cache: !cache, %bt: tensor<2x4xi32>, %lens: tensor<2xi32>)
    -> tensor<2x1x128x512xbf16> {
  // expected-error @+1 {{'mla.latent_attention' op wgmma tiling keys_per_tile = 64 with 8 warps keeps 160 score and output accumulators per thread (at most 144): use fewer keys per tile}}
  %out, %lse = mla.latent_attention %q, %qr, %cache[%bt, %lens]
      {config = #v3, mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_90a", rows_per_cta = 64, keys_per_tile = 64, warps = 8, stages = 1, mma = wgmma>}
      : (tensor<2x1x128x512xbf16>, tensor<2x1x128x64xbf16>, !cache, tensor<2x4xi32>,
         tensor<2xi32>) -> (tensor<2x1x128x512xbf16>, tensor<2x1x128xf32>)
  return %out : tensor<2x1x128x512xbf16>
}

// -----

#v3 = #mla.config<"deepseek-v3">
!cache = !mla.paged_cache<pages = 8, page_size = 64, latent = 512, rope = 64, bf16>
func.func @wgmma_one_group(%q: tensor<2x1x128x512xbf16>, %qr: tensor<2x1x128x64xbf16>,
                           %cache: !cache, %bt: tensor<2x4xi32>, %lens: tensor<2xi32>)
    -> tensor<2x1x128x512xbf16> {
  // expected-error @+1 {{'mla.latent_attention' op the wgmma attention kernel with 4 warps needs whole warpgroups, the row width (576) in 64-column slices, each warpgroup's latent columns (512) whole slices and at most 256, and its share of the dot product (576) a multiple of 16: use 8 or 16 warps}}
  %out, %lse = mla.latent_attention %q, %qr, %cache[%bt, %lens]
      {config = #v3, mla.cuda_tiling = #mla.cuda_tiling<arch = "sm_90a", rows_per_cta = 64, keys_per_tile = 32, warps = 4, stages = 2, mma = wgmma>}
      : (tensor<2x1x128x512xbf16>, tensor<2x1x128x64xbf16>, !cache, tensor<2x4xi32>,
         tensor<2xi32>) -> (tensor<2x1x128x512xbf16>, tensor<2x1x128xf32>)
  return %out : tensor<2x1x128x512xbf16>
}

// -----

// A module with nothing to print is an error, not an empty unit.
// expected-error @+1 {{--mla-to-cuda: the module has no mla op that needs a kernel; nothing to print}}
module {
  func.func @nothing(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}
