// RUN: mla-opt %s --convert-mla-to-linalg --canonicalize | FileCheck %s --check-prefix=LOOPS
// RUN: mla-opt %s --mla-to-cpu="threads=3" | FileCheck %s --check-prefix=THREADS
// RUN: mla-opt %s --mla-to-cpu | FileCheck %s --check-prefix=DEFAULT

// Every (split, sequence) pair of a split attention is one iteration of a
// parallel loop, which the CPU lowering gives to OpenMP threads: as many as
// the option says, or the runtime's default (no clause).
// LOOPS-LABEL: func.func @split
// LOOPS: scf.forall (%{{.*}}, %{{.*}}) in (4, 2)
// LOOPS: scf.forall.in_parallel
// THREADS-LABEL: llvm.func @split
// THREADS: %[[N:.*]] = llvm.mlir.constant(3 : i32) : i32
// THREADS: omp.parallel num_threads(%[[N]] : i32)
// THREADS: omp.wsloop
// THREADS: omp.loop_nest (%{{.*}}, %{{.*}}) : i64 = {{.*}} collapse(2)
// DEFAULT-LABEL: llvm.func @split
// DEFAULT-NOT: num_threads
// DEFAULT: omp.parallel {
// DEFAULT: omp.loop_nest (%{{.*}}, %{{.*}}) : i64 = {{.*}} collapse(2)

#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = bf16>
!cache = !mla.paged_cache<pages = 16, page_size = 16, latent = 16, rope = 4, bf16>
func.func @split(%q: tensor<2x1x2x16xbf16>, %q_rope: tensor<2x1x2x4xbf16>, %cache: !cache,
    %bt: tensor<2x8xi32>, %lens: tensor<2xi32>) -> (tensor<4x2x1x2x16xf32>, tensor<4x2x1x2xf32>) {
  %o, %lse = mla.partial_latent_attention %q, %q_rope, %cache[%bt, %lens] {causal, config = #cfg, num_splits = 4 : i64}
      : (tensor<2x1x2x16xbf16>, tensor<2x1x2x4xbf16>, !cache, tensor<2x8xi32>, tensor<2xi32>)
      -> (tensor<4x2x1x2x16xf32>, tensor<4x2x1x2xf32>)
  return %o, %lse : tensor<4x2x1x2x16xf32>, tensor<4x2x1x2xf32>
}
