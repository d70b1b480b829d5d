// RUN: mla-opt %s --convert-mla-to-linalg="amx=true" --canonicalize | FileCheck %s --check-prefix=MARKED
// RUN: mla-opt %s --convert-mla-to-linalg --canonicalize | FileCheck %s --check-prefix=VECTOR
// RUN: mla-opt %s --mla-to-cpu="amx=true" | FileCheck %s --check-prefix=LLVM
// RUN: mla-opt %s --mla-to-cpu | FileCheck %s --check-prefix=NOTILES
// RUN: mla-opt %s --mla-to-cpu="amx=true" --mlir-print-ir-after=mla-cpu-amx -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=TILES

// With amx, a page step whose shapes fit the tiles (bf16, pages of 16 keys,
// latent 64 + rope 32) is written in the tiles' layouts: the query packed
// into bf16 pairs [48, S, H, 2] once per sequence, the scores transposed to
// [page, S, H] and the two matrix products marked for mla-cpu-amx. The f32
// cache of @f32_cache keeps the vector formulation either way.
// MARKED-LABEL: func.func @tiles
// MARKED: tensor.empty() : tensor<48x1x20x2xbf16>
// Pages of 16 keys go 16 to a step (256 keys, AmxTiles.h's kStepKeys):
// each page's scores and value pairs into the step's, one P x V over the
// step's keys; the pages left over after the whole steps, one per step.
// MARKED: scf.for
// MARKED-COUNT-16: linalg.generic {{.*}} ins({{.*}} : tensor<16x96xbf16>, tensor<48x1x20x2xbf16>) outs({{.*}} : tensor<16x1x20xf32>) attrs = {mla.amx = "scores"}
// MARKED: linalg.generic {{.*}} ins({{.*}} : tensor<16x64xbf16>, index, index) outs({{.*}} : tensor<8x64x2xbf16>) attrs = {mla.amx = "pack_values"}
// MARKED: linalg.generic {{.*}} ins({{.*}} : tensor<1x20x256xbf16>, tensor<128x64x2xbf16>) outs({{.*}} : tensor<1x20x64xf32>) attrs = {mla.amx = "values"}
// MARKED: scf.for
// MARKED: linalg.generic {{.*}} ins({{.*}} : tensor<16x96xbf16>, tensor<48x1x20x2xbf16>) outs({{.*}} : tensor<16x1x20xf32>) attrs = {mla.amx = "scores"}
// MARKED: linalg.generic {{.*}} ins({{.*}} : tensor<1x20x16xbf16>, tensor<8x64x2xbf16>) outs({{.*}} : tensor<1x20x64xf32>) attrs = {mla.amx = "values"}
// MARKED-LABEL: func.func @f32_cache
// MARKED-NOT: mla.amx
// VECTOR-NOT: mla.amx

// After mla-cpu-amx: 20 query rows are a 16-row block and a last block
// that overlaps it (no 4-row tiles). The scores multiply 16 keys x 32
// columns of the page by the packed query; P x V's depth is the page's 16
// keys (8 rows of pairs).
// TILES: amx.tile_load {{.*}} into !amx.tile<16x32xbf16>
// TILES: amx.tile_mulf {{.*}} : !amx.tile<16x32xbf16>, !amx.tile<16x32xbf16>, !amx.tile<16x16xf32>
// TILES: amx.tile_mulf {{.*}} : !amx.tile<16x16xbf16>, !amx.tile<8x32xbf16>, !amx.tile<16x16xf32>
// TILES-NOT: !amx.tile<4x
// Then tile loads, bf16 tile products and stores in LLVM.
// LLVM-LABEL: llvm.func @tiles
// LLVM: llvm.call_intrinsic "llvm.x86.tileloadd64.internal"
// LLVM: llvm.call_intrinsic "llvm.x86.tdpbf16ps.internal"
// LLVM: llvm.call_intrinsic "llvm.x86.tilestored64.internal"
// LLVM-LABEL: llvm.func @f32_cache
// LLVM-NOT: x86
// NOTILES-NOT: x86.t

#cfg = #mla.config<heads = 20, d_model = 32, kv_lora_rank = 64, qk_nope_head_dim = 8, qk_rope_head_dim = 32, v_head_dim = 8, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 16, latent = 64, rope = 32, bf16>
func.func @tiles(%q: tensor<2x1x20x64xbf16>, %q_rope: tensor<2x1x20x32xbf16>, %cache: !cache,
    %bt: tensor<2x8xi32>, %lens: tensor<2xi32>) -> (tensor<2x1x20x64xbf16>, tensor<2x1x20xf32>) {
  %o, %lse = mla.latent_attention %q, %q_rope, %cache[%bt, %lens] {causal, config = #cfg}
      : (tensor<2x1x20x64xbf16>, tensor<2x1x20x32xbf16>, !cache, tensor<2x8xi32>, tensor<2xi32>)
      -> (tensor<2x1x20x64xbf16>, tensor<2x1x20xf32>)
  return %o, %lse : tensor<2x1x20x64xbf16>, tensor<2x1x20xf32>
}

#cfg32 = #mla.config<heads = 20, d_model = 32, kv_lora_rank = 64, qk_nope_head_dim = 8, qk_rope_head_dim = 32, v_head_dim = 8, storage = f32>
!cache32 = !mla.paged_cache<pages = 16, page_size = 16, latent = 64, rope = 32, f32>
func.func @f32_cache(%q: tensor<2x1x20x64xf32>, %q_rope: tensor<2x1x20x32xf32>, %cache: !cache32,
    %bt: tensor<2x8xi32>, %lens: tensor<2xi32>) -> (tensor<2x1x20x64xf32>, tensor<2x1x20xf32>) {
  %o, %lse = mla.latent_attention %q, %q_rope, %cache[%bt, %lens] {causal, config = #cfg32}
      : (tensor<2x1x20x64xf32>, tensor<2x1x20x32xf32>, !cache32, tensor<2x8xi32>, tensor<2xi32>)
      -> (tensor<2x1x20x64xf32>, tensor<2x1x20xf32>)
  return %o, %lse : tensor<2x1x20x64xf32>, tensor<2x1x20xf32>
}
