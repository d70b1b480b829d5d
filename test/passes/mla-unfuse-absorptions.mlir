// RUN: mla-opt %s -split-input-file --mla-unfuse-absorptions | FileCheck %s

// Both absorptions fused into a whole latent attention: absorb_query in
// front, absorb_output behind, the latent in the storage type between.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = bf16>
!cache = !mla.paged_cache<pages = 8, page_size = 4, latent = 16, rope = 4, bf16>
// CHECK-LABEL: func.func @whole
// CHECK-SAME: (%[[QN:.*]]: tensor<3x2x2x8xbf16>, %[[QR:.*]]: tensor<3x2x2x4xbf16>, %[[C:.*]]: !mla.paged_cache{{.*}}, %[[BT:.*]]: tensor<3x4xi32>, %[[L:.*]]: tensor<3xi32>, %[[WUK:.*]]: tensor<2x8x16xbf16>, %[[WUV:.*]]: tensor<2x8x16xbf16>)
// CHECK: %[[Q:.*]] = mla.absorb_query %[[QN]], %[[WUK]] {{.*}} -> tensor<3x2x2x16xbf16>
// CHECK: %[[O:.*]], %[[LSE:.*]] = mla.latent_attention %[[Q]], %[[QR]], %[[C]][%[[BT]], %[[L]]] {causal, config = {{.*}}} : {{.*}} -> (tensor<3x2x2x16xbf16>, tensor<3x2x2xf32>)
// CHECK: %[[OUT:.*]] = mla.absorb_output %[[O]], %[[WUV]] {{.*}} -> tensor<3x2x2x8xbf16>
// CHECK: return %[[OUT]], %[[LSE]]
func.func @whole(%q_nope: tensor<3x2x2x8xbf16>, %q_rope: tensor<3x2x2x4xbf16>,
                 %cache: !cache, %bt: tensor<3x4xi32>, %lens: tensor<3xi32>,
                 %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x8x16xbf16>)
    -> (tensor<3x2x2x8xbf16>, tensor<3x2x2xf32>) {
  %out, %lse = mla.latent_attention %q_nope, %q_rope, %cache[%bt, %lens]
      absorb_query(%w_uk) absorb_output(%w_uv) {causal, config = #cfg}
      : (tensor<3x2x2x8xbf16>, tensor<3x2x2x4xbf16>, !cache, tensor<3x4xi32>,
         tensor<3xi32>, tensor<2x8x16xbf16>, tensor<2x8x16xbf16>)
      -> (tensor<3x2x2x8xbf16>, tensor<3x2x2xf32>)
  return %out, %lse : tensor<3x2x2x8xbf16>, tensor<3x2x2xf32>
}

// -----

// Split: the prologue leaves the partial attention, the epilogue the
// combine. Unfused ops are left alone.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = bf16>
!cache = !mla.paged_cache<pages = 8, page_size = 4, latent = 16, rope = 4, bf16>
// CHECK-LABEL: func.func @split
// CHECK: %[[Q:.*]] = mla.absorb_query
// CHECK: %[[PO:.*]], %[[PL:.*]] = mla.partial_latent_attention %[[Q]], {{.*}} {causal, config = {{.*}}, num_splits = 2 : i64} : (tensor<3x2x2x16xbf16>,
// CHECK: %[[O:.*]], %[[LSE:.*]] = mla.combine %[[PO]], %[[PL]] {config = {{.*}}} : {{.*}} -> (tensor<3x2x2x16xbf16>, tensor<3x2x2xf32>)
// CHECK: %[[OUT:.*]] = mla.absorb_output %[[O]],
// CHECK: mla.combine %[[PO]], %[[PL]] {config = {{.*}}} : {{.*}} -> (tensor<3x2x2x16xbf16>, tensor<3x2x2xf32>)
// CHECK-NOT: mla.absorb_output
// CHECK: return %[[OUT]], %[[LSE]]
func.func @split(%q_nope: tensor<3x2x2x8xbf16>, %q_rope: tensor<3x2x2x4xbf16>,
                 %cache: !cache, %bt: tensor<3x4xi32>, %lens: tensor<3xi32>,
                 %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x8x16xbf16>)
    -> (tensor<3x2x2x8xbf16>, tensor<3x2x2xf32>, tensor<3x2x2x16xbf16>) {
  %po, %pl = mla.partial_latent_attention %q_nope, %q_rope, %cache[%bt, %lens]
      absorb_query(%w_uk) {causal, config = #cfg, num_splits = 2 : i64}
      : (tensor<3x2x2x8xbf16>, tensor<3x2x2x4xbf16>, !cache, tensor<3x4xi32>,
         tensor<3xi32>, tensor<2x8x16xbf16>)
      -> (tensor<2x3x2x2x16xf32>, tensor<2x3x2x2xf32>)
  %out, %lse = mla.combine %po, %pl absorb_output(%w_uv) {config = #cfg}
      : (tensor<2x3x2x2x16xf32>, tensor<2x3x2x2xf32>, tensor<2x8x16xbf16>)
      -> (tensor<3x2x2x8xbf16>, tensor<3x2x2xf32>)
  %latent, %lse2 = mla.combine %po, %pl {config = #cfg}
      : (tensor<2x3x2x2x16xf32>, tensor<2x3x2x2xf32>)
      -> (tensor<3x2x2x16xbf16>, tensor<3x2x2xf32>)
  return %out, %lse, %latent : tensor<3x2x2x8xbf16>, tensor<3x2x2xf32>, tensor<3x2x2x16xbf16>
}
