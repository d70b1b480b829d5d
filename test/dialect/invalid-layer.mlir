// RUN: mla-opt %s -split-input-file -verify-diagnostics

// Verifier errors of mla.decode_step: the q_compress(...) weights against the
// config's q_lora_rank, then every operand's shape and element type. The
// small config has H = 2, d_model = 32, q_lora_rank = 24 (#cfgq only),
// kv_lora_rank = 16, d_n = 8, d_r = 4, d_v = 6 and bf16 storage; the operands
// use B = 3, S = 5 and P = 9.

#cfgq = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_missing_q_compress(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x12x24xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'w_dq' is required: the config has q_lora_rank 24 (write q_compress(w_dq, q_norm))}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfgq} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x12x24xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

// DeepSeek-V3 compresses queries.
!cache = !mla.paged_cache<pages = 4096, page_size = 64, latent = 512, rope = 64, bf16>
func.func @decode_preset_missing_q_compress(%hidden: tensor<4x1x7168xbf16>, %cache: !cache, %block_table: tensor<4x64xi32>, %seq_lens: tensor<4xi32>, %w_uq: tensor<16x192x7168xbf16>, %w_dkv: tensor<576x7168xbf16>, %kv_norm: tensor<512xbf16>, %w_uk: tensor<16x128x512xbf16>, %w_uv: tensor<16x128x512xbf16>, %w_o: tensor<7168x16x128xbf16>) {
  // expected-error @+1 {{'w_dq' is required: the config has q_lora_rank 1536 (write q_compress(w_dq, q_norm))}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #mla.config<"deepseek-v3", heads = 16>} : (tensor<4x1x7168xbf16>, !cache, tensor<4x64xi32>, tensor<4xi32>, tensor<16x192x7168xbf16>, tensor<576x7168xbf16>, tensor<512xbf16>, tensor<16x128x512xbf16>, tensor<16x128x512xbf16>, tensor<7168x16x128xbf16>) -> (tensor<4x1x7168xbf16>, !cache)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_unexpected_q_compress(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_dq: tensor<24x32xbf16>, %q_norm: tensor<24xbf16>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'w_dq' is given but the config has no q_lora_rank}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] q_compress(%w_dq, %q_norm) weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<24x32xbf16>, tensor<24xbf16>, tensor<2x12x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

// DeepSeek-V2-Lite up-projects the hidden state directly.
!cache = !mla.paged_cache<pages = 4096, page_size = 64, latent = 512, rope = 64, bf16>
func.func @decode_preset_v2_lite_unexpected_q_compress(%hidden: tensor<4x1x2048xbf16>, %cache: !cache, %block_table: tensor<4x64xi32>, %seq_lens: tensor<4xi32>, %w_dq: tensor<1536x2048xbf16>, %q_norm: tensor<1536xbf16>, %w_uq: tensor<16x192x1536xbf16>, %w_dkv: tensor<576x2048xbf16>, %kv_norm: tensor<512xbf16>, %w_uk: tensor<16x128x512xbf16>, %w_uv: tensor<16x128x512xbf16>, %w_o: tensor<2048x16x128xbf16>) {
  // expected-error @+1 {{'w_dq' is given but the config has no q_lora_rank}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] q_compress(%w_dq, %q_norm) weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #mla.config<"deepseek-v2-lite">} : (tensor<4x1x2048xbf16>, !cache, tensor<4x64xi32>, tensor<4xi32>, tensor<1536x2048xbf16>, tensor<1536xbf16>, tensor<16x192x1536xbf16>, tensor<576x2048xbf16>, tensor<512xbf16>, tensor<16x128x512xbf16>, tensor<16x128x512xbf16>, tensor<2048x16x128xbf16>) -> (tensor<4x1x2048xbf16>, !cache)
  return
}

// -----

// Only the generic form can give one of the two q_compress weights.
#cfgq = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_generic_w_dq_without_q_norm(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_dq: tensor<24x32xbf16>, %w_uq: tensor<2x12x24xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'q_norm' is required: the config has q_lora_rank 24 (write q_compress(w_dq, q_norm))}}
  %out, %new_cache = "mla.decode_step"(%hidden, %cache, %block_table, %seq_lens, %w_dq, %w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) <{config = #cfgq, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1>}> : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<24x32xbf16>, tensor<2x12x24xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

// Only the generic form can give q_norm alone; the message names it.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_generic_q_norm_only(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %q_norm: tensor<24xbf16>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'q_norm' is given but the config has no q_lora_rank}}
  %out, %new_cache = "mla.decode_step"(%hidden, %cache, %block_table, %seq_lens, %q_norm, %w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) <{config = #cfg, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1>}> : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<24xbf16>, tensor<2x12x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfgq = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_w_dq_rank_dim(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_dq: tensor<16x32xbf16>, %q_norm: tensor<24xbf16>, %w_uq: tensor<2x12x24xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'w_dq' dimension 0 (q_lora_rank) must be 24, got 16}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] q_compress(%w_dq, %q_norm) weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfgq} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<16x32xbf16>, tensor<24xbf16>, tensor<2x12x24xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfgq = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_w_dq_d_model(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_dq: tensor<24x24xbf16>, %q_norm: tensor<24xbf16>, %w_uq: tensor<2x12x24xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'w_dq' dimension 1 (d_model) must be 32, got 24}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] q_compress(%w_dq, %q_norm) weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfgq} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<24x24xbf16>, tensor<24xbf16>, tensor<2x12x24xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfgq = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_w_dq_rank(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_dq: tensor<24x32x1xbf16>, %q_norm: tensor<24xbf16>, %w_uq: tensor<2x12x24xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'w_dq' must have rank 2 [q_lora_rank, d_model], got 'tensor<24x32x1xbf16>'}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] q_compress(%w_dq, %q_norm) weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfgq} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<24x32x1xbf16>, tensor<24xbf16>, tensor<2x12x24xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfgq = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_q_norm_dim(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_dq: tensor<24x32xbf16>, %q_norm: tensor<32xbf16>, %w_uq: tensor<2x12x24xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'q_norm' dimension 0 (q_lora_rank) must be 24, got 32}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] q_compress(%w_dq, %q_norm) weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfgq} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<24x32xbf16>, tensor<32xbf16>, tensor<2x12x24xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfgq = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_q_norm_element_type(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_dq: tensor<24x32xbf16>, %q_norm: tensor<24xf32>, %w_uq: tensor<2x12x24xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'q_norm' element type must be 'bf16' (the config's storage type), got 'f32'}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] q_compress(%w_dq, %q_norm) weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfgq} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<24x32xbf16>, tensor<24xf32>, tensor<2x12x24xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_hidden_rank(%hidden: tensor<15x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'hidden' must have rank 3 [batch, query tokens, d_model], got 'tensor<15x32xbf16>'}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<15x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x12x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_hidden_d_model(%hidden: tensor<3x5x64xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'hidden' dimension 2 (d_model) must be 32, got 64}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x64xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x12x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_hidden_element_type(%hidden: tensor<3x5x32xf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'hidden' element type must be 'bf16' (the config's storage type), got 'f16'}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x12x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 512, rope = 4, bf16>
func.func @decode_cache_latent_width(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'cache' latent width 512 must match the config's kv_lora_rank 16}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x12x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 64, bf16>
func.func @decode_cache_rope_width(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'cache' rope width 64 must match the config's qk_rope_head_dim 4}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x12x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, f8E5M2>
func.func @decode_cache_element_type(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'cache' element type must be 'bf16' (the config's storage type), got 'f8E5M2'}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x12x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_block_table_batch(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<4x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'block_table' dimension 0 (batch) is 4 but 'hidden' has 3}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xbf16>, !cache, tensor<4x9xi32>, tensor<3xi32>, tensor<2x12x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_block_table_i64(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi64>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{operand #2 must be ranked tensor of 32-bit signless integer values, but got 'tensor<3x9xi64>'}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi64>, tensor<3xi32>, tensor<2x12x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_seq_lens_rank(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3x5xi32>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'seq_lens' must have rank 1 [batch], got 'tensor<3x5xi32>'}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3x5xi32>, tensor<2x12x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

// Without q_lora_rank, W_UQ reads the hidden state.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_w_uq_input_no_q_lora(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x12x24xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'w_uq' dimension 2 (d_model, the config has no q_lora_rank) must be 32, got 24}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x12x24xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

// With q_lora_rank, W_UQ reads c_q.
#cfgq = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_w_uq_input_q_lora(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_dq: tensor<24x32xbf16>, %q_norm: tensor<24xbf16>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'w_uq' dimension 2 (q_lora_rank) must be 24, got 32}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] q_compress(%w_dq, %q_norm) weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfgq} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<24x32xbf16>, tensor<24xbf16>, tensor<2x12x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_w_uq_rows(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x8x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'w_uq' dimension 1 (qk_nope_head_dim + qk_rope_head_dim) must be 12, got 8}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x8x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_w_uq_heads(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<1x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'w_uq' dimension 0 (heads) must be 2, got 1}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<1x12x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_w_dkv_rows(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<16x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'w_dkv' dimension 0 (kv_lora_rank + qk_rope_head_dim) must be 20, got 16}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x12x32xbf16>, tensor<16x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_w_dkv_rank(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32x1xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'w_dkv' must have rank 2 [kv_lora_rank + qk_rope_head_dim, d_model], got 'tensor<20x32x1xbf16>'}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x12x32xbf16>, tensor<20x32x1xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_kv_norm_dim(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<20xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'kv_norm' dimension 0 (kv_lora_rank) must be 16, got 20}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x12x32xbf16>, tensor<20x32xbf16>, tensor<20xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_w_uk_transposed(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x16x8xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'w_uk' dimension 1 (qk_nope_head_dim) must be 8, got 16}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x12x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x16x8xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_w_uk_element_type(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xf32>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'w_uk' element type must be 'bf16' (the config's storage type), got 'f32'}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x12x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xf32>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_w_uv_rows(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x8x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'w_uv' dimension 1 (v_head_dim) must be 6, got 8}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x12x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x8x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_w_uv_width(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x32xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'w_uv' dimension 2 (kv_lora_rank) must be 16, got 32}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x12x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x32xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

// decode_step takes W_O as published, without W_UV pre-multiplied.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_w_o_absorbed(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x16xbf16>) {
  // expected-error @+1 {{'w_o' dimension 2 (v_head_dim) must be 6, got 16}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x12x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x16xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_w_o_d_model(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<16x2x6xbf16>) {
  // expected-error @+1 {{'w_o' dimension 0 (d_model) must be 32, got 16}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x12x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<16x2x6xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_w_o_rank(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x12xbf16>) {
  // expected-error @+1 {{'w_o' must have rank 3 [d_model, heads, v_head_dim], got 'tensor<32x12xbf16>'}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x12x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x12xbf16>) -> (tensor<3x5x32xbf16>, !cache)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_out_tokens(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'out' dimension 1 (query tokens) is 1 but 'hidden' has 5}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x12x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x1x32xbf16>, !cache)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_out_element_type(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{'out' element type must be 'bf16' (the config's storage type), got 'f32'}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x12x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xf32>, !cache)
  return
}

// -----

// The new cache has the type of the old one.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
!other = !mla.paged_cache<pages = 32, page_size = 8, latent = 16, rope = 4, bf16>
func.func @decode_new_cache_type(%hidden: tensor<3x5x32xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uq: tensor<2x12x32xbf16>, %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>, %w_o: tensor<32x2x6xbf16>) {
  // expected-error @+1 {{failed to verify that all of {cache, new_cache} have same type}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg} : (tensor<3x5x32xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x12x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>, tensor<32x2x6xbf16>) -> (tensor<3x5x32xbf16>, !other)
  return
}

// -----

// Tensor parallelism: a rank holding 16 of DeepSeek-V3's heads gets
// sliced weights.
!cache = !mla.paged_cache<pages = 4096, page_size = 64, latent = 512, rope = 64, bf16>
func.func @decode_preset_heads(%hidden: tensor<4x2x7168xbf16>, %cache: !cache, %block_table: tensor<4x64xi32>, %seq_lens: tensor<4xi32>, %w_dq: tensor<1536x7168xbf16>, %q_norm: tensor<1536xbf16>, %w_uq: tensor<128x192x1536xbf16>, %w_dkv: tensor<576x7168xbf16>, %kv_norm: tensor<512xbf16>, %w_uk: tensor<128x128x512xbf16>, %w_uv: tensor<128x128x512xbf16>, %w_o: tensor<7168x128x128xbf16>) {
  // expected-error @+1 {{'w_uq' dimension 0 (heads) must be 16, got 128}}
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens] q_compress(%w_dq, %q_norm) weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #mla.config<"deepseek-v3", heads = 16>} : (tensor<4x2x7168xbf16>, !cache, tensor<4x64xi32>, tensor<4xi32>, tensor<1536x7168xbf16>, tensor<1536xbf16>, tensor<128x192x1536xbf16>, tensor<576x7168xbf16>, tensor<512xbf16>, tensor<128x128x512xbf16>, tensor<128x128x512xbf16>, tensor<7168x128x128xbf16>) -> (tensor<4x2x7168xbf16>, !cache)
  return
}
