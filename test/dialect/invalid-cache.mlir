// RUN: mla-opt %s -split-input-file -verify-diagnostics

// Verifier errors of the paged cache ops: cache_append (plain and with
// rope(positions)) and cache_read. The small config has kv_lora_rank = 16,
// d_r = 4 and bf16 storage; the operands use B = 3, S = 5, T = 7 and P = 9.

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 32, rope = 4, bf16>
func.func @append_cache_latent_width(%c_kv: tensor<3x5x16xbf16>, %k_rope: tensor<3x5x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) -> !cache {
  // expected-error @+1 {{'cache' latent width 32 must match the config's kv_lora_rank 16}}
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens] {config = #cfg} : tensor<3x5x16xbf16>, tensor<3x5x4xbf16> into !cache[tensor<3x9xi32>, tensor<3xi32>]
  return %new : !cache
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 8, bf16>
func.func @append_cache_rope_width(%c_kv: tensor<3x5x16xbf16>, %k_rope: tensor<3x5x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) -> !cache {
  // expected-error @+1 {{'cache' rope width 8 must match the config's qk_rope_head_dim 4}}
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens] {config = #cfg} : tensor<3x5x16xbf16>, tensor<3x5x4xbf16> into !cache[tensor<3x9xi32>, tensor<3xi32>]
  return %new : !cache
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = ?, page_size = 8, latent = 16, rope = 4, f32>
func.func @append_cache_element_type(%c_kv: tensor<3x5x16xbf16>, %k_rope: tensor<3x5x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) -> !cache {
  // expected-error @+1 {{'cache' element type must be 'bf16' (the config's storage type), got 'f32'}}
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens] {config = #cfg} : tensor<3x5x16xbf16>, tensor<3x5x4xbf16> into !cache[tensor<3x9xi32>, tensor<3xi32>]
  return %new : !cache
}

// -----

// An fp8 cache needs a config whose storage type is fp8.
!cache = !mla.paged_cache<pages = 4096, page_size = 64, latent = 512, rope = 64, f8E4M3FN>
func.func @append_preset_fp8_cache(%c_kv: tensor<4x1x512xbf16>, %k_rope: tensor<4x1x64xbf16>, %cache: !cache, %block_table: tensor<4x64xi32>, %seq_lens: tensor<4xi32>) -> !cache {
  // expected-error @+1 {{'cache' element type must be 'bf16' (the config's storage type), got 'f8E4M3FN'}}
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens] {config = #mla.config<"deepseek-v3", heads = 16>} : tensor<4x1x512xbf16>, tensor<4x1x64xbf16> into !cache[tensor<4x64xi32>, tensor<4xi32>]
  return %new : !cache
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @append_cache_not_a_cache(%c_kv: tensor<3x5x16xbf16>, %k_rope: tensor<3x5x4xbf16>, %cache: tensor<16x8x20xbf16>, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{operand #0 must be a paged latent KV cache, but got 'tensor<16x8x20xbf16>'}}
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens] {config = #cfg} : tensor<3x5x16xbf16>, tensor<3x5x4xbf16> into tensor<16x8x20xbf16>[tensor<3x9xi32>, tensor<3xi32>]
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @append_block_table_rank(%c_kv: tensor<3x5x16xbf16>, %k_rope: tensor<3x5x4xbf16>, %cache: !cache, %block_table: tensor<27xi32>, %seq_lens: tensor<3xi32>) -> !cache {
  // expected-error @+1 {{'block_table' must have rank 2 [batch, pages per sequence], got 'tensor<27xi32>'}}
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens] {config = #cfg} : tensor<3x5x16xbf16>, tensor<3x5x4xbf16> into !cache[tensor<27xi32>, tensor<3xi32>]
  return %new : !cache
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @append_block_table_i64(%c_kv: tensor<3x5x16xbf16>, %k_rope: tensor<3x5x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi64>, %seq_lens: tensor<3xi32>) -> !cache {
  // expected-error @+1 {{operand #1 must be ranked tensor of 32-bit signless integer values, but got 'tensor<3x9xi64>'}}
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens] {config = #cfg} : tensor<3x5x16xbf16>, tensor<3x5x4xbf16> into !cache[tensor<3x9xi64>, tensor<3xi32>]
  return %new : !cache
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @append_seq_lens_batch(%c_kv: tensor<3x5x16xbf16>, %k_rope: tensor<3x5x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<4xi32>) -> !cache {
  // expected-error @+1 {{'seq_lens' dimension 0 (batch) is 4 but 'block_table' has 3}}
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens] {config = #cfg} : tensor<3x5x16xbf16>, tensor<3x5x4xbf16> into !cache[tensor<3x9xi32>, tensor<4xi32>]
  return %new : !cache
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @append_seq_lens_f32(%c_kv: tensor<3x5x16xbf16>, %k_rope: tensor<3x5x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xf32>) -> !cache {
  // expected-error @+1 {{operand #2 must be ranked tensor of 32-bit signless integer values, but got 'tensor<3xf32>'}}
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens] {config = #cfg} : tensor<3x5x16xbf16>, tensor<3x5x4xbf16> into !cache[tensor<3x9xi32>, tensor<3xf32>]
  return %new : !cache
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @append_c_kv_rank(%c_kv: tensor<15x16xbf16>, %k_rope: tensor<3x5x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) -> !cache {
  // expected-error @+1 {{'c_kv' must have rank 3 [batch, query tokens, kv_lora_rank], got 'tensor<15x16xbf16>'}}
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens] {config = #cfg} : tensor<15x16xbf16>, tensor<3x5x4xbf16> into !cache[tensor<3x9xi32>, tensor<3xi32>]
  return %new : !cache
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @append_c_kv_batch(%c_kv: tensor<2x5x16xbf16>, %k_rope: tensor<3x5x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) -> !cache {
  // expected-error @+1 {{'c_kv' dimension 0 (batch) is 2 but 'block_table' has 3}}
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens] {config = #cfg} : tensor<2x5x16xbf16>, tensor<3x5x4xbf16> into !cache[tensor<3x9xi32>, tensor<3xi32>]
  return %new : !cache
}

// -----

// The cache row holds c_kv and k_rope side by side; c_kv alone is appended
// as kv_lora_rank wide.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @append_c_kv_width(%c_kv: tensor<3x5x20xbf16>, %k_rope: tensor<3x5x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) -> !cache {
  // expected-error @+1 {{'c_kv' dimension 2 (kv_lora_rank) must be 16, got 20}}
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens] {config = #cfg} : tensor<3x5x20xbf16>, tensor<3x5x4xbf16> into !cache[tensor<3x9xi32>, tensor<3xi32>]
  return %new : !cache
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @append_c_kv_element_type(%c_kv: tensor<3x5x16xf32>, %k_rope: tensor<3x5x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) -> !cache {
  // expected-error @+1 {{'c_kv' element type must be 'bf16' (the config's storage type), got 'f32'}}
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens] {config = #cfg} : tensor<3x5x16xf32>, tensor<3x5x4xbf16> into !cache[tensor<3x9xi32>, tensor<3xi32>]
  return %new : !cache
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @append_k_rope_tokens(%c_kv: tensor<3x5x16xbf16>, %k_rope: tensor<3x4x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) -> !cache {
  // expected-error @+1 {{'k_rope' dimension 1 (query tokens) is 4 but 'c_kv' has 5}}
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens] {config = #cfg} : tensor<3x5x16xbf16>, tensor<3x4x4xbf16> into !cache[tensor<3x9xi32>, tensor<3xi32>]
  return %new : !cache
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @append_k_rope_width(%c_kv: tensor<3x5x16xbf16>, %k_rope: tensor<3x5x8xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) -> !cache {
  // expected-error @+1 {{'k_rope' dimension 2 (qk_rope_head_dim) must be 4, got 8}}
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens] {config = #cfg} : tensor<3x5x16xbf16>, tensor<3x5x8xbf16> into !cache[tensor<3x9xi32>, tensor<3xi32>]
  return %new : !cache
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @append_k_rope_per_head(%c_kv: tensor<3x5x16xbf16>, %k_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) -> !cache {
  // expected-error @+1 {{'k_rope' must have rank 3 [batch, query tokens, qk_rope_head_dim], got 'tensor<3x5x2x4xbf16>'}}
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens] {config = #cfg} : tensor<3x5x16xbf16>, tensor<3x5x2x4xbf16> into !cache[tensor<3x9xi32>, tensor<3xi32>]
  return %new : !cache
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @append_k_rope_element_type(%c_kv: tensor<3x5x16xbf16>, %k_rope: tensor<3x5x4xf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) -> !cache {
  // expected-error @+1 {{'k_rope' element type must be 'bf16' (the config's storage type), got 'f16'}}
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens] {config = #cfg} : tensor<3x5x16xbf16>, tensor<3x5x4xf16> into !cache[tensor<3x9xi32>, tensor<3xi32>]
  return %new : !cache
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @append_rope_positions_rank(%c_kv: tensor<3x5x16xbf16>, %k_rope: tensor<3x5x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %positions: tensor<15xi32>) -> !cache {
  // expected-error @+1 {{'positions' must have rank 2 [batch, query tokens], got 'tensor<15xi32>'}}
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens] rope(%positions) {config = #cfg} : tensor<3x5x16xbf16>, tensor<3x5x4xbf16> into !cache[tensor<3x9xi32>, tensor<3xi32>] rope(tensor<15xi32>)
  return %new : !cache
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @append_rope_positions_tokens(%c_kv: tensor<3x5x16xbf16>, %k_rope: tensor<3x5x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %positions: tensor<3x7xi32>) -> !cache {
  // expected-error @+1 {{'positions' dimension 1 (query tokens) is 7 but 'c_kv' has 5}}
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens] rope(%positions) {config = #cfg} : tensor<3x5x16xbf16>, tensor<3x5x4xbf16> into !cache[tensor<3x9xi32>, tensor<3xi32>] rope(tensor<3x7xi32>)
  return %new : !cache
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @append_rope_positions_batch(%c_kv: tensor<3x5x16xbf16>, %k_rope: tensor<3x5x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %positions: tensor<1x5xi32>) -> !cache {
  // expected-error @+1 {{'positions' dimension 0 (batch) is 1 but 'block_table' has 3}}
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens] rope(%positions) {config = #cfg} : tensor<3x5x16xbf16>, tensor<3x5x4xbf16> into !cache[tensor<3x9xi32>, tensor<3xi32>] rope(tensor<1x5xi32>)
  return %new : !cache
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @append_rope_positions_i64(%c_kv: tensor<3x5x16xbf16>, %k_rope: tensor<3x5x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %positions: tensor<3x5xi64>) -> !cache {
  // expected-error @+1 {{operand #5 must be ranked tensor of 32-bit signless integer values, but got 'tensor<3x5xi64>'}}
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens] rope(%positions) {config = #cfg} : tensor<3x5x16xbf16>, tensor<3x5x4xbf16> into !cache[tensor<3x9xi32>, tensor<3xi32>] rope(tensor<3x5xi64>)
  return %new : !cache
}

// -----

// With rope(...), a bad k_rope is still reported before the positions.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @append_rope_k_rope_width(%c_kv: tensor<3x5x16xbf16>, %k_rope: tensor<3x5x2xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %positions: tensor<3x5xi32>) -> !cache {
  // expected-error @+1 {{'k_rope' dimension 2 (qk_rope_head_dim) must be 4, got 2}}
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens] rope(%positions) {config = #cfg} : tensor<3x5x16xbf16>, tensor<3x5x2xbf16> into !cache[tensor<3x9xi32>, tensor<3xi32>] rope(tensor<3x5xi32>)
  return %new : !cache
}

// -----

// The result is the cache type (only the generic form can differ).
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
!bigger = !mla.paged_cache<pages = 32, page_size = 8, latent = 16, rope = 4, bf16>
func.func @append_result_type(%c_kv: tensor<3x5x16xbf16>, %k_rope: tensor<3x5x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) -> !bigger {
  // expected-error @+1 {{failed to verify that all of {cache, result} have same type}}
  %new = "mla.cache_append"(%cache, %block_table, %seq_lens, %c_kv, %k_rope) {config = #cfg} : (!cache, tensor<3x9xi32>, tensor<3xi32>, tensor<3x5x16xbf16>, tensor<3x5x4xbf16>) -> !bigger
  return %new : !bigger
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 12, rope = 4, bf16>
func.func @read_cache_latent_width(%cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'cache' latent width 12 must match the config's kv_lora_rank 16}}
  %c_kv, %k_rope = mla.cache_read %cache[%block_table, %seq_lens] {config = #cfg} : !cache[tensor<3x9xi32>, tensor<3xi32>] -> tensor<3x7x16xbf16>, tensor<3x7x4xbf16>
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 2, bf16>
func.func @read_cache_rope_width(%cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'cache' rope width 2 must match the config's qk_rope_head_dim 4}}
  %c_kv, %k_rope = mla.cache_read %cache[%block_table, %seq_lens] {config = #cfg} : !cache[tensor<3x9xi32>, tensor<3xi32>] -> tensor<3x7x16xbf16>, tensor<3x7x4xbf16>
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, f16>
func.func @read_cache_element_type(%cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'cache' element type must be 'bf16' (the config's storage type), got 'f16'}}
  %c_kv, %k_rope = mla.cache_read %cache[%block_table, %seq_lens] {config = #cfg} : !cache[tensor<3x9xi32>, tensor<3xi32>] -> tensor<3x7x16xbf16>, tensor<3x7x4xbf16>
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @read_block_table_rank(%cache: !cache, %block_table: tensor<3x9x1xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'block_table' must have rank 2 [batch, pages per sequence], got 'tensor<3x9x1xi32>'}}
  %c_kv, %k_rope = mla.cache_read %cache[%block_table, %seq_lens] {config = #cfg} : !cache[tensor<3x9x1xi32>, tensor<3xi32>] -> tensor<3x7x16xbf16>, tensor<3x7x4xbf16>
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @read_block_table_index(%cache: !cache, %block_table: tensor<3x9xindex>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of 32-bit signless integer values, but got 'tensor<3x9xindex>'}}
  %c_kv, %k_rope = mla.cache_read %cache[%block_table, %seq_lens] {config = #cfg} : !cache[tensor<3x9xindex>, tensor<3xi32>] -> tensor<3x7x16xbf16>, tensor<3x7x4xbf16>
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @read_seq_lens_batch(%cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<5xi32>) {
  // expected-error @+1 {{'seq_lens' dimension 0 (batch) is 5 but 'block_table' has 3}}
  %c_kv, %k_rope = mla.cache_read %cache[%block_table, %seq_lens] {config = #cfg} : !cache[tensor<3x9xi32>, tensor<5xi32>] -> tensor<3x7x16xbf16>, tensor<3x7x4xbf16>
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @read_c_kv_batch(%cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'c_kv' dimension 0 (batch) is 1 but 'block_table' has 3}}
  %c_kv, %k_rope = mla.cache_read %cache[%block_table, %seq_lens] {config = #cfg} : !cache[tensor<3x9xi32>, tensor<3xi32>] -> tensor<1x7x16xbf16>, tensor<3x7x4xbf16>
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @read_c_kv_row_width(%cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'c_kv' dimension 2 (kv_lora_rank) must be 16, got 20}}
  %c_kv, %k_rope = mla.cache_read %cache[%block_table, %seq_lens] {config = #cfg} : !cache[tensor<3x9xi32>, tensor<3xi32>] -> tensor<3x7x20xbf16>, tensor<3x7x4xbf16>
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @read_c_kv_rank(%cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'c_kv' must have rank 3 [batch, key tokens, kv_lora_rank], got 'tensor<21x16xbf16>'}}
  %c_kv, %k_rope = mla.cache_read %cache[%block_table, %seq_lens] {config = #cfg} : !cache[tensor<3x9xi32>, tensor<3xi32>] -> tensor<21x16xbf16>, tensor<3x7x4xbf16>
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @read_k_rope_tokens(%cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'k_rope' dimension 1 (key tokens) is 6 but 'c_kv' has 7}}
  %c_kv, %k_rope = mla.cache_read %cache[%block_table, %seq_lens] {config = #cfg} : !cache[tensor<3x9xi32>, tensor<3xi32>] -> tensor<3x7x16xbf16>, tensor<3x6x4xbf16>
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @read_k_rope_width(%cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'k_rope' dimension 2 (qk_rope_head_dim) must be 4, got ?}}
  %c_kv, %k_rope = mla.cache_read %cache[%block_table, %seq_lens] {config = #cfg} : !cache[tensor<3x9xi32>, tensor<3xi32>] -> tensor<3x7x16xbf16>, tensor<3x7x?xbf16>
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @read_k_rope_element_type(%cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'k_rope' element type must be 'bf16' (the config's storage type), got 'f32'}}
  %c_kv, %k_rope = mla.cache_read %cache[%block_table, %seq_lens] {config = #cfg} : !cache[tensor<3x9xi32>, tensor<3xi32>] -> tensor<3x7x16xbf16>, tensor<3x7x4xf32>
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @read_unranked_result(%cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{invalid kind of type specified: expected builtin.tensor, but found 'tensor<*xbf16>'}}
  %c_kv, %k_rope = mla.cache_read %cache[%block_table, %seq_lens] {config = #cfg} : !cache[tensor<3x9xi32>, tensor<3xi32>] -> tensor<*xbf16>, tensor<3x7x4xbf16>
  return
}

// -----

// The gathered key count must be every key the block table addresses (4
// entries x 4 rows = 16), so that absorbing the attention keeps its keys.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 4, latent = 16, rope = 4, bf16>
func.func @cache_read_fewer_keys_than_the_table_reaches(%cache: !cache, %bt: tensor<3x4xi32>, %lens: tensor<3xi32>) {
  // expected-error @+1 {{'c_kv' dimension 1 (key tokens) must be the 4 block-table entries x 4 rows per page the table addresses, got 8}}
  %c, %r = mla.cache_read %cache[%bt, %lens] {config = #cfg}
      : !cache[tensor<3x4xi32>, tensor<3xi32>] -> tensor<3x8x16xbf16>, tensor<3x8x4xbf16>
  return
}
