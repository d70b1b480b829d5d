// RUN: mla-opt %s -split-input-file --mla-absorb-weights | FileCheck %s
// RUN: mla-opt %s -split-input-file --mla-absorb-weights=premultiply-limit=3 | FileCheck %s --check-prefix=LIMIT

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = f32>
!cache = !mla.paged_cache<pages = 8, page_size = 4, latent = 16, rope = 4, f32>

// The naive form becomes absorb_query -> latent_attention over the cache pages
// -> absorb_output; the gather and the per-head up-projections disappear.
// CHECK-LABEL: func.func @naive_attention
// CHECK-SAME: (%[[QN:.*]]: tensor<3x2x2x8xf32>, %[[QR:.*]]: tensor<3x2x2x4xf32>, %[[CACHE:.*]]: !mla.paged_cache<{{.*}}>, %[[BT:.*]]: tensor<3x4xi32>, %[[LENS:.*]]: tensor<3xi32>, %[[WUK:.*]]: tensor<2x8x16xf32>, %[[WUV:.*]]: tensor<2x8x16xf32>)
// CHECK-NOT: mla.cache_read
// CHECK-NOT: mla.up_project
// CHECK: %[[QL:.*]] = mla.absorb_query %[[QN]], %[[WUK]] {{.*}} -> tensor<3x2x2x16xf32>
// CHECK: %[[OL:.*]], %[[LSE:.*]] = mla.latent_attention %[[QL]], %[[QR]], %[[CACHE]][%[[BT]], %[[LENS]]] {causal, config = #mla_config} : {{.*}} -> (tensor<3x2x2x16xf32>, tensor<3x2x2xf32>)
// CHECK: %[[O:.*]] = mla.absorb_output %[[OL]], %[[WUV]] {{.*}} -> tensor<3x2x2x8xf32>
// CHECK: return %[[O]], %[[LSE]]
func.func @naive_attention(%q_nope: tensor<3x2x2x8xf32>, %q_rope: tensor<3x2x2x4xf32>,
    %cache: !cache, %bt: tensor<3x4xi32>, %lens: tensor<3xi32>,
    %w_uk: tensor<2x8x16xf32>, %w_uv: tensor<2x8x16xf32>)
    -> (tensor<3x2x2x8xf32>, tensor<3x2x2xf32>) {
  %c_kv, %k_rope = mla.cache_read %cache[%bt, %lens] {config = #cfg}
      : !cache[tensor<3x4xi32>, tensor<3xi32>] -> tensor<3x16x16xf32>, tensor<3x16x4xf32>
  %k = mla.up_project_k %c_kv, %w_uk {config = #cfg}
      : (tensor<3x16x16xf32>, tensor<2x8x16xf32>) -> tensor<3x16x2x8xf32>
  %v = mla.up_project_v %c_kv, %w_uv {config = #cfg}
      : (tensor<3x16x16xf32>, tensor<2x8x16xf32>) -> tensor<3x16x2x8xf32>
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k, %k_rope, %v, %lens {causal, config = #cfg}
      : (tensor<3x2x2x8xf32>, tensor<3x2x2x4xf32>, tensor<3x16x2x8xf32>, tensor<3x16x4xf32>,
         tensor<3x16x2x8xf32>, tensor<3xi32>) -> (tensor<3x2x2x8xf32>, tensor<3x2x2xf32>)
  return %out, %lse : tensor<3x2x2x8xf32>, tensor<3x2x2xf32>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = f32>
!cache = !mla.paged_cache<pages = ?, page_size = 4, latent = 16, rope = 4, f32>

// Non-causal, dynamic batch; the gathered latents have another user, so the
// read stays while the attention is still rewritten.
// CHECK-LABEL: func.func @gather_kept_for_other_user
// CHECK: %[[CKV:.*]], %{{.*}} = mla.cache_read
// CHECK-NOT: mla.up_project
// CHECK: mla.absorb_query {{.*}} -> tensor<?x1x2x16xf32>
// CHECK: mla.latent_attention {{.*}} {config = #mla_config} : {{.*}} -> (tensor<?x1x2x16xf32>, tensor<?x1x2xf32>)
// CHECK: %[[O:.*]] = mla.absorb_output
// CHECK: return %[[O]], %[[CKV]]
func.func @gather_kept_for_other_user(%q_nope: tensor<?x1x2x8xf32>, %q_rope: tensor<?x1x2x4xf32>,
    %cache: !cache, %bt: tensor<?x4xi32>, %lens: tensor<?xi32>,
    %w_uk: tensor<2x8x16xf32>, %w_uv: tensor<2x8x16xf32>)
    -> (tensor<?x1x2x8xf32>, tensor<?x16x16xf32>) {
  %c_kv, %k_rope = mla.cache_read %cache[%bt, %lens] {config = #cfg}
      : !cache[tensor<?x4xi32>, tensor<?xi32>] -> tensor<?x16x16xf32>, tensor<?x16x4xf32>
  %k = mla.up_project_k %c_kv, %w_uk {config = #cfg}
      : (tensor<?x16x16xf32>, tensor<2x8x16xf32>) -> tensor<?x16x2x8xf32>
  %v = mla.up_project_v %c_kv, %w_uv {config = #cfg}
      : (tensor<?x16x16xf32>, tensor<2x8x16xf32>) -> tensor<?x16x2x8xf32>
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k, %k_rope, %v, %lens {config = #cfg}
      : (tensor<?x1x2x8xf32>, tensor<?x1x2x4xf32>, tensor<?x16x2x8xf32>, tensor<?x16x4xf32>,
         tensor<?x16x2x8xf32>, tensor<?xi32>) -> (tensor<?x1x2x8xf32>, tensor<?x1x2xf32>)
  return %out, %c_kv : tensor<?x1x2x8xf32>, tensor<?x16x16xf32>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = f32>
!cache = !mla.paged_cache<pages = 8, page_size = 4, latent = 16, rope = 4, f32>

// Left alone: K and V come from different latents, the rope key is not the
// cached one, or the attention masks with other lengths than the read.
// CHECK-LABEL: func.func @not_from_one_cache
// CHECK-COUNT-3: mla.mha_attention
// CHECK-NOT: mla.latent_attention
// CHECK-NOT: mla.absorb
func.func @not_from_one_cache(%q_nope: tensor<1x1x2x8xf32>, %q_rope: tensor<1x1x2x4xf32>,
    %cache: !cache, %bt: tensor<1x4xi32>, %lens: tensor<1xi32>, %other_lens: tensor<1xi32>,
    %other_ckv: tensor<1x16x16xf32>, %other_rope: tensor<1x16x4xf32>,
    %w_uk: tensor<2x8x16xf32>, %w_uv: tensor<2x8x16xf32>)
    -> (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>) {
  %c_kv, %k_rope = mla.cache_read %cache[%bt, %lens] {config = #cfg}
      : !cache[tensor<1x4xi32>, tensor<1xi32>] -> tensor<1x16x16xf32>, tensor<1x16x4xf32>
  %k = mla.up_project_k %c_kv, %w_uk {config = #cfg}
      : (tensor<1x16x16xf32>, tensor<2x8x16xf32>) -> tensor<1x16x2x8xf32>
  %v = mla.up_project_v %c_kv, %w_uv {config = #cfg}
      : (tensor<1x16x16xf32>, tensor<2x8x16xf32>) -> tensor<1x16x2x8xf32>
  %v_other = mla.up_project_v %other_ckv, %w_uv {config = #cfg}
      : (tensor<1x16x16xf32>, tensor<2x8x16xf32>) -> tensor<1x16x2x8xf32>
  %o1, %l1 = mla.mha_attention %q_nope, %q_rope, %k, %k_rope, %v_other, %lens {config = #cfg}
      : (tensor<1x1x2x8xf32>, tensor<1x1x2x4xf32>, tensor<1x16x2x8xf32>, tensor<1x16x4xf32>,
         tensor<1x16x2x8xf32>, tensor<1xi32>) -> (tensor<1x1x2x8xf32>, tensor<1x1x2xf32>)
  %o2, %l2 = mla.mha_attention %q_nope, %q_rope, %k, %other_rope, %v, %lens {config = #cfg}
      : (tensor<1x1x2x8xf32>, tensor<1x1x2x4xf32>, tensor<1x16x2x8xf32>, tensor<1x16x4xf32>,
         tensor<1x16x2x8xf32>, tensor<1xi32>) -> (tensor<1x1x2x8xf32>, tensor<1x1x2xf32>)
  %o3, %l3 = mla.mha_attention %q_nope, %q_rope, %k, %k_rope, %v, %other_lens {config = #cfg}
      : (tensor<1x1x2x8xf32>, tensor<1x1x2x4xf32>, tensor<1x16x2x8xf32>, tensor<1x16x4xf32>,
         tensor<1x16x2x8xf32>, tensor<1xi32>) -> (tensor<1x1x2x8xf32>, tensor<1x1x2xf32>)
  return %o1, %o2, %o3 : tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>
}

// -----

// Left alone: with kv_lora_rank == qk_rope_head_dim the K up-projection of
// the cached rope keys verifies, but it is not W_UK c_kv.
#cfg = #mla.config<heads = 1, d_model = 8, kv_lora_rank = 4, qk_nope_head_dim = 2, qk_rope_head_dim = 4, v_head_dim = 2, storage = f32>
!cache = !mla.paged_cache<pages = 4, page_size = 4, latent = 4, rope = 4, f32>
// CHECK-LABEL: func.func @k_from_the_rope_keys
// CHECK: mla.up_project_k
// CHECK: mla.mha_attention
// CHECK-NOT: mla.latent_attention
func.func @k_from_the_rope_keys(%q_nope: tensor<1x1x1x2xf32>, %q_rope: tensor<1x1x1x4xf32>,
    %cache: !cache, %bt: tensor<1x2xi32>, %lens: tensor<1xi32>,
    %w_uk: tensor<1x2x4xf32>, %w_uv: tensor<1x2x4xf32>) -> tensor<1x1x1x2xf32> {
  %c_kv, %k_rope = mla.cache_read %cache[%bt, %lens] {config = #cfg}
      : !cache[tensor<1x2xi32>, tensor<1xi32>] -> tensor<1x8x4xf32>, tensor<1x8x4xf32>
  %k = mla.up_project_k %k_rope, %w_uk {config = #cfg}
      : (tensor<1x8x4xf32>, tensor<1x2x4xf32>) -> tensor<1x8x1x2xf32>
  %v = mla.up_project_v %c_kv, %w_uv {config = #cfg}
      : (tensor<1x8x4xf32>, tensor<1x2x4xf32>) -> tensor<1x8x1x2xf32>
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k, %k_rope, %v, %lens {config = #cfg}
      : (tensor<1x1x1x2xf32>, tensor<1x1x1x4xf32>, tensor<1x8x1x2xf32>, tensor<1x8x4xf32>,
         tensor<1x8x1x2xf32>, tensor<1xi32>) -> (tensor<1x1x1x2xf32>, tensor<1x1x1xf32>)
  return %out : tensor<1x1x1x2xf32>
}

// -----

#cfg = #mla.config<heads = 1, d_model = 2, kv_lora_rank = 2, qk_nope_head_dim = 2, qk_rope_head_dim = 2, v_head_dim = 2, storage = f32>

// Constant W_UV and W_O are pre-multiplied: W_OV[m, 0, c] = sum_v W_O[m, 0, v] W_UV[0, v, c]
// = [[1, 1]] x [[1, 2], [3, 4]] = [4, 6] for m = 0 and [[2, 0]] x ... = [2, 4] for m = 1.
// A fused weight of 2 x 1 x 2 = 4 elements is over a limit of 3.
// LIMIT-LABEL: func.func @premultiply_constant_weights
// LIMIT: mla.absorb_output
// LIMIT: mla.output_projection
// CHECK-LABEL: func.func @premultiply_constant_weights
// CHECK-SAME: (%[[OL:.*]]: tensor<1x1x1x2xf32>)
// CHECK: %[[WOV:.*]] = arith.constant dense<{{\[\[\[}}4.000000e+00, 6.000000e+00]], {{\[\[}}2.000000e+00, 4.000000e+00]]]> : tensor<2x1x2xf32>
// CHECK-NOT: mla.absorb_output
// CHECK: %[[OUT:.*]] = mla.output_projection %[[OL]], %[[WOV]] {{.*}} : (tensor<1x1x1x2xf32>, tensor<2x1x2xf32>) -> tensor<1x1x2xf32>
// CHECK: return %[[OUT]]
func.func @premultiply_constant_weights(%o_latent: tensor<1x1x1x2xf32>) -> tensor<1x1x2xf32> {
  %w_uv = arith.constant dense<[[[1.0, 2.0], [3.0, 4.0]]]> : tensor<1x2x2xf32>
  %w_o = arith.constant dense<[[[1.0, 1.0]], [[2.0, 0.0]]]> : tensor<2x1x2xf32>
  %o = mla.absorb_output %o_latent, %w_uv {config = #cfg}
      : (tensor<1x1x1x2xf32>, tensor<1x2x2xf32>) -> tensor<1x1x1x2xf32>
  %out = mla.output_projection %o, %w_o {config = #cfg}
      : (tensor<1x1x1x2xf32>, tensor<2x1x2xf32>) -> tensor<1x1x2xf32>
  return %out : tensor<1x1x2xf32>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 1, kv_lora_rank = 2, qk_nope_head_dim = 2, qk_rope_head_dim = 2, v_head_dim = 1, storage = f32>

// Two heads, so a mixed-up head index shows: W_OV[0, h, c] = W_O[0, h, 0] *
// W_UV[h, 0, c] = 2 * [1, 2] for head 0 and 3 * [10, 20] for head 1. The
// constants it bypassed are gone.
// CHECK-LABEL: func.func @premultiply_two_heads
// CHECK-NEXT: %[[WOV:.*]] = arith.constant dense<{{\[\[\[}}2.000000e+00, 4.000000e+00], [3.000000e+01, 6.000000e+01]]]> : tensor<1x2x2xf32>
// CHECK-NEXT: mla.output_projection %{{.*}}, %[[WOV]]
// CHECK-NEXT: return
func.func @premultiply_two_heads(%o_latent: tensor<1x1x2x2xf32>) -> tensor<1x1x1xf32> {
  %w_uv = arith.constant dense<[[[1.0, 2.0]], [[10.0, 20.0]]]> : tensor<2x1x2xf32>
  %w_o = arith.constant dense<[[[2.0], [3.0]]]> : tensor<1x2x1xf32>
  %o = mla.absorb_output %o_latent, %w_uv {config = #cfg}
      : (tensor<1x1x2x2xf32>, tensor<2x1x2xf32>) -> tensor<1x1x2x1xf32>
  %out = mla.output_projection %o, %w_o {config = #cfg}
      : (tensor<1x1x2x1xf32>, tensor<1x2x1xf32>) -> tensor<1x1x1xf32>
  return %out : tensor<1x1x1xf32>
}

// -----

#cfg = #mla.config<heads = 1, d_model = 1, kv_lora_rank = 1, qk_nope_head_dim = 2, qk_rope_head_dim = 2, v_head_dim = 3, storage = bf16>

// The product is accumulated exactly and rounded once to the storage type:
// 1 + 2^-8 + 2^-8 = 1.0078125 is a bf16 value, while rounding after each term
// would give 1 (1 + 2^-8 is a tie that rounds to even, 1, twice).
// CHECK-LABEL: func.func @premultiply_rounds_once_to_bf16
// CHECK: arith.constant dense<1.007810e+00> : tensor<1x1x1xbf16>
// CHECK: mla.output_projection
func.func @premultiply_rounds_once_to_bf16(%o_latent: tensor<1x1x1x1xbf16>) -> tensor<1x1x1xbf16> {
  %w_uv = arith.constant dense<1.0> : tensor<1x3x1xbf16>
  %w_o = arith.constant dense<[[[1.0, 0.00390625, 0.00390625]]]> : tensor<1x1x3xbf16>
  %o = mla.absorb_output %o_latent, %w_uv {config = #cfg}
      : (tensor<1x1x1x1xbf16>, tensor<1x3x1xbf16>) -> tensor<1x1x1x3xbf16>
  %out = mla.output_projection %o, %w_o {config = #cfg}
      : (tensor<1x1x1x3xbf16>, tensor<1x1x3xbf16>) -> tensor<1x1x1xbf16>
  return %out : tensor<1x1x1xbf16>
}

// -----

#cfg = #mla.config<heads = 1, d_model = 2, kv_lora_rank = 2, qk_nope_head_dim = 2, qk_rope_head_dim = 2, v_head_dim = 2, storage = f32>

// Left alone: W_O is not a constant; the absorbed output has a second user.
// CHECK-LABEL: func.func @no_premultiply
// CHECK: mla.absorb_output
// CHECK: mla.output_projection
// CHECK: mla.absorb_output
// CHECK: mla.output_projection
func.func @no_premultiply(%o_latent: tensor<1x1x1x2xf32>, %w_o_arg: tensor<2x1x2xf32>)
    -> (tensor<1x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x1x2xf32>) {
  %w_uv = arith.constant dense<1.0> : tensor<1x2x2xf32>
  %w_o = arith.constant dense<1.0> : tensor<2x1x2xf32>
  %o1 = mla.absorb_output %o_latent, %w_uv {config = #cfg}
      : (tensor<1x1x1x2xf32>, tensor<1x2x2xf32>) -> tensor<1x1x1x2xf32>
  %out1 = mla.output_projection %o1, %w_o_arg {config = #cfg}
      : (tensor<1x1x1x2xf32>, tensor<2x1x2xf32>) -> tensor<1x1x2xf32>
  %o2 = mla.absorb_output %o_latent, %w_uv {config = #cfg}
      : (tensor<1x1x1x2xf32>, tensor<1x2x2xf32>) -> tensor<1x1x1x2xf32>
  %out2 = mla.output_projection %o2, %w_o {config = #cfg}
      : (tensor<1x1x1x2xf32>, tensor<2x1x2xf32>) -> tensor<1x1x2xf32>
  return %out1, %out2, %o2 : tensor<1x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x1x2xf32>
}
