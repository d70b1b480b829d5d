// RUN: mla-opt %s --allow-unregistered-dialect --mla-absorb-weights --mla-fuse | FileCheck %s

// The module body is a graph region: a use may come before its definition,
// so the passes must not erase a producer the walk has not reached yet.
// They rewrite, then remove only what their rewrites left unused.

#cfg = #mla.config<heads = 1, d_model = 2, kv_lora_rank = 2, qk_nope_head_dim = 2, qk_rope_head_dim = 2, v_head_dim = 2, storage = f32>

// CHECK-LABEL: module
// CHECK-NEXT: %[[WOV:.*]] = arith.constant dense<{{\[\[\[}}4.000000e+00, 6.000000e+00]], {{\[\[}}2.000000e+00, 4.000000e+00]]]> : tensor<2x1x2xf32>
// CHECK-NEXT: %[[OUT:.*]] = mla.output_projection %[[OL:.*]], %[[WOV]]
// CHECK-NEXT: %[[OL]] = "test.latent"()
// CHECK-NEXT: "test.sink"(%[[OUT]])
// CHECK-NEXT: }
%out = mla.output_projection %o, %w_o {config = #cfg}
    : (tensor<1x1x1x2xf32>, tensor<2x1x2xf32>) -> tensor<1x1x2xf32>
%o = mla.absorb_output %o_latent, %w_uv {config = #cfg}
    : (tensor<1x1x1x2xf32>, tensor<1x2x2xf32>) -> tensor<1x1x1x2xf32>
%w_uv = arith.constant dense<[[[1.0, 2.0], [3.0, 4.0]]]> : tensor<1x2x2xf32>
%w_o = arith.constant dense<[[[1.0, 1.0]], [[2.0, 0.0]]]> : tensor<2x1x2xf32>
%o_latent = "test.latent"() : () -> tensor<1x1x1x2xf32>
"test.sink"(%out) : (tensor<1x1x2xf32>) -> ()
