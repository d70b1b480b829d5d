// RUN: mla-opt %s --mla-cpu-vectorize --canonicalize | FileCheck %s --check-prefix=DEFAULT
// RUN: mla-opt %s --mla-cpu-vectorize="accumulator-registers=8 inner-registers=2" --canonicalize \
// RUN:   | FileCheck %s --check-prefix=SMALL
// RUN: mla-opt %s --mla-cpu-vectorize="accumulator-registers=32 inner-registers=8" --canonicalize \
// RUN:   | FileCheck %s --check-prefix=LARGE
// RUN: not mla-opt %s --mla-cpu-vectorize="accumulator-registers=12" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD

// The register block of P x V (16 heads x 512 latent columns, 64 keys) is
// the options' shape: 16 registers of 16 lanes as 4 heads x 64 columns by
// default, 8 registers at most 2 wide as 4 x 32, 32 registers at most 8
// wide as 4 x 128.
// DEFAULT:      scf.for %{{.*}} = %c0 to %c16 step %c4
// DEFAULT:        scf.for %{{.*}} = %c0 to %c512 step %c64
// DEFAULT:          scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<4x64xf32>)
// SMALL:        scf.for %{{.*}} = %c0 to %c16 step %c4
// SMALL:          scf.for %{{.*}} = %c0 to %c512 step %c32
// SMALL:            scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<4x32xf32>)
// LARGE:        scf.for %{{.*}} = %c0 to %c16 step %c4
// LARGE:          scf.for %{{.*}} = %c0 to %c512 step %c128
// LARGE:            scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<4x128xf32>)
// BAD: error: mla-cpu-vectorize: accumulator-registers must be a power of two in [1, 32] and inner-registers one in [1, 8] (got 12 and 4)
func.func @probabilities_times_values(%p: tensor<1x16x64xf32>,
                                      %v: tensor<64x512xbf16>,
                                      %acc: tensor<1x16x512xf32>)
    -> tensor<1x16x512xf32> {
  %0 = linalg.generic {
      indexing_maps = [affine_map<(s, h, t, c) -> (s, h, t)>,
                       affine_map<(s, h, t, c) -> (t, c)>,
                       affine_map<(s, h, t, c) -> (s, h, c)>],
      iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
      ins(%p, %v : tensor<1x16x64xf32>, tensor<64x512xbf16>)
      outs(%acc : tensor<1x16x512xf32>) {
  ^bb0(%x: f32, %y: bf16, %out: f32):
    %e = arith.extf %y : bf16 to f32
    %m = arith.mulf %x, %e : f32
    %a = arith.addf %out, %m : f32
    linalg.yield %a : f32
  } -> tensor<1x16x512xf32>
  return %0 : tensor<1x16x512xf32>
}
