// RUN: mla-opt %s --convert-mla-to-linalg --canonicalize | FileCheck %s --check-prefix=ROWS
// RUN: mla-opt %s --convert-mla-to-linalg --canonicalize --mla-cpu-vectorize | FileCheck %s --check-prefix=FMAS
// RUN: mla-opt %s --convert-mla-to-linalg --canonicalize --mla-cpu-vectorize="accumulator-registers=4 inner-registers=1" | FileCheck %s --check-prefix=SMALL

// Without pair dots, the scores are whole dot products over the cache rows
// in f32 (latent and rope side by side, the query joined once per
// sequence), both viewed as [..., 96 / 16, 16]: loops (s, h, t, c_outer,
// lane), every lane reduced into [S, H, page], no lane partials in memory.
// ROWS-LABEL: func.func @f32_cache
// ROWS: tensor.insert_slice {{.*}}[0, 0, 64] [2, 4, 32] [1, 1, 1] : tensor<2x4x32xf32> into tensor<2x4x96xf32>
// ROWS: scf.for
// ROWS: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]} ins({{.*}} : tensor<2x4x6x16xf32>, tensor<16x6x16xf32>) outs({{.*}} : tensor<2x4x16xf32>)

// The vectorizer's block is 16 scores (4 heads x 4 keys), each with 16
// lanes of partial sums through its 6 rows of 16: 96 FMAs, then the 16 x 16
// lanes summed across in four rounds of shuffles (30, and one into order).
// FMAS-LABEL: func.func @f32_cache
// FMAS-NOT: vector.multi_reduction
// FMAS-COUNT-96: vector.fma {{.*}} : vector<16xf32>
// FMAS-COUNT-31: vector.shuffle
// A block of 4 scores (AVX2's shape): 24 FMAs, each score's lanes reduced.
// SMALL-LABEL: func.func @f32_cache
// SMALL-COUNT-24: vector.fma {{.*}} : vector<16xf32>
// SMALL-NOT: vector.fma {{.*}} : vector<16xf32>
// SMALL-COUNT-4: vector.reduction <add>

#cfg32 = #mla.config<heads = 4, d_model = 32, kv_lora_rank = 64, qk_nope_head_dim = 8, qk_rope_head_dim = 32, v_head_dim = 8, storage = f32>
!cache32 = !mla.paged_cache<pages = 16, page_size = 16, latent = 64, rope = 32, f32>


func.func @f32_cache(%q: tensor<2x2x4x64xf32>, %q_rope: tensor<2x2x4x32xf32>, %cache: !cache32,
    %bt: tensor<2x8xi32>, %lens: tensor<2xi32>) -> (tensor<2x2x4x64xf32>, tensor<2x2x4xf32>) {
  %o, %lse = mla.latent_attention %q, %q_rope, %cache[%bt, %lens] {causal, config = #cfg32}
      : (tensor<2x2x4x64xf32>, tensor<2x2x4x32xf32>, !cache32, tensor<2x8xi32>, tensor<2xi32>)
      -> (tensor<2x2x4x64xf32>, tensor<2x2x4xf32>)
  return %o, %lse : tensor<2x2x4x64xf32>, tensor<2x2x4xf32>
}
