// RUN: mla-opt %s | mla-opt | FileCheck %s
// RUN: mla-opt %s --mlir-print-op-generic | mla-opt | FileCheck %s
// RUN: mla-opt %s | mla-opt --mlir-print-op-generic | mla-opt | FileCheck %s

// Round trip of the attributes and types of the mla dialect: #mla.config in
// every form it can be written in (presets, presets with overrides, field by
// field with defaults filled in), #mla.rope, #mla.yarn and !mla.paged_cache.
//
// A config that equals a preset prints as the preset's name, in place; one
// that differs from a preset in at most three fields prints as that preset
// with overrides, in place; any other config prints field by field, once, as
// a `#mla_config` alias at the top of the module. Equal configs print the same
// however they were written.
// Floats print through AsmPrinter::printFloat, which writes the default
// rms_norm_eps (1e-6) as 9.9999999999999995E-7, as MLIR does for any f64 1e-6.

// Aliases of the configs written field by field (their order is not checked).

// Small configs written field by field; the defaults (rms_norm_eps, rope,
// accum) are filled in and printed.
// CHECK-DAG: {{^}}#[[$SMALL:mla_config[0-9]*]] = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, rms_norm_eps = 9.9999999999999995E-7, rope = #mla.rope<theta = 1.000000e+04, pairing = interleaved>, storage = f32, accum = f32>{{$}}
// CHECK-DAG: {{^}}#[[$SMALL_Q:mla_config[0-9]*]] = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, rms_norm_eps = 9.9999999999999995E-7, rope = #mla.rope<theta = 1.000000e+04, pairing = interleaved>, storage = f16, accum = f32>{{$}}
// CHECK-DAG: {{^}}#[[$ALL_FIELDS:mla_config[0-9]*]] = #mla.config<heads = 4, d_model = 64, q_lora_rank = 48, kv_lora_rank = 32, qk_nope_head_dim = 16, qk_rope_head_dim = 8, v_head_dim = 12, rms_norm_eps = 1.000000e-05, rope = #mla.rope<theta = 5.000000e+05, pairing = half>, storage = bf16, accum = f64>{{$}}
// CHECK-DAG: {{^}}#[[$HALF_YARN:mla_config[0-9]*]] = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, rms_norm_eps = 9.9999999999999995E-7, rope = #mla.rope<theta = 1.000000e+04, pairing = half, yarn = <factor = 4.000000e+00, original_max_position = 2048, beta_fast = 3.200000e+01, beta_slow = 1.000000e+00, mscale = 1.000000e+00, mscale_all_dim = 0.000000e+00>>, storage = f32, accum = f32>{{$}}
// CHECK-DAG: {{^}}#[[$INTERLEAVED_YARN:mla_config[0-9]*]] = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, rms_norm_eps = 1.000000e-01, rope = #mla.rope<theta = 1.000000e+06, pairing = interleaved, yarn = <factor = 1.500000e+00, original_max_position = 1024, beta_fast = 2.000000e+00, beta_slow = 2.000000e+00, mscale = 7.070000e-01, mscale_all_dim = 1.000000e-01>>, storage = f16, accum = f32>{{$}}
// CHECK-NOT: #mla_config
// CHECK-LABEL: module {

//===----------------------------------------------------------------------===//
// Presets
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @presets()
// CHECK-SAME:      attributes {
// CHECK-SAME:      a = #mla.config<"deepseek-v2-lite">,
// CHECK-SAME:      b = #mla.config<"deepseek-v2">,
// CHECK-SAME:      c = #mla.config<"deepseek-v3">,
// CHECK-SAME:      d = #mla.config<"deepseek-v3">,
// CHECK-SAME:      e = #mla.config<"kimi-k2">} {
// CHECK-NEXT:    return
func.func @presets() attributes {
  a = #mla.config<"deepseek-v2-lite">,
  b = #mla.config<"deepseek-v2">,
  c = #mla.config<"deepseek-v3">,
  // deepseek-r1 has the same config as deepseek-v3 and prints as it.
  d = #mla.config<"deepseek-r1">,
  e = #mla.config<"kimi-k2">
} {
  return
}

// Configs that are written differently but equal a preset print as the
// preset, without an alias.
// CHECK-LABEL: func.func @equal_to_presets()
// CHECK-SAME:      attributes {
// CHECK-SAME:      a = #mla.config<"deepseek-v3">,
// CHECK-SAME:      b = #mla.config<"deepseek-v2-lite">,
// CHECK-SAME:      c = #mla.config<"deepseek-v2-lite">,
// CHECK-SAME:      d = #mla.config<"kimi-k2">,
// CHECK-SAME:      e = #mla.config<"deepseek-v3">} {
// CHECK-NEXT:    return
func.func @equal_to_presets() attributes {
  // An override with the preset's own value.
  a = #mla.config<"deepseek-v3", heads = 128>,
  // DeepSeek-V2 cut down to V2-Lite's shapes.
  b = #mla.config<"deepseek-v2", heads = 16, d_model = 2048, q_lora_rank = 0>,
  // V2-Lite field by field, with its YaRN block (a non-qualified yarn).
  c = #mla.config<heads = 16, d_model = 2048, kv_lora_rank = 512,
                  qk_nope_head_dim = 128, qk_rope_head_dim = 64,
                  v_head_dim = 128,
                  rope = #mla.rope<theta = 10000.0, pairing = interleaved,
                                   yarn = <factor = 40.0,
                                           original_max_position = 4096,
                                           beta_fast = 32.0, beta_slow = 1.0,
                                           mscale = 0.707,
                                           mscale_all_dim = 0.707>>,
                  storage = bf16>,
  // Overrides with the defaults' values.
  d = #mla.config<"kimi-k2", storage = bf16, accum = f32, rms_norm_eps = 1.0e-6>,
  // V3 field by field, every field given, the yarn qualified.
  e = #mla.config<heads = 128, d_model = 7168, q_lora_rank = 1536,
                  kv_lora_rank = 512, qk_nope_head_dim = 128,
                  qk_rope_head_dim = 64, v_head_dim = 128,
                  rms_norm_eps = 9.9999999999999995E-7,
                  rope = #mla.rope<theta = 1.000000e+04, pairing = interleaved,
                                   yarn = #mla.yarn<factor = 4.000000e+01,
                                                    original_max_position = 4096,
                                                    beta_fast = 3.200000e+01,
                                                    beta_slow = 1.000000e+00,
                                                    mscale = 1.000000e+00,
                                                    mscale_all_dim = 1.000000e+00>>,
                  storage = bf16, accum = f32>
} {
  return
}

//===----------------------------------------------------------------------===//
// Presets with overrides
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @preset_overrides()
// CHECK-SAME:      attributes {
// CHECK-SAME:      a = #mla.config<"deepseek-v3", heads = 16>,
// CHECK-SAME:      b = #mla.config<"deepseek-v3", heads = 16>,
// CHECK-SAME:      c = #mla.config<"kimi-k2", storage = f16, accum = f64>,
// CHECK-SAME:      d = #mla.config<"deepseek-v2-lite", rope = #mla.rope<theta = 1.000000e+04, pairing = interleaved>>,
// CHECK-SAME:      e = #mla.config<"deepseek-v3", rms_norm_eps = 1.000000e-05, storage = f32>,
// CHECK-SAME:      f = #mla.config<"deepseek-v2", q_lora_rank = 0>} {
// CHECK-NEXT:    return
func.func @preset_overrides() attributes {
  a = #mla.config<"deepseek-v3", heads = 16>,
  b = #mla.config<"deepseek-r1", heads = 16>,
  c = #mla.config<"kimi-k2", storage = f16, accum = f64>,
  d = #mla.config<"deepseek-v2-lite",
                  rope = #mla.rope<theta = 10000.0, pairing = interleaved>>,
  e = #mla.config<"deepseek-v3", rms_norm_eps = 1.0e-5, storage = f32>,
  f = #mla.config<"deepseek-v2", q_lora_rank = 0>
} {
  return
}

// A config written field by field that is a preset with one field changed
// prints as that preset with the override.
// CHECK-LABEL: func.func @field_form_of_an_override()
// CHECK-SAME:      attributes {a = #mla.config<"deepseek-v3", heads = 16>} {
func.func @field_form_of_an_override() attributes {
  a = #mla.config<heads = 16, d_model = 7168, q_lora_rank = 1536, kv_lora_rank = 512, qk_nope_head_dim = 128, qk_rope_head_dim = 64, v_head_dim = 128, rms_norm_eps = 9.9999999999999995E-7, rope = #mla.rope<theta = 1.000000e+04, pairing = interleaved, yarn = <factor = 4.000000e+01, original_max_position = 4096, beta_fast = 3.200000e+01, beta_slow = 1.000000e+00, mscale = 1.000000e+00, mscale_all_dim = 1.000000e+00>>, storage = bf16, accum = f32>
} {
  return
}

//===----------------------------------------------------------------------===//
// Field-by-field form
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @full_form()
// CHECK-SAME:      attributes {
// CHECK-SAME:      a = #[[$SMALL]],
// CHECK-SAME:      b = #[[$SMALL]],
// CHECK-SAME:      c = #[[$SMALL]],
// CHECK-SAME:      d = #[[$SMALL]],
// CHECK-SAME:      e = #[[$SMALL_Q]],
// CHECK-SAME:      f = #[[$ALL_FIELDS]]} {
// CHECK-NEXT:    return
func.func @full_form() attributes {
  // Without q_lora_rank; rms_norm_eps, rope and accum default.
  a = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16,
                  qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8,
                  storage = f32>,
  // Fields in any order.
  b = #mla.config<storage = f32, v_head_dim = 8, qk_rope_head_dim = 4,
                  qk_nope_head_dim = 8, kv_lora_rank = 16, d_model = 32,
                  heads = 2>,
  // q_lora_rank = 0 means no query compression and is not printed.
  c = #mla.config<heads = 2, d_model = 32, q_lora_rank = 0, kv_lora_rank = 16,
                  qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8,
                  storage = f32>,
  // The defaults written out.
  d = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16,
                  qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8,
                  rms_norm_eps = 1.0e-6,
                  rope = #mla.rope<theta = 10000.0, pairing = interleaved>,
                  storage = f32, accum = f32>,
  // With q_lora_rank, f16 storage.
  e = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16,
                  qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8,
                  storage = f16>,
  // Nothing defaulted.
  f = #mla.config<heads = 4, d_model = 64, q_lora_rank = 48, kv_lora_rank = 32,
                  qk_nope_head_dim = 16, qk_rope_head_dim = 8, v_head_dim = 12,
                  rms_norm_eps = 1.0e-5,
                  rope = #mla.rope<theta = 500000.0, pairing = half>,
                  storage = bf16, accum = f64>
} {
  return
}

// CHECK-LABEL: func.func @full_form_rope()
// CHECK-SAME:      attributes {
// CHECK-SAME:      a = #[[$HALF_YARN]],
// CHECK-SAME:      b = #[[$HALF_YARN]],
// CHECK-SAME:      c = #[[$INTERLEAVED_YARN]]} {
// CHECK-NEXT:    return
func.func @full_form_rope() attributes {
  // pairing = half with a yarn block, the yarn written without its prefix.
  a = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16,
                  qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8,
                  rope = #mla.rope<theta = 1.0e4, pairing = half,
                                   yarn = <factor = 4.0,
                                           original_max_position = 2048,
                                           beta_fast = 32.0, beta_slow = 1.0,
                                           mscale = 1.0,
                                           mscale_all_dim = 0.0>>,
                  storage = f32>,
  // The same with the yarn qualified and the rope parameters reordered.
  b = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16,
                  qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8,
                  rope = #mla.rope<pairing = half,
                                   yarn = #mla.yarn<mscale_all_dim = 0.0,
                                                    mscale = 1.0,
                                                    beta_slow = 1.0,
                                                    beta_fast = 32.0,
                                                    original_max_position = 2048,
                                                    factor = 4.0>,
                                   theta = 10000.0>,
                  storage = f32>,
  c = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24, kv_lora_rank = 16,
                  qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8,
                  rms_norm_eps = 0.1,
                  rope = #mla.rope<theta = 1.0e6, pairing = interleaved,
                                   yarn = <factor = 1.5,
                                           original_max_position = 1024,
                                           beta_fast = 2.0, beta_slow = 2.0,
                                           mscale = 0.707,
                                           mscale_all_dim = 0.1>>,
                  storage = f16>
} {
  return
}

//===----------------------------------------------------------------------===//
// #mla.rope and #mla.yarn on their own
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @rope_attrs()
// CHECK-SAME:      attributes {
// CHECK-SAME:      a = #mla.rope<theta = 1.000000e+04, pairing = interleaved>,
// CHECK-SAME:      b = #mla.rope<theta = 5.000000e+04, pairing = half>,
// CHECK-SAME:      c = #mla.rope<theta = 1.000000e+04, pairing = interleaved, yarn = <factor = 4.000000e+01, original_max_position = 4096, beta_fast = 3.200000e+01, beta_slow = 1.000000e+00, mscale = 7.070000e-01, mscale_all_dim = 7.070000e-01>>,
// CHECK-SAME:      d = #mla.rope<theta = 1.000000e+04, pairing = half, yarn = <factor = 3.200000e+01, original_max_position = 4096, beta_fast = 1.000000e+00, beta_slow = 1.000000e+00, mscale = 1.000000e+00, mscale_all_dim = 1.000000e+00>>,
// CHECK-SAME:      e = #mla.rope<theta = 10000.000000000002, pairing = half>,
// CHECK-SAME:      f = #mla.rope<theta = 1.000000e+06, pairing = interleaved>} {
// CHECK-NEXT:    return
func.func @rope_attrs() attributes {
  a = #mla.rope<theta = 10000.0, pairing = interleaved>,
  b = #mla.rope<theta = 50000.0, pairing = half>,
  c = #mla.rope<theta = 10000.0, pairing = interleaved,
                yarn = <factor = 40.0, original_max_position = 4096,
                        beta_fast = 32.0, beta_slow = 1.0, mscale = 0.707,
                        mscale_all_dim = 0.707>>,
  d = #mla.rope<theta = 10000.0, pairing = half,
                yarn = #mla.yarn<factor = 32.0, original_max_position = 4096,
                                 beta_fast = 1.0, beta_slow = 1.0, mscale = 1.0,
                                 mscale_all_dim = 1.0>>,
  // A value with no short decimal form prints with full precision.
  e = #mla.rope<theta = 10000.000000000002, pairing = half>,
  // Parameters in another order print in the declared order.
  f = #mla.rope<pairing = interleaved, theta = 1.0e6>
} {
  return
}

// CHECK-LABEL: func.func @yarn_attrs()
// CHECK-SAME:      attributes {
// CHECK-SAME:      a = #mla.yarn<factor = 4.000000e+01, original_max_position = 4096, beta_fast = 3.200000e+01, beta_slow = 1.000000e+00, mscale = 7.070000e-01, mscale_all_dim = 7.070000e-01>,
// CHECK-SAME:      b = #mla.yarn<factor = 1.000000e+00, original_max_position = 163840, beta_fast = 1.000000e+00, beta_slow = 5.000000e-01, mscale = 0.000000e+00, mscale_all_dim = 123456789.12345679>,
// CHECK-SAME:      c = #mla.yarn<factor = 1.0000000000000002, original_max_position = 1, beta_fast = 1.000000e-300, beta_slow = 1.000000e-300, mscale = 1.000000e+00, mscale_all_dim = 1.000000e+00>} {
// CHECK-NEXT:    return
func.func @yarn_attrs() attributes {
  a = #mla.yarn<factor = 40.0, original_max_position = 4096, beta_fast = 32.0,
                beta_slow = 1.0, mscale = 0.707, mscale_all_dim = 0.707>,
  b = #mla.yarn<mscale_all_dim = 123456789.123456789, mscale = 0.0,
                beta_slow = 0.5, beta_fast = 1.0,
                original_max_position = 163840, factor = 1.0>,
  c = #mla.yarn<factor = 1.0000000000000002, original_max_position = 1,
                beta_fast = 1.0e-300, beta_slow = 1.0e-300, mscale = 1.0,
                mscale_all_dim = 1.0>
} {
  return
}

// Configs, ropes and yarns nested in other attributes.
// CHECK-LABEL: func.func @nested_attrs()
// CHECK-SAME:      attributes {
// CHECK-SAME:      a = [#mla.config<"kimi-k2">, #[[$SMALL]], #mla.rope<theta = 1.000000e+04, pairing = half>],
// CHECK-SAME:      b = {c = #[[$SMALL_Q]], y = #mla.yarn<factor = 2.000000e+00, original_max_position = 8, beta_fast = 4.000000e+00, beta_slow = 2.000000e+00, mscale = 1.000000e+00, mscale_all_dim = 1.000000e+00>}} {
// CHECK-NEXT:    return
func.func @nested_attrs() attributes {
  a = [#mla.config<"kimi-k2">,
       #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16,
                   qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8,
                   storage = f32>,
       #mla.rope<theta = 10000.0, pairing = half>],
  b = {c = #mla.config<heads = 2, d_model = 32, q_lora_rank = 24,
                       kv_lora_rank = 16, qk_nope_head_dim = 8,
                       qk_rope_head_dim = 4, v_head_dim = 8, storage = f16>,
       y = #mla.yarn<factor = 2.0, original_max_position = 8, beta_fast = 4.0,
                     beta_slow = 2.0, mscale = 1.0, mscale_all_dim = 1.0>}
} {
  return
}

//===----------------------------------------------------------------------===//
// !mla.paged_cache
//===----------------------------------------------------------------------===//

!dyn_cache = !mla.paged_cache<pages = ?, page_size = 16, latent = 512, rope = 64, bf16>

// CHECK-LABEL: func.func @paged_caches(
// CHECK-SAME:      %{{.*}}: !mla.paged_cache<pages = 4096, page_size = 64, latent = 512, rope = 64, bf16>,
// CHECK-SAME:      %{{.*}}: !mla.paged_cache<pages = ?, page_size = 16, latent = 512, rope = 64, bf16>,
// CHECK-SAME:      %{{.*}}: !mla.paged_cache<pages = 1, page_size = 1, latent = 1, rope = 2, f32>,
// CHECK-SAME:      %{{.*}}: !mla.paged_cache<pages = ?, page_size = 1, latent = 16, rope = 4, f16>,
// CHECK-SAME:      %{{.*}}: !mla.paged_cache<pages = 8, page_size = 16, latent = 16, rope = 4, f32>,
// CHECK-SAME:      %{{.*}}: !mla.paged_cache<pages = ?, page_size = 64, latent = 16, rope = 4, f16>,
// CHECK-SAME:      %{{.*}}: !mla.paged_cache<pages = 2, page_size = 256, latent = 512, rope = 64, bf16>,
// CHECK-SAME:      %{{.*}}: !mla.paged_cache<pages = ?, page_size = 256, latent = 16, rope = 4, f32>,
// CHECK-SAME:      %{{.*}}: !mla.paged_cache<pages = 100, page_size = 48, latent = 16, rope = 4, f32>,
// CHECK-SAME:      %{{.*}}: !mla.paged_cache<pages = ?, page_size = 48, latent = 24, rope = 6, f16>,
// CHECK-SAME:      %{{.*}}: !mla.paged_cache<pages = 1048576, page_size = 1048576, latent = 1048576, rope = 1048576, f64>)
// CHECK-SAME:      -> !mla.paged_cache<pages = ?, page_size = 16, latent = 512, rope = 64, bf16>
// CHECK-NEXT:    return %{{.*}} : !mla.paged_cache<pages = ?, page_size = 16, latent = 512, rope = 64, bf16>
func.func @paged_caches(
    %a: !mla.paged_cache<pages = 4096, page_size = 64, latent = 512, rope = 64, bf16>,
    // Through a type alias, which the printer expands.
    %b: !dyn_cache,
    %c: !mla.paged_cache<pages = 1, page_size = 1, latent = 1, rope = 2, f32>,
    %d: !mla.paged_cache<pages = ?, page_size = 1, latent = 16, rope = 4, f16>,
    %e: !mla.paged_cache<pages = 8, page_size = 16, latent = 16, rope = 4, f32>,
    %f: !mla.paged_cache<pages = ?, page_size = 64, latent = 16, rope = 4, f16>,
    %g: !mla.paged_cache<pages = 2, page_size = 256, latent = 512, rope = 64, bf16>,
    %h: !mla.paged_cache<pages = ?, page_size = 256, latent = 16, rope = 4, f32>,
    // A page size that is not a power of two.
    %i: !mla.paged_cache<pages = 100, page_size = 48, latent = 16, rope = 4, f32>,
    // Written without spaces.
    %j: !mla.paged_cache<pages=?,page_size=48,latent=24,rope=6,f16>,
    // The largest extents the verifier accepts.
    %k: !mla.paged_cache<pages = 1048576, page_size = 1048576, latent = 1048576, rope = 1048576, f64>)
    -> !dyn_cache {
  return %b : !dyn_cache
}

// Paged cache types as type attributes and nested in other types.
// CHECK-LABEL: func.func @paged_cache_in_attrs()
// CHECK-SAME:      attributes {
// CHECK-SAME:      a = !mla.paged_cache<pages = ?, page_size = 48, latent = 512, rope = 64, f32>,
// CHECK-SAME:      b = tensor<2x!mla.paged_cache<pages = 3, page_size = 16, latent = 16, rope = 4, f16>>,
// CHECK-SAME:      c = (!mla.paged_cache<pages = ?, page_size = 64, latent = 512, rope = 64, bf16>) -> !mla.paged_cache<pages = ?, page_size = 64, latent = 512, rope = 64, bf16>} {
// CHECK-NEXT:    return
func.func @paged_cache_in_attrs() attributes {
  a = !mla.paged_cache<pages = ?, page_size = 48, latent = 512, rope = 64, f32>,
  b = tensor<2x!mla.paged_cache<pages = 3, page_size = 16, latent = 16, rope = 4, f16>>,
  c = (!mla.paged_cache<pages = ?, page_size = 64, latent = 512, rope = 64, bf16>)
      -> !mla.paged_cache<pages = ?, page_size = 64, latent = 512, rope = 64, bf16>
} {
  return
}

// A CUDA kernel variant's tiling, both MMA flavours.
// CHECK-LABEL: func.func @cuda_tiling()
// CHECK-SAME:      a = #mla.cuda_tiling<arch = "sm_90a", rows_per_cta = 64, keys_per_tile = 64, warps = 4, stages = 2, mma = wgmma>,
// CHECK-SAME:      b = #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 16, keys_per_tile = 256, warps = 1, stages = 1, mma = mma_sync>
func.func @cuda_tiling() attributes {
  a = #mla.cuda_tiling<arch = "sm_90a", rows_per_cta = 64, keys_per_tile = 64,
                       warps = 4, stages = 2, mma = wgmma>,
  b = #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 16, keys_per_tile = 256,
                       warps = 1, stages = 1, mma = mma_sync>
} {
  return
}
