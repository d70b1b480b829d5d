// RUN: mla-opt %s -split-input-file --mla-rewrite | FileCheck %s --implicit-check-not=mla.decode_step --implicit-check-not=mla.mha_attention --implicit-check-not=mla.up_project_k --implicit-check-not=mla.up_project_v --implicit-check-not=mla.cache_read --implicit-check-not=mla.absorb_
// RUN: mla-opt %s -split-input-file --mla-rewrite="num-splits=2" | FileCheck %s --check-prefix=TWO

#cfg = #mla.config<heads = 2, d_model = 32, q_lora_rank = 12, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = bf16>
!cache = !mla.paged_cache<pages = 64, page_size = 64, latent = 16, rope = 4, bf16>

// The whole pipeline on a decode step: no naive-form op survives (checked
// through --implicit-check-not over the whole output), RoPE is
// fused into the append, both absorptions into the attention, and the KV
// range is split (batch 1 x 1 work item for 132 SMs, capped at 1024 keys /
// 256 = 4 splits).
// CHECK-LABEL: func.func @decode_step
// CHECK-SAME: %[[WUK:[^:]*]]: tensor<2x8x16xbf16>, %[[WUV:[^:]*]]: tensor<2x8x16xbf16>, %[[WO:[^:]*]]: tensor<32x2x8xbf16>)
// CHECK: %[[QR:.*]] = mla.rope
// CHECK: %[[NEW:.*]] = mla.cache_append {{.*}} rope(%{{.*}})
// CHECK: %[[PO:.*]], %[[PL:.*]] = mla.partial_latent_attention %{{.*}}, %[[QR]], %[[NEW]][{{.*}}] absorb_query(%[[WUK]]) {causal, config = #mla_config, num_splits = 4 : i64}
// CHECK: %[[O:.*]], %{{.*}} = mla.combine %[[PO]], %[[PL]] absorb_output(%[[WUV]])
// CHECK: %[[OUT:.*]] = mla.output_projection %[[O]], %[[WO]]
// CHECK: return %[[OUT]], %[[NEW]]
// TWO-LABEL: func.func @decode_step
// TWO: mla.partial_latent_attention {{.*}}num_splits = 2 : i64
func.func @decode_step(%hidden: tensor<1x1x32xbf16>, %cache: !cache,
    %bt: tensor<1x16xi32>, %lens: tensor<1xi32>,
    %w_dq: tensor<12x32xbf16>, %q_norm: tensor<12xbf16>, %w_uq: tensor<2x12x12xbf16>,
    %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>,
    %w_uv: tensor<2x8x16xbf16>, %w_o: tensor<32x2x8xbf16>) -> (tensor<1x1x32xbf16>, !cache) {
  %out, %new = mla.decode_step %hidden, %cache[%bt, %lens]
      q_compress(%w_dq, %q_norm) weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg}
      : (tensor<1x1x32xbf16>, !cache, tensor<1x16xi32>, tensor<1xi32>, tensor<12x32xbf16>,
         tensor<12xbf16>, tensor<2x12x12xbf16>, tensor<20x32xbf16>, tensor<16xbf16>,
         tensor<2x8x16xbf16>, tensor<2x8x16xbf16>, tensor<32x2x8xbf16>)
      -> (tensor<1x1x32xbf16>, !cache)
  return %out, %new : tensor<1x1x32xbf16>, !cache
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, q_lora_rank = 12, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = bf16>
!cache = !mla.paged_cache<pages = 64, page_size = 64, latent = 16, rope = 4, bf16>

// With constant W_UV and W_O the pipeline pre-multiplies them: the output
// projection reads the 16-wide latent output of each head, and only the
// prologue is fused into the attention.
// CHECK-LABEL: func.func @decode_step_constant_output_weights
// CHECK-DAG: %[[WOV:.*]] = arith.constant dense<2.000000e+00> : tensor<32x2x16xbf16>
// CHECK: %[[PO:.*]], %[[PL:.*]] = mla.partial_latent_attention {{.*}} absorb_query(%{{.*}})
// CHECK: %[[O:.*]], %{{.*}} = mla.combine %[[PO]], %[[PL]] {config = #mla_config} : {{.*}} -> (tensor<1x1x2x16xbf16>, tensor<1x1x2xf32>)
// CHECK: mla.output_projection %[[O]], %[[WOV]] {{.*}} : (tensor<1x1x2x16xbf16>, tensor<32x2x16xbf16>) -> tensor<1x1x32xbf16>
func.func @decode_step_constant_output_weights(%hidden: tensor<1x1x32xbf16>, %cache: !cache,
    %bt: tensor<1x16xi32>, %lens: tensor<1xi32>,
    %w_dq: tensor<12x32xbf16>, %q_norm: tensor<12xbf16>, %w_uq: tensor<2x12x12xbf16>,
    %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>)
    -> (tensor<1x1x32xbf16>, !cache) {
  %w_uv = arith.constant dense<0.5> : tensor<2x8x16xbf16>
  %w_o = arith.constant dense<0.5> : tensor<32x2x8xbf16>
  %out, %new = mla.decode_step %hidden, %cache[%bt, %lens]
      q_compress(%w_dq, %q_norm) weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg}
      : (tensor<1x1x32xbf16>, !cache, tensor<1x16xi32>, tensor<1xi32>, tensor<12x32xbf16>,
         tensor<12xbf16>, tensor<2x12x12xbf16>, tensor<20x32xbf16>, tensor<16xbf16>,
         tensor<2x8x16xbf16>, tensor<2x8x16xbf16>, tensor<32x2x8xbf16>)
      -> (tensor<1x1x32xbf16>, !cache)
  return %out, %new : tensor<1x1x32xbf16>, !cache
}
