// RUN: mla-opt %s -split-input-file --mla-split-kv=num-splits=4 | FileCheck %s --check-prefix=FOUR
// RUN: mla-opt %s -split-input-file --mla-split-kv | FileCheck %s --check-prefix=AUTO
// RUN: mla-opt %s -split-input-file --mla-split-kv=sm-count=8 | FileCheck %s --check-prefix=SMALL
// RUN: mla-opt %s -split-input-file --mla-split-kv=num-splits=1 | FileCheck %s --check-prefix=ONE
// RUN: not mla-opt %s -split-input-file --mla-split-kv=num-splits=-1 2>&1 | FileCheck %s --check-prefix=BAD

// RUN: not mla-opt %s -split-input-file --mla-split-kv=num-splits=1000000000 2>&1 | FileCheck %s --check-prefix=HUGE
// RUN: mla-opt %s -split-input-file --mla-split-kv=num-splits=5000 2>&1 | FileCheck %s --check-prefix=CAPPED

// BAD: error: mla-split-kv: num-splits must be in [0, 65535] and sm-count >= 1, got -1 and 132
// HUGE: error: mla-split-kv: num-splits must be in [0, 65535] and sm-count >= 1, got 1000000000 and 132
// A count beyond the 64 x 64 keys the table addresses is capped there.
// CAPPED: remark: mla-split-kv: 5000 splits capped to 4096, the keys the block table can address
// CAPPED: mla.partial_latent_attention {{.*}}num_splits = 4096 : i64

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = bf16>
!cache = !mla.paged_cache<pages = 256, page_size = 64, latent = 16, rope = 4, bf16>

// Batch 2 of 2 heads x 1 token is 2 work items; filling 132 SMs wants 66
// splits, but 64 pages of 64 keys (4096 keys) allow at most 4096 / 256 = 16.
// With 8 SMs: ceil(8 / 2) = 4.
// FOUR-LABEL: func.func @plain
// FOUR-SAME: (%[[Q:.*]]: tensor<2x1x2x16xbf16>, %[[QR:.*]]: tensor<2x1x2x4xbf16>, %[[CACHE:.*]]: !mla.paged_cache<{{.*}}>, %[[BT:.*]]: tensor<2x64xi32>, %[[LENS:.*]]: tensor<2xi32>)
// FOUR: %[[PO:.*]], %[[PL:.*]] = mla.partial_latent_attention %[[Q]], %[[QR]], %[[CACHE]][%[[BT]], %[[LENS]]] {causal, config = #mla_config, num_splits = 4 : i64} : {{.*}} -> (tensor<4x2x1x2x16xf32>, tensor<4x2x1x2xf32>)
// FOUR: %[[O:.*]], %[[L:.*]] = mla.combine %[[PO]], %[[PL]] {config = #mla_config} : (tensor<4x2x1x2x16xf32>, tensor<4x2x1x2xf32>) -> (tensor<2x1x2x16xbf16>, tensor<2x1x2xf32>)
// FOUR: return %[[O]], %[[L]]
// AUTO-LABEL: func.func @plain
// AUTO: mla.partial_latent_attention {{.*}}num_splits = 16 : i64
// AUTO: mla.combine
// SMALL-LABEL: func.func @plain
// SMALL: mla.partial_latent_attention {{.*}}num_splits = 4 : i64
// ONE-LABEL: func.func @plain
// ONE: mla.latent_attention
// ONE-NOT: mla.partial_latent_attention
func.func @plain(%q: tensor<2x1x2x16xbf16>, %q_rope: tensor<2x1x2x4xbf16>, %cache: !cache,
    %bt: tensor<2x64xi32>, %lens: tensor<2xi32>) -> (tensor<2x1x2x16xbf16>, tensor<2x1x2xf32>) {
  %o, %lse = mla.latent_attention %q, %q_rope, %cache[%bt, %lens] {causal, config = #cfg}
      : (tensor<2x1x2x16xbf16>, tensor<2x1x2x4xbf16>, !cache, tensor<2x64xi32>, tensor<2xi32>)
      -> (tensor<2x1x2x16xbf16>, tensor<2x1x2xf32>)
  return %o, %lse : tensor<2x1x2x16xbf16>, tensor<2x1x2xf32>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = bf16>
!cache = !mla.paged_cache<pages = ?, page_size = 1, latent = 16, rope = 4, bf16>

// The fused prologue stays on the partial attention, the epilogue moves to
// the combine. Short sequences (8 pages of 1 key) are never split by choice.
// FOUR-LABEL: func.func @fused
// FOUR-SAME: %[[WUK:[^:]*]]: tensor<2x8x16xbf16>, %[[WUV:[^:]*]]: tensor<2x8x16xbf16>)
// FOUR: %[[PO:.*]], %[[PL:.*]] = mla.partial_latent_attention {{.*}} absorb_query(%[[WUK]]) {config = #mla_config, num_splits = 4 : i64} : {{.*}} -> (tensor<4x?x2x2x16xf32>, tensor<4x?x2x2xf32>)
// FOUR: mla.combine %[[PO]], %[[PL]] absorb_output(%[[WUV]]) {config = #mla_config} : (tensor<4x?x2x2x16xf32>, tensor<4x?x2x2xf32>, tensor<2x8x16xbf16>) -> (tensor<?x2x2x8xbf16>, tensor<?x2x2xf32>)
// AUTO-LABEL: func.func @fused
// AUTO: mla.latent_attention
// AUTO-NOT: mla.partial_latent_attention
func.func @fused(%q: tensor<?x2x2x8xbf16>, %q_rope: tensor<?x2x2x4xbf16>, %cache: !cache,
    %bt: tensor<?x8xi32>, %lens: tensor<?xi32>, %w_uk: tensor<2x8x16xbf16>, %w_uv: tensor<2x8x16xbf16>)
    -> (tensor<?x2x2x8xbf16>, tensor<?x2x2xf32>) {
  %o, %lse = mla.latent_attention %q, %q_rope, %cache[%bt, %lens] absorb_query(%w_uk) absorb_output(%w_uv) {config = #cfg}
      : (tensor<?x2x2x8xbf16>, tensor<?x2x2x4xbf16>, !cache, tensor<?x8xi32>, tensor<?xi32>,
         tensor<2x8x16xbf16>, tensor<2x8x16xbf16>) -> (tensor<?x2x2x8xbf16>, tensor<?x2x2xf32>)
  return %o, %lse : tensor<?x2x2x8xbf16>, tensor<?x2x2xf32>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = bf16>
!cache = !mla.paged_cache<pages = ?, page_size = 64, latent = 16, rope = 4, bf16>

// A batch only known at run time: the split count is left to the runtime.
// AUTO-LABEL: func.func @dynamic_batch
// AUTO: mla.latent_attention
// AUTO-NOT: mla.partial_latent_attention
func.func @dynamic_batch(%q: tensor<?x1x2x16xbf16>, %q_rope: tensor<?x1x2x4xbf16>, %cache: !cache,
    %bt: tensor<?x?xi32>, %lens: tensor<?xi32>) -> tensor<?x1x2x16xbf16> {
  %o, %lse = mla.latent_attention %q, %q_rope, %cache[%bt, %lens] {config = #cfg}
      : (tensor<?x1x2x16xbf16>, tensor<?x1x2x4xbf16>, !cache, tensor<?x?xi32>, tensor<?xi32>)
      -> (tensor<?x1x2x16xbf16>, tensor<?x1x2xf32>)
  return %o : tensor<?x1x2x16xbf16>
}
