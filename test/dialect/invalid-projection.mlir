// RUN: mla-opt %s -split-input-file -verify-diagnostics

// Verifier errors of the projection ops: compress_query, compress_kv,
// up_project_query, up_project_k, up_project_v, absorb_query, absorb_output,
// output_projection and rope. The small config has distinct sizes
// (H = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16, d_n = 8, d_r = 4,
// d_v = 6) and the operands use B = 3, S = 5, T = 7, so that a size cannot
// be mistaken for another dimension's.

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @compress_query_without_q_lora(%h: tensor<3x5x32xbf16>, %w_dq: tensor<24x32xbf16>, %norm: tensor<24xbf16>) -> tensor<3x5x24xbf16> {
  // expected-error @+1 {{needs a config with q_lora_rank > 0; a model without query compression up-projects the hidden state directly (mla.up_project_query)}}
  %c_q = mla.compress_query %h, %w_dq, %norm {config = #cfg} : (tensor<3x5x32xbf16>, tensor<24x32xbf16>, tensor<24xbf16>) -> tensor<3x5x24xbf16>
  return %c_q : tensor<3x5x24xbf16>
}

// -----

// DeepSeek-V2-Lite has no query compression.
func.func @compress_query_v2_lite(%h: tensor<1x1x2048xbf16>, %w_dq: tensor<512x2048xbf16>, %norm: tensor<512xbf16>) -> tensor<1x1x512xbf16> {
  // expected-error @+1 {{needs a config with q_lora_rank > 0}}
  %c_q = mla.compress_query %h, %w_dq, %norm {config = #mla.config<"deepseek-v2-lite">} : (tensor<1x1x2048xbf16>, tensor<512x2048xbf16>, tensor<512xbf16>) -> tensor<1x1x512xbf16>
  return %c_q : tensor<1x1x512xbf16>
}

// -----

#cfgq = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @compress_query_hidden_rank(%h: tensor<5x32xbf16>, %w_dq: tensor<24x32xbf16>, %norm: tensor<24xbf16>) -> tensor<3x5x24xbf16> {
  // expected-error @+1 {{'hidden' must have rank 3 [batch, query tokens, d_model], got 'tensor<5x32xbf16>'}}
  %c_q = mla.compress_query %h, %w_dq, %norm {config = #cfgq} : (tensor<5x32xbf16>, tensor<24x32xbf16>, tensor<24xbf16>) -> tensor<3x5x24xbf16>
  return %c_q : tensor<3x5x24xbf16>
}

// -----

#cfgq = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @compress_query_hidden_dynamic_d_model(%h: tensor<3x5x?xbf16>, %w_dq: tensor<24x32xbf16>, %norm: tensor<24xbf16>) -> tensor<3x5x24xbf16> {
  // expected-error @+1 {{'hidden' dimension 2 (d_model) must be 32, got ?}}
  %c_q = mla.compress_query %h, %w_dq, %norm {config = #cfgq} : (tensor<3x5x?xbf16>, tensor<24x32xbf16>, tensor<24xbf16>) -> tensor<3x5x24xbf16>
  return %c_q : tensor<3x5x24xbf16>
}

// -----

#cfgq = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @compress_query_w_dq_rank_dim(%h: tensor<3x5x32xbf16>, %w_dq: tensor<16x32xbf16>, %norm: tensor<24xbf16>) -> tensor<3x5x24xbf16> {
  // expected-error @+1 {{'w_dq' dimension 0 (q_lora_rank) must be 24, got 16}}
  %c_q = mla.compress_query %h, %w_dq, %norm {config = #cfgq} : (tensor<3x5x32xbf16>, tensor<16x32xbf16>, tensor<24xbf16>) -> tensor<3x5x24xbf16>
  return %c_q : tensor<3x5x24xbf16>
}

// -----

#cfgq = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @compress_query_w_dq_d_model(%h: tensor<3x5x32xbf16>, %w_dq: tensor<24x16xbf16>, %norm: tensor<24xbf16>) -> tensor<3x5x24xbf16> {
  // expected-error @+1 {{'w_dq' dimension 1 (d_model) must be 32, got 16}}
  %c_q = mla.compress_query %h, %w_dq, %norm {config = #cfgq} : (tensor<3x5x32xbf16>, tensor<24x16xbf16>, tensor<24xbf16>) -> tensor<3x5x24xbf16>
  return %c_q : tensor<3x5x24xbf16>
}

// -----

#cfgq = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @compress_query_norm_dim(%h: tensor<3x5x32xbf16>, %w_dq: tensor<24x32xbf16>, %norm: tensor<16xbf16>) -> tensor<3x5x24xbf16> {
  // expected-error @+1 {{'norm_weight' dimension 0 (q_lora_rank) must be 24, got 16}}
  %c_q = mla.compress_query %h, %w_dq, %norm {config = #cfgq} : (tensor<3x5x32xbf16>, tensor<24x32xbf16>, tensor<16xbf16>) -> tensor<3x5x24xbf16>
  return %c_q : tensor<3x5x24xbf16>
}

// -----

#cfgq = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @compress_query_result_batch(%h: tensor<3x5x32xbf16>, %w_dq: tensor<24x32xbf16>, %norm: tensor<24xbf16>) -> tensor<4x5x24xbf16> {
  // expected-error @+1 {{'c_q' dimension 0 (batch) is 4 but 'hidden' has 3}}
  %c_q = mla.compress_query %h, %w_dq, %norm {config = #cfgq} : (tensor<3x5x32xbf16>, tensor<24x32xbf16>, tensor<24xbf16>) -> tensor<4x5x24xbf16>
  return %c_q : tensor<4x5x24xbf16>
}

// -----

// A dynamic size binds nothing: the static batch of c_q is checked against
// nothing, but its query tokens are checked against hidden's.
#cfgq = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @compress_query_result_tokens(%h: tensor<?x5x32xbf16>, %w_dq: tensor<24x32xbf16>, %norm: tensor<24xbf16>) -> tensor<3x6x24xbf16> {
  // expected-error @+1 {{'c_q' dimension 1 (query tokens) is 6 but 'hidden' has 5}}
  %c_q = mla.compress_query %h, %w_dq, %norm {config = #cfgq} : (tensor<?x5x32xbf16>, tensor<24x32xbf16>, tensor<24xbf16>) -> tensor<3x6x24xbf16>
  return %c_q : tensor<3x6x24xbf16>
}

// -----

#cfgq = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @compress_query_element_type(%h: tensor<3x5x32xbf16>, %w_dq: tensor<24x32xf32>, %norm: tensor<24xbf16>) -> tensor<3x5x24xbf16> {
  // expected-error @+1 {{'w_dq' element type must be 'bf16' (the config's storage type), got 'f32'}}
  %c_q = mla.compress_query %h, %w_dq, %norm {config = #cfgq} : (tensor<3x5x32xbf16>, tensor<24x32xf32>, tensor<24xbf16>) -> tensor<3x5x24xbf16>
  return %c_q : tensor<3x5x24xbf16>
}

// -----

func.func @compress_query_preset_d_model(%h: tensor<4x1x5120xbf16>, %w_dq: tensor<1536x7168xbf16>, %norm: tensor<1536xbf16>) -> tensor<4x1x1536xbf16> {
  // expected-error @+1 {{'hidden' dimension 2 (d_model) must be 7168, got 5120}}
  %c_q = mla.compress_query %h, %w_dq, %norm {config = #mla.config<"deepseek-v3", heads = 16>} : (tensor<4x1x5120xbf16>, tensor<1536x7168xbf16>, tensor<1536xbf16>) -> tensor<4x1x1536xbf16>
  return %c_q : tensor<4x1x1536xbf16>
}

// -----

#cfgq = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @compress_query_unranked(%h: tensor<*xbf16>, %w_dq: tensor<24x32xbf16>, %norm: tensor<24xbf16>) -> tensor<3x5x24xbf16> {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values, but got 'tensor<*xbf16>'}}
  %c_q = mla.compress_query %h, %w_dq, %norm {config = #cfgq} : (tensor<*xbf16>, tensor<24x32xbf16>, tensor<24xbf16>) -> tensor<3x5x24xbf16>
  return %c_q : tensor<3x5x24xbf16>
}

// -----

#cfgq = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @compress_query_integer_result(%h: tensor<3x5x32xbf16>, %w_dq: tensor<24x32xbf16>, %norm: tensor<24xbf16>) -> tensor<3x5x24xi8> {
  // expected-error @+1 {{result #0 must be ranked tensor of floating-point values, but got 'tensor<3x5x24xi8>'}}
  %c_q = mla.compress_query %h, %w_dq, %norm {config = #cfgq} : (tensor<3x5x32xbf16>, tensor<24x32xbf16>, tensor<24xbf16>) -> tensor<3x5x24xi8>
  return %c_q : tensor<3x5x24xi8>
}

// -----

func.func @compress_query_missing_config(%h: tensor<3x5x32xbf16>, %w_dq: tensor<24x32xbf16>, %norm: tensor<24xbf16>) -> tensor<3x5x24xbf16> {
  // expected-error @+1 {{requires attribute 'config'}}
  %c_q = mla.compress_query %h, %w_dq, %norm : (tensor<3x5x32xbf16>, tensor<24x32xbf16>, tensor<24xbf16>) -> tensor<3x5x24xbf16>
  return %c_q : tensor<3x5x24xbf16>
}

// -----

func.func @compress_query_config_not_config(%h: tensor<3x5x32xbf16>, %w_dq: tensor<24x32xbf16>, %norm: tensor<24xbf16>) -> tensor<3x5x24xbf16> {
  // expected-error @+1 {{attribute 'config' failed to satisfy constraint}}
  %c_q = mla.compress_query %h, %w_dq, %norm {config = "deepseek-v3"} : (tensor<3x5x32xbf16>, tensor<24x32xbf16>, tensor<24xbf16>) -> tensor<3x5x24xbf16>
  return %c_q : tensor<3x5x24xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @compress_kv_hidden_rank(%h: tensor<3x5x2x32xbf16>, %w_dkv: tensor<20x32xbf16>, %norm: tensor<16xbf16>) -> (tensor<3x5x16xbf16>, tensor<3x5x4xbf16>) {
  // expected-error @+1 {{'hidden' must have rank 3 [batch, query tokens, d_model], got 'tensor<3x5x2x32xbf16>'}}
  %c_kv, %k_rope = mla.compress_kv %h, %w_dkv, %norm {config = #cfg} : (tensor<3x5x2x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>) -> (tensor<3x5x16xbf16>, tensor<3x5x4xbf16>)
  return %c_kv, %k_rope : tensor<3x5x16xbf16>, tensor<3x5x4xbf16>
}

// -----

// w_dkv holds the latent rows and then the rope rows.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @compress_kv_w_dkv_rows(%h: tensor<3x5x32xbf16>, %w_dkv: tensor<16x32xbf16>, %norm: tensor<16xbf16>) -> (tensor<3x5x16xbf16>, tensor<3x5x4xbf16>) {
  // expected-error @+1 {{'w_dkv' dimension 0 (kv_lora_rank + qk_rope_head_dim) must be 20, got 16}}
  %c_kv, %k_rope = mla.compress_kv %h, %w_dkv, %norm {config = #cfg} : (tensor<3x5x32xbf16>, tensor<16x32xbf16>, tensor<16xbf16>) -> (tensor<3x5x16xbf16>, tensor<3x5x4xbf16>)
  return %c_kv, %k_rope : tensor<3x5x16xbf16>, tensor<3x5x4xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @compress_kv_w_dkv_d_model(%h: tensor<3x5x32xbf16>, %w_dkv: tensor<20x64xbf16>, %norm: tensor<16xbf16>) -> (tensor<3x5x16xbf16>, tensor<3x5x4xbf16>) {
  // expected-error @+1 {{'w_dkv' dimension 1 (d_model) must be 32, got 64}}
  %c_kv, %k_rope = mla.compress_kv %h, %w_dkv, %norm {config = #cfg} : (tensor<3x5x32xbf16>, tensor<20x64xbf16>, tensor<16xbf16>) -> (tensor<3x5x16xbf16>, tensor<3x5x4xbf16>)
  return %c_kv, %k_rope : tensor<3x5x16xbf16>, tensor<3x5x4xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @compress_kv_norm_dim(%h: tensor<3x5x32xbf16>, %w_dkv: tensor<20x32xbf16>, %norm: tensor<20xbf16>) -> (tensor<3x5x16xbf16>, tensor<3x5x4xbf16>) {
  // expected-error @+1 {{'norm_weight' dimension 0 (kv_lora_rank) must be 16, got 20}}
  %c_kv, %k_rope = mla.compress_kv %h, %w_dkv, %norm {config = #cfg} : (tensor<3x5x32xbf16>, tensor<20x32xbf16>, tensor<20xbf16>) -> (tensor<3x5x16xbf16>, tensor<3x5x4xbf16>)
  return %c_kv, %k_rope : tensor<3x5x16xbf16>, tensor<3x5x4xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @compress_kv_c_kv_tokens(%h: tensor<3x5x32xbf16>, %w_dkv: tensor<20x32xbf16>, %norm: tensor<16xbf16>) -> (tensor<3x1x16xbf16>, tensor<3x5x4xbf16>) {
  // expected-error @+1 {{'c_kv' dimension 1 (query tokens) is 1 but 'hidden' has 5}}
  %c_kv, %k_rope = mla.compress_kv %h, %w_dkv, %norm {config = #cfg} : (tensor<3x5x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>) -> (tensor<3x1x16xbf16>, tensor<3x5x4xbf16>)
  return %c_kv, %k_rope : tensor<3x1x16xbf16>, tensor<3x5x4xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @compress_kv_c_kv_width(%h: tensor<3x5x32xbf16>, %w_dkv: tensor<20x32xbf16>, %norm: tensor<16xbf16>) -> (tensor<3x5x20xbf16>, tensor<3x5x4xbf16>) {
  // expected-error @+1 {{'c_kv' dimension 2 (kv_lora_rank) must be 16, got 20}}
  %c_kv, %k_rope = mla.compress_kv %h, %w_dkv, %norm {config = #cfg} : (tensor<3x5x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>) -> (tensor<3x5x20xbf16>, tensor<3x5x4xbf16>)
  return %c_kv, %k_rope : tensor<3x5x20xbf16>, tensor<3x5x4xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @compress_kv_k_rope_width(%h: tensor<3x5x32xbf16>, %w_dkv: tensor<20x32xbf16>, %norm: tensor<16xbf16>) -> (tensor<3x5x16xbf16>, tensor<3x5x8xbf16>) {
  // expected-error @+1 {{'k_rope' dimension 2 (qk_rope_head_dim) must be 4, got 8}}
  %c_kv, %k_rope = mla.compress_kv %h, %w_dkv, %norm {config = #cfg} : (tensor<3x5x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>) -> (tensor<3x5x16xbf16>, tensor<3x5x8xbf16>)
  return %c_kv, %k_rope : tensor<3x5x16xbf16>, tensor<3x5x8xbf16>
}

// -----

// k_rope is shared by all heads: it has no heads dimension.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @compress_kv_k_rope_rank(%h: tensor<3x5x32xbf16>, %w_dkv: tensor<20x32xbf16>, %norm: tensor<16xbf16>) -> (tensor<3x5x16xbf16>, tensor<3x5x2x4xbf16>) {
  // expected-error @+1 {{'k_rope' must have rank 3 [batch, query tokens, qk_rope_head_dim], got 'tensor<3x5x2x4xbf16>'}}
  %c_kv, %k_rope = mla.compress_kv %h, %w_dkv, %norm {config = #cfg} : (tensor<3x5x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>) -> (tensor<3x5x16xbf16>, tensor<3x5x2x4xbf16>)
  return %c_kv, %k_rope : tensor<3x5x16xbf16>, tensor<3x5x2x4xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @compress_kv_k_rope_batch(%h: tensor<3x5x32xbf16>, %w_dkv: tensor<20x32xbf16>, %norm: tensor<16xbf16>) -> (tensor<3x5x16xbf16>, tensor<2x5x4xbf16>) {
  // expected-error @+1 {{'k_rope' dimension 0 (batch) is 2 but 'hidden' has 3}}
  %c_kv, %k_rope = mla.compress_kv %h, %w_dkv, %norm {config = #cfg} : (tensor<3x5x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>) -> (tensor<3x5x16xbf16>, tensor<2x5x4xbf16>)
  return %c_kv, %k_rope : tensor<3x5x16xbf16>, tensor<2x5x4xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @compress_kv_element_type(%h: tensor<3x5x32xbf16>, %w_dkv: tensor<20x32xbf16>, %norm: tensor<16xbf16>) -> (tensor<3x5x16xbf16>, tensor<3x5x4xf32>) {
  // expected-error @+1 {{'k_rope' element type must be 'bf16' (the config's storage type), got 'f32'}}
  %c_kv, %k_rope = mla.compress_kv %h, %w_dkv, %norm {config = #cfg} : (tensor<3x5x32xbf16>, tensor<20x32xbf16>, tensor<16xbf16>) -> (tensor<3x5x16xbf16>, tensor<3x5x4xf32>)
  return %c_kv, %k_rope : tensor<3x5x16xbf16>, tensor<3x5x4xf32>
}

// -----

func.func @compress_kv_preset(%h: tensor<4x1x7168xbf16>, %w_dkv: tensor<512x7168xbf16>, %norm: tensor<512xbf16>) -> (tensor<4x1x512xbf16>, tensor<4x1x64xbf16>) {
  // expected-error @+1 {{'w_dkv' dimension 0 (kv_lora_rank + qk_rope_head_dim) must be 576, got 512}}
  %c_kv, %k_rope = mla.compress_kv %h, %w_dkv, %norm {config = #mla.config<"deepseek-v3", heads = 16>} : (tensor<4x1x7168xbf16>, tensor<512x7168xbf16>, tensor<512xbf16>) -> (tensor<4x1x512xbf16>, tensor<4x1x64xbf16>)
  return %c_kv, %k_rope : tensor<4x1x512xbf16>, tensor<4x1x64xbf16>
}

// -----

// Without q_lora_rank the input is the hidden state.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @up_project_query_input_no_q_lora(%in: tensor<3x5x24xbf16>, %w_uq: tensor<2x12x24xbf16>) -> (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>) {
  // expected-error @+1 {{'input' dimension 2 (d_model, the config has no q_lora_rank) must be 32, got 24}}
  %q_nope, %q_rope = mla.up_project_query %in, %w_uq {config = #cfg} : (tensor<3x5x24xbf16>, tensor<2x12x24xbf16>) -> (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>)
  return %q_nope, %q_rope : tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>
}

// -----

// With q_lora_rank the input is c_q, not the hidden state.
#cfgq = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @up_project_query_input_q_lora(%in: tensor<3x5x32xbf16>, %w_uq: tensor<2x12x32xbf16>) -> (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>) {
  // expected-error @+1 {{'input' dimension 2 (q_lora_rank) must be 24, got 32}}
  %q_nope, %q_rope = mla.up_project_query %in, %w_uq {config = #cfgq} : (tensor<3x5x32xbf16>, tensor<2x12x32xbf16>) -> (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>)
  return %q_nope, %q_rope : tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @up_project_query_input_rank(%in: tensor<15x32xbf16>, %w_uq: tensor<2x12x32xbf16>) -> (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>) {
  // expected-error @+1 {{'input' must have rank 3 [batch, query tokens, d_model, the config has no q_lora_rank], got 'tensor<15x32xbf16>'}}
  %q_nope, %q_rope = mla.up_project_query %in, %w_uq {config = #cfg} : (tensor<15x32xbf16>, tensor<2x12x32xbf16>) -> (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>)
  return %q_nope, %q_rope : tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @up_project_query_w_uq_rows(%in: tensor<3x5x32xbf16>, %w_uq: tensor<2x8x32xbf16>) -> (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>) {
  // expected-error @+1 {{'w_uq' dimension 1 (qk_nope_head_dim + qk_rope_head_dim) must be 12, got 8}}
  %q_nope, %q_rope = mla.up_project_query %in, %w_uq {config = #cfg} : (tensor<3x5x32xbf16>, tensor<2x8x32xbf16>) -> (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>)
  return %q_nope, %q_rope : tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>
}

// -----

// Tensor parallelism: each rank holds 16 of DeepSeek-V3's 128 heads.
func.func @up_project_query_preset_heads(%in: tensor<4x1x1536xbf16>, %w_uq: tensor<128x192x1536xbf16>) -> (tensor<4x1x16x128xbf16>, tensor<4x1x16x64xbf16>) {
  // expected-error @+1 {{'w_uq' dimension 0 (heads) must be 16, got 128}}
  %q_nope, %q_rope = mla.up_project_query %in, %w_uq {config = #mla.config<"deepseek-v3", heads = 16>} : (tensor<4x1x1536xbf16>, tensor<128x192x1536xbf16>) -> (tensor<4x1x16x128xbf16>, tensor<4x1x16x64xbf16>)
  return %q_nope, %q_rope : tensor<4x1x16x128xbf16>, tensor<4x1x16x64xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @up_project_query_q_nope_rank(%in: tensor<3x5x32xbf16>, %w_uq: tensor<2x12x32xbf16>) -> (tensor<3x5x16xbf16>, tensor<3x5x2x4xbf16>) {
  // expected-error @+1 {{'q_nope' must have rank 4 [batch, query tokens, heads, qk_nope_head_dim], got 'tensor<3x5x16xbf16>'}}
  %q_nope, %q_rope = mla.up_project_query %in, %w_uq {config = #cfg} : (tensor<3x5x32xbf16>, tensor<2x12x32xbf16>) -> (tensor<3x5x16xbf16>, tensor<3x5x2x4xbf16>)
  return %q_nope, %q_rope : tensor<3x5x16xbf16>, tensor<3x5x2x4xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @up_project_query_q_nope_batch(%in: tensor<3x5x32xbf16>, %w_uq: tensor<2x12x32xbf16>) -> (tensor<4x5x2x8xbf16>, tensor<3x5x2x4xbf16>) {
  // expected-error @+1 {{'q_nope' dimension 0 (batch) is 4 but 'input' has 3}}
  %q_nope, %q_rope = mla.up_project_query %in, %w_uq {config = #cfg} : (tensor<3x5x32xbf16>, tensor<2x12x32xbf16>) -> (tensor<4x5x2x8xbf16>, tensor<3x5x2x4xbf16>)
  return %q_nope, %q_rope : tensor<4x5x2x8xbf16>, tensor<3x5x2x4xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @up_project_query_q_rope_dim(%in: tensor<3x5x32xbf16>, %w_uq: tensor<2x12x32xbf16>) -> (tensor<3x5x2x8xbf16>, tensor<3x5x2x8xbf16>) {
  // expected-error @+1 {{'q_rope' dimension 3 (qk_rope_head_dim) must be 4, got 8}}
  %q_nope, %q_rope = mla.up_project_query %in, %w_uq {config = #cfg} : (tensor<3x5x32xbf16>, tensor<2x12x32xbf16>) -> (tensor<3x5x2x8xbf16>, tensor<3x5x2x8xbf16>)
  return %q_nope, %q_rope : tensor<3x5x2x8xbf16>, tensor<3x5x2x8xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @up_project_query_q_rope_tokens(%in: tensor<3x5x32xbf16>, %w_uq: tensor<2x12x32xbf16>) -> (tensor<3x5x2x8xbf16>, tensor<3x1x2x4xbf16>) {
  // expected-error @+1 {{'q_rope' dimension 1 (query tokens) is 1 but 'input' has 5}}
  %q_nope, %q_rope = mla.up_project_query %in, %w_uq {config = #cfg} : (tensor<3x5x32xbf16>, tensor<2x12x32xbf16>) -> (tensor<3x5x2x8xbf16>, tensor<3x1x2x4xbf16>)
  return %q_nope, %q_rope : tensor<3x5x2x8xbf16>, tensor<3x1x2x4xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @up_project_query_element_type(%in: tensor<3x5x32xf16>, %w_uq: tensor<2x12x32xbf16>) -> (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>) {
  // expected-error @+1 {{'input' element type must be 'bf16' (the config's storage type), got 'f16'}}
  %q_nope, %q_rope = mla.up_project_query %in, %w_uq {config = #cfg} : (tensor<3x5x32xf16>, tensor<2x12x32xbf16>) -> (tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>)
  return %q_nope, %q_rope : tensor<3x5x2x8xbf16>, tensor<3x5x2x4xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @up_project_k_c_kv_rank(%c_kv: tensor<7x16xbf16>, %w_uk: tensor<2x8x16xbf16>) -> tensor<3x7x2x8xbf16> {
  // expected-error @+1 {{'c_kv' must have rank 3 [batch, key tokens, kv_lora_rank], got 'tensor<7x16xbf16>'}}
  %k_nope = mla.up_project_k %c_kv, %w_uk {config = #cfg} : (tensor<7x16xbf16>, tensor<2x8x16xbf16>) -> tensor<3x7x2x8xbf16>
  return %k_nope : tensor<3x7x2x8xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @up_project_k_c_kv_width(%c_kv: tensor<3x7x20xbf16>, %w_uk: tensor<2x8x16xbf16>) -> tensor<3x7x2x8xbf16> {
  // expected-error @+1 {{'c_kv' dimension 2 (kv_lora_rank) must be 16, got 20}}
  %k_nope = mla.up_project_k %c_kv, %w_uk {config = #cfg} : (tensor<3x7x20xbf16>, tensor<2x8x16xbf16>) -> tensor<3x7x2x8xbf16>
  return %k_nope : tensor<3x7x2x8xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @up_project_k_w_uk_nope_dim(%c_kv: tensor<3x7x16xbf16>, %w_uk: tensor<2x6x16xbf16>) -> tensor<3x7x2x8xbf16> {
  // expected-error @+1 {{'w_uk' dimension 1 (qk_nope_head_dim) must be 8, got 6}}
  %k_nope = mla.up_project_k %c_kv, %w_uk {config = #cfg} : (tensor<3x7x16xbf16>, tensor<2x6x16xbf16>) -> tensor<3x7x2x8xbf16>
  return %k_nope : tensor<3x7x2x8xbf16>
}

// -----

// W_UK maps the latent to the heads, not the other way round.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @up_project_k_w_uk_transposed(%c_kv: tensor<3x7x16xbf16>, %w_uk: tensor<2x16x8xbf16>) -> tensor<3x7x2x8xbf16> {
  // expected-error @+1 {{'w_uk' dimension 1 (qk_nope_head_dim) must be 8, got 16}}
  %k_nope = mla.up_project_k %c_kv, %w_uk {config = #cfg} : (tensor<3x7x16xbf16>, tensor<2x16x8xbf16>) -> tensor<3x7x2x8xbf16>
  return %k_nope : tensor<3x7x2x8xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @up_project_k_k_nope_tokens(%c_kv: tensor<3x7x16xbf16>, %w_uk: tensor<2x8x16xbf16>) -> tensor<3x5x2x8xbf16> {
  // expected-error @+1 {{'k_nope' dimension 1 (key tokens) is 5 but 'c_kv' has 7}}
  %k_nope = mla.up_project_k %c_kv, %w_uk {config = #cfg} : (tensor<3x7x16xbf16>, tensor<2x8x16xbf16>) -> tensor<3x5x2x8xbf16>
  return %k_nope : tensor<3x5x2x8xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @up_project_k_k_nope_heads(%c_kv: tensor<3x7x16xbf16>, %w_uk: tensor<2x8x16xbf16>) -> tensor<3x7x1x8xbf16> {
  // expected-error @+1 {{'k_nope' dimension 2 (heads) must be 2, got 1}}
  %k_nope = mla.up_project_k %c_kv, %w_uk {config = #cfg} : (tensor<3x7x16xbf16>, tensor<2x8x16xbf16>) -> tensor<3x7x1x8xbf16>
  return %k_nope : tensor<3x7x1x8xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @up_project_k_element_type(%c_kv: tensor<3x7x16xbf16>, %w_uk: tensor<2x8x16xbf16>) -> tensor<3x7x2x8xf32> {
  // expected-error @+1 {{'k_nope' element type must be 'bf16' (the config's storage type), got 'f32'}}
  %k_nope = mla.up_project_k %c_kv, %w_uk {config = #cfg} : (tensor<3x7x16xbf16>, tensor<2x8x16xbf16>) -> tensor<3x7x2x8xf32>
  return %k_nope : tensor<3x7x2x8xf32>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @up_project_v_c_kv_width(%c_kv: tensor<3x7x8xbf16>, %w_uv: tensor<2x6x16xbf16>) -> tensor<3x7x2x6xbf16> {
  // expected-error @+1 {{'c_kv' dimension 2 (kv_lora_rank) must be 16, got 8}}
  %v = mla.up_project_v %c_kv, %w_uv {config = #cfg} : (tensor<3x7x8xbf16>, tensor<2x6x16xbf16>) -> tensor<3x7x2x6xbf16>
  return %v : tensor<3x7x2x6xbf16>
}

// -----

// W_UV's rows are v_head_dim, not qk_nope_head_dim.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @up_project_v_w_uv_rows(%c_kv: tensor<3x7x16xbf16>, %w_uv: tensor<2x8x16xbf16>) -> tensor<3x7x2x6xbf16> {
  // expected-error @+1 {{'w_uv' dimension 1 (v_head_dim) must be 6, got 8}}
  %v = mla.up_project_v %c_kv, %w_uv {config = #cfg} : (tensor<3x7x16xbf16>, tensor<2x8x16xbf16>) -> tensor<3x7x2x6xbf16>
  return %v : tensor<3x7x2x6xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @up_project_v_w_uv_rank(%c_kv: tensor<3x7x16xbf16>, %w_uv: tensor<12x16xbf16>) -> tensor<3x7x2x6xbf16> {
  // expected-error @+1 {{'w_uv' must have rank 3 [heads, v_head_dim, kv_lora_rank], got 'tensor<12x16xbf16>'}}
  %v = mla.up_project_v %c_kv, %w_uv {config = #cfg} : (tensor<3x7x16xbf16>, tensor<12x16xbf16>) -> tensor<3x7x2x6xbf16>
  return %v : tensor<3x7x2x6xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @up_project_v_v_batch(%c_kv: tensor<3x7x16xbf16>, %w_uv: tensor<2x6x16xbf16>) -> tensor<1x7x2x6xbf16> {
  // expected-error @+1 {{'v' dimension 0 (batch) is 1 but 'c_kv' has 3}}
  %v = mla.up_project_v %c_kv, %w_uv {config = #cfg} : (tensor<3x7x16xbf16>, tensor<2x6x16xbf16>) -> tensor<1x7x2x6xbf16>
  return %v : tensor<1x7x2x6xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @up_project_v_v_dim(%c_kv: tensor<3x7x16xbf16>, %w_uv: tensor<2x6x16xbf16>) -> tensor<3x7x2x8xbf16> {
  // expected-error @+1 {{'v' dimension 3 (v_head_dim) must be 6, got 8}}
  %v = mla.up_project_v %c_kv, %w_uv {config = #cfg} : (tensor<3x7x16xbf16>, tensor<2x6x16xbf16>) -> tensor<3x7x2x8xbf16>
  return %v : tensor<3x7x2x8xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @up_project_v_element_type(%c_kv: tensor<3x7x16xf32>, %w_uv: tensor<2x6x16xbf16>) -> tensor<3x7x2x6xbf16> {
  // expected-error @+1 {{'c_kv' element type must be 'bf16' (the config's storage type), got 'f32'}}
  %v = mla.up_project_v %c_kv, %w_uv {config = #cfg} : (tensor<3x7x16xf32>, tensor<2x6x16xbf16>) -> tensor<3x7x2x6xbf16>
  return %v : tensor<3x7x2x6xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @absorb_query_q_nope_rank(%q_nope: tensor<3x5x16xbf16>, %w_uk: tensor<2x8x16xbf16>) -> tensor<3x5x2x16xbf16> {
  // expected-error @+1 {{'q_nope' must have rank 4 [batch, query tokens, heads, qk_nope_head_dim], got 'tensor<3x5x16xbf16>'}}
  %q_latent = mla.absorb_query %q_nope, %w_uk {config = #cfg} : (tensor<3x5x16xbf16>, tensor<2x8x16xbf16>) -> tensor<3x5x2x16xbf16>
  return %q_latent : tensor<3x5x2x16xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @absorb_query_q_nope_dim(%q_nope: tensor<3x5x2x12xbf16>, %w_uk: tensor<2x8x16xbf16>) -> tensor<3x5x2x16xbf16> {
  // expected-error @+1 {{'q_nope' dimension 3 (qk_nope_head_dim) must be 8, got 12}}
  %q_latent = mla.absorb_query %q_nope, %w_uk {config = #cfg} : (tensor<3x5x2x12xbf16>, tensor<2x8x16xbf16>) -> tensor<3x5x2x16xbf16>
  return %q_latent : tensor<3x5x2x16xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @absorb_query_w_uk_heads(%q_nope: tensor<3x5x2x8xbf16>, %w_uk: tensor<4x8x16xbf16>) -> tensor<3x5x2x16xbf16> {
  // expected-error @+1 {{'w_uk' dimension 0 (heads) must be 2, got 4}}
  %q_latent = mla.absorb_query %q_nope, %w_uk {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<4x8x16xbf16>) -> tensor<3x5x2x16xbf16>
  return %q_latent : tensor<3x5x2x16xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @absorb_query_q_latent_dim(%q_nope: tensor<3x5x2x8xbf16>, %w_uk: tensor<2x8x16xbf16>) -> tensor<3x5x2x8xbf16> {
  // expected-error @+1 {{'q_latent' dimension 3 (kv_lora_rank) must be 16, got 8}}
  %q_latent = mla.absorb_query %q_nope, %w_uk {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<2x8x16xbf16>) -> tensor<3x5x2x8xbf16>
  return %q_latent : tensor<3x5x2x8xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @absorb_query_q_latent_tokens(%q_nope: tensor<3x5x2x8xbf16>, %w_uk: tensor<2x8x16xbf16>) -> tensor<3x7x2x16xbf16> {
  // expected-error @+1 {{'q_latent' dimension 1 (query tokens) is 7 but 'q_nope' has 5}}
  %q_latent = mla.absorb_query %q_nope, %w_uk {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<2x8x16xbf16>) -> tensor<3x7x2x16xbf16>
  return %q_latent : tensor<3x7x2x16xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @absorb_query_element_type(%q_nope: tensor<3x5x2x8xbf16>, %w_uk: tensor<2x8x16xbf16>) -> tensor<3x5x2x16xf32> {
  // expected-error @+1 {{'q_latent' element type must be 'bf16' (the config's storage type), got 'f32'}}
  %q_latent = mla.absorb_query %q_nope, %w_uk {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<2x8x16xbf16>) -> tensor<3x5x2x16xf32>
  return %q_latent : tensor<3x5x2x16xf32>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @absorb_output_o_latent_rank(%o_latent: tensor<3x5x32xbf16>, %w_uv: tensor<2x6x16xbf16>) -> tensor<3x5x2x6xbf16> {
  // expected-error @+1 {{'o_latent' must have rank 4 [batch, query tokens, heads, kv_lora_rank], got 'tensor<3x5x32xbf16>'}}
  %out = mla.absorb_output %o_latent, %w_uv {config = #cfg} : (tensor<3x5x32xbf16>, tensor<2x6x16xbf16>) -> tensor<3x5x2x6xbf16>
  return %out : tensor<3x5x2x6xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @absorb_output_o_latent_dim(%o_latent: tensor<3x5x2x6xbf16>, %w_uv: tensor<2x6x16xbf16>) -> tensor<3x5x2x6xbf16> {
  // expected-error @+1 {{'o_latent' dimension 3 (kv_lora_rank) must be 16, got 6}}
  %out = mla.absorb_output %o_latent, %w_uv {config = #cfg} : (tensor<3x5x2x6xbf16>, tensor<2x6x16xbf16>) -> tensor<3x5x2x6xbf16>
  return %out : tensor<3x5x2x6xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @absorb_output_w_uv_width(%o_latent: tensor<3x5x2x16xbf16>, %w_uv: tensor<2x6x20xbf16>) -> tensor<3x5x2x6xbf16> {
  // expected-error @+1 {{'w_uv' dimension 2 (kv_lora_rank) must be 16, got 20}}
  %out = mla.absorb_output %o_latent, %w_uv {config = #cfg} : (tensor<3x5x2x16xbf16>, tensor<2x6x20xbf16>) -> tensor<3x5x2x6xbf16>
  return %out : tensor<3x5x2x6xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @absorb_output_out_dim(%o_latent: tensor<3x5x2x16xbf16>, %w_uv: tensor<2x6x16xbf16>) -> tensor<3x5x2x16xbf16> {
  // expected-error @+1 {{'out' dimension 3 (v_head_dim) must be 6, got 16}}
  %out = mla.absorb_output %o_latent, %w_uv {config = #cfg} : (tensor<3x5x2x16xbf16>, tensor<2x6x16xbf16>) -> tensor<3x5x2x16xbf16>
  return %out : tensor<3x5x2x16xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @absorb_output_out_batch(%o_latent: tensor<3x5x2x16xbf16>, %w_uv: tensor<2x6x16xbf16>) -> tensor<6x5x2x6xbf16> {
  // expected-error @+1 {{'out' dimension 0 (batch) is 6 but 'o_latent' has 3}}
  %out = mla.absorb_output %o_latent, %w_uv {config = #cfg} : (tensor<3x5x2x16xbf16>, tensor<2x6x16xbf16>) -> tensor<6x5x2x6xbf16>
  return %out : tensor<6x5x2x6xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @absorb_output_element_type(%o_latent: tensor<3x5x2x16xf32>, %w_uv: tensor<2x6x16xbf16>) -> tensor<3x5x2x6xbf16> {
  // expected-error @+1 {{'o_latent' element type must be 'bf16' (the config's storage type), got 'f32'}}
  %out = mla.absorb_output %o_latent, %w_uv {config = #cfg} : (tensor<3x5x2x16xf32>, tensor<2x6x16xbf16>) -> tensor<3x5x2x6xbf16>
  return %out : tensor<3x5x2x6xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @output_projection_heads_out_rank(%o: tensor<3x5x12xbf16>, %w_o: tensor<32x2x6xbf16>) -> tensor<3x5x32xbf16> {
  // expected-error @+1 {{'heads_out' must have rank 4 [batch, query tokens, heads, v_head_dim or kv_lora_rank], got 'tensor<3x5x12xbf16>'}}
  %out = mla.output_projection %o, %w_o {config = #cfg} : (tensor<3x5x12xbf16>, tensor<32x2x6xbf16>) -> tensor<3x5x32xbf16>
  return %out : tensor<3x5x32xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @output_projection_head_dim(%o: tensor<3x5x2x8xbf16>, %w_o: tensor<32x2x8xbf16>) -> tensor<3x5x32xbf16> {
  // expected-error @+1 {{'heads_out' dimension 3 must be v_head_dim (6) or kv_lora_rank (16, with W_UV pre-multiplied into w_o), got 8}}
  %out = mla.output_projection %o, %w_o {config = #cfg} : (tensor<3x5x2x8xbf16>, tensor<32x2x8xbf16>) -> tensor<3x5x32xbf16>
  return %out : tensor<3x5x32xbf16>
}

// -----

// The head dimension decides the form, so it has to be static.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @output_projection_dynamic_head_dim(%o: tensor<3x5x2x?xbf16>, %w_o: tensor<32x2x6xbf16>) -> tensor<3x5x32xbf16> {
  // expected-error @+1 {{'heads_out' dimension 3 must be v_head_dim (6) or kv_lora_rank (16, with W_UV pre-multiplied into w_o), got ?}}
  %out = mla.output_projection %o, %w_o {config = #cfg} : (tensor<3x5x2x?xbf16>, tensor<32x2x6xbf16>) -> tensor<3x5x32xbf16>
  return %out : tensor<3x5x32xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @output_projection_heads_out_heads(%o: tensor<3x5x4x6xbf16>, %w_o: tensor<32x2x6xbf16>) -> tensor<3x5x32xbf16> {
  // expected-error @+1 {{'heads_out' dimension 2 (heads) must be 2, got 4}}
  %out = mla.output_projection %o, %w_o {config = #cfg} : (tensor<3x5x4x6xbf16>, tensor<32x2x6xbf16>) -> tensor<3x5x32xbf16>
  return %out : tensor<3x5x32xbf16>
}

// -----

// heads_out in the v_head_dim form needs a w_o in the same form.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @output_projection_w_o_absorbed_mismatch(%o: tensor<3x5x2x6xbf16>, %w_o: tensor<32x2x16xbf16>) -> tensor<3x5x32xbf16> {
  // expected-error @+1 {{'w_o' dimension 2 (v_head_dim) must be 6, got 16}}
  %out = mla.output_projection %o, %w_o {config = #cfg} : (tensor<3x5x2x6xbf16>, tensor<32x2x16xbf16>) -> tensor<3x5x32xbf16>
  return %out : tensor<3x5x32xbf16>
}

// -----

// heads_out in the latent form needs W_UV pre-multiplied into w_o.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @output_projection_w_o_not_absorbed(%o: tensor<3x5x2x16xbf16>, %w_o: tensor<32x2x6xbf16>) -> tensor<3x5x32xbf16> {
  // expected-error @+1 {{'w_o' dimension 2 (kv_lora_rank) must be 16, got 6}}
  %out = mla.output_projection %o, %w_o {config = #cfg} : (tensor<3x5x2x16xbf16>, tensor<32x2x6xbf16>) -> tensor<3x5x32xbf16>
  return %out : tensor<3x5x32xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @output_projection_w_o_rank(%o: tensor<3x5x2x6xbf16>, %w_o: tensor<32x12xbf16>) -> tensor<3x5x32xbf16> {
  // expected-error @+1 {{'w_o' must have rank 3 [d_model, heads, v_head_dim], got 'tensor<32x12xbf16>'}}
  %out = mla.output_projection %o, %w_o {config = #cfg} : (tensor<3x5x2x6xbf16>, tensor<32x12xbf16>) -> tensor<3x5x32xbf16>
  return %out : tensor<3x5x32xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @output_projection_w_o_d_model(%o: tensor<3x5x2x6xbf16>, %w_o: tensor<16x2x6xbf16>) -> tensor<3x5x32xbf16> {
  // expected-error @+1 {{'w_o' dimension 0 (d_model) must be 32, got 16}}
  %out = mla.output_projection %o, %w_o {config = #cfg} : (tensor<3x5x2x6xbf16>, tensor<16x2x6xbf16>) -> tensor<3x5x32xbf16>
  return %out : tensor<3x5x32xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @output_projection_out_tokens(%o: tensor<3x5x2x6xbf16>, %w_o: tensor<32x2x6xbf16>) -> tensor<3x4x32xbf16> {
  // expected-error @+1 {{'out' dimension 1 (query tokens) is 4 but 'heads_out' has 5}}
  %out = mla.output_projection %o, %w_o {config = #cfg} : (tensor<3x5x2x6xbf16>, tensor<32x2x6xbf16>) -> tensor<3x4x32xbf16>
  return %out : tensor<3x4x32xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @output_projection_out_rank(%o: tensor<3x5x2x6xbf16>, %w_o: tensor<32x2x6xbf16>) -> tensor<15x32xbf16> {
  // expected-error @+1 {{'out' must have rank 3 [batch, query tokens, d_model], got 'tensor<15x32xbf16>'}}
  %out = mla.output_projection %o, %w_o {config = #cfg} : (tensor<3x5x2x6xbf16>, tensor<32x2x6xbf16>) -> tensor<15x32xbf16>
  return %out : tensor<15x32xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @output_projection_element_type(%o: tensor<3x5x2x6xbf16>, %w_o: tensor<32x2x6xbf16>) -> tensor<3x5x32xf32> {
  // expected-error @+1 {{'out' element type must be 'bf16' (the config's storage type), got 'f32'}}
  %out = mla.output_projection %o, %w_o {config = #cfg} : (tensor<3x5x2x6xbf16>, tensor<32x2x6xbf16>) -> tensor<3x5x32xf32>
  return %out : tensor<3x5x32xf32>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @rope_input_rank_2(%x: tensor<15x4xbf16>, %pos: tensor<3x5xi32>) -> tensor<15x4xbf16> {
  // expected-error @+1 {{'input' must have rank 3 [batch, tokens, qk_rope_head_dim] or 4 [batch, tokens, heads, qk_rope_head_dim], got 'tensor<15x4xbf16>'}}
  %r = mla.rope %x, %pos {config = #cfg} : tensor<15x4xbf16>, tensor<3x5xi32>
  return %r : tensor<15x4xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @rope_input_rank_5(%x: tensor<1x3x5x2x4xbf16>, %pos: tensor<3x5xi32>) -> tensor<1x3x5x2x4xbf16> {
  // expected-error @+1 {{'input' must have rank 3 [batch, tokens, qk_rope_head_dim] or 4 [batch, tokens, heads, qk_rope_head_dim], got 'tensor<1x3x5x2x4xbf16>'}}
  %r = mla.rope %x, %pos {config = #cfg} : tensor<1x3x5x2x4xbf16>, tensor<3x5xi32>
  return %r : tensor<1x3x5x2x4xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @rope_k_rope_dim(%k_rope: tensor<3x5x8xbf16>, %pos: tensor<3x5xi32>) -> tensor<3x5x8xbf16> {
  // expected-error @+1 {{'input' dimension 2 (qk_rope_head_dim) must be 4, got 8}}
  %r = mla.rope %k_rope, %pos {config = #cfg} : tensor<3x5x8xbf16>, tensor<3x5xi32>
  return %r : tensor<3x5x8xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @rope_q_rope_heads(%q_rope: tensor<3x5x4x4xbf16>, %pos: tensor<3x5xi32>) -> tensor<3x5x4x4xbf16> {
  // expected-error @+1 {{'input' dimension 2 (heads) must be 2, got 4}}
  %r = mla.rope %q_rope, %pos {config = #cfg} : tensor<3x5x4x4xbf16>, tensor<3x5xi32>
  return %r : tensor<3x5x4x4xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @rope_q_rope_dim(%q_rope: tensor<3x5x2x8xbf16>, %pos: tensor<3x5xi32>) -> tensor<3x5x2x8xbf16> {
  // expected-error @+1 {{'input' dimension 3 (qk_rope_head_dim) must be 4, got 8}}
  %r = mla.rope %q_rope, %pos {config = #cfg} : tensor<3x5x2x8xbf16>, tensor<3x5xi32>
  return %r : tensor<3x5x2x8xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @rope_positions_rank(%q_rope: tensor<3x5x2x4xbf16>, %pos: tensor<3xi32>) -> tensor<3x5x2x4xbf16> {
  // expected-error @+1 {{'positions' must have rank 2 [batch, query tokens], got 'tensor<3xi32>'}}
  %r = mla.rope %q_rope, %pos {config = #cfg} : tensor<3x5x2x4xbf16>, tensor<3xi32>
  return %r : tensor<3x5x2x4xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @rope_positions_tokens(%q_rope: tensor<3x5x2x4xbf16>, %pos: tensor<3x6xi32>) -> tensor<3x5x2x4xbf16> {
  // expected-error @+1 {{'positions' dimension 1 (query tokens) is 6 but 'input' has 5}}
  %r = mla.rope %q_rope, %pos {config = #cfg} : tensor<3x5x2x4xbf16>, tensor<3x6xi32>
  return %r : tensor<3x5x2x4xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @rope_positions_batch(%k_rope: tensor<3x5x4xbf16>, %pos: tensor<1x5xi32>) -> tensor<3x5x4xbf16> {
  // expected-error @+1 {{'positions' dimension 0 (batch) is 1 but 'input' has 3}}
  %r = mla.rope %k_rope, %pos {config = #cfg} : tensor<3x5x4xbf16>, tensor<1x5xi32>
  return %r : tensor<3x5x4xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @rope_element_type(%q_rope: tensor<3x5x2x4xf32>, %pos: tensor<3x5xi32>) -> tensor<3x5x2x4xf32> {
  // expected-error @+1 {{'input' element type must be 'bf16' (the config's storage type), got 'f32'}}
  %r = mla.rope %q_rope, %pos {config = #cfg} : tensor<3x5x2x4xf32>, tensor<3x5xi32>
  return %r : tensor<3x5x2x4xf32>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @rope_positions_i64(%q_rope: tensor<3x5x2x4xbf16>, %pos: tensor<3x5xi64>) -> tensor<3x5x2x4xbf16> {
  // expected-error @+1 {{operand #1 must be ranked tensor of 32-bit signless integer values, but got 'tensor<3x5xi64>'}}
  %r = mla.rope %q_rope, %pos {config = #cfg} : tensor<3x5x2x4xbf16>, tensor<3x5xi64>
  return %r : tensor<3x5x2x4xbf16>
}

// -----

// The custom form names the operand types, which must be ranked tensors.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @rope_positions_unranked(%q_rope: tensor<3x5x2x4xbf16>, %pos: tensor<*xi32>) -> tensor<3x5x2x4xbf16> {
  // expected-error @+1 {{invalid kind of type specified: expected builtin.tensor, but found 'tensor<*xi32>'}}
  %r = mla.rope %q_rope, %pos {config = #cfg} : tensor<3x5x2x4xbf16>, tensor<*xi32>
  return %r : tensor<3x5x2x4xbf16>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @rope_positions_unranked_generic(%q_rope: tensor<3x5x2x4xbf16>, %pos: tensor<*xi32>) -> tensor<3x5x2x4xbf16> {
  // expected-error @+1 {{operand #1 must be ranked tensor of 32-bit signless integer values, but got 'tensor<*xi32>'}}
  %r = "mla.rope"(%q_rope, %pos) {config = #cfg} : (tensor<3x5x2x4xbf16>, tensor<*xi32>) -> tensor<3x5x2x4xbf16>
  return %r : tensor<3x5x2x4xbf16>
}

// -----

// The result has the type of the input (only the generic form can differ).
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>
func.func @rope_result_type(%q_rope: tensor<3x5x2x4xbf16>, %pos: tensor<3x5xi32>) -> tensor<3x5x2x4xf32> {
  // expected-error @+1 {{failed to verify that all of {input, result} have same type}}
  %r = "mla.rope"(%q_rope, %pos) {config = #cfg} : (tensor<3x5x2x4xbf16>, tensor<3x5xi32>) -> tensor<3x5x2x4xf32>
  return %r : tensor<3x5x2x4xf32>
}
