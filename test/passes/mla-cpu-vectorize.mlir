// RUN: mla-opt %s -split-input-file --mla-cpu-vectorize --canonicalize \
// RUN:   | FileCheck %s

// P x V of one page: (s, h, t, c) with t the reduction. The register block is
// 4 heads x 64 latent columns (16 vectors); t is the innermost loop and
// carries the block in registers; the multiply-add may become an FMA.
// CHECK-LABEL: func.func @probabilities_times_values
// CHECK-NOT:     scf.forall
// CHECK:         scf.for %{{.*}} = %c0 to %c16 step %c4
// CHECK:           scf.for %{{.*}} = %c0 to %c512 step %c64
// CHECK:             vector.transfer_read {{.*}} : tensor<1x4x64xf32>, vector<4x64xf32>
// CHECK:             scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<4x64xf32>)
// CHECK:               arith.extf {{.*}} : vector<4x1x64xbf16> to vector<4x1x64xf32>
// CHECK:               arith.mulf {{.*}} fastmath<contract> : vector<4x1x64xf32>
// CHECK:               vector.shape_cast
// CHECK:               arith.addf %[[ACC]], {{.*}} fastmath<contract> : vector<4x64xf32>
// CHECK:               scf.yield {{.*}} : vector<4x64xf32>
// CHECK:             vector.transfer_write {{.*}} : vector<4x64xf32>, tensor<1x4x64xf32>
// CHECK-NOT:     linalg.generic
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

// -----

// Three heads do not split in two: the block is one head x 64 columns.
// CHECK-LABEL: func.func @three_heads
// CHECK:         scf.for %{{.*}} = %c0 to %c3 step %c1
// CHECK:           vector.transfer_read {{.*}} : tensor<1x64xf32>, vector<64xf32>
// CHECK:           scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<64xf32>)
func.func @three_heads(%p: tensor<3x64xf32>, %v: tensor<64x64xf32>,
                       %acc: tensor<3x64xf32>) -> tensor<3x64xf32> {
  %0 = linalg.generic {
      indexing_maps = [affine_map<(h, t, c) -> (h, t)>,
                       affine_map<(h, t, c) -> (t, c)>,
                       affine_map<(h, t, c) -> (h, c)>],
      iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%p, %v : tensor<3x64xf32>, tensor<64x64xf32>)
      outs(%acc : tensor<3x64xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %m = arith.mulf %x, %y : f32
    %a = arith.addf %out, %m : f32
    linalg.yield %a : f32
  } -> tensor<3x64xf32>
  return %0 : tensor<3x64xf32>
}

// -----

// A row max over the innermost loop: the whole row in one vector.reduction.
// CHECK-LABEL: func.func @row_max
// CHECK:         scf.for %{{.*}} = %c0 to %c16 step %c1
// CHECK:           vector.reduction <maximumf>, %{{.*}}, %{{.*}} : vector<64xf32> into f32
// CHECK-NOT:     linalg.generic
func.func @row_max(%s: tensor<16x64xf32>, %init: tensor<16xf32>)
    -> tensor<16xf32> {
  %0 = linalg.generic {
      indexing_maps = [affine_map<(h, t) -> (h, t)>,
                       affine_map<(h, t) -> (h)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%s : tensor<16x64xf32>) outs(%init : tensor<16xf32>) {
  ^bb0(%x: f32, %out: f32):
    %m = arith.maximumf %x, %out : f32
    linalg.yield %m : f32
  } -> tensor<16xf32>
  return %0 : tensor<16xf32>
}

// -----

// Elementwise: 16 lanes at a time, and exp as a polynomial on the vector
// (no math.exp left for a libm call per lane).
// CHECK-LABEL: func.func @exponentials
// CHECK:         scf.for %{{.*}} = %c0 to %c64 step %c16
// CHECK:           vector.transfer_read {{.*}} vector<16xf32>
// CHECK-NOT:       math.exp
// CHECK:           vector.transfer_write {{.*}} vector<16xf32>
func.func @exponentials(%s: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %empty = tensor.empty() : tensor<4x64xf32>
  %0 = linalg.generic {
      indexing_maps = [affine_map<(h, t) -> (h, t)>,
                       affine_map<(h, t) -> (h, t)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<4x64xf32>) outs(%empty : tensor<4x64xf32>) {
  ^bb0(%x: f32, %out: f32):
    %e = math.exp %x : f32
    linalg.yield %e : f32
  } -> tensor<4x64xf32>
  return %0 : tensor<4x64xf32>
}

// -----

// Dynamic loop ranges are left to the scalar loops.
// CHECK-LABEL: func.func @dynamic
// CHECK:         linalg.generic
// CHECK-NOT:     vector.
func.func @dynamic(%p: tensor<?x64xf32>, %v: tensor<64x64xf32>,
                   %acc: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %0 = linalg.generic {
      indexing_maps = [affine_map<(h, t, c) -> (h, t)>,
                       affine_map<(h, t, c) -> (t, c)>,
                       affine_map<(h, t, c) -> (h, c)>],
      iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%p, %v : tensor<?x64xf32>, tensor<64x64xf32>)
      outs(%acc : tensor<?x64xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %m = arith.mulf %x, %y : f32
    %a = arith.addf %out, %m : f32
    linalg.yield %a : f32
  } -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

// A projection as convert-mla-to-linalg writes it: 4 tokens, a 1024-row
// weight of 2^21 elements split into 16 lanes of partial sums. The block
// holds every token (so each weight vector is loaded once for all four) x 4
// rows x 16 lanes, and the weight's rows are cut into 64 blocks of 16 that
// the threads share.
// CHECK-LABEL: func.func @projection
// CHECK:         scf.forall (%{{.*}}) = (0) to (1024) step (16)
// CHECK:           scf.for %{{.*}} = %c0 to %c16 step %c4
// CHECK:             scf.for %{{.*}} = %c0 to %c128 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<4x1x4x16xf32>)
// CHECK:               arith.extf {{.*}} : vector<4x1x4x1x16xbf16> to vector<4x1x4x1x16xf32>
// CHECK:           scf.forall.in_parallel
func.func @projection(%x: tensor<4x1x128x16xbf16>,
                      %w: tensor<1024x128x16xbf16>,
                      %acc: tensor<4x1x1024x16xf32>)
    -> tensor<4x1x1024x16xf32> {
  %0 = linalg.generic {
      indexing_maps = [affine_map<(b, s, m, k, l) -> (b, s, k, l)>,
                       affine_map<(b, s, m, k, l) -> (m, k, l)>,
                       affine_map<(b, s, m, k, l) -> (b, s, m, l)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction",
                        "parallel"]}
      ins(%x, %w : tensor<4x1x128x16xbf16>, tensor<1024x128x16xbf16>)
      outs(%acc : tensor<4x1x1024x16xf32>) {
  ^bb0(%a: bf16, %b: bf16, %out: f32):
    %ea = arith.extf %a : bf16 to f32
    %eb = arith.extf %b : bf16 to f32
    %m = arith.mulf %ea, %eb : f32
    %r = arith.addf %out, %m : f32
    linalg.yield %r : f32
  } -> tensor<4x1x1024x16xf32>
  return %0 : tensor<4x1x1024x16xf32>
}

// -----

// A transposition of f32 values (the probabilities [t, S x H] into bf16
// [S x H, t] for the tiles' P x V) reads 16 x 16 blocks in memory order and
// transposes them with shuffles, not one lane at a time.
// CHECK-LABEL: func.func @transpose_probabilities
// CHECK:         scf.for %{{.*}} = %c0 to %c256 step %c16
// CHECK:           scf.for %{{.*}} = %c0 to %c64 step %c16
// CHECK:             vector.transfer_read {{.*}} : tensor<16x16xf32>, vector<16x16xf32>
// CHECK:             vector.shuffle
// CHECK:             arith.truncf {{.*}} to vector<16x16xbf16>
// CHECK-NOT:     permutation_map
func.func @transpose_probabilities(%p: tensor<64x256xf32>,
                                   %o: tensor<256x64xbf16>)
    -> tensor<256x64xbf16> {
  %0 = linalg.generic {
      indexing_maps = [affine_map<(m, t) -> (t, m)>,
                       affine_map<(m, t) -> (m, t)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%p : tensor<64x256xf32>) outs(%o : tensor<256x64xbf16>) {
  ^bb0(%x: f32, %out: bf16):
    %t = arith.truncf %x : f32 to bf16
    linalg.yield %t : bf16
  } -> tensor<256x64xbf16>
  return %0 : tensor<256x64xbf16>
}
