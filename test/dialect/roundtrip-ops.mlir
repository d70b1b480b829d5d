// RUN: mla-opt %s | mla-opt | FileCheck %s
// RUN: mla-opt %s --mlir-print-op-generic | mla-opt | FileCheck %s
// RUN: mla-opt %s | mla-opt --mlir-print-op-generic | mla-opt | FileCheck %s

// Round trip of every op of the mla dialect in its custom form, with each
// optional operand group present and absent, static and dynamic (`?`) batch,
// token and page dimensions, small configs and the real presets. Every operand
// is a function argument so that nothing folds away; each check spells out the
// whole printed op (operands, attributes and types).

// Small configs, written field by field, print as aliases.
#small = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16,
                     qk_nope_head_dim = 8, qk_rope_head_dim = 4,
                     v_head_dim = 8, storage = f32>
#small_q = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24,
                       kv_lora_rank = 16, qk_nope_head_dim = 8,
                       qk_rope_head_dim = 4, v_head_dim = 8, storage = bf16>
#small_yarn = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16,
                          qk_nope_head_dim = 8, qk_rope_head_dim = 4,
                          v_head_dim = 8,
                          rope = #mla.rope<theta = 50000.0, pairing = half,
                                           yarn = <factor = 4.0,
                                                   original_max_position = 64,
                                                   beta_fast = 32.0,
                                                   beta_slow = 1.0,
                                                   mscale = 1.0,
                                                   mscale_all_dim = 1.0>>,
                          storage = f16>

!small_cache = !mla.paged_cache<pages = ?, page_size = 16, latent = 16, rope = 4, f32>
!small_q_cache = !mla.paged_cache<pages = 8, page_size = 48, latent = 16, rope = 4, bf16>
!small_yarn_cache = !mla.paged_cache<pages = ?, page_size = 1, latent = 16, rope = 4, f16>
!v3_cache = !mla.paged_cache<pages = 4096, page_size = 64, latent = 512, rope = 64, bf16>
!lite_cache = !mla.paged_cache<pages = ?, page_size = 256, latent = 512, rope = 64, bf16>

// CHECK-DAG: {{^}}#[[$SMALL:mla_config[0-9]*]] = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, rms_norm_eps = 9.9999999999999995E-7, rope = #mla.rope<theta = 1.000000e+04, pairing = interleaved>, storage = f32, accum = f32>{{$}}
// CHECK-DAG: {{^}}#[[$SMALL_Q:mla_config[0-9]*]] = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, rms_norm_eps = 9.9999999999999995E-7, rope = #mla.rope<theta = 1.000000e+04, pairing = interleaved>, storage = bf16, accum = f32>{{$}}
// CHECK-DAG: {{^}}#[[$SMALL_YARN:mla_config[0-9]*]] = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, rms_norm_eps = 9.9999999999999995E-7, rope = #mla.rope<theta = 5.000000e+04, pairing = half, yarn = <factor = 4.000000e+00, original_max_position = 64, beta_fast = 3.200000e+01, beta_slow = 1.000000e+00, mscale = 1.000000e+00, mscale_all_dim = 1.000000e+00>>, storage = f16, accum = f32>{{$}}
// CHECK-NOT: #mla_config
// CHECK-LABEL: module {

//===----------------------------------------------------------------------===//
// Projections
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @compress_query(
// CHECK-SAME:      %[[H:[[:alnum:]_]+]]: tensor<2x3x32xbf16>, %[[W:[[:alnum:]_]+]]: tensor<24x32xbf16>, %[[N:[[:alnum:]_]+]]: tensor<24xbf16>) -> tensor<2x3x24xbf16>
// CHECK-NEXT:    %[[R:[[:alnum:]_]+]] = mla.compress_query %[[H]], %[[W]], %[[N]] {config = #[[$SMALL_Q]]} : (tensor<2x3x32xbf16>, tensor<24x32xbf16>, tensor<24xbf16>) -> tensor<2x3x24xbf16>
// CHECK-NEXT:    return %[[R]] : tensor<2x3x24xbf16>
func.func @compress_query(%h: tensor<2x3x32xbf16>, %w_dq: tensor<24x32xbf16>,
                          %norm: tensor<24xbf16>) -> tensor<2x3x24xbf16> {
  %c_q = mla.compress_query %h, %w_dq, %norm {config = #small_q}
      : (tensor<2x3x32xbf16>, tensor<24x32xbf16>, tensor<24xbf16>)
      -> tensor<2x3x24xbf16>
  return %c_q : tensor<2x3x24xbf16>
}

// CHECK-LABEL: func.func @compress_query_v3(
// CHECK-SAME:      %[[H:[[:alnum:]_]+]]: tensor<?x1x7168xbf16>, %[[W:[[:alnum:]_]+]]: tensor<1536x7168xbf16>, %[[N:[[:alnum:]_]+]]: tensor<1536xbf16>) -> tensor<?x1x1536xbf16>
// CHECK-NEXT:    %[[R:[[:alnum:]_]+]] = mla.compress_query %[[H]], %[[W]], %[[N]] {config = #mla.config<"deepseek-v3">} : (tensor<?x1x7168xbf16>, tensor<1536x7168xbf16>, tensor<1536xbf16>) -> tensor<?x1x1536xbf16>
// CHECK-NEXT:    return %[[R]] : tensor<?x1x1536xbf16>
func.func @compress_query_v3(%h: tensor<?x1x7168xbf16>,
                             %w_dq: tensor<1536x7168xbf16>,
                             %norm: tensor<1536xbf16>) -> tensor<?x1x1536xbf16> {
  %c_q = mla.compress_query %h, %w_dq, %norm {config = #mla.config<"deepseek-v3">}
      : (tensor<?x1x7168xbf16>, tensor<1536x7168xbf16>, tensor<1536xbf16>)
      -> tensor<?x1x1536xbf16>
  return %c_q : tensor<?x1x1536xbf16>
}

// CHECK-LABEL: func.func @compress_kv(
// CHECK-SAME:      %[[H:[[:alnum:]_]+]]: tensor<?x3x32xf32>, %[[W:[[:alnum:]_]+]]: tensor<20x32xf32>, %[[N:[[:alnum:]_]+]]: tensor<16xf32>) -> (tensor<?x3x16xf32>, tensor<?x3x4xf32>)
// CHECK-NEXT:    %[[C:[[:alnum:]_]+]], %[[K:[[:alnum:]_]+]] = mla.compress_kv %[[H]], %[[W]], %[[N]] {config = #[[$SMALL]]} : (tensor<?x3x32xf32>, tensor<20x32xf32>, tensor<16xf32>) -> (tensor<?x3x16xf32>, tensor<?x3x4xf32>)
// CHECK-NEXT:    return %[[C]], %[[K]] : tensor<?x3x16xf32>, tensor<?x3x4xf32>
func.func @compress_kv(%h: tensor<?x3x32xf32>, %w_dkv: tensor<20x32xf32>,
                       %norm: tensor<16xf32>)
    -> (tensor<?x3x16xf32>, tensor<?x3x4xf32>) {
  %c_kv, %k_rope = mla.compress_kv %h, %w_dkv, %norm {config = #small}
      : (tensor<?x3x32xf32>, tensor<20x32xf32>, tensor<16xf32>)
      -> (tensor<?x3x16xf32>, tensor<?x3x4xf32>)
  return %c_kv, %k_rope : tensor<?x3x16xf32>, tensor<?x3x4xf32>
}

// CHECK-LABEL: func.func @compress_kv_lite(
// CHECK-SAME:      %[[H:[[:alnum:]_]+]]: tensor<4x1x2048xbf16>, %[[W:[[:alnum:]_]+]]: tensor<576x2048xbf16>, %[[N:[[:alnum:]_]+]]: tensor<512xbf16>) -> (tensor<4x1x512xbf16>, tensor<4x1x64xbf16>)
// CHECK-NEXT:    %[[C:[[:alnum:]_]+]], %[[K:[[:alnum:]_]+]] = mla.compress_kv %[[H]], %[[W]], %[[N]] {config = #mla.config<"deepseek-v2-lite">} : (tensor<4x1x2048xbf16>, tensor<576x2048xbf16>, tensor<512xbf16>) -> (tensor<4x1x512xbf16>, tensor<4x1x64xbf16>)
// CHECK-NEXT:    return %[[C]], %[[K]] : tensor<4x1x512xbf16>, tensor<4x1x64xbf16>
func.func @compress_kv_lite(%h: tensor<4x1x2048xbf16>,
                            %w_dkv: tensor<576x2048xbf16>,
                            %norm: tensor<512xbf16>)
    -> (tensor<4x1x512xbf16>, tensor<4x1x64xbf16>) {
  %c_kv, %k_rope = mla.compress_kv %h, %w_dkv, %norm
      {config = #mla.config<"deepseek-v2-lite">}
      : (tensor<4x1x2048xbf16>, tensor<576x2048xbf16>, tensor<512xbf16>)
      -> (tensor<4x1x512xbf16>, tensor<4x1x64xbf16>)
  return %c_kv, %k_rope : tensor<4x1x512xbf16>, tensor<4x1x64xbf16>
}

// With query compression the input is c_q [B, S, q_lora_rank].
// CHECK-LABEL: func.func @up_project_query(
// CHECK-SAME:      %[[C:[[:alnum:]_]+]]: tensor<2x3x24xbf16>, %[[W:[[:alnum:]_]+]]: tensor<2x12x24xbf16>) -> (tensor<2x3x2x8xbf16>, tensor<2x3x2x4xbf16>)
// CHECK-NEXT:    %[[QN:[[:alnum:]_]+]], %[[QR:[[:alnum:]_]+]] = mla.up_project_query %[[C]], %[[W]] {config = #[[$SMALL_Q]]} : (tensor<2x3x24xbf16>, tensor<2x12x24xbf16>) -> (tensor<2x3x2x8xbf16>, tensor<2x3x2x4xbf16>)
// CHECK-NEXT:    return %[[QN]], %[[QR]] : tensor<2x3x2x8xbf16>, tensor<2x3x2x4xbf16>
func.func @up_project_query(%c_q: tensor<2x3x24xbf16>, %w_uq: tensor<2x12x24xbf16>)
    -> (tensor<2x3x2x8xbf16>, tensor<2x3x2x4xbf16>) {
  %q_nope, %q_rope = mla.up_project_query %c_q, %w_uq {config = #small_q}
      : (tensor<2x3x24xbf16>, tensor<2x12x24xbf16>)
      -> (tensor<2x3x2x8xbf16>, tensor<2x3x2x4xbf16>)
  return %q_nope, %q_rope : tensor<2x3x2x8xbf16>, tensor<2x3x2x4xbf16>
}

// Without query compression the input is the hidden state [B, S, d_model].
// CHECK-LABEL: func.func @up_project_query_hidden(
// CHECK-SAME:      %[[H:[[:alnum:]_]+]]: tensor<?x1x32xf32>, %[[W:[[:alnum:]_]+]]: tensor<2x12x32xf32>) -> (tensor<?x1x2x8xf32>, tensor<?x1x2x4xf32>)
// CHECK-NEXT:    %[[QN:[[:alnum:]_]+]], %[[QR:[[:alnum:]_]+]] = mla.up_project_query %[[H]], %[[W]] {config = #[[$SMALL]]} : (tensor<?x1x32xf32>, tensor<2x12x32xf32>) -> (tensor<?x1x2x8xf32>, tensor<?x1x2x4xf32>)
// CHECK-NEXT:    return %[[QN]], %[[QR]] : tensor<?x1x2x8xf32>, tensor<?x1x2x4xf32>
func.func @up_project_query_hidden(%h: tensor<?x1x32xf32>, %w_uq: tensor<2x12x32xf32>)
    -> (tensor<?x1x2x8xf32>, tensor<?x1x2x4xf32>) {
  %q_nope, %q_rope = mla.up_project_query %h, %w_uq {config = #small}
      : (tensor<?x1x32xf32>, tensor<2x12x32xf32>)
      -> (tensor<?x1x2x8xf32>, tensor<?x1x2x4xf32>)
  return %q_nope, %q_rope : tensor<?x1x2x8xf32>, tensor<?x1x2x4xf32>
}

// CHECK-LABEL: func.func @up_project_k(
// CHECK-SAME:      %[[C:[[:alnum:]_]+]]: tensor<2x?x16xf32>, %[[W:[[:alnum:]_]+]]: tensor<2x8x16xf32>) -> tensor<2x?x2x8xf32>
// CHECK-NEXT:    %[[R:[[:alnum:]_]+]] = mla.up_project_k %[[C]], %[[W]] {config = #[[$SMALL]]} : (tensor<2x?x16xf32>, tensor<2x8x16xf32>) -> tensor<2x?x2x8xf32>
// CHECK-NEXT:    return %[[R]] : tensor<2x?x2x8xf32>
func.func @up_project_k(%c_kv: tensor<2x?x16xf32>, %w_uk: tensor<2x8x16xf32>)
    -> tensor<2x?x2x8xf32> {
  %k_nope = mla.up_project_k %c_kv, %w_uk {config = #small}
      : (tensor<2x?x16xf32>, tensor<2x8x16xf32>) -> tensor<2x?x2x8xf32>
  return %k_nope : tensor<2x?x2x8xf32>
}

// CHECK-LABEL: func.func @up_project_v(
// CHECK-SAME:      %[[C:[[:alnum:]_]+]]: tensor<?x5x16xbf16>, %[[W:[[:alnum:]_]+]]: tensor<2x8x16xbf16>) -> tensor<?x5x2x8xbf16>
// CHECK-NEXT:    %[[R:[[:alnum:]_]+]] = mla.up_project_v %[[C]], %[[W]] {config = #[[$SMALL_Q]]} : (tensor<?x5x16xbf16>, tensor<2x8x16xbf16>) -> tensor<?x5x2x8xbf16>
// CHECK-NEXT:    return %[[R]] : tensor<?x5x2x8xbf16>
func.func @up_project_v(%c_kv: tensor<?x5x16xbf16>, %w_uv: tensor<2x8x16xbf16>)
    -> tensor<?x5x2x8xbf16> {
  %v = mla.up_project_v %c_kv, %w_uv {config = #small_q}
      : (tensor<?x5x16xbf16>, tensor<2x8x16xbf16>) -> tensor<?x5x2x8xbf16>
  return %v : tensor<?x5x2x8xbf16>
}

// CHECK-LABEL: func.func @absorb_query(
// CHECK-SAME:      %[[Q:[[:alnum:]_]+]]: tensor<?x3x2x8xf32>, %[[W:[[:alnum:]_]+]]: tensor<2x8x16xf32>) -> tensor<?x3x2x16xf32>
// CHECK-NEXT:    %[[R:[[:alnum:]_]+]] = mla.absorb_query %[[Q]], %[[W]] {config = #[[$SMALL]]} : (tensor<?x3x2x8xf32>, tensor<2x8x16xf32>) -> tensor<?x3x2x16xf32>
// CHECK-NEXT:    return %[[R]] : tensor<?x3x2x16xf32>
func.func @absorb_query(%q_nope: tensor<?x3x2x8xf32>, %w_uk: tensor<2x8x16xf32>)
    -> tensor<?x3x2x16xf32> {
  %q_latent = mla.absorb_query %q_nope, %w_uk {config = #small}
      : (tensor<?x3x2x8xf32>, tensor<2x8x16xf32>) -> tensor<?x3x2x16xf32>
  return %q_latent : tensor<?x3x2x16xf32>
}

// CHECK-LABEL: func.func @absorb_output(
// CHECK-SAME:      %[[O:[[:alnum:]_]+]]: tensor<2x3x2x16xf32>, %[[W:[[:alnum:]_]+]]: tensor<2x8x16xf32>) -> tensor<2x3x2x8xf32>
// CHECK-NEXT:    %[[R:[[:alnum:]_]+]] = mla.absorb_output %[[O]], %[[W]] {config = #[[$SMALL]]} : (tensor<2x3x2x16xf32>, tensor<2x8x16xf32>) -> tensor<2x3x2x8xf32>
// CHECK-NEXT:    return %[[R]] : tensor<2x3x2x8xf32>
func.func @absorb_output(%o_latent: tensor<2x3x2x16xf32>, %w_uv: tensor<2x8x16xf32>)
    -> tensor<2x3x2x8xf32> {
  %out = mla.absorb_output %o_latent, %w_uv {config = #small}
      : (tensor<2x3x2x16xf32>, tensor<2x8x16xf32>) -> tensor<2x3x2x8xf32>
  return %out : tensor<2x3x2x8xf32>
}

// Per-head outputs of width v_head_dim.
// CHECK-LABEL: func.func @output_projection_v_head_dim(
// CHECK-SAME:      %[[O:[[:alnum:]_]+]]: tensor<?x3x2x8xf32>, %[[W:[[:alnum:]_]+]]: tensor<32x2x8xf32>) -> tensor<?x3x32xf32>
// CHECK-NEXT:    %[[R:[[:alnum:]_]+]] = mla.output_projection %[[O]], %[[W]] {config = #[[$SMALL]]} : (tensor<?x3x2x8xf32>, tensor<32x2x8xf32>) -> tensor<?x3x32xf32>
// CHECK-NEXT:    return %[[R]] : tensor<?x3x32xf32>
func.func @output_projection_v_head_dim(%o: tensor<?x3x2x8xf32>,
                                        %w_o: tensor<32x2x8xf32>)
    -> tensor<?x3x32xf32> {
  %out = mla.output_projection %o, %w_o {config = #small}
      : (tensor<?x3x2x8xf32>, tensor<32x2x8xf32>) -> tensor<?x3x32xf32>
  return %out : tensor<?x3x32xf32>
}

// Per-head outputs of width kv_lora_rank (W_UV pre-multiplied into w_o).
// CHECK-LABEL: func.func @output_projection_kv_lora_rank(
// CHECK-SAME:      %[[O:[[:alnum:]_]+]]: tensor<2x3x2x16xf32>, %[[W:[[:alnum:]_]+]]: tensor<32x2x16xf32>) -> tensor<2x3x32xf32>
// CHECK-NEXT:    %[[R:[[:alnum:]_]+]] = mla.output_projection %[[O]], %[[W]] {config = #[[$SMALL]]} : (tensor<2x3x2x16xf32>, tensor<32x2x16xf32>) -> tensor<2x3x32xf32>
// CHECK-NEXT:    return %[[R]] : tensor<2x3x32xf32>
func.func @output_projection_kv_lora_rank(%o: tensor<2x3x2x16xf32>,
                                          %w_o: tensor<32x2x16xf32>)
    -> tensor<2x3x32xf32> {
  %out = mla.output_projection %o, %w_o {config = #small}
      : (tensor<2x3x2x16xf32>, tensor<32x2x16xf32>) -> tensor<2x3x32xf32>
  return %out : tensor<2x3x32xf32>
}

// CHECK-LABEL: func.func @output_projection_v3(
// CHECK-SAME:      %[[O:[[:alnum:]_]+]]: tensor<4x2x128x512xbf16>, %[[W:[[:alnum:]_]+]]: tensor<7168x128x512xbf16>) -> tensor<4x2x7168xbf16>
// CHECK-NEXT:    %[[R:[[:alnum:]_]+]] = mla.output_projection %[[O]], %[[W]] {config = #mla.config<"deepseek-v3">} : (tensor<4x2x128x512xbf16>, tensor<7168x128x512xbf16>) -> tensor<4x2x7168xbf16>
// CHECK-NEXT:    return %[[R]] : tensor<4x2x7168xbf16>
func.func @output_projection_v3(%o: tensor<4x2x128x512xbf16>,
                                %w_o: tensor<7168x128x512xbf16>)
    -> tensor<4x2x7168xbf16> {
  %out = mla.output_projection %o, %w_o {config = #mla.config<"deepseek-v3">}
      : (tensor<4x2x128x512xbf16>, tensor<7168x128x512xbf16>)
      -> tensor<4x2x7168xbf16>
  return %out : tensor<4x2x7168xbf16>
}

//===----------------------------------------------------------------------===//
// RoPE
//===----------------------------------------------------------------------===//

// The shared k_rope [B, S, d_r].
// CHECK-LABEL: func.func @rope_rank3(
// CHECK-SAME:      %[[X:[[:alnum:]_]+]]: tensor<?x3x4xf32>, %[[P:[[:alnum:]_]+]]: tensor<?x3xi32>) -> tensor<?x3x4xf32>
// CHECK-NEXT:    %[[R:[[:alnum:]_]+]] = mla.rope %[[X]], %[[P]] {config = #[[$SMALL]]} : tensor<?x3x4xf32>, tensor<?x3xi32>{{$}}
// CHECK-NEXT:    return %[[R]] : tensor<?x3x4xf32>
func.func @rope_rank3(%k_rope: tensor<?x3x4xf32>, %positions: tensor<?x3xi32>)
    -> tensor<?x3x4xf32> {
  %0 = mla.rope %k_rope, %positions {config = #small}
      : tensor<?x3x4xf32>, tensor<?x3xi32>
  return %0 : tensor<?x3x4xf32>
}

// Per-head q_rope [B, S, H, d_r].
// CHECK-LABEL: func.func @rope_rank4(
// CHECK-SAME:      %[[X:[[:alnum:]_]+]]: tensor<2x3x2x4xbf16>, %[[P:[[:alnum:]_]+]]: tensor<2x3xi32>) -> tensor<2x3x2x4xbf16>
// CHECK-NEXT:    %[[R:[[:alnum:]_]+]] = mla.rope %[[X]], %[[P]] {config = #[[$SMALL_Q]]} : tensor<2x3x2x4xbf16>, tensor<2x3xi32>{{$}}
// CHECK-NEXT:    return %[[R]] : tensor<2x3x2x4xbf16>
func.func @rope_rank4(%q_rope: tensor<2x3x2x4xbf16>, %positions: tensor<2x3xi32>)
    -> tensor<2x3x2x4xbf16> {
  %0 = mla.rope %q_rope, %positions {config = #small_q}
      : tensor<2x3x2x4xbf16>, tensor<2x3xi32>
  return %0 : tensor<2x3x2x4xbf16>
}

// Half pairing with YaRN.
// CHECK-LABEL: func.func @rope_yarn(
// CHECK-SAME:      %[[X:[[:alnum:]_]+]]: tensor<?x?x2x4xf16>, %[[P:[[:alnum:]_]+]]: tensor<?x?xi32>) -> tensor<?x?x2x4xf16>
// CHECK-NEXT:    %[[R:[[:alnum:]_]+]] = mla.rope %[[X]], %[[P]] {config = #[[$SMALL_YARN]]} : tensor<?x?x2x4xf16>, tensor<?x?xi32>{{$}}
// CHECK-NEXT:    return %[[R]] : tensor<?x?x2x4xf16>
func.func @rope_yarn(%q_rope: tensor<?x?x2x4xf16>, %positions: tensor<?x?xi32>)
    -> tensor<?x?x2x4xf16> {
  %0 = mla.rope %q_rope, %positions {config = #small_yarn}
      : tensor<?x?x2x4xf16>, tensor<?x?xi32>
  return %0 : tensor<?x?x2x4xf16>
}

// CHECK-LABEL: func.func @rope_kimi(
// CHECK-SAME:      %[[X:[[:alnum:]_]+]]: tensor<8x1x64x64xbf16>, %[[P:[[:alnum:]_]+]]: tensor<8x1xi32>) -> tensor<8x1x64x64xbf16>
// CHECK-NEXT:    %[[R:[[:alnum:]_]+]] = mla.rope %[[X]], %[[P]] {config = #mla.config<"kimi-k2">} : tensor<8x1x64x64xbf16>, tensor<8x1xi32>{{$}}
// CHECK-NEXT:    return %[[R]] : tensor<8x1x64x64xbf16>
func.func @rope_kimi(%q_rope: tensor<8x1x64x64xbf16>, %positions: tensor<8x1xi32>)
    -> tensor<8x1x64x64xbf16> {
  %0 = mla.rope %q_rope, %positions {config = #mla.config<"kimi-k2">}
      : tensor<8x1x64x64xbf16>, tensor<8x1xi32>
  return %0 : tensor<8x1x64x64xbf16>
}

//===----------------------------------------------------------------------===//
// Attention in MHA form
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @mha_attention(
// CHECK-SAME:      %[[QN:[[:alnum:]_]+]]: tensor<2x3x2x8xbf16>, %[[QR:[[:alnum:]_]+]]: tensor<2x3x2x4xbf16>, %[[KN:[[:alnum:]_]+]]: tensor<2x5x2x8xbf16>, %[[KR:[[:alnum:]_]+]]: tensor<2x5x4xbf16>, %[[V:[[:alnum:]_]+]]: tensor<2x5x2x8xbf16>, %[[SL:[[:alnum:]_]+]]: tensor<2xi32>) -> (tensor<2x3x2x8xbf16>, tensor<2x3x2xf32>)
// CHECK-NEXT:    %[[O:[[:alnum:]_]+]], %[[L:[[:alnum:]_]+]] = mla.mha_attention %[[QN]], %[[QR]], %[[KN]], %[[KR]], %[[V]], %[[SL]] {config = #[[$SMALL_Q]]} : (tensor<2x3x2x8xbf16>, tensor<2x3x2x4xbf16>, tensor<2x5x2x8xbf16>, tensor<2x5x4xbf16>, tensor<2x5x2x8xbf16>, tensor<2xi32>) -> (tensor<2x3x2x8xbf16>, tensor<2x3x2xf32>)
// CHECK-NEXT:    return %[[O]], %[[L]] : tensor<2x3x2x8xbf16>, tensor<2x3x2xf32>
func.func @mha_attention(%q_nope: tensor<2x3x2x8xbf16>, %q_rope: tensor<2x3x2x4xbf16>,
                         %k_nope: tensor<2x5x2x8xbf16>, %k_rope: tensor<2x5x4xbf16>,
                         %v: tensor<2x5x2x8xbf16>, %seq_lens: tensor<2xi32>)
    -> (tensor<2x3x2x8xbf16>, tensor<2x3x2xf32>) {
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k_nope, %k_rope, %v, %seq_lens
      {config = #small_q}
      : (tensor<2x3x2x8xbf16>, tensor<2x3x2x4xbf16>, tensor<2x5x2x8xbf16>,
         tensor<2x5x4xbf16>, tensor<2x5x2x8xbf16>, tensor<2xi32>)
      -> (tensor<2x3x2x8xbf16>, tensor<2x3x2xf32>)
  return %out, %lse : tensor<2x3x2x8xbf16>, tensor<2x3x2xf32>
}

// CHECK-LABEL: func.func @mha_attention_causal(
// CHECK-SAME:      %[[QN:[[:alnum:]_]+]]: tensor<?x3x2x8xf32>, %[[QR:[[:alnum:]_]+]]: tensor<?x3x2x4xf32>, %[[KN:[[:alnum:]_]+]]: tensor<?x?x2x8xf32>, %[[KR:[[:alnum:]_]+]]: tensor<?x?x4xf32>, %[[V:[[:alnum:]_]+]]: tensor<?x?x2x8xf32>, %[[SL:[[:alnum:]_]+]]: tensor<?xi32>) -> (tensor<?x3x2x8xf32>, tensor<?x3x2xf32>)
// CHECK-NEXT:    %[[O:[[:alnum:]_]+]], %[[L:[[:alnum:]_]+]] = mla.mha_attention %[[QN]], %[[QR]], %[[KN]], %[[KR]], %[[V]], %[[SL]] {causal, config = #[[$SMALL]]} : (tensor<?x3x2x8xf32>, tensor<?x3x2x4xf32>, tensor<?x?x2x8xf32>, tensor<?x?x4xf32>, tensor<?x?x2x8xf32>, tensor<?xi32>) -> (tensor<?x3x2x8xf32>, tensor<?x3x2xf32>)
// CHECK-NEXT:    return %[[O]], %[[L]] : tensor<?x3x2x8xf32>, tensor<?x3x2xf32>
func.func @mha_attention_causal(%q_nope: tensor<?x3x2x8xf32>, %q_rope: tensor<?x3x2x4xf32>,
                                %k_nope: tensor<?x?x2x8xf32>, %k_rope: tensor<?x?x4xf32>,
                                %v: tensor<?x?x2x8xf32>, %seq_lens: tensor<?xi32>)
    -> (tensor<?x3x2x8xf32>, tensor<?x3x2xf32>) {
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k_nope, %k_rope, %v, %seq_lens
      {causal, config = #small}
      : (tensor<?x3x2x8xf32>, tensor<?x3x2x4xf32>, tensor<?x?x2x8xf32>,
         tensor<?x?x4xf32>, tensor<?x?x2x8xf32>, tensor<?xi32>)
      -> (tensor<?x3x2x8xf32>, tensor<?x3x2xf32>)
  return %out, %lse : tensor<?x3x2x8xf32>, tensor<?x3x2xf32>
}

//===----------------------------------------------------------------------===//
// Attention in absorbed (MQA) form over the paged cache
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @latent_attention(
// CHECK-SAME:      %[[Q:[[:alnum:]_]+]]: tensor<2x3x2x16xbf16>, %[[QR:[[:alnum:]_]+]]: tensor<2x3x2x4xbf16>, %[[C:[[:alnum:]_]+]]: !mla.paged_cache<pages = 8, page_size = 48, latent = 16, rope = 4, bf16>, %[[BT:[[:alnum:]_]+]]: tensor<2x4xi32>, %[[SL:[[:alnum:]_]+]]: tensor<2xi32>) -> (tensor<2x3x2x16xbf16>, tensor<2x3x2xf32>)
// CHECK-NEXT:    %[[O:[[:alnum:]_]+]], %[[L:[[:alnum:]_]+]] = mla.latent_attention %[[Q]], %[[QR]], %[[C]][%[[BT]], %[[SL]]] {config = #[[$SMALL_Q]]} : (tensor<2x3x2x16xbf16>, tensor<2x3x2x4xbf16>, !mla.paged_cache<pages = 8, page_size = 48, latent = 16, rope = 4, bf16>, tensor<2x4xi32>, tensor<2xi32>) -> (tensor<2x3x2x16xbf16>, tensor<2x3x2xf32>)
// CHECK-NEXT:    return %[[O]], %[[L]] : tensor<2x3x2x16xbf16>, tensor<2x3x2xf32>
func.func @latent_attention(%query: tensor<2x3x2x16xbf16>, %q_rope: tensor<2x3x2x4xbf16>,
                            %cache: !small_q_cache, %block_table: tensor<2x4xi32>,
                            %seq_lens: tensor<2xi32>)
    -> (tensor<2x3x2x16xbf16>, tensor<2x3x2xf32>) {
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens]
      {config = #small_q}
      : (tensor<2x3x2x16xbf16>, tensor<2x3x2x4xbf16>, !small_q_cache,
         tensor<2x4xi32>, tensor<2xi32>)
      -> (tensor<2x3x2x16xbf16>, tensor<2x3x2xf32>)
  return %out, %lse : tensor<2x3x2x16xbf16>, tensor<2x3x2xf32>
}

// CHECK-LABEL: func.func @latent_attention_absorb_query(
// CHECK-SAME:      %[[Q:[[:alnum:]_]+]]: tensor<?x1x2x8xf32>, %[[QR:[[:alnum:]_]+]]: tensor<?x1x2x4xf32>, %[[C:[[:alnum:]_]+]]: !mla.paged_cache<pages = ?, page_size = 16, latent = 16, rope = 4, f32>, %[[BT:[[:alnum:]_]+]]: tensor<?x?xi32>, %[[SL:[[:alnum:]_]+]]: tensor<?xi32>, %[[WUK:[[:alnum:]_]+]]: tensor<2x8x16xf32>) -> (tensor<?x1x2x16xf32>, tensor<?x1x2xf32>)
// CHECK-NEXT:    %[[O:[[:alnum:]_]+]], %[[L:[[:alnum:]_]+]] = mla.latent_attention %[[Q]], %[[QR]], %[[C]][%[[BT]], %[[SL]]] absorb_query(%[[WUK]]) {causal, config = #[[$SMALL]]} : (tensor<?x1x2x8xf32>, tensor<?x1x2x4xf32>, !mla.paged_cache<pages = ?, page_size = 16, latent = 16, rope = 4, f32>, tensor<?x?xi32>, tensor<?xi32>, tensor<2x8x16xf32>) -> (tensor<?x1x2x16xf32>, tensor<?x1x2xf32>)
// CHECK-NEXT:    return %[[O]], %[[L]] : tensor<?x1x2x16xf32>, tensor<?x1x2xf32>
func.func @latent_attention_absorb_query(%q_nope: tensor<?x1x2x8xf32>,
                                         %q_rope: tensor<?x1x2x4xf32>,
                                         %cache: !small_cache,
                                         %block_table: tensor<?x?xi32>,
                                         %seq_lens: tensor<?xi32>,
                                         %w_uk: tensor<2x8x16xf32>)
    -> (tensor<?x1x2x16xf32>, tensor<?x1x2xf32>) {
  %out, %lse = mla.latent_attention %q_nope, %q_rope, %cache[%block_table, %seq_lens]
      absorb_query(%w_uk) {causal, config = #small}
      : (tensor<?x1x2x8xf32>, tensor<?x1x2x4xf32>, !small_cache,
         tensor<?x?xi32>, tensor<?xi32>, tensor<2x8x16xf32>)
      -> (tensor<?x1x2x16xf32>, tensor<?x1x2xf32>)
  return %out, %lse : tensor<?x1x2x16xf32>, tensor<?x1x2xf32>
}

// CHECK-LABEL: func.func @latent_attention_absorb_output(
// CHECK-SAME:      %[[Q:[[:alnum:]_]+]]: tensor<2x3x2x16xbf16>, %[[QR:[[:alnum:]_]+]]: tensor<2x3x2x4xbf16>, %[[C:[[:alnum:]_]+]]: !mla.paged_cache<pages = 8, page_size = 48, latent = 16, rope = 4, bf16>, %[[BT:[[:alnum:]_]+]]: tensor<2x4xi32>, %[[SL:[[:alnum:]_]+]]: tensor<2xi32>, %[[WUV:[[:alnum:]_]+]]: tensor<2x8x16xbf16>) -> (tensor<2x3x2x8xbf16>, tensor<2x3x2xf32>)
// CHECK-NEXT:    %[[O:[[:alnum:]_]+]], %[[L:[[:alnum:]_]+]] = mla.latent_attention %[[Q]], %[[QR]], %[[C]][%[[BT]], %[[SL]]] absorb_output(%[[WUV]]) {config = #[[$SMALL_Q]]} : (tensor<2x3x2x16xbf16>, tensor<2x3x2x4xbf16>, !mla.paged_cache<pages = 8, page_size = 48, latent = 16, rope = 4, bf16>, tensor<2x4xi32>, tensor<2xi32>, tensor<2x8x16xbf16>) -> (tensor<2x3x2x8xbf16>, tensor<2x3x2xf32>)
// CHECK-NEXT:    return %[[O]], %[[L]] : tensor<2x3x2x8xbf16>, tensor<2x3x2xf32>
func.func @latent_attention_absorb_output(%query: tensor<2x3x2x16xbf16>,
                                          %q_rope: tensor<2x3x2x4xbf16>,
                                          %cache: !small_q_cache,
                                          %block_table: tensor<2x4xi32>,
                                          %seq_lens: tensor<2xi32>,
                                          %w_uv: tensor<2x8x16xbf16>)
    -> (tensor<2x3x2x8xbf16>, tensor<2x3x2xf32>) {
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens]
      absorb_output(%w_uv) {config = #small_q}
      : (tensor<2x3x2x16xbf16>, tensor<2x3x2x4xbf16>, !small_q_cache,
         tensor<2x4xi32>, tensor<2xi32>, tensor<2x8x16xbf16>)
      -> (tensor<2x3x2x8xbf16>, tensor<2x3x2xf32>)
  return %out, %lse : tensor<2x3x2x8xbf16>, tensor<2x3x2xf32>
}

// Both absorptions; the two weights have the same type, so the check also
// pins which is w_uk and which is w_uv.
// CHECK-LABEL: func.func @latent_attention_absorb_both(
// CHECK-SAME:      %[[Q:[[:alnum:]_]+]]: tensor<2x3x2x8xbf16>, %[[QR:[[:alnum:]_]+]]: tensor<2x3x2x4xbf16>, %[[C:[[:alnum:]_]+]]: !mla.paged_cache<pages = 8, page_size = 48, latent = 16, rope = 4, bf16>, %[[BT:[[:alnum:]_]+]]: tensor<2x4xi32>, %[[SL:[[:alnum:]_]+]]: tensor<2xi32>, %[[WUK:[[:alnum:]_]+]]: tensor<2x8x16xbf16>, %[[WUV:[[:alnum:]_]+]]: tensor<2x8x16xbf16>) -> (tensor<2x3x2x8xbf16>, tensor<2x3x2xf32>)
// CHECK-NEXT:    %[[O:[[:alnum:]_]+]], %[[L:[[:alnum:]_]+]] = mla.latent_attention %[[Q]], %[[QR]], %[[C]][%[[BT]], %[[SL]]] absorb_query(%[[WUK]]) absorb_output(%[[WUV]]) {causal, config = #[[$SMALL_Q]]} : (tensor<2x3x2x8xbf16>, tensor<2x3x2x4xbf16>, !mla.paged_cache<pages = 8, page_size = 48, latent = 16, rope = 4, bf16>, tensor<2x4xi32>, tensor<2xi32>, tensor<2x8x16xbf16>, tensor<2x8x16xbf16>) -> (tensor<2x3x2x8xbf16>, tensor<2x3x2xf32>)
// CHECK-NEXT:    return %[[O]], %[[L]] : tensor<2x3x2x8xbf16>, tensor<2x3x2xf32>
func.func @latent_attention_absorb_both(%q_nope: tensor<2x3x2x8xbf16>,
                                        %q_rope: tensor<2x3x2x4xbf16>,
                                        %cache: !small_q_cache,
                                        %block_table: tensor<2x4xi32>,
                                        %seq_lens: tensor<2xi32>,
                                        %w_uk: tensor<2x8x16xbf16>,
                                        %w_uv: tensor<2x8x16xbf16>)
    -> (tensor<2x3x2x8xbf16>, tensor<2x3x2xf32>) {
  %out, %lse = mla.latent_attention %q_nope, %q_rope, %cache[%block_table, %seq_lens]
      absorb_query(%w_uk) absorb_output(%w_uv) {causal, config = #small_q}
      : (tensor<2x3x2x8xbf16>, tensor<2x3x2x4xbf16>, !small_q_cache,
         tensor<2x4xi32>, tensor<2xi32>, tensor<2x8x16xbf16>,
         tensor<2x8x16xbf16>)
      -> (tensor<2x3x2x8xbf16>, tensor<2x3x2xf32>)
  return %out, %lse : tensor<2x3x2x8xbf16>, tensor<2x3x2xf32>
}

// CHECK-LABEL: func.func @latent_attention_v3(
// CHECK-SAME:      %[[Q:[[:alnum:]_]+]]: tensor<?x2x128x128xbf16>, %[[QR:[[:alnum:]_]+]]: tensor<?x2x128x64xbf16>, %[[C:[[:alnum:]_]+]]: !mla.paged_cache<pages = 4096, page_size = 64, latent = 512, rope = 64, bf16>, %[[BT:[[:alnum:]_]+]]: tensor<?x64xi32>, %[[SL:[[:alnum:]_]+]]: tensor<?xi32>, %[[WUK:[[:alnum:]_]+]]: tensor<128x128x512xbf16>, %[[WUV:[[:alnum:]_]+]]: tensor<128x128x512xbf16>) -> (tensor<?x2x128x128xbf16>, tensor<?x2x128xf32>)
// CHECK-NEXT:    %[[O:[[:alnum:]_]+]], %[[L:[[:alnum:]_]+]] = mla.latent_attention %[[Q]], %[[QR]], %[[C]][%[[BT]], %[[SL]]] absorb_query(%[[WUK]]) absorb_output(%[[WUV]]) {causal, config = #mla.config<"deepseek-v3">} : (tensor<?x2x128x128xbf16>, tensor<?x2x128x64xbf16>, !mla.paged_cache<pages = 4096, page_size = 64, latent = 512, rope = 64, bf16>, tensor<?x64xi32>, tensor<?xi32>, tensor<128x128x512xbf16>, tensor<128x128x512xbf16>) -> (tensor<?x2x128x128xbf16>, tensor<?x2x128xf32>)
// CHECK-NEXT:    return %[[O]], %[[L]] : tensor<?x2x128x128xbf16>, tensor<?x2x128xf32>
func.func @latent_attention_v3(%q_nope: tensor<?x2x128x128xbf16>,
                               %q_rope: tensor<?x2x128x64xbf16>,
                               %cache: !v3_cache, %block_table: tensor<?x64xi32>,
                               %seq_lens: tensor<?xi32>,
                               %w_uk: tensor<128x128x512xbf16>,
                               %w_uv: tensor<128x128x512xbf16>)
    -> (tensor<?x2x128x128xbf16>, tensor<?x2x128xf32>) {
  %out, %lse = mla.latent_attention %q_nope, %q_rope, %cache[%block_table, %seq_lens]
      absorb_query(%w_uk) absorb_output(%w_uv)
      {causal, config = #mla.config<"deepseek-v3">}
      : (tensor<?x2x128x128xbf16>, tensor<?x2x128x64xbf16>, !v3_cache,
         tensor<?x64xi32>, tensor<?xi32>, tensor<128x128x512xbf16>,
         tensor<128x128x512xbf16>)
      -> (tensor<?x2x128x128xbf16>, tensor<?x2x128xf32>)
  return %out, %lse : tensor<?x2x128x128xbf16>, tensor<?x2x128xf32>
}

//===----------------------------------------------------------------------===//
// Split-KV attention and its merge
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @partial_latent_attention(
// CHECK-SAME:      %[[Q:[[:alnum:]_]+]]: tensor<2x3x2x16xbf16>, %[[QR:[[:alnum:]_]+]]: tensor<2x3x2x4xbf16>, %[[C:[[:alnum:]_]+]]: !mla.paged_cache<pages = 8, page_size = 48, latent = 16, rope = 4, bf16>, %[[BT:[[:alnum:]_]+]]: tensor<2x4xi32>, %[[SL:[[:alnum:]_]+]]: tensor<2xi32>) -> (tensor<4x2x3x2x16xf32>, tensor<4x2x3x2xf32>)
// CHECK-NEXT:    %[[PO:[[:alnum:]_]+]], %[[PL:[[:alnum:]_]+]] = mla.partial_latent_attention %[[Q]], %[[QR]], %[[C]][%[[BT]], %[[SL]]] {config = #[[$SMALL_Q]], num_splits = 4 : i64} : (tensor<2x3x2x16xbf16>, tensor<2x3x2x4xbf16>, !mla.paged_cache<pages = 8, page_size = 48, latent = 16, rope = 4, bf16>, tensor<2x4xi32>, tensor<2xi32>) -> (tensor<4x2x3x2x16xf32>, tensor<4x2x3x2xf32>)
// CHECK-NEXT:    return %[[PO]], %[[PL]] : tensor<4x2x3x2x16xf32>, tensor<4x2x3x2xf32>
func.func @partial_latent_attention(%query: tensor<2x3x2x16xbf16>,
                                    %q_rope: tensor<2x3x2x4xbf16>,
                                    %cache: !small_q_cache,
                                    %block_table: tensor<2x4xi32>,
                                    %seq_lens: tensor<2xi32>)
    -> (tensor<4x2x3x2x16xf32>, tensor<4x2x3x2xf32>) {
  %partial_out, %partial_lse = mla.partial_latent_attention %query, %q_rope,
      %cache[%block_table, %seq_lens] {config = #small_q, num_splits = 4 : i64}
      : (tensor<2x3x2x16xbf16>, tensor<2x3x2x4xbf16>, !small_q_cache,
         tensor<2x4xi32>, tensor<2xi32>)
      -> (tensor<4x2x3x2x16xf32>, tensor<4x2x3x2xf32>)
  return %partial_out, %partial_lse : tensor<4x2x3x2x16xf32>, tensor<4x2x3x2xf32>
}

// CHECK-LABEL: func.func @partial_latent_attention_absorb_query(
// CHECK-SAME:      %[[Q:[[:alnum:]_]+]]: tensor<?x1x2x8xf32>, %[[QR:[[:alnum:]_]+]]: tensor<?x1x2x4xf32>, %[[C:[[:alnum:]_]+]]: !mla.paged_cache<pages = ?, page_size = 16, latent = 16, rope = 4, f32>, %[[BT:[[:alnum:]_]+]]: tensor<?x?xi32>, %[[SL:[[:alnum:]_]+]]: tensor<?xi32>, %[[WUK:[[:alnum:]_]+]]: tensor<2x8x16xf32>) -> (tensor<1x?x1x2x16xf32>, tensor<1x?x1x2xf32>)
// CHECK-NEXT:    %[[PO:[[:alnum:]_]+]], %[[PL:[[:alnum:]_]+]] = mla.partial_latent_attention %[[Q]], %[[QR]], %[[C]][%[[BT]], %[[SL]]] absorb_query(%[[WUK]]) {causal, config = #[[$SMALL]], num_splits = 1 : i64} : (tensor<?x1x2x8xf32>, tensor<?x1x2x4xf32>, !mla.paged_cache<pages = ?, page_size = 16, latent = 16, rope = 4, f32>, tensor<?x?xi32>, tensor<?xi32>, tensor<2x8x16xf32>) -> (tensor<1x?x1x2x16xf32>, tensor<1x?x1x2xf32>)
// CHECK-NEXT:    return %[[PO]], %[[PL]] : tensor<1x?x1x2x16xf32>, tensor<1x?x1x2xf32>
func.func @partial_latent_attention_absorb_query(%q_nope: tensor<?x1x2x8xf32>,
                                                 %q_rope: tensor<?x1x2x4xf32>,
                                                 %cache: !small_cache,
                                                 %block_table: tensor<?x?xi32>,
                                                 %seq_lens: tensor<?xi32>,
                                                 %w_uk: tensor<2x8x16xf32>)
    -> (tensor<1x?x1x2x16xf32>, tensor<1x?x1x2xf32>) {
  %partial_out, %partial_lse = mla.partial_latent_attention %q_nope, %q_rope,
      %cache[%block_table, %seq_lens] absorb_query(%w_uk)
      {causal, config = #small, num_splits = 1 : i64}
      : (tensor<?x1x2x8xf32>, tensor<?x1x2x4xf32>, !small_cache,
         tensor<?x?xi32>, tensor<?xi32>, tensor<2x8x16xf32>)
      -> (tensor<1x?x1x2x16xf32>, tensor<1x?x1x2xf32>)
  return %partial_out, %partial_lse : tensor<1x?x1x2x16xf32>, tensor<1x?x1x2xf32>
}

// CHECK-LABEL: func.func @partial_latent_attention_v3(
// CHECK-SAME:      %[[Q:[[:alnum:]_]+]]: tensor<4x2x128x128xbf16>, %[[QR:[[:alnum:]_]+]]: tensor<4x2x128x64xbf16>, %[[C:[[:alnum:]_]+]]: !mla.paged_cache<pages = 4096, page_size = 64, latent = 512, rope = 64, bf16>, %[[BT:[[:alnum:]_]+]]: tensor<4x64xi32>, %[[SL:[[:alnum:]_]+]]: tensor<4xi32>, %[[WUK:[[:alnum:]_]+]]: tensor<128x128x512xbf16>) -> (tensor<9x4x2x128x512xf32>, tensor<9x4x2x128xf32>)
// CHECK-NEXT:    %[[PO:[[:alnum:]_]+]], %[[PL:[[:alnum:]_]+]] = mla.partial_latent_attention %[[Q]], %[[QR]], %[[C]][%[[BT]], %[[SL]]] absorb_query(%[[WUK]]) {causal, config = #mla.config<"deepseek-v3">, num_splits = 9 : i64} : (tensor<4x2x128x128xbf16>, tensor<4x2x128x64xbf16>, !mla.paged_cache<pages = 4096, page_size = 64, latent = 512, rope = 64, bf16>, tensor<4x64xi32>, tensor<4xi32>, tensor<128x128x512xbf16>) -> (tensor<9x4x2x128x512xf32>, tensor<9x4x2x128xf32>)
// CHECK-NEXT:    return %[[PO]], %[[PL]] : tensor<9x4x2x128x512xf32>, tensor<9x4x2x128xf32>
func.func @partial_latent_attention_v3(%q_nope: tensor<4x2x128x128xbf16>,
                                       %q_rope: tensor<4x2x128x64xbf16>,
                                       %cache: !v3_cache,
                                       %block_table: tensor<4x64xi32>,
                                       %seq_lens: tensor<4xi32>,
                                       %w_uk: tensor<128x128x512xbf16>)
    -> (tensor<9x4x2x128x512xf32>, tensor<9x4x2x128xf32>) {
  %partial_out, %partial_lse = mla.partial_latent_attention %q_nope, %q_rope,
      %cache[%block_table, %seq_lens] absorb_query(%w_uk)
      {causal, config = #mla.config<"deepseek-v3">, num_splits = 9 : i64}
      : (tensor<4x2x128x128xbf16>, tensor<4x2x128x64xbf16>, !v3_cache,
         tensor<4x64xi32>, tensor<4xi32>, tensor<128x128x512xbf16>)
      -> (tensor<9x4x2x128x512xf32>, tensor<9x4x2x128xf32>)
  return %partial_out, %partial_lse : tensor<9x4x2x128x512xf32>, tensor<9x4x2x128xf32>
}

// CHECK-LABEL: func.func @combine(
// CHECK-SAME:      %[[PO:[[:alnum:]_]+]]: tensor<4x2x3x2x16xf32>, %[[PL:[[:alnum:]_]+]]: tensor<4x2x3x2xf32>) -> (tensor<2x3x2x16xbf16>, tensor<2x3x2xf32>)
// CHECK-NEXT:    %[[O:[[:alnum:]_]+]], %[[L:[[:alnum:]_]+]] = mla.combine %[[PO]], %[[PL]] {config = #[[$SMALL_Q]]} : (tensor<4x2x3x2x16xf32>, tensor<4x2x3x2xf32>) -> (tensor<2x3x2x16xbf16>, tensor<2x3x2xf32>)
// CHECK-NEXT:    return %[[O]], %[[L]] : tensor<2x3x2x16xbf16>, tensor<2x3x2xf32>
func.func @combine(%partial_out: tensor<4x2x3x2x16xf32>,
                   %partial_lse: tensor<4x2x3x2xf32>)
    -> (tensor<2x3x2x16xbf16>, tensor<2x3x2xf32>) {
  %out, %lse = mla.combine %partial_out, %partial_lse {config = #small_q}
      : (tensor<4x2x3x2x16xf32>, tensor<4x2x3x2xf32>)
      -> (tensor<2x3x2x16xbf16>, tensor<2x3x2xf32>)
  return %out, %lse : tensor<2x3x2x16xbf16>, tensor<2x3x2xf32>
}

// CHECK-LABEL: func.func @combine_absorb_output(
// CHECK-SAME:      %[[PO:[[:alnum:]_]+]]: tensor<?x?x1x2x16xf32>, %[[PL:[[:alnum:]_]+]]: tensor<?x?x1x2xf32>, %[[WUV:[[:alnum:]_]+]]: tensor<2x8x16xf32>) -> (tensor<?x1x2x8xf32>, tensor<?x1x2xf32>)
// CHECK-NEXT:    %[[O:[[:alnum:]_]+]], %[[L:[[:alnum:]_]+]] = mla.combine %[[PO]], %[[PL]] absorb_output(%[[WUV]]) {config = #[[$SMALL]]} : (tensor<?x?x1x2x16xf32>, tensor<?x?x1x2xf32>, tensor<2x8x16xf32>) -> (tensor<?x1x2x8xf32>, tensor<?x1x2xf32>)
// CHECK-NEXT:    return %[[O]], %[[L]] : tensor<?x1x2x8xf32>, tensor<?x1x2xf32>
func.func @combine_absorb_output(%partial_out: tensor<?x?x1x2x16xf32>,
                                 %partial_lse: tensor<?x?x1x2xf32>,
                                 %w_uv: tensor<2x8x16xf32>)
    -> (tensor<?x1x2x8xf32>, tensor<?x1x2xf32>) {
  %out, %lse = mla.combine %partial_out, %partial_lse absorb_output(%w_uv)
      {config = #small}
      : (tensor<?x?x1x2x16xf32>, tensor<?x?x1x2xf32>, tensor<2x8x16xf32>)
      -> (tensor<?x1x2x8xf32>, tensor<?x1x2xf32>)
  return %out, %lse : tensor<?x1x2x8xf32>, tensor<?x1x2xf32>
}

// CHECK-LABEL: func.func @combine_v3(
// CHECK-SAME:      %[[PO:[[:alnum:]_]+]]: tensor<9x4x2x128x512xf32>, %[[PL:[[:alnum:]_]+]]: tensor<9x4x2x128xf32>, %[[WUV:[[:alnum:]_]+]]: tensor<128x128x512xbf16>) -> (tensor<4x2x128x128xbf16>, tensor<4x2x128xf32>)
// CHECK-NEXT:    %[[O:[[:alnum:]_]+]], %[[L:[[:alnum:]_]+]] = mla.combine %[[PO]], %[[PL]] absorb_output(%[[WUV]]) {config = #mla.config<"deepseek-v3">} : (tensor<9x4x2x128x512xf32>, tensor<9x4x2x128xf32>, tensor<128x128x512xbf16>) -> (tensor<4x2x128x128xbf16>, tensor<4x2x128xf32>)
// CHECK-NEXT:    return %[[O]], %[[L]] : tensor<4x2x128x128xbf16>, tensor<4x2x128xf32>
func.func @combine_v3(%partial_out: tensor<9x4x2x128x512xf32>,
                      %partial_lse: tensor<9x4x2x128xf32>,
                      %w_uv: tensor<128x128x512xbf16>)
    -> (tensor<4x2x128x128xbf16>, tensor<4x2x128xf32>) {
  %out, %lse = mla.combine %partial_out, %partial_lse absorb_output(%w_uv)
      {config = #mla.config<"deepseek-v3">}
      : (tensor<9x4x2x128x512xf32>, tensor<9x4x2x128xf32>,
         tensor<128x128x512xbf16>)
      -> (tensor<4x2x128x128xbf16>, tensor<4x2x128xf32>)
  return %out, %lse : tensor<4x2x128x128xbf16>, tensor<4x2x128xf32>
}

//===----------------------------------------------------------------------===//
// The paged cache
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @cache_append(
// CHECK-SAME:      %[[CKV:[[:alnum:]_]+]]: tensor<2x3x16xbf16>, %[[KR:[[:alnum:]_]+]]: tensor<2x3x4xbf16>, %[[C:[[:alnum:]_]+]]: !mla.paged_cache<pages = 8, page_size = 48, latent = 16, rope = 4, bf16>, %[[BT:[[:alnum:]_]+]]: tensor<2x4xi32>, %[[SL:[[:alnum:]_]+]]: tensor<2xi32>) -> !mla.paged_cache<pages = 8, page_size = 48, latent = 16, rope = 4, bf16>
// CHECK-NEXT:    %[[R:[[:alnum:]_]+]] = mla.cache_append %[[CKV]], %[[KR]] into %[[C]][%[[BT]], %[[SL]]] {config = #[[$SMALL_Q]]} : tensor<2x3x16xbf16>, tensor<2x3x4xbf16> into !mla.paged_cache<pages = 8, page_size = 48, latent = 16, rope = 4, bf16>[tensor<2x4xi32>, tensor<2xi32>]{{$}}
// CHECK-NEXT:    return %[[R]] : !mla.paged_cache<pages = 8, page_size = 48, latent = 16, rope = 4, bf16>
func.func @cache_append(%c_kv: tensor<2x3x16xbf16>, %k_rope: tensor<2x3x4xbf16>,
                        %cache: !small_q_cache, %block_table: tensor<2x4xi32>,
                        %seq_lens: tensor<2xi32>) -> !small_q_cache {
  %0 = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens]
      {config = #small_q}
      : tensor<2x3x16xbf16>, tensor<2x3x4xbf16>
        into !small_q_cache[tensor<2x4xi32>, tensor<2xi32>]
  return %0 : !small_q_cache
}

// CHECK-LABEL: func.func @cache_append_rope(
// CHECK-SAME:      %[[CKV:[[:alnum:]_]+]]: tensor<?x1x16xf32>, %[[KR:[[:alnum:]_]+]]: tensor<?x1x4xf32>, %[[C:[[:alnum:]_]+]]: !mla.paged_cache<pages = ?, page_size = 16, latent = 16, rope = 4, f32>, %[[BT:[[:alnum:]_]+]]: tensor<?x?xi32>, %[[SL:[[:alnum:]_]+]]: tensor<?xi32>, %[[P:[[:alnum:]_]+]]: tensor<?x1xi32>) -> !mla.paged_cache<pages = ?, page_size = 16, latent = 16, rope = 4, f32>
// CHECK-NEXT:    %[[R:[[:alnum:]_]+]] = mla.cache_append %[[CKV]], %[[KR]] into %[[C]][%[[BT]], %[[SL]]] rope(%[[P]]) {config = #[[$SMALL]]} : tensor<?x1x16xf32>, tensor<?x1x4xf32> into !mla.paged_cache<pages = ?, page_size = 16, latent = 16, rope = 4, f32>[tensor<?x?xi32>, tensor<?xi32>] rope(tensor<?x1xi32>){{$}}
// CHECK-NEXT:    return %[[R]] : !mla.paged_cache<pages = ?, page_size = 16, latent = 16, rope = 4, f32>
func.func @cache_append_rope(%c_kv: tensor<?x1x16xf32>, %k_rope: tensor<?x1x4xf32>,
                             %cache: !small_cache, %block_table: tensor<?x?xi32>,
                             %seq_lens: tensor<?xi32>, %positions: tensor<?x1xi32>)
    -> !small_cache {
  %0 = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens]
      rope(%positions) {config = #small}
      : tensor<?x1x16xf32>, tensor<?x1x4xf32>
        into !small_cache[tensor<?x?xi32>, tensor<?xi32>] rope(tensor<?x1xi32>)
  return %0 : !small_cache
}

// CHECK-LABEL: func.func @cache_append_rope_lite(
// CHECK-SAME:      %[[CKV:[[:alnum:]_]+]]: tensor<?x1x512xbf16>, %[[KR:[[:alnum:]_]+]]: tensor<?x1x64xbf16>, %[[C:[[:alnum:]_]+]]: !mla.paged_cache<pages = ?, page_size = 256, latent = 512, rope = 64, bf16>, %[[BT:[[:alnum:]_]+]]: tensor<?x?xi32>, %[[SL:[[:alnum:]_]+]]: tensor<?xi32>, %[[P:[[:alnum:]_]+]]: tensor<?x1xi32>) -> !mla.paged_cache<pages = ?, page_size = 256, latent = 512, rope = 64, bf16>
// CHECK-NEXT:    %[[R:[[:alnum:]_]+]] = mla.cache_append %[[CKV]], %[[KR]] into %[[C]][%[[BT]], %[[SL]]] rope(%[[P]]) {config = #mla.config<"deepseek-v2-lite">} : tensor<?x1x512xbf16>, tensor<?x1x64xbf16> into !mla.paged_cache<pages = ?, page_size = 256, latent = 512, rope = 64, bf16>[tensor<?x?xi32>, tensor<?xi32>] rope(tensor<?x1xi32>){{$}}
// CHECK-NEXT:    return %[[R]] : !mla.paged_cache<pages = ?, page_size = 256, latent = 512, rope = 64, bf16>
func.func @cache_append_rope_lite(%c_kv: tensor<?x1x512xbf16>,
                                  %k_rope: tensor<?x1x64xbf16>,
                                  %cache: !lite_cache,
                                  %block_table: tensor<?x?xi32>,
                                  %seq_lens: tensor<?xi32>,
                                  %positions: tensor<?x1xi32>) -> !lite_cache {
  %0 = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens]
      rope(%positions) {config = #mla.config<"deepseek-v2-lite">}
      : tensor<?x1x512xbf16>, tensor<?x1x64xbf16>
        into !lite_cache[tensor<?x?xi32>, tensor<?xi32>] rope(tensor<?x1xi32>)
  return %0 : !lite_cache
}

// CHECK-LABEL: func.func @cache_read(
// CHECK-SAME:      %[[C:[[:alnum:]_]+]]: !mla.paged_cache<pages = ?, page_size = 16, latent = 16, rope = 4, f32>, %[[BT:[[:alnum:]_]+]]: tensor<?x?xi32>, %[[SL:[[:alnum:]_]+]]: tensor<?xi32>) -> (tensor<?x?x16xf32>, tensor<?x?x4xf32>)
// CHECK-NEXT:    %[[CKV:[[:alnum:]_]+]], %[[KR:[[:alnum:]_]+]] = mla.cache_read %[[C]][%[[BT]], %[[SL]]] {config = #[[$SMALL]]} : !mla.paged_cache<pages = ?, page_size = 16, latent = 16, rope = 4, f32>[tensor<?x?xi32>, tensor<?xi32>] -> tensor<?x?x16xf32>, tensor<?x?x4xf32>{{$}}
// CHECK-NEXT:    return %[[CKV]], %[[KR]] : tensor<?x?x16xf32>, tensor<?x?x4xf32>
func.func @cache_read(%cache: !small_cache, %block_table: tensor<?x?xi32>,
                      %seq_lens: tensor<?xi32>)
    -> (tensor<?x?x16xf32>, tensor<?x?x4xf32>) {
  %c_kv, %k_rope = mla.cache_read %cache[%block_table, %seq_lens]
      {config = #small}
      : !small_cache[tensor<?x?xi32>, tensor<?xi32>]
        -> tensor<?x?x16xf32>, tensor<?x?x4xf32>
  return %c_kv, %k_rope : tensor<?x?x16xf32>, tensor<?x?x4xf32>
}

// CHECK-LABEL: func.func @cache_read_static(
// CHECK-SAME:      %[[C:[[:alnum:]_]+]]: !mla.paged_cache<pages = 8, page_size = 48, latent = 16, rope = 4, bf16>, %[[BT:[[:alnum:]_]+]]: tensor<2x4xi32>, %[[SL:[[:alnum:]_]+]]: tensor<2xi32>) -> (tensor<2x192x16xbf16>, tensor<2x192x4xbf16>)
// CHECK-NEXT:    %[[CKV:[[:alnum:]_]+]], %[[KR:[[:alnum:]_]+]] = mla.cache_read %[[C]][%[[BT]], %[[SL]]] {config = #[[$SMALL_Q]]} : !mla.paged_cache<pages = 8, page_size = 48, latent = 16, rope = 4, bf16>[tensor<2x4xi32>, tensor<2xi32>] -> tensor<2x192x16xbf16>, tensor<2x192x4xbf16>{{$}}
// CHECK-NEXT:    return %[[CKV]], %[[KR]] : tensor<2x192x16xbf16>, tensor<2x192x4xbf16>
func.func @cache_read_static(%cache: !small_q_cache, %block_table: tensor<2x4xi32>,
                             %seq_lens: tensor<2xi32>)
    -> (tensor<2x192x16xbf16>, tensor<2x192x4xbf16>) {
  %c_kv, %k_rope = mla.cache_read %cache[%block_table, %seq_lens]
      {config = #small_q}
      : !small_q_cache[tensor<2x4xi32>, tensor<2xi32>]
        -> tensor<2x192x16xbf16>, tensor<2x192x4xbf16>
  return %c_kv, %k_rope : tensor<2x192x16xbf16>, tensor<2x192x4xbf16>
}

// One-row pages, f16 storage.
// CHECK-LABEL: func.func @cache_read_f16(
// CHECK-SAME:      %[[C:[[:alnum:]_]+]]: !mla.paged_cache<pages = ?, page_size = 1, latent = 16, rope = 4, f16>, %[[BT:[[:alnum:]_]+]]: tensor<3x?xi32>, %[[SL:[[:alnum:]_]+]]: tensor<3xi32>) -> (tensor<3x?x16xf16>, tensor<3x?x4xf16>)
// CHECK-NEXT:    %[[CKV:[[:alnum:]_]+]], %[[KR:[[:alnum:]_]+]] = mla.cache_read %[[C]][%[[BT]], %[[SL]]] {config = #[[$SMALL_YARN]]} : !mla.paged_cache<pages = ?, page_size = 1, latent = 16, rope = 4, f16>[tensor<3x?xi32>, tensor<3xi32>] -> tensor<3x?x16xf16>, tensor<3x?x4xf16>{{$}}
// CHECK-NEXT:    return %[[CKV]], %[[KR]] : tensor<3x?x16xf16>, tensor<3x?x4xf16>
func.func @cache_read_f16(%cache: !small_yarn_cache, %block_table: tensor<3x?xi32>,
                          %seq_lens: tensor<3xi32>)
    -> (tensor<3x?x16xf16>, tensor<3x?x4xf16>) {
  %c_kv, %k_rope = mla.cache_read %cache[%block_table, %seq_lens]
      {config = #small_yarn}
      : !small_yarn_cache[tensor<3x?xi32>, tensor<3xi32>]
        -> tensor<3x?x16xf16>, tensor<3x?x4xf16>
  return %c_kv, %k_rope : tensor<3x?x16xf16>, tensor<3x?x4xf16>
}

//===----------------------------------------------------------------------===//
// The whole layer
//===----------------------------------------------------------------------===//

// A config with q_lora_rank takes q_compress(w_dq, q_norm).
// CHECK-LABEL: func.func @decode_step_q_compress(
// CHECK-SAME:      %[[H:[[:alnum:]_]+]]: tensor<2x3x32xbf16>, %[[C:[[:alnum:]_]+]]: !mla.paged_cache<pages = 8, page_size = 48, latent = 16, rope = 4, bf16>, %[[BT:[[:alnum:]_]+]]: tensor<2x4xi32>, %[[SL:[[:alnum:]_]+]]: tensor<2xi32>, %[[WDQ:[[:alnum:]_]+]]: tensor<24x32xbf16>, %[[QN:[[:alnum:]_]+]]: tensor<24xbf16>, %[[WUQ:[[:alnum:]_]+]]: tensor<2x12x24xbf16>, %[[WDKV:[[:alnum:]_]+]]: tensor<20x32xbf16>, %[[KVN:[[:alnum:]_]+]]: tensor<16xbf16>, %[[WUK:[[:alnum:]_]+]]: tensor<2x8x16xbf16>, %[[WUV:[[:alnum:]_]+]]: tensor<2x8x16xbf16>, %[[WO:[[:alnum:]_]+]]: tensor<32x2x8xbf16>) -> (tensor<2x3x32xbf16>, !mla.paged_cache<pages = 8, page_size = 48, latent = 16, rope = 4, bf16>)
// CHECK-NEXT:    %[[O:[[:alnum:]_]+]], %[[NC:[[:alnum:]_]+]] = mla.decode_step %[[H]], %[[C]][%[[BT]], %[[SL]]] q_compress(%[[WDQ]], %[[QN]]) weights(%[[WUQ]], %[[WDKV]], %[[KVN]], %[[WUK]], %[[WUV]], %[[WO]]) {config = #[[$SMALL_Q]]} : (tensor<2x3x32xbf16>, !mla.paged_cache<pages = 8, page_size = 48, latent = 16, rope = 4, bf16>, tensor<2x4xi32>, tensor<2xi32>, tensor<24x32xbf16>, tensor<24xbf16>, tensor<2x12x24xbf16>, tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>, tensor<2x8x16xbf16>, tensor<32x2x8xbf16>) -> (tensor<2x3x32xbf16>, !mla.paged_cache<pages = 8, page_size = 48, latent = 16, rope = 4, bf16>)
// CHECK-NEXT:    return %[[O]], %[[NC]] : tensor<2x3x32xbf16>, !mla.paged_cache<pages = 8, page_size = 48, latent = 16, rope = 4, bf16>
func.func @decode_step_q_compress(%hidden: tensor<2x3x32xbf16>, %cache: !small_q_cache,
                                  %block_table: tensor<2x4xi32>, %seq_lens: tensor<2xi32>,
                                  %w_dq: tensor<24x32xbf16>, %q_norm: tensor<24xbf16>,
                                  %w_uq: tensor<2x12x24xbf16>, %w_dkv: tensor<20x32xbf16>,
                                  %kv_norm: tensor<16xbf16>, %w_uk: tensor<2x8x16xbf16>,
                                  %w_uv: tensor<2x8x16xbf16>, %w_o: tensor<32x2x8xbf16>)
    -> (tensor<2x3x32xbf16>, !small_q_cache) {
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens]
      q_compress(%w_dq, %q_norm) weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o)
      {config = #small_q}
      : (tensor<2x3x32xbf16>, !small_q_cache, tensor<2x4xi32>, tensor<2xi32>,
         tensor<24x32xbf16>, tensor<24xbf16>, tensor<2x12x24xbf16>,
         tensor<20x32xbf16>, tensor<16xbf16>, tensor<2x8x16xbf16>,
         tensor<2x8x16xbf16>, tensor<32x2x8xbf16>)
      -> (tensor<2x3x32xbf16>, !small_q_cache)
  return %out, %new_cache : tensor<2x3x32xbf16>, !small_q_cache
}

// A config without q_lora_rank takes no q_compress(...).
// CHECK-LABEL: func.func @decode_step_no_q_compress(
// CHECK-SAME:      %[[H:[[:alnum:]_]+]]: tensor<?x1x32xf32>, %[[C:[[:alnum:]_]+]]: !mla.paged_cache<pages = ?, page_size = 16, latent = 16, rope = 4, f32>, %[[BT:[[:alnum:]_]+]]: tensor<?x?xi32>, %[[SL:[[:alnum:]_]+]]: tensor<?xi32>, %[[WUQ:[[:alnum:]_]+]]: tensor<2x12x32xf32>, %[[WDKV:[[:alnum:]_]+]]: tensor<20x32xf32>, %[[KVN:[[:alnum:]_]+]]: tensor<16xf32>, %[[WUK:[[:alnum:]_]+]]: tensor<2x8x16xf32>, %[[WUV:[[:alnum:]_]+]]: tensor<2x8x16xf32>, %[[WO:[[:alnum:]_]+]]: tensor<32x2x8xf32>) -> (tensor<?x1x32xf32>, !mla.paged_cache<pages = ?, page_size = 16, latent = 16, rope = 4, f32>)
// CHECK-NEXT:    %[[O:[[:alnum:]_]+]], %[[NC:[[:alnum:]_]+]] = mla.decode_step %[[H]], %[[C]][%[[BT]], %[[SL]]] weights(%[[WUQ]], %[[WDKV]], %[[KVN]], %[[WUK]], %[[WUV]], %[[WO]]) {config = #[[$SMALL]]} : (tensor<?x1x32xf32>, !mla.paged_cache<pages = ?, page_size = 16, latent = 16, rope = 4, f32>, tensor<?x?xi32>, tensor<?xi32>, tensor<2x12x32xf32>, tensor<20x32xf32>, tensor<16xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<32x2x8xf32>) -> (tensor<?x1x32xf32>, !mla.paged_cache<pages = ?, page_size = 16, latent = 16, rope = 4, f32>)
// CHECK-NEXT:    return %[[O]], %[[NC]] : tensor<?x1x32xf32>, !mla.paged_cache<pages = ?, page_size = 16, latent = 16, rope = 4, f32>
func.func @decode_step_no_q_compress(%hidden: tensor<?x1x32xf32>, %cache: !small_cache,
                                     %block_table: tensor<?x?xi32>, %seq_lens: tensor<?xi32>,
                                     %w_uq: tensor<2x12x32xf32>, %w_dkv: tensor<20x32xf32>,
                                     %kv_norm: tensor<16xf32>, %w_uk: tensor<2x8x16xf32>,
                                     %w_uv: tensor<2x8x16xf32>, %w_o: tensor<32x2x8xf32>)
    -> (tensor<?x1x32xf32>, !small_cache) {
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens]
      weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {config = #small}
      : (tensor<?x1x32xf32>, !small_cache, tensor<?x?xi32>, tensor<?xi32>,
         tensor<2x12x32xf32>, tensor<20x32xf32>, tensor<16xf32>,
         tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<32x2x8xf32>)
      -> (tensor<?x1x32xf32>, !small_cache)
  return %out, %new_cache : tensor<?x1x32xf32>, !small_cache
}

// DeepSeek-V3 (examples/deepseek-v3-decode.mlir).
// CHECK-LABEL: func.func @decode_step_v3(
// CHECK-SAME:      %[[H:[[:alnum:]_]+]]: tensor<4x2x7168xbf16>, %[[C:[[:alnum:]_]+]]: !mla.paged_cache<pages = 4096, page_size = 64, latent = 512, rope = 64, bf16>, %[[BT:[[:alnum:]_]+]]: tensor<4x64xi32>, %[[SL:[[:alnum:]_]+]]: tensor<4xi32>, %[[WDQ:[[:alnum:]_]+]]: tensor<1536x7168xbf16>, %[[QN:[[:alnum:]_]+]]: tensor<1536xbf16>, %[[WUQ:[[:alnum:]_]+]]: tensor<128x192x1536xbf16>, %[[WDKV:[[:alnum:]_]+]]: tensor<576x7168xbf16>, %[[KVN:[[:alnum:]_]+]]: tensor<512xbf16>, %[[WUK:[[:alnum:]_]+]]: tensor<128x128x512xbf16>, %[[WUV:[[:alnum:]_]+]]: tensor<128x128x512xbf16>, %[[WO:[[:alnum:]_]+]]: tensor<7168x128x128xbf16>) -> (tensor<4x2x7168xbf16>, !mla.paged_cache<pages = 4096, page_size = 64, latent = 512, rope = 64, bf16>)
// CHECK-NEXT:    %[[O:[[:alnum:]_]+]], %[[NC:[[:alnum:]_]+]] = mla.decode_step %[[H]], %[[C]][%[[BT]], %[[SL]]] q_compress(%[[WDQ]], %[[QN]]) weights(%[[WUQ]], %[[WDKV]], %[[KVN]], %[[WUK]], %[[WUV]], %[[WO]]) {config = #mla.config<"deepseek-v3">} : (tensor<4x2x7168xbf16>, !mla.paged_cache<pages = 4096, page_size = 64, latent = 512, rope = 64, bf16>, tensor<4x64xi32>, tensor<4xi32>, tensor<1536x7168xbf16>, tensor<1536xbf16>, tensor<128x192x1536xbf16>, tensor<576x7168xbf16>, tensor<512xbf16>, tensor<128x128x512xbf16>, tensor<128x128x512xbf16>, tensor<7168x128x128xbf16>) -> (tensor<4x2x7168xbf16>, !mla.paged_cache<pages = 4096, page_size = 64, latent = 512, rope = 64, bf16>)
// CHECK-NEXT:    return %[[O]], %[[NC]] : tensor<4x2x7168xbf16>, !mla.paged_cache<pages = 4096, page_size = 64, latent = 512, rope = 64, bf16>
func.func @decode_step_v3(%hidden: tensor<4x2x7168xbf16>, %cache: !v3_cache,
                          %block_table: tensor<4x64xi32>, %seq_lens: tensor<4xi32>,
                          %w_dq: tensor<1536x7168xbf16>, %q_norm: tensor<1536xbf16>,
                          %w_uq: tensor<128x192x1536xbf16>, %w_dkv: tensor<576x7168xbf16>,
                          %kv_norm: tensor<512xbf16>, %w_uk: tensor<128x128x512xbf16>,
                          %w_uv: tensor<128x128x512xbf16>, %w_o: tensor<7168x128x128xbf16>)
    -> (tensor<4x2x7168xbf16>, !v3_cache) {
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens]
      q_compress(%w_dq, %q_norm) weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o)
      {config = #mla.config<"deepseek-v3">}
      : (tensor<4x2x7168xbf16>, !v3_cache, tensor<4x64xi32>, tensor<4xi32>,
         tensor<1536x7168xbf16>, tensor<1536xbf16>, tensor<128x192x1536xbf16>,
         tensor<576x7168xbf16>, tensor<512xbf16>, tensor<128x128x512xbf16>,
         tensor<128x128x512xbf16>, tensor<7168x128x128xbf16>)
      -> (tensor<4x2x7168xbf16>, !v3_cache)
  return %out, %new_cache : tensor<4x2x7168xbf16>, !v3_cache
}

// DeepSeek-V2-Lite has no query compression
// (examples/deepseek-v2-lite-decode.mlir, with 256-row pages).
// CHECK-LABEL: func.func @decode_step_v2_lite(
// CHECK-SAME:      %[[H:[[:alnum:]_]+]]: tensor<?x1x2048xbf16>, %[[C:[[:alnum:]_]+]]: !mla.paged_cache<pages = ?, page_size = 256, latent = 512, rope = 64, bf16>, %[[BT:[[:alnum:]_]+]]: tensor<?x?xi32>, %[[SL:[[:alnum:]_]+]]: tensor<?xi32>, %[[WUQ:[[:alnum:]_]+]]: tensor<16x192x2048xbf16>, %[[WDKV:[[:alnum:]_]+]]: tensor<576x2048xbf16>, %[[KVN:[[:alnum:]_]+]]: tensor<512xbf16>, %[[WUK:[[:alnum:]_]+]]: tensor<16x128x512xbf16>, %[[WUV:[[:alnum:]_]+]]: tensor<16x128x512xbf16>, %[[WO:[[:alnum:]_]+]]: tensor<2048x16x128xbf16>) -> (tensor<?x1x2048xbf16>, !mla.paged_cache<pages = ?, page_size = 256, latent = 512, rope = 64, bf16>)
// CHECK-NEXT:    %[[O:[[:alnum:]_]+]], %[[NC:[[:alnum:]_]+]] = mla.decode_step %[[H]], %[[C]][%[[BT]], %[[SL]]] weights(%[[WUQ]], %[[WDKV]], %[[KVN]], %[[WUK]], %[[WUV]], %[[WO]]) {config = #mla.config<"deepseek-v2-lite">} : (tensor<?x1x2048xbf16>, !mla.paged_cache<pages = ?, page_size = 256, latent = 512, rope = 64, bf16>, tensor<?x?xi32>, tensor<?xi32>, tensor<16x192x2048xbf16>, tensor<576x2048xbf16>, tensor<512xbf16>, tensor<16x128x512xbf16>, tensor<16x128x512xbf16>, tensor<2048x16x128xbf16>) -> (tensor<?x1x2048xbf16>, !mla.paged_cache<pages = ?, page_size = 256, latent = 512, rope = 64, bf16>)
// CHECK-NEXT:    return %[[O]], %[[NC]] : tensor<?x1x2048xbf16>, !mla.paged_cache<pages = ?, page_size = 256, latent = 512, rope = 64, bf16>
func.func @decode_step_v2_lite(%hidden: tensor<?x1x2048xbf16>, %cache: !lite_cache,
                               %block_table: tensor<?x?xi32>, %seq_lens: tensor<?xi32>,
                               %w_uq: tensor<16x192x2048xbf16>, %w_dkv: tensor<576x2048xbf16>,
                               %kv_norm: tensor<512xbf16>, %w_uk: tensor<16x128x512xbf16>,
                               %w_uv: tensor<16x128x512xbf16>, %w_o: tensor<2048x16x128xbf16>)
    -> (tensor<?x1x2048xbf16>, !lite_cache) {
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens]
      weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o)
      {config = #mla.config<"deepseek-v2-lite">}
      : (tensor<?x1x2048xbf16>, !lite_cache, tensor<?x?xi32>, tensor<?xi32>,
         tensor<16x192x2048xbf16>, tensor<576x2048xbf16>, tensor<512xbf16>,
         tensor<16x128x512xbf16>, tensor<16x128x512xbf16>,
         tensor<2048x16x128xbf16>)
      -> (tensor<?x1x2048xbf16>, !lite_cache)
  return %out, %new_cache : tensor<?x1x2048xbf16>, !lite_cache
}

//===----------------------------------------------------------------------===//
// Ops chained: results feed later ops, and a discardable attribute survives.
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @chain(
// CHECK-SAME:      %[[H:[[:alnum:]_]+]]: tensor<2x1x32xf32>, %[[WDKV:[[:alnum:]_]+]]: tensor<20x32xf32>, %[[KVN:[[:alnum:]_]+]]: tensor<16xf32>, %[[P:[[:alnum:]_]+]]: tensor<2x1xi32>, %[[C:[[:alnum:]_]+]]: !mla.paged_cache<pages = ?, page_size = 16, latent = 16, rope = 4, f32>, %[[BT:[[:alnum:]_]+]]: tensor<2x?xi32>, %[[SL:[[:alnum:]_]+]]: tensor<2xi32>)
// CHECK-NEXT:    %[[CKV:[[:alnum:]_]+]], %[[KR:[[:alnum:]_]+]] = mla.compress_kv %[[H]], %[[WDKV]], %[[KVN]] {config = #[[$SMALL]]} : (tensor<2x1x32xf32>, tensor<20x32xf32>, tensor<16xf32>) -> (tensor<2x1x16xf32>, tensor<2x1x4xf32>)
// CHECK-NEXT:    %[[ROT:[[:alnum:]_]+]] = mla.rope %[[KR]], %[[P]] {config = #[[$SMALL]], note = "k"} : tensor<2x1x4xf32>, tensor<2x1xi32>{{$}}
// CHECK-NEXT:    %[[NC:[[:alnum:]_]+]] = mla.cache_append %[[CKV]], %[[ROT]] into %[[C]][%[[BT]], %[[SL]]] {config = #[[$SMALL]]} : tensor<2x1x16xf32>, tensor<2x1x4xf32> into !mla.paged_cache<pages = ?, page_size = 16, latent = 16, rope = 4, f32>[tensor<2x?xi32>, tensor<2xi32>]{{$}}
// CHECK-NEXT:    %[[RC:[[:alnum:]_]+]], %[[RK:[[:alnum:]_]+]] = mla.cache_read %[[NC]][%[[BT]], %[[SL]]] {config = #[[$SMALL]]} : !mla.paged_cache<pages = ?, page_size = 16, latent = 16, rope = 4, f32>[tensor<2x?xi32>, tensor<2xi32>] -> tensor<2x?x16xf32>, tensor<2x?x4xf32>{{$}}
// CHECK-NEXT:    return %[[RC]], %[[RK]] : tensor<2x?x16xf32>, tensor<2x?x4xf32>
func.func @chain(%hidden: tensor<2x1x32xf32>, %w_dkv: tensor<20x32xf32>,
                 %kv_norm: tensor<16xf32>, %positions: tensor<2x1xi32>,
                 %cache: !small_cache, %block_table: tensor<2x?xi32>,
                 %seq_lens: tensor<2xi32>)
    -> (tensor<2x?x16xf32>, tensor<2x?x4xf32>) {
  %c_kv, %k_rope = mla.compress_kv %hidden, %w_dkv, %kv_norm {config = #small}
      : (tensor<2x1x32xf32>, tensor<20x32xf32>, tensor<16xf32>)
      -> (tensor<2x1x16xf32>, tensor<2x1x4xf32>)
  %rotated = mla.rope %k_rope, %positions {config = #small, note = "k"}
      : tensor<2x1x4xf32>, tensor<2x1xi32>
  %new_cache = mla.cache_append %c_kv, %rotated into %cache[%block_table, %seq_lens]
      {config = #small}
      : tensor<2x1x16xf32>, tensor<2x1x4xf32>
        into !small_cache[tensor<2x?xi32>, tensor<2xi32>]
  %all_c_kv, %all_k_rope = mla.cache_read %new_cache[%block_table, %seq_lens]
      {config = #small}
      : !small_cache[tensor<2x?xi32>, tensor<2xi32>]
        -> tensor<2x?x16xf32>, tensor<2x?x4xf32>
  return %all_c_kv, %all_k_rope : tensor<2x?x16xf32>, tensor<2x?x4xf32>
}
