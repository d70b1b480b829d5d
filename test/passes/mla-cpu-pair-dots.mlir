// RUN: mla-opt %s --convert-mla-to-linalg="bf16-dot=true" --canonicalize | FileCheck %s --check-prefix=PAIRS
// RUN: mla-opt %s --convert-mla-to-linalg --canonicalize | FileCheck %s --check-prefix=FMA
// RUN: mla-opt %s --convert-mla-to-linalg="bf16-dot=true" --canonicalize --mla-cpu-vectorize="bf16-dot=true" | FileCheck %s --check-prefix=DOTS
// RUN: mla-opt %s --mla-to-cpu="bf16-dot=true" | FileCheck %s --check-prefix=LLVM
// RUN: mla-opt %s --mla-to-cpu | FileCheck %s --check-prefix=NODOTS

// With bf16-dot, the vector page step's products run over pairs of bf16
// elements (passes/PairDots.h). Scores: whole dot products of the query,
// latent and rope side by side in bf16 [S, H, 96] (once per sequence), with
// the page's rows [16, 96], both viewed as [..., 96 / 32, 16, 2], into
// [S, H, page]. P x V on pages every query row sees whole: the
// probabilities rounded to bf16 in pairs of keys [S, H, 8, 2] against the
// page's rows two at a time [8, 2, 64]; pages with a hidden key keep the
// masked f32 product.
// PAIRS-LABEL: func.func @dots
// PAIRS: linalg.copy ins({{.*}} : tensor<2x4x64xbf16>)
// PAIRS: tensor.insert_slice {{.*}}[0, 0, 0] [2, 4, 64] [1, 1, 1] : tensor<2x4x64xbf16> into tensor<2x4x96xbf16>
// PAIRS: tensor.insert_slice {{.*}}[0, 0, 64] [2, 4, 32] [1, 1, 1] : tensor<2x4x32xbf16> into tensor<2x4x96xbf16>
// PAIRS: scf.for
// PAIRS: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins({{.*}} : tensor<2x4x3x16x2xbf16>, tensor<16x3x16x2xbf16>) outs({{.*}} : tensor<2x4x16xf32>)
// PAIRS: scf.if
// PAIRS: linalg.generic {{.*}} ins({{.*}} : tensor<2x4x8x2xbf16>, tensor<8x2x64xbf16>) outs({{.*}} : tensor<2x4x64xf32>)
// PAIRS: else
// PAIRS: linalg.generic {{.*}} ins({{.*}} : tensor<2x4x16xf32>, tensor<16x64xbf16>) outs({{.*}} : tensor<2x4x64xf32>)
// The f32 cache has no pairs.
// PAIRS-LABEL: func.func @f32_cache
// PAIRS-NOT: x2xf32>
// PAIRS-NOT: x2xbf16>
// FMA-NOT: x16x2xbf16>

// The vectorizer makes each 16 lanes of pairs one dot product, reading the
// rows 32 elements at a time (not a pair at a time). The scores' block is
// 16 scores (4 heads x 4 keys), each with 16 lanes of partial sums through
// its 3 rows of 32: 48 dot products, then the 16 x 16 lanes summed across
// in four rounds of shuffles (2 x 8 + 2 x 4 + 2 x 2 + 2 x 1 = 30, and one
// into order). P x V: a block of 2 x 2 rows of 4 x 16 lanes over 2 keys.
// DOTS-LABEL: func.func @dots
// DOTS-NOT: vector.transfer_read {{.*}} vector<{{[0-9x]*}}16x2xbf16>
// DOTS-COUNT-2: vector.transfer_read {{.*}} vector<4x3x32xbf16>
// DOTS-COUNT-48: x86vector.avx512.dot {{.*}} : vector<32xbf16> -> vector<16xf32>
// DOTS-COUNT-31: vector.shuffle
// DOTS: x86vector.avx512.dot
// DOTS-LABEL: func.func @f32_cache
// DOTS-NOT: x86vector

// LLVM-LABEL: llvm.func @dots
// LLVM: llvm.call_intrinsic "llvm.x86.avx512bf16.dpbf16ps.512"
// LLVM-LABEL: llvm.func @f32_cache
// LLVM-NOT: dpbf16ps
// NODOTS-NOT: dpbf16ps

#cfg = #mla.config<heads = 4, d_model = 32, kv_lora_rank = 64, qk_nope_head_dim = 8, qk_rope_head_dim = 32, v_head_dim = 8, storage = bf16>
#cfg32 = #mla.config<heads = 4, d_model = 32, kv_lora_rank = 64, qk_nope_head_dim = 8, qk_rope_head_dim = 32, v_head_dim = 8, storage = f32>
!cache = !mla.paged_cache<pages = 16, page_size = 16, latent = 64, rope = 32, bf16>
!cache32 = !mla.paged_cache<pages = 16, page_size = 16, latent = 64, rope = 32, f32>

func.func @dots(%q: tensor<2x2x4x64xbf16>, %q_rope: tensor<2x2x4x32xbf16>, %cache: !cache,
    %bt: tensor<2x8xi32>, %lens: tensor<2xi32>) -> (tensor<2x2x4x64xbf16>, tensor<2x2x4xf32>) {
  %o, %lse = mla.latent_attention %q, %q_rope, %cache[%bt, %lens] {causal, config = #cfg}
      : (tensor<2x2x4x64xbf16>, tensor<2x2x4x32xbf16>, !cache, tensor<2x8xi32>, tensor<2xi32>)
      -> (tensor<2x2x4x64xbf16>, tensor<2x2x4xf32>)
  return %o, %lse : tensor<2x2x4x64xbf16>, tensor<2x2x4xf32>
}

func.func @f32_cache(%q: tensor<2x2x4x64xf32>, %q_rope: tensor<2x2x4x32xf32>, %cache: !cache32,
    %bt: tensor<2x8xi32>, %lens: tensor<2xi32>) -> (tensor<2x2x4x64xf32>, tensor<2x2x4xf32>) {
  %o, %lse = mla.latent_attention %q, %q_rope, %cache[%bt, %lens] {causal, config = #cfg32}
      : (tensor<2x2x4x64xf32>, tensor<2x2x4x32xf32>, !cache32, tensor<2x8xi32>, tensor<2xi32>)
      -> (tensor<2x2x4x64xf32>, tensor<2x2x4xf32>)
  return %o, %lse : tensor<2x2x4x64xf32>, tensor<2x2x4xf32>
}
