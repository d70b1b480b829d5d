// RUN: mla-opt %s -split-input-file --mla-decompose | FileCheck %s

#cfg = #mla.config<heads = 2, d_model = 32, q_lora_rank = 12, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 4, latent = 16, rope = 4, bf16>

// With query compression: the whole naive-form layer, in order. Positions are
// seq_lens[b] + k; the attention covers the cached tokens plus the 3 new ones
// and the 8 pages x 4 rows = 32 keys the block table can address.
// CHECK-LABEL: func.func @with_query_compression
// CHECK-SAME: (%[[H:.*]]: tensor<2x3x32xbf16>, %[[CACHE:.*]]: !mla.paged_cache<{{.*}}>, %[[BT:.*]]: tensor<2x8xi32>, %[[LENS:.*]]: tensor<2xi32>, %[[WDQ:.*]]: tensor<12x32xbf16>, %[[QN:.*]]: tensor<12xbf16>, %[[WUQ:.*]]: tensor<2x12x12xbf16>, %[[WDKV:.*]]: tensor<20x32xbf16>, %[[KVN:.*]]: tensor<16xbf16>, %[[WUK:.*]]: tensor<2x8x16xbf16>, %[[WUV:.*]]: tensor<2x8x16xbf16>, %[[WO:.*]]: tensor<32x2x8xbf16>)
// CHECK-NOT: mla.decode_step
// CHECK: %[[CQ:.*]] = mla.compress_query %[[H]], %[[WDQ]], %[[QN]] {{.*}} -> tensor<2x3x12xbf16>
// CHECK: %[[QNOPE:.*]], %[[QROPE:.*]] = mla.up_project_query %[[CQ]], %[[WUQ]] {{.*}} -> (tensor<2x3x2x8xbf16>, tensor<2x3x2x4xbf16>)
// CHECK: %[[POS:.*]] = tensor.generate
// CHECK-NEXT: ^bb0(%[[B:.*]]: index, %[[K:.*]]: index):
// CHECK-NEXT: %[[LEN:.*]] = tensor.extract %[[LENS]][%[[B]]]
// CHECK-NEXT: %[[KI:.*]] = arith.index_cast %[[K]] : index to i32
// CHECK-NEXT: %[[P:.*]] = arith.addi %[[LEN]], %[[KI]] : i32
// CHECK-NEXT: tensor.yield %[[P]]
// CHECK: %[[QR:.*]] = mla.rope %[[QROPE]], %[[POS]]
// CHECK: %[[CKV:.*]], %[[KR0:.*]] = mla.compress_kv %[[H]], %[[WDKV]], %[[KVN]] {{.*}} -> (tensor<2x3x16xbf16>, tensor<2x3x4xbf16>)
// CHECK: %[[KR:.*]] = mla.rope %[[KR0]], %[[POS]]
// CHECK: %[[NEW:.*]] = mla.cache_append %[[CKV]], %[[KR]] into %[[CACHE]][%[[BT]], %[[LENS]]] {config
// CHECK: %[[S:.*]] = tensor.dim %[[H]], %{{.*}} : tensor<2x3x32xbf16>
// CHECK: %[[SI:.*]] = arith.index_cast %[[S]] : index to i32
// CHECK: %[[SPLAT:.*]] = tensor.splat %[[SI]] : tensor<2xi32>
// CHECK: %[[TOTAL:.*]] = arith.addi %[[LENS]], %[[SPLAT]] : tensor<2xi32>
// CHECK: %[[HCKV:.*]], %[[HKR:.*]] = mla.cache_read %[[NEW]][%[[BT]], %[[TOTAL]]] {{.*}} -> tensor<2x32x16xbf16>, tensor<2x32x4xbf16>
// CHECK: %[[KN:.*]] = mla.up_project_k %[[HCKV]], %[[WUK]]
// CHECK: %[[V:.*]] = mla.up_project_v %[[HCKV]], %[[WUV]]
// CHECK: %[[O:.*]], %{{.*}} = mla.mha_attention %[[QNOPE]], %[[QR]], %[[KN]], %[[HKR]], %[[V]], %[[TOTAL]] {causal, config
// CHECK: %[[OUT:.*]] = mla.output_projection %[[O]], %[[WO]]
// CHECK: return %[[OUT]], %[[NEW]]
func.func @with_query_compression(%hidden: tensor<2x3x32xbf16>, %cache: !cache,
    %bt: tensor<2x8xi32>, %lens: tensor<2xi32>,
    %w_dq: tensor<12x32xbf16>, %q_norm: tensor<12xbf16>, %w_uq: tensor<2x12x12xbf16>,
    %w_dkv: tensor<20x32xbf16>, %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>,
    %w_uv: tensor<2x8x16xbf16>, %w_o: tensor<32x2x8xbf16>) -> (tensor<2x3x32xbf16>, !cache) {
  %out, %new = mla.decode_step %hidden, %cache[%bt, %lens]
      q_compress(%w_dq, %q_norm) weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #cfg}
      : (tensor<2x3x32xbf16>, !cache, tensor<2x8xi32>, tensor<2xi32>, tensor<12x32xbf16>,
         tensor<12xbf16>, tensor<2x12x12xbf16>, tensor<20x32xbf16>, tensor<16xbf16>,
         tensor<2x8x16xbf16>, tensor<2x8x16xbf16>, tensor<32x2x8xbf16>)
      -> (tensor<2x3x32xbf16>, !cache)
  return %out, %new : tensor<2x3x32xbf16>, !cache
}

// -----

// Without query compression (DeepSeek-V2-Lite) and with dynamic batch and
// block-table width: W_UQ projects the hidden state, sizes come from
// tensor.dim, and the gathered key count is dynamic.
// CHECK-LABEL: func.func @without_query_compression
// CHECK-SAME: (%[[H:.*]]: tensor<?x1x2048xbf16>, %{{.*}}: !mla.paged_cache<{{.*}}>, %{{.*}}: tensor<?x?xi32>, %[[LENS:.*]]: tensor<?xi32>, %[[WUQ:.*]]: tensor<16x192x2048xbf16>
// CHECK-NOT: mla.compress_query
// CHECK: mla.up_project_query %[[H]], %[[WUQ]] {{.*}} -> (tensor<?x1x16x128xbf16>, tensor<?x1x16x64xbf16>)
// CHECK: %[[B:.*]] = tensor.dim %[[H]], %{{.*}} : tensor<?x1x2048xbf16>
// CHECK: tensor.generate %[[B]]
// CHECK: } : tensor<?x1xi32>
// CHECK: %[[NB:.*]] = tensor.dim %[[LENS]], %{{.*}} : tensor<?xi32>
// CHECK: tensor.splat %{{.*}}[%[[NB]]] : tensor<?xi32>
// CHECK: mla.cache_read {{.*}} -> tensor<?x?x512xbf16>, tensor<?x?x64xbf16>
// CHECK: mla.mha_attention {{.*}} -> (tensor<?x1x16x128xbf16>, tensor<?x1x16xf32>)
// CHECK: mla.output_projection {{.*}} -> tensor<?x1x2048xbf16>
!cache = !mla.paged_cache<pages = ?, page_size = 16, latent = 512, rope = 64, bf16>
func.func @without_query_compression(%hidden: tensor<?x1x2048xbf16>, %cache: !cache,
    %bt: tensor<?x?xi32>, %lens: tensor<?xi32>, %w_uq: tensor<16x192x2048xbf16>,
    %w_dkv: tensor<576x2048xbf16>, %kv_norm: tensor<512xbf16>, %w_uk: tensor<16x128x512xbf16>,
    %w_uv: tensor<16x128x512xbf16>, %w_o: tensor<2048x16x128xbf16>) -> (tensor<?x1x2048xbf16>, !cache) {
  %out, %new = mla.decode_step %hidden, %cache[%bt, %lens]
      weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #mla.config<"deepseek-v2-lite">}
      : (tensor<?x1x2048xbf16>, !cache, tensor<?x?xi32>, tensor<?xi32>, tensor<16x192x2048xbf16>,
         tensor<576x2048xbf16>, tensor<512xbf16>, tensor<16x128x512xbf16>,
         tensor<16x128x512xbf16>, tensor<2048x16x128xbf16>) -> (tensor<?x1x2048xbf16>, !cache)
  return %out, %new : tensor<?x1x2048xbf16>, !cache
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = f32>
!cache = !mla.paged_cache<pages = 8, page_size = 4, latent = 16, rope = 4, f32>

// Left alone: IR without decode_step, including dead and foldable ops (the
// pass neither folds nor removes dead code).
// CHECK-LABEL: func.func @nothing_to_decompose
// CHECK-NEXT: %[[C:.*]] = arith.constant 1 : i32
// CHECK-NEXT: %[[D:.*]] = arith.addi %[[C]], %[[C]] : i32
// CHECK-NEXT: %{{.*}}, %{{.*}} = mla.latent_attention
// CHECK-NEXT: return %[[D]]
func.func @nothing_to_decompose(%q: tensor<1x1x2x16xf32>, %q_rope: tensor<1x1x2x4xf32>, %cache: !cache,
    %bt: tensor<1x4xi32>, %lens: tensor<1xi32>) -> i32 {
  %c1 = arith.constant 1 : i32
  %two = arith.addi %c1, %c1 : i32
  %o, %lse = mla.latent_attention %q, %q_rope, %cache[%bt, %lens] {config = #cfg}
      : (tensor<1x1x2x16xf32>, tensor<1x1x2x4xf32>, !cache, tensor<1x4xi32>, tensor<1xi32>)
      -> (tensor<1x1x2x16xf32>, tensor<1x1x2xf32>)
  return %two : i32
}
