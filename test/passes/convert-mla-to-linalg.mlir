// RUN: mla-opt %s -split-input-file --convert-mla-to-linalg --canonicalize --cse \
// RUN:   | FileCheck %s

// Latent attention: one parallel iteration per sequence; the queries are
// extended to f32 once; one scf.for step per page of the sequence's keys,
// reading the page the block table names in place (slices of the cache, no
// gather); flash-decoding state (max, sum, acc) carried across pages.
// CHECK-LABEL: func.func @latent(
// CHECK-SAME:      %[[Q:[^:]+]]: tensor<2x1x2x16xbf16>, %[[QR:[^:]+]]: tensor<2x1x2x4xbf16>, %[[CACHE:[^:]+]]: tensor<8x16x20xbf16>, %[[BT:[^:]+]]: tensor<2x4xi32>, %[[LENS:[^:]+]]: tensor<2xi32>)
// CHECK:         scf.forall (%[[B:.*]]) in (2)
// CHECK:           %[[LEN_I32:.*]] = tensor.extract %[[LENS]][%[[B]]]
// CHECK:           %[[LEN:.*]] = arith.index_cast %[[LEN_I32]] : i32 to index
// CHECK:           arith.extf %{{.*}} : bf16 to f32
// CHECK:           %[[PAGES:.*]] = arith.ceildivui %[[LEN]], %c16
// CHECK:           scf.for %[[P:.*]] = %c0 to %[[PAGES]] step %c1 iter_args(%{{.*}}, %{{.*}}, %{{.*}}) -> (tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2x16xf32>)
// CHECK:             %[[ENTRY:.*]] = tensor.extract %[[BT]][%[[B]], %[[P]]]
// CHECK:             %[[PAGE:.*]] = arith.index_cast %[[ENTRY]]
// CHECK:             %[[LATENT:.*]] = tensor.extract_slice %[[CACHE]][%[[PAGE]], 0, 0] [1, 16, 16] [1, 1, 1] : tensor<8x16x20xbf16> to tensor<16x16xbf16>
// CHECK:             tensor.extract_slice %[[CACHE]][%[[PAGE]], 0, 16] [1, 16, 4] [1, 1, 1] : tensor<8x16x20xbf16> to tensor<16x4xbf16>
// Scores: dot products in 4 lanes (16 = 4 x 4), then the lanes added.
// CHECK:             tensor.expand_shape %[[LATENT]] {{\[}}[0], [1, 2]] output_shape [16, 4, 4]
// CHECK:             linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]
// CHECK:               arith.mulf {{.*}} fastmath<contract>
// CHECK:             linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// Scaled by 1/sqrt(8 + 4); keys at or past the length are -inf.
// CHECK:             linalg.generic
// CHECK:               arith.mulf %{{.*}}, %cst
// CHECK:               arith.cmpi slt, %{{.*}}, %[[LEN]]
// CHECK:               arith.select %{{.*}}, %{{.*}}, %{{cst[_0-9]*}}
// CHECK:               arith.maximumf
// The running max moves only past max + 8 (a NaN score moves it too).
// CHECK:               %[[LIMIT:.*]] = arith.addf %{{.*}}, %{{cst[_0-9]*}} : f32
// CHECK:               arith.cmpf ugt, %{{.*}}, %[[LIMIT]]
// CHECK:               math.exp
// The accumulator is rescaled only when some row's max moved.
// CHECK:             arith.cmpf une
// CHECK:             scf.if
// CHECK:               arith.mulf
// CHECK:             } else {
// P x V over the latent rows; a hidden key's row is replaced by zero.
// CHECK:             linalg.generic {{.*}} ins(%{{.*}}, %[[LATENT]] : tensor<1x2x16xf32>, tensor<16x16xbf16>) {{.*}} {
// CHECK:               arith.select %{{.*}}, %{{.*}}, %{{cst[_0-9]*}} : f32
// CHECK:               arith.mulf {{.*}} fastmath<contract>
// CHECK:               arith.addf {{.*}} fastmath<contract>
// CHECK:           arith.divf
// CHECK:           math.log
// CHECK:           arith.truncf %{{.*}} : f32 to bf16
// CHECK:           scf.forall.in_parallel
// CHECK-NOT:     mla.

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = bf16>
!cache = !mla.paged_cache<pages = 8, page_size = 16, latent = 16, rope = 4, bf16>

func.func @latent(%query: tensor<2x1x2x16xbf16>, %q_rope: tensor<2x1x2x4xbf16>,
                  %cache: !cache, %block_table: tensor<2x4xi32>,
                  %seq_lens: tensor<2xi32>)
    -> (tensor<2x1x2x16xbf16>, tensor<2x1x2xf32>) {
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens]
      {causal, config = #cfg}
      : (tensor<2x1x2x16xbf16>, tensor<2x1x2x4xbf16>, !cache,
         tensor<2x4xi32>, tensor<2xi32>)
      -> (tensor<2x1x2x16xbf16>, tensor<2x1x2xf32>)
  return %out, %lse : tensor<2x1x2x16xbf16>, tensor<2x1x2xf32>
}

// -----

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = bf16>
!cache = !mla.paged_cache<pages = 8, page_size = 16, latent = 16, rope = 4, bf16>

// Cache append: each new token's row goes to page block_table[b, (len + t) /
// 16], row (len + t) % 16, latent then rope, in place in the cache tensor.
// CHECK-LABEL: func.func @append(
// CHECK-SAME:      %[[CKV:[^:]+]]: tensor<2x3x16xbf16>, %[[KR:[^:]+]]: tensor<2x3x4xbf16>, %[[CACHE:[^:]+]]: tensor<8x16x20xbf16>, %[[BT:[^:]+]]: tensor<2x4xi32>, %[[LENS:[^:]+]]: tensor<2xi32>) -> tensor<8x16x20xbf16>
// CHECK:         scf.for %[[B:.*]] = %c0 to %c2 step %c1 iter_args(%{{.*}} = %[[CACHE]])
// CHECK:           %[[LEN:.*]] = arith.index_cast
// CHECK:           scf.for %[[T:.*]] = %c0 to %c3 step %c1 iter_args(%[[C:.*]] = %{{.*}})
// CHECK:             %[[POS:.*]] = arith.addi %[[LEN]], %[[T]]
// CHECK:             %[[SLOT:.*]] = arith.divui %[[POS]], %c16
// CHECK:             %[[ENTRY:.*]] = tensor.extract %[[BT]][%[[B]], %[[SLOT]]]
// CHECK:             %[[PAGE:.*]] = arith.index_cast %[[ENTRY]]
// CHECK:             %[[ROW:.*]] = arith.remui %[[POS]], %c16
// CHECK:             %[[NEW:.*]] = tensor.extract_slice %[[CKV]][%[[B]], %[[T]], 0] [1, 1, 16]
// CHECK:             %[[IN:.*]] = tensor.insert_slice %[[NEW]] into %[[C]][%[[PAGE]], %[[ROW]], 0] [1, 1, 16]
// CHECK:             %[[NEWR:.*]] = tensor.extract_slice %[[KR]][%[[B]], %[[T]], 0] [1, 1, 4]
// CHECK:             tensor.insert_slice %[[NEWR]] into %[[IN]][%[[PAGE]], %[[ROW]], 16] [1, 1, 4]
func.func @append(%c_kv: tensor<2x3x16xbf16>, %k_rope: tensor<2x3x4xbf16>,
                  %cache: !cache, %block_table: tensor<2x4xi32>,
                  %seq_lens: tensor<2xi32>) -> !cache {
  %0 = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens]
      {config = #cfg}
      : tensor<2x3x16xbf16>, tensor<2x3x4xbf16>
        into !cache[tensor<2x4xi32>, tensor<2xi32>]
  return %0 : !cache
}
