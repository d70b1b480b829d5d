// RUN: mla-opt %s -split-input-file --mla-fuse | FileCheck %s
// RUN: mla-opt %s -split-input-file --mla-fuse="absorptions=false" | FileCheck %s --check-prefix=SEPARATE

// With absorptions=false (the CUDA path) RoPE still moves into the append;
// the absorptions stay their own ops.
// SEPARATE-LABEL: func.func @rope_into_append
// SEPARATE: mla.cache_append {{.*}} rope(
// SEPARATE-LABEL: func.func @absorptions_into_attention
// SEPARATE: mla.absorb_query
// SEPARATE: mla.latent_attention
// SEPARATE-NOT: absorb_query(
// SEPARATE: mla.absorb_output

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = f32>
!cache = !mla.paged_cache<pages = 8, page_size = 4, latent = 16, rope = 4, f32>

// RoPE of the new keys moves into the append, which rotates while writing.
// CHECK-LABEL: func.func @rope_into_append
// CHECK-SAME: (%[[CACHE:.*]]: !mla.paged_cache<{{.*}}>, %[[BT:.*]]: tensor<2x4xi32>, %[[LENS:.*]]: tensor<2xi32>, %[[CKV:.*]]: tensor<2x1x16xf32>, %[[KR:.*]]: tensor<2x1x4xf32>, %[[POS:.*]]: tensor<2x1xi32>)
// CHECK-NOT: mla.rope
// CHECK: %[[NEW:.*]] = mla.cache_append %[[CKV]], %[[KR]] into %[[CACHE]][%[[BT]], %[[LENS]]] rope(%[[POS]])
// CHECK: return %[[NEW]]
func.func @rope_into_append(%cache: !cache, %bt: tensor<2x4xi32>, %lens: tensor<2xi32>,
    %c_kv: tensor<2x1x16xf32>, %k_rope: tensor<2x1x4xf32>, %pos: tensor<2x1xi32>) -> !cache {
  %rotated = mla.rope %k_rope, %pos {config = #cfg} : tensor<2x1x4xf32>, tensor<2x1xi32>
  %new = mla.cache_append %c_kv, %rotated into %cache[%bt, %lens] {config = #cfg}
      : tensor<2x1x16xf32>, tensor<2x1x4xf32> into !cache[tensor<2x4xi32>, tensor<2xi32>]
  return %new : !cache
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = f32>
!cache = !mla.paged_cache<pages = 8, page_size = 4, latent = 16, rope = 4, f32>

// Left alone: the rotated keys are used again, so RoPE must stay.
// CHECK-LABEL: func.func @rope_with_other_user
// CHECK: %[[ROT:.*]] = mla.rope
// CHECK: mla.cache_append %{{.*}}, %[[ROT]] into
// CHECK-NOT: rope(
// CHECK: return
func.func @rope_with_other_user(%cache: !cache, %bt: tensor<2x4xi32>, %lens: tensor<2xi32>,
    %c_kv: tensor<2x1x16xf32>, %k_rope: tensor<2x1x4xf32>, %pos: tensor<2x1xi32>)
    -> (!cache, tensor<2x1x4xf32>) {
  %rotated = mla.rope %k_rope, %pos {config = #cfg} : tensor<2x1x4xf32>, tensor<2x1xi32>
  %new = mla.cache_append %c_kv, %rotated into %cache[%bt, %lens] {config = #cfg}
      : tensor<2x1x16xf32>, tensor<2x1x4xf32> into !cache[tensor<2x4xi32>, tensor<2xi32>]
  return %new, %rotated : !cache, tensor<2x1x4xf32>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = f32>
!cache = !mla.paged_cache<pages = 8, page_size = 4, latent = 16, rope = 4, f32>

// Both absorptions move into the attention; the LSE keeps its users.
// CHECK-LABEL: func.func @absorptions_into_attention
// CHECK-SAME: (%[[QN:.*]]: tensor<2x1x2x8xf32>, %[[QR:.*]]: tensor<2x1x2x4xf32>, %[[CACHE:.*]]: !mla.paged_cache<{{.*}}>, %[[BT:.*]]: tensor<2x4xi32>, %[[LENS:.*]]: tensor<2xi32>, %[[WUK:.*]]: tensor<2x8x16xf32>, %[[WUV:.*]]: tensor<2x8x16xf32>)
// CHECK-NOT: mla.absorb_
// CHECK: %[[O:.*]], %[[LSE:.*]] = mla.latent_attention %[[QN]], %[[QR]], %[[CACHE]][%[[BT]], %[[LENS]]] absorb_query(%[[WUK]]) absorb_output(%[[WUV]]) {causal, config = #mla_config} : (tensor<2x1x2x8xf32>, tensor<2x1x2x4xf32>, !mla.paged_cache<{{.*}}>, tensor<2x4xi32>, tensor<2xi32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> (tensor<2x1x2x8xf32>, tensor<2x1x2xf32>)
// CHECK-NOT: mla.absorb_
// CHECK: return %[[O]], %[[LSE]]
func.func @absorptions_into_attention(%q_nope: tensor<2x1x2x8xf32>, %q_rope: tensor<2x1x2x4xf32>,
    %cache: !cache, %bt: tensor<2x4xi32>, %lens: tensor<2xi32>,
    %w_uk: tensor<2x8x16xf32>, %w_uv: tensor<2x8x16xf32>)
    -> (tensor<2x1x2x8xf32>, tensor<2x1x2xf32>) {
  %q_lat = mla.absorb_query %q_nope, %w_uk {config = #cfg}
      : (tensor<2x1x2x8xf32>, tensor<2x8x16xf32>) -> tensor<2x1x2x16xf32>
  %o_lat, %lse = mla.latent_attention %q_lat, %q_rope, %cache[%bt, %lens] {causal, config = #cfg}
      : (tensor<2x1x2x16xf32>, tensor<2x1x2x4xf32>, !cache, tensor<2x4xi32>, tensor<2xi32>)
      -> (tensor<2x1x2x16xf32>, tensor<2x1x2xf32>)
  %o = mla.absorb_output %o_lat, %w_uv {config = #cfg}
      : (tensor<2x1x2x16xf32>, tensor<2x8x16xf32>) -> tensor<2x1x2x8xf32>
  return %o, %lse : tensor<2x1x2x8xf32>, tensor<2x1x2xf32>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = f32>
!cache = !mla.paged_cache<pages = 8, page_size = 4, latent = 16, rope = 4, f32>

// Left alone: the absorbed query and the latent output each have a second
// user, so fusing would lose a value or compute it twice.
// CHECK-LABEL: func.func @shared_values_not_fused
// CHECK: %[[QL:.*]] = mla.absorb_query
// CHECK: %[[OL:.*]], %{{.*}} = mla.latent_attention %[[QL]], {{.*}}] {config
// CHECK: %[[O:.*]] = mla.absorb_output %[[OL]]
// CHECK: return %[[O]], %[[QL]], %[[OL]]
func.func @shared_values_not_fused(%q_nope: tensor<2x1x2x8xf32>, %q_rope: tensor<2x1x2x4xf32>,
    %cache: !cache, %bt: tensor<2x4xi32>, %lens: tensor<2xi32>,
    %w_uk: tensor<2x8x16xf32>, %w_uv: tensor<2x8x16xf32>)
    -> (tensor<2x1x2x8xf32>, tensor<2x1x2x16xf32>, tensor<2x1x2x16xf32>) {
  %q_lat = mla.absorb_query %q_nope, %w_uk {config = #cfg}
      : (tensor<2x1x2x8xf32>, tensor<2x8x16xf32>) -> tensor<2x1x2x16xf32>
  %o_lat, %lse = mla.latent_attention %q_lat, %q_rope, %cache[%bt, %lens] {config = #cfg}
      : (tensor<2x1x2x16xf32>, tensor<2x1x2x4xf32>, !cache, tensor<2x4xi32>, tensor<2xi32>)
      -> (tensor<2x1x2x16xf32>, tensor<2x1x2xf32>)
  %o = mla.absorb_output %o_lat, %w_uv {config = #cfg}
      : (tensor<2x1x2x16xf32>, tensor<2x8x16xf32>) -> tensor<2x1x2x8xf32>
  return %o, %q_lat, %o_lat : tensor<2x1x2x8xf32>, tensor<2x1x2x16xf32>, tensor<2x1x2x16xf32>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = f32>
!cache = !mla.paged_cache<pages = 8, page_size = 4, latent = 16, rope = 4, f32>

// Left alone: W_UV is made after the attention, so the epilogue cannot
// take the attention's place. The prologue still fuses.
// CHECK-LABEL: func.func @epilogue_weight_defined_later
// CHECK: %[[OL:.*]], %{{.*}} = mla.latent_attention {{.*}} absorb_query(%{{.*}}) {config
// CHECK: %[[WUV:.*]] = tensor.empty()
// CHECK: mla.absorb_output %[[OL]], %[[WUV]]
func.func @epilogue_weight_defined_later(%q_nope: tensor<2x1x2x8xf32>, %q_rope: tensor<2x1x2x4xf32>,
    %cache: !cache, %bt: tensor<2x4xi32>, %lens: tensor<2xi32>, %w_uk: tensor<2x8x16xf32>)
    -> tensor<2x1x2x8xf32> {
  %q_lat = mla.absorb_query %q_nope, %w_uk {config = #cfg}
      : (tensor<2x1x2x8xf32>, tensor<2x8x16xf32>) -> tensor<2x1x2x16xf32>
  %o_lat, %lse = mla.latent_attention %q_lat, %q_rope, %cache[%bt, %lens] {config = #cfg}
      : (tensor<2x1x2x16xf32>, tensor<2x1x2x4xf32>, !cache, tensor<2x4xi32>, tensor<2xi32>)
      -> (tensor<2x1x2x16xf32>, tensor<2x1x2xf32>)
  %w_uv = tensor.empty() : tensor<2x8x16xf32>
  %o = mla.absorb_output %o_lat, %w_uv {config = #cfg}
      : (tensor<2x1x2x16xf32>, tensor<2x8x16xf32>) -> tensor<2x1x2x8xf32>
  return %o : tensor<2x1x2x8xf32>
}
