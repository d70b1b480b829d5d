// RUN: mla-opt %s -split-input-file -verify-diagnostics

// Verifier errors of the attention ops: mha_attention, latent_attention
// (plain, absorb_query, absorb_output), partial_latent_attention and combine.
// The small config has H = 2, kv_lora_rank = 16, d_n = 8, d_r = 4, d_v = 6,
// bf16 storage and f32 accumulation; the operands use B = 3, S = 5, T = 7,
// P = 9 and N = 11.

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @mha_q_nope_rank(%q_nope: tensor<3x5x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %k_nope: tensor<3x7x2x8xbf16>, %k_rope: tensor<3x7x4xbf16>, %v: tensor<3x7x2x6xbf16>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'q_nope' must have rank 4 [batch, query tokens, heads, qk_nope_head_dim], got 'tensor<3x5x16xbf16>'}}
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k_nope, %k_rope, %v, %seq_lens {config = #cfg} : (tensor<3x5x16xbf16>, tensor<3x5x2x4xbf16>, tensor<3x7x2x8xbf16>, tensor<3x7x4xbf16>, tensor<3x7x2x6xbf16>, tensor<3xi32>) -> (tensor<3x5x2x6xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @mha_q_nope_heads(%q_nope: tensor<3x5x4x8xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %k_nope: tensor<3x7x2x8xbf16>, %k_rope: tensor<3x7x4xbf16>, %v: tensor<3x7x2x6xbf16>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'q_nope' dimension 2 (heads) must be 2, got 4}}
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k_nope, %k_rope, %v, %seq_lens {config = #cfg} : (tensor<3x5x4x8xbf16>, tensor<3x5x2x4xbf16>, tensor<3x7x2x8xbf16>, tensor<3x7x4xbf16>, tensor<3x7x2x6xbf16>, tensor<3xi32>) -> (tensor<3x5x2x6xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @mha_q_rope_dim(%q_nope: tensor<3x5x2x8xbf16>, %q_rope: tensor<3x5x2x8xbf16>, %k_nope: tensor<3x7x2x8xbf16>, %k_rope: tensor<3x7x4xbf16>, %v: tensor<3x7x2x6xbf16>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'q_rope' dimension 3 (qk_rope_head_dim) must be 4, got 8}}
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k_nope, %k_rope, %v, %seq_lens {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<3x5x2x8xbf16>, tensor<3x7x2x8xbf16>, tensor<3x7x4xbf16>, tensor<3x7x2x6xbf16>, tensor<3xi32>) -> (tensor<3x5x2x6xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @mha_q_rope_tokens(%q_nope: tensor<3x5x2x8xbf16>, %q_rope: tensor<3x1x2x4xbf16>, %k_nope: tensor<3x7x2x8xbf16>, %k_rope: tensor<3x7x4xbf16>, %v: tensor<3x7x2x6xbf16>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'q_rope' dimension 1 (query tokens) is 1 but 'q_nope' has 5}}
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k_nope, %k_rope, %v, %seq_lens {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<3x1x2x4xbf16>, tensor<3x7x2x8xbf16>, tensor<3x7x4xbf16>, tensor<3x7x2x6xbf16>, tensor<3xi32>) -> (tensor<3x5x2x6xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @mha_k_nope_batch(%q_nope: tensor<3x5x2x8xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %k_nope: tensor<1x7x2x8xbf16>, %k_rope: tensor<3x7x4xbf16>, %v: tensor<3x7x2x6xbf16>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'k_nope' dimension 0 (batch) is 1 but 'q_nope' has 3}}
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k_nope, %k_rope, %v, %seq_lens {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>, tensor<1x7x2x8xbf16>, tensor<3x7x4xbf16>, tensor<3x7x2x6xbf16>, tensor<3xi32>) -> (tensor<3x5x2x6xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @mha_k_rope_tokens(%q_nope: tensor<3x5x2x8xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %k_nope: tensor<3x7x2x8xbf16>, %k_rope: tensor<3x6x4xbf16>, %v: tensor<3x7x2x6xbf16>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'k_rope' dimension 1 (key tokens) is 6 but 'k_nope' has 7}}
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k_nope, %k_rope, %v, %seq_lens {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>, tensor<3x7x2x8xbf16>, tensor<3x6x4xbf16>, tensor<3x7x2x6xbf16>, tensor<3xi32>) -> (tensor<3x5x2x6xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

// k_rope is one head shared by all query heads.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @mha_k_rope_per_head(%q_nope: tensor<3x5x2x8xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %k_nope: tensor<3x7x2x8xbf16>, %k_rope: tensor<3x7x2x4xbf16>, %v: tensor<3x7x2x6xbf16>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'k_rope' must have rank 3 [batch, key tokens, qk_rope_head_dim], got 'tensor<3x7x2x4xbf16>'}}
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k_nope, %k_rope, %v, %seq_lens {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>, tensor<3x7x2x8xbf16>, tensor<3x7x2x4xbf16>, tensor<3x7x2x6xbf16>, tensor<3xi32>) -> (tensor<3x5x2x6xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @mha_v_dim(%q_nope: tensor<3x5x2x8xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %k_nope: tensor<3x7x2x8xbf16>, %k_rope: tensor<3x7x4xbf16>, %v: tensor<3x7x2x8xbf16>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'v' dimension 3 (v_head_dim) must be 6, got 8}}
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k_nope, %k_rope, %v, %seq_lens {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>, tensor<3x7x2x8xbf16>, tensor<3x7x4xbf16>, tensor<3x7x2x8xbf16>, tensor<3xi32>) -> (tensor<3x5x2x6xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @mha_v_tokens(%q_nope: tensor<3x5x2x8xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %k_nope: tensor<3x7x2x8xbf16>, %k_rope: tensor<3x7x4xbf16>, %v: tensor<3x5x2x6xbf16>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'v' dimension 1 (key tokens) is 5 but 'k_nope' has 7}}
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k_nope, %k_rope, %v, %seq_lens {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>, tensor<3x7x2x8xbf16>, tensor<3x7x4xbf16>, tensor<3x5x2x6xbf16>, tensor<3xi32>) -> (tensor<3x5x2x6xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @mha_seq_lens_batch(%q_nope: tensor<3x5x2x8xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %k_nope: tensor<3x7x2x8xbf16>, %k_rope: tensor<3x7x4xbf16>, %v: tensor<3x7x2x6xbf16>, %seq_lens: tensor<4xi32>) {
  // expected-error @+1 {{'seq_lens' dimension 0 (batch) is 4 but 'q_nope' has 3}}
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k_nope, %k_rope, %v, %seq_lens {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>, tensor<3x7x2x8xbf16>, tensor<3x7x4xbf16>, tensor<3x7x2x6xbf16>, tensor<4xi32>) -> (tensor<3x5x2x6xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @mha_seq_lens_rank(%q_nope: tensor<3x5x2x8xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %k_nope: tensor<3x7x2x8xbf16>, %k_rope: tensor<3x7x4xbf16>, %v: tensor<3x7x2x6xbf16>, %seq_lens: tensor<3x1xi32>) {
  // expected-error @+1 {{'seq_lens' must have rank 1 [batch], got 'tensor<3x1xi32>'}}
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k_nope, %k_rope, %v, %seq_lens {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>, tensor<3x7x2x8xbf16>, tensor<3x7x4xbf16>, tensor<3x7x2x6xbf16>, tensor<3x1xi32>) -> (tensor<3x5x2x6xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @mha_seq_lens_i64(%q_nope: tensor<3x5x2x8xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %k_nope: tensor<3x7x2x8xbf16>, %k_rope: tensor<3x7x4xbf16>, %v: tensor<3x7x2x6xbf16>, %seq_lens: tensor<3xi64>) {
  // expected-error @+1 {{operand #5 must be ranked tensor of 32-bit signless integer values, but got 'tensor<3xi64>'}}
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k_nope, %k_rope, %v, %seq_lens {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>, tensor<3x7x2x8xbf16>, tensor<3x7x4xbf16>, tensor<3x7x2x6xbf16>, tensor<3xi64>) -> (tensor<3x5x2x6xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @mha_out_tokens(%q_nope: tensor<3x5x2x8xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %k_nope: tensor<3x7x2x8xbf16>, %k_rope: tensor<3x7x4xbf16>, %v: tensor<3x7x2x6xbf16>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'out' dimension 1 (query tokens) is 7 but 'q_nope' has 5}}
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k_nope, %k_rope, %v, %seq_lens {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>, tensor<3x7x2x8xbf16>, tensor<3x7x4xbf16>, tensor<3x7x2x6xbf16>, tensor<3xi32>) -> (tensor<3x7x2x6xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @mha_out_element_type(%q_nope: tensor<3x5x2x8xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %k_nope: tensor<3x7x2x8xbf16>, %k_rope: tensor<3x7x4xbf16>, %v: tensor<3x7x2x6xbf16>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'out' element type must be 'bf16' (the config's storage type), got 'f32'}}
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k_nope, %k_rope, %v, %seq_lens {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>, tensor<3x7x2x8xbf16>, tensor<3x7x4xbf16>, tensor<3x7x2x6xbf16>, tensor<3xi32>) -> (tensor<3x5x2x6xf32>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @mha_lse_rank(%q_nope: tensor<3x5x2x8xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %k_nope: tensor<3x7x2x8xbf16>, %k_rope: tensor<3x7x4xbf16>, %v: tensor<3x7x2x6xbf16>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'lse' must have rank 3 [batch, query tokens, heads], got 'tensor<3x5x2x1xf32>'}}
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k_nope, %k_rope, %v, %seq_lens {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>, tensor<3x7x2x8xbf16>, tensor<3x7x4xbf16>, tensor<3x7x2x6xbf16>, tensor<3xi32>) -> (tensor<3x5x2x6xbf16>, tensor<3x5x2x1xf32>)
  return
}

// -----

// lse is in the accumulation type, not the storage type.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @mha_lse_element_type(%q_nope: tensor<3x5x2x8xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %k_nope: tensor<3x7x2x8xbf16>, %k_rope: tensor<3x7x4xbf16>, %v: tensor<3x7x2x6xbf16>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'lse' element type must be 'f32' (the config's accumulation type), got 'bf16'}}
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k_nope, %k_rope, %v, %seq_lens {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>, tensor<3x7x2x8xbf16>, tensor<3x7x4xbf16>, tensor<3x7x2x6xbf16>, tensor<3xi32>) -> (tensor<3x5x2x6xbf16>, tensor<3x5x2xbf16>)
  return
}

// -----

#cfg64 = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = f32, accum = f64>
func.func @mha_lse_f64_accum(%q_nope: tensor<3x5x2x8xf32>, %q_rope: tensor<3x5x2x4xf32>, %k_nope: tensor<3x7x2x8xf32>, %k_rope: tensor<3x7x4xf32>, %v: tensor<3x7x2x6xf32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'lse' element type must be 'f64' (the config's accumulation type), got 'f32'}}
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k_nope, %k_rope, %v, %seq_lens {config = #cfg64, causal} : (tensor<3x5x2x8xf32>, tensor<3x5x2x4xf32>, tensor<3x7x2x8xf32>, tensor<3x7x4xf32>, tensor<3x7x2x6xf32>, tensor<3xi32>) -> (tensor<3x5x2x6xf32>, tensor<3x5x2xf32>)
  return
}

// -----

// Tensor parallelism: a rank holding 16 of DeepSeek-V3's heads.
func.func @mha_preset_heads(%q_nope: tensor<4x1x128x128xbf16>, %q_rope: tensor<4x1x128x64xbf16>, %k_nope: tensor<4x64x128x128xbf16>, %k_rope: tensor<4x64x64xbf16>, %v: tensor<4x64x128x128xbf16>, %seq_lens: tensor<4xi32>) {
  // expected-error @+1 {{'q_nope' dimension 2 (heads) must be 16, got 128}}
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k_nope, %k_rope, %v, %seq_lens {config = #mla.config<"deepseek-v3", heads = 16>, causal} : (tensor<4x1x128x128xbf16>, tensor<4x1x128x64xbf16>, tensor<4x64x128x128xbf16>, tensor<4x64x64xbf16>, tensor<4x64x128x128xbf16>, tensor<4xi32>) -> (tensor<4x1x128x128xbf16>, tensor<4x1x128xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @mha_unranked_v(%q_nope: tensor<3x5x2x8xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %k_nope: tensor<3x7x2x8xbf16>, %k_rope: tensor<3x7x4xbf16>, %v: tensor<*xbf16>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{operand #4 must be ranked tensor of floating-point values, but got 'tensor<*xbf16>'}}
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k_nope, %k_rope, %v, %seq_lens {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>, tensor<3x7x2x8xbf16>, tensor<3x7x4xbf16>, tensor<*xbf16>, tensor<3xi32>) -> (tensor<3x5x2x6xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @latent_query_dim(%query: tensor<3x5x2x8xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'query' dimension 3 (kv_lora_rank) must be 16, got 8}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @latent_query_rank(%query: tensor<3x5x32xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'query' must have rank 4 [batch, query tokens, heads, kv_lora_rank], got 'tensor<3x5x32xbf16>'}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg} : (tensor<3x5x32xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @latent_q_rope_heads(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x1x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'q_rope' dimension 2 (heads) must be 2, got 1}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg} : (tensor<3x5x2x16xbf16>, tensor<3x5x1x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 32, rope = 4, bf16>
func.func @latent_cache_latent_width(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'cache' latent width 32 must match the config's kv_lora_rank 16}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 8, bf16>
func.func @latent_cache_rope_width(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'cache' rope width 8 must match the config's qk_rope_head_dim 4}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, f16>
func.func @latent_cache_element_type(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'cache' element type must be 'bf16' (the config's storage type), got 'f16'}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @latent_cache_not_a_cache(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: tensor<16x8x20xbf16>, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{operand #2 must be a paged latent KV cache, but got 'tensor<16x8x20xbf16>'}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, tensor<16x8x20xbf16>, tensor<3x9xi32>, tensor<3xi32>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @latent_block_table_rank(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<27xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'block_table' must have rank 2 [batch, pages per sequence], got 'tensor<27xi32>'}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<27xi32>, tensor<3xi32>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @latent_block_table_batch(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<4x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'block_table' dimension 0 (batch) is 4 but 'query' has 3}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<4x9xi32>, tensor<3xi32>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @latent_block_table_i64(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi64>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{operand #3 must be ranked tensor of 32-bit signless integer values, but got 'tensor<3x9xi64>'}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi64>, tensor<3xi32>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @latent_block_table_unranked(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<*xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{operand #3 must be ranked tensor of 32-bit signless integer values, but got 'tensor<*xi32>'}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<*xi32>, tensor<3xi32>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @latent_seq_lens_batch(%query: tensor<?x5x2x16xbf16>, %q_rope: tensor<?x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<2xi32>) {
  // expected-error @+1 {{'seq_lens' dimension 0 (batch) is 2 but 'block_table' has 3}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg} : (tensor<?x5x2x16xbf16>, tensor<?x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<2xi32>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

// Without absorb_output the output stays in the latent space.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @latent_out_dim(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'out' dimension 3 (kv_lora_rank) must be 16, got 6}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>) -> (tensor<3x5x2x6xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @latent_out_element_type(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'out' element type must be 'bf16' (the config's storage type), got 'f32'}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>) -> (tensor<3x5x2x16xf32>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @latent_lse_heads(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'lse' dimension 2 (heads) must be 2, got 1}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x1xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @latent_lse_element_type(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'lse' element type must be 'f32' (the config's accumulation type), got 'bf16'}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xbf16>)
  return
}

// -----

func.func @latent_preset_fp8_cache(%query: tensor<4x1x16x512xbf16>, %q_rope: tensor<4x1x16x64xbf16>, %cache: !mla.paged_cache<pages = 4096, page_size = 64, latent = 512, rope = 64, f8E4M3FN>, %block_table: tensor<4x64xi32>, %seq_lens: tensor<4xi32>) {
  // expected-error @+1 {{'cache' element type must be 'bf16' (the config's storage type), got 'f8E4M3FN'}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #mla.config<"deepseek-v3", heads = 16>, causal} : (tensor<4x1x16x512xbf16>, tensor<4x1x16x64xbf16>, !mla.paged_cache<pages = 4096, page_size = 64, latent = 512, rope = 64, f8E4M3FN>, tensor<4x64xi32>, tensor<4xi32>) -> (tensor<4x1x16x512xbf16>, tensor<4x1x16xf32>)
  return
}

// -----

// With absorb_query the query is q_nope, not q_latent.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @latent_absorb_query_query_dim(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uk: tensor<2x8x16xbf16>) {
  // expected-error @+1 {{'query' dimension 3 (qk_nope_head_dim) must be 8, got 16}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] absorb_query(%w_uk) {config = #cfg} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x8x16xbf16>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @latent_absorb_query_w_uk_transposed(%query: tensor<3x5x2x8xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uk: tensor<2x16x8xbf16>) {
  // expected-error @+1 {{'w_uk' dimension 1 (qk_nope_head_dim) must be 8, got 16}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] absorb_query(%w_uk) {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x16x8xbf16>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @latent_absorb_query_w_uk_rank(%query: tensor<3x5x2x8xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uk: tensor<16x16xbf16>) {
  // expected-error @+1 {{'w_uk' must have rank 3 [heads, qk_nope_head_dim, kv_lora_rank], got 'tensor<16x16xbf16>'}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] absorb_query(%w_uk) {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<16x16xbf16>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @latent_absorb_query_w_uk_element_type(%query: tensor<3x5x2x8xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uk: tensor<2x8x16xf32>) {
  // expected-error @+1 {{'w_uk' element type must be 'bf16' (the config's storage type), got 'f32'}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] absorb_query(%w_uk) {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x8x16xf32>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

// With absorb_output the output is per head in v_head_dim.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @latent_absorb_output_out_dim(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uv: tensor<2x6x16xbf16>) {
  // expected-error @+1 {{'out' dimension 3 (v_head_dim) must be 6, got 16}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] absorb_output(%w_uv) {config = #cfg} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x6x16xbf16>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @latent_absorb_output_w_uv_rows(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uv: tensor<2x8x16xbf16>) {
  // expected-error @+1 {{'w_uv' dimension 1 (v_head_dim) must be 6, got 8}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] absorb_output(%w_uv) {config = #cfg} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x8x16xbf16>) -> (tensor<3x5x2x6xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @latent_absorb_both_w_uv_heads(%query: tensor<3x5x2x8xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<4x6x16xbf16>) {
  // expected-error @+1 {{'w_uv' dimension 0 (heads) must be 2, got 4}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] absorb_query(%w_uk) absorb_output(%w_uv) {config = #cfg, causal} : (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x8x16xbf16>, tensor<4x6x16xbf16>) -> (tensor<3x5x2x6xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @latent_absorb_both_out_batch(%query: tensor<3x5x2x8xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x6x16xbf16>) {
  // expected-error @+1 {{'out' dimension 0 (batch) is 1 but 'query' has 3}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] absorb_query(%w_uk) absorb_output(%w_uv) {config = #cfg, causal} : (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x8x16xbf16>, tensor<2x6x16xbf16>) -> (tensor<1x5x2x6xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @partial_num_splits_zero(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{attribute 'num_splits' failed to satisfy constraint: 64-bit signless integer attribute whose minimum value is 1}}
  %po, %pl = mla.partial_latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg, num_splits = 0} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>) -> (tensor<0x3x5x2x16xf32>, tensor<0x3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @partial_num_splits_negative(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{attribute 'num_splits' failed to satisfy constraint: 64-bit signless integer attribute whose minimum value is 1}}
  %po, %pl = mla.partial_latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg, num_splits = -2} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>) -> (tensor<2x3x5x2x16xf32>, tensor<2x3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @partial_num_splits_missing(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{requires attribute 'num_splits'}}
  %po, %pl = mla.partial_latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>) -> (tensor<11x3x5x2x16xf32>, tensor<11x3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @partial_out_splits(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'partial_out' dimension 0 (num_splits) must be 4, got 11}}
  %po, %pl = mla.partial_latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg, num_splits = 4} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>) -> (tensor<11x3x5x2x16xf32>, tensor<11x3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @partial_lse_splits(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'partial_lse' dimension 0 (num_splits) must be 11, got 10}}
  %po, %pl = mla.partial_latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg, num_splits = 11} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>) -> (tensor<11x3x5x2x16xf32>, tensor<10x3x5x2xf32>)
  return
}

// -----

// The partial results are in the latent space; W_UV is applied after combine.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @partial_out_dim(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'partial_out' dimension 4 (kv_lora_rank) must be 16, got 6}}
  %po, %pl = mla.partial_latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg, num_splits = 11} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>) -> (tensor<11x3x5x2x6xf32>, tensor<11x3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @partial_out_rank(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'partial_out' must have rank 5 [num_splits, batch, query tokens, heads, kv_lora_rank], got 'tensor<3x5x2x16xf32>'}}
  %po, %pl = mla.partial_latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg, num_splits = 1} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>) -> (tensor<3x5x2x16xf32>, tensor<1x3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @partial_lse_tokens(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'partial_lse' dimension 2 (query tokens) is 1 but 'query' has 5}}
  %po, %pl = mla.partial_latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg, num_splits = 11} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>) -> (tensor<11x3x5x2x16xf32>, tensor<11x3x1x2xf32>)
  return
}

// -----

// Partial results are in the accumulation type.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @partial_out_element_type(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'partial_out' element type must be 'f32' (the config's accumulation type), got 'bf16'}}
  %po, %pl = mla.partial_latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg, num_splits = 11} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>) -> (tensor<11x3x5x2x16xbf16>, tensor<11x3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @partial_lse_element_type(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'partial_lse' element type must be 'f32' (the config's accumulation type), got 'f16'}}
  %po, %pl = mla.partial_latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg, num_splits = 11} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>) -> (tensor<11x3x5x2x16xf32>, tensor<11x3x5x2xf16>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 20, rope = 4, bf16>
func.func @partial_cache_latent_width(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'cache' latent width 20 must match the config's kv_lora_rank 16}}
  %po, %pl = mla.partial_latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg, num_splits = 11} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>) -> (tensor<11x3x5x2x16xf32>, tensor<11x3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @partial_seq_lens_rank(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<i32>) {
  // expected-error @+1 {{'seq_lens' must have rank 1 [batch], got 'tensor<i32>'}}
  %po, %pl = mla.partial_latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg, num_splits = 11} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<i32>) -> (tensor<11x3x5x2x16xf32>, tensor<11x3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @partial_absorb_query_query_dim(%query: tensor<3x5x2x16xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uk: tensor<2x8x16xbf16>) {
  // expected-error @+1 {{'query' dimension 3 (qk_nope_head_dim) must be 8, got 16}}
  %po, %pl = mla.partial_latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] absorb_query(%w_uk) {config = #cfg, num_splits = 11} : (tensor<3x5x2x16xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x8x16xbf16>) -> (tensor<11x3x5x2x16xf32>, tensor<11x3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @partial_absorb_query_w_uk_width(%query: tensor<3x5x2x8xbf16>, %q_rope: tensor<3x5x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>, %w_uk: tensor<2x8x20xbf16>) {
  // expected-error @+1 {{'w_uk' dimension 2 (kv_lora_rank) must be 16, got 20}}
  %po, %pl = mla.partial_latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] absorb_query(%w_uk) {config = #cfg, num_splits = 11, causal} : (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>, tensor<2x8x20xbf16>) -> (tensor<11x3x5x2x16xf32>, tensor<11x3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @combine_partial_out_rank(%po: tensor<3x5x2x16xf32>, %pl: tensor<11x3x5x2xf32>) {
  // expected-error @+1 {{'partial_out' must have rank 5 [splits, batch, query tokens, heads, kv_lora_rank], got 'tensor<3x5x2x16xf32>'}}
  %out, %lse = mla.combine %po, %pl {config = #cfg} : (tensor<3x5x2x16xf32>, tensor<11x3x5x2xf32>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @combine_partial_out_dim(%po: tensor<11x3x5x2x6xf32>, %pl: tensor<11x3x5x2xf32>) {
  // expected-error @+1 {{'partial_out' dimension 4 (kv_lora_rank) must be 16, got 6}}
  %out, %lse = mla.combine %po, %pl {config = #cfg} : (tensor<11x3x5x2x6xf32>, tensor<11x3x5x2xf32>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @combine_partial_out_element_type(%po: tensor<11x3x5x2x16xbf16>, %pl: tensor<11x3x5x2xf32>) {
  // expected-error @+1 {{'partial_out' element type must be 'f32' (the config's accumulation type), got 'bf16'}}
  %out, %lse = mla.combine %po, %pl {config = #cfg} : (tensor<11x3x5x2x16xbf16>, tensor<11x3x5x2xf32>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @combine_partial_lse_splits(%po: tensor<11x3x5x2x16xf32>, %pl: tensor<10x3x5x2xf32>) {
  // expected-error @+1 {{'partial_lse' dimension 0 (splits) is 10 but 'partial_out' has 11}}
  %out, %lse = mla.combine %po, %pl {config = #cfg} : (tensor<11x3x5x2x16xf32>, tensor<10x3x5x2xf32>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @combine_partial_lse_rank(%po: tensor<11x3x5x2x16xf32>, %pl: tensor<11x3x5xf32>) {
  // expected-error @+1 {{'partial_lse' must have rank 4 [splits, batch, query tokens, heads], got 'tensor<11x3x5xf32>'}}
  %out, %lse = mla.combine %po, %pl {config = #cfg} : (tensor<11x3x5x2x16xf32>, tensor<11x3x5xf32>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @combine_partial_lse_element_type(%po: tensor<11x3x5x2x16xf32>, %pl: tensor<11x3x5x2xbf16>) {
  // expected-error @+1 {{'partial_lse' element type must be 'f32' (the config's accumulation type), got 'bf16'}}
  %out, %lse = mla.combine %po, %pl {config = #cfg} : (tensor<11x3x5x2x16xf32>, tensor<11x3x5x2xbf16>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

// Without absorb_output the merged output stays in the latent space.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @combine_out_dim(%po: tensor<11x3x5x2x16xf32>, %pl: tensor<11x3x5x2xf32>) {
  // expected-error @+1 {{'out' dimension 3 (kv_lora_rank) must be 16, got 6}}
  %out, %lse = mla.combine %po, %pl {config = #cfg} : (tensor<11x3x5x2x16xf32>, tensor<11x3x5x2xf32>) -> (tensor<3x5x2x6xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

// The merged output is in the storage type.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @combine_out_element_type(%po: tensor<11x3x5x2x16xf32>, %pl: tensor<11x3x5x2xf32>) {
  // expected-error @+1 {{'out' element type must be 'bf16' (the config's storage type), got 'f32'}}
  %out, %lse = mla.combine %po, %pl {config = #cfg} : (tensor<11x3x5x2x16xf32>, tensor<11x3x5x2xf32>) -> (tensor<3x5x2x16xf32>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @combine_out_batch(%po: tensor<11x3x5x2x16xf32>, %pl: tensor<11x3x5x2xf32>) {
  // expected-error @+1 {{'out' dimension 0 (batch) is 4 but 'partial_out' has 3}}
  %out, %lse = mla.combine %po, %pl {config = #cfg} : (tensor<11x3x5x2x16xf32>, tensor<11x3x5x2xf32>) -> (tensor<4x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @combine_lse_tokens(%po: tensor<11x3x5x2x16xf32>, %pl: tensor<11x3x5x2xf32>) {
  // expected-error @+1 {{'lse' dimension 1 (query tokens) is 7 but 'partial_out' has 5}}
  %out, %lse = mla.combine %po, %pl {config = #cfg} : (tensor<11x3x5x2x16xf32>, tensor<11x3x5x2xf32>) -> (tensor<3x5x2x16xbf16>, tensor<3x7x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @combine_lse_element_type(%po: tensor<11x3x5x2x16xf32>, %pl: tensor<11x3x5x2xf32>) {
  // expected-error @+1 {{'lse' element type must be 'f32' (the config's accumulation type), got 'bf16'}}
  %out, %lse = mla.combine %po, %pl {config = #cfg} : (tensor<11x3x5x2x16xf32>, tensor<11x3x5x2xf32>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xbf16>)
  return
}

// -----

// With absorb_output the merged output is per head in v_head_dim.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @combine_absorb_output_out_dim(%po: tensor<11x3x5x2x16xf32>, %pl: tensor<11x3x5x2xf32>, %w_uv: tensor<2x6x16xbf16>) {
  // expected-error @+1 {{'out' dimension 3 (v_head_dim) must be 6, got 16}}
  %out, %lse = mla.combine %po, %pl absorb_output(%w_uv) {config = #cfg} : (tensor<11x3x5x2x16xf32>, tensor<11x3x5x2xf32>, tensor<2x6x16xbf16>) -> (tensor<3x5x2x16xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @combine_absorb_output_w_uv_transposed(%po: tensor<11x3x5x2x16xf32>, %pl: tensor<11x3x5x2xf32>, %w_uv: tensor<2x16x6xbf16>) {
  // expected-error @+1 {{'w_uv' dimension 1 (v_head_dim) must be 6, got 16}}
  %out, %lse = mla.combine %po, %pl absorb_output(%w_uv) {config = #cfg} : (tensor<11x3x5x2x16xf32>, tensor<11x3x5x2xf32>, tensor<2x16x6xbf16>) -> (tensor<3x5x2x6xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

// W_UV is a storage-type weight even though combine reads f32 partials.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @combine_absorb_output_w_uv_element_type(%po: tensor<11x3x5x2x16xf32>, %pl: tensor<11x3x5x2xf32>, %w_uv: tensor<2x6x16xf32>) {
  // expected-error @+1 {{'w_uv' element type must be 'bf16' (the config's storage type), got 'f32'}}
  %out, %lse = mla.combine %po, %pl absorb_output(%w_uv) {config = #cfg} : (tensor<11x3x5x2x16xf32>, tensor<11x3x5x2xf32>, tensor<2x6x16xf32>) -> (tensor<3x5x2x6xbf16>, tensor<3x5x2xf32>)
  return
}

// -----

func.func @combine_preset_heads(%po: tensor<9x4x2x128x512xf32>, %pl: tensor<9x4x2x128xf32>, %w_uv: tensor<128x128x512xbf16>) {
  // expected-error @+1 {{'partial_out' dimension 3 (heads) must be 16, got 128}}
  %out, %lse = mla.combine %po, %pl absorb_output(%w_uv) {config = #mla.config<"deepseek-v3", heads = 16>} : (tensor<9x4x2x128x512xf32>, tensor<9x4x2x128xf32>, tensor<128x128x512xbf16>) -> (tensor<4x2x128x128xbf16>, tensor<4x2x128xf32>)
  return
}

// -----

// An empty dimension has nothing to compute (lowered, it would slice out of
// bounds): no query tokens, no sequences.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @latent_no_query_tokens(%query: tensor<3x0x2x16xbf16>, %q_rope: tensor<3x0x2x4xbf16>, %cache: !cache, %block_table: tensor<3x9xi32>, %seq_lens: tensor<3xi32>) {
  // expected-error @+1 {{'query' dimension 1 (query tokens) is 0; it must hold at least one}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg} : (tensor<3x0x2x16xbf16>, tensor<3x0x2x4xbf16>, !cache, tensor<3x9xi32>, tensor<3xi32>) -> (tensor<3x0x2x16xbf16>, tensor<3x0x2xf32>)
  return
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 8, latent = 16, rope = 4, bf16>
func.func @latent_empty_batch(%query: tensor<0x5x2x16xbf16>, %q_rope: tensor<0x5x2x4xbf16>, %cache: !cache, %block_table: tensor<0x9xi32>, %seq_lens: tensor<0xi32>) {
  // expected-error @+1 {{'query' dimension 0 (batch) is 0; it must hold at least one}}
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens] {config = #cfg} : (tensor<0x5x2x16xbf16>, tensor<0x5x2x4xbf16>, !cache, tensor<0x9xi32>, tensor<0xi32>) -> (tensor<0x5x2x16xbf16>, tensor<0x5x2xf32>)
  return
}
