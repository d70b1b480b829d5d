// RUN: mla-opt %s -split-input-file -verify-diagnostics

// Errors in #mla.config, #mla.rope and #mla.yarn. Config errors found after
// the fields are read (missing fields, range checks) are reported at the `<`
// of the attribute; parse errors at the offending field.

// expected-error @+1 {{unknown MLA preset 'deepseek-v4'; known presets: deepseek-v2-lite, deepseek-v2, deepseek-v3, deepseek-r1, kimi-k2}}
func.func @config_unknown_preset() attributes {config = #mla.config<"deepseek-v4">} {
  return
}

// -----

// expected-error @+2 {{unknown config field 'num_heads'; expected heads, d_model, q_lora_rank, kv_lora_rank, qk_nope_head_dim, qk_rope_head_dim, v_head_dim, rms_norm_eps, rope, storage or accum}}
func.func @config_unknown_field() attributes {config = #mla.config<heads = 2,
    num_heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8,
    qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>} {
  return
}

// -----

// An override after a preset goes through the same field parser.
// expected-error @+1 {{unknown config field 'layers'}}
func.func @config_preset_unknown_field() attributes {config = #mla.config<"deepseek-v3", layers = 61>} {
  return
}

// -----

// expected-error @+3 {{config field 'heads' repeated}}
func.func @config_repeated_field() attributes {config = #mla.config<heads = 2,
    d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4,
    v_head_dim = 6, heads = 4, storage = bf16>} {
  return
}

// -----

// A preset's fields may be overridden once each.
// expected-error @+1 {{config field 'heads' repeated}}
func.func @config_preset_repeated_override() attributes {config = #mla.config<"deepseek-v3", heads = 16, heads = 8>} {
  return
}

// -----

// expected-error @+1 {{config is missing field 'v_head_dim' (or name a preset: deepseek-v2-lite, deepseek-v2, deepseek-v3, deepseek-r1, kimi-k2)}}
func.func @config_missing_field() attributes {config = #mla.config<heads = 2,
    d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4,
    storage = bf16>} {
  return
}

// -----

// expected-error @+1 {{config is missing field 'heads'}}
func.func @config_missing_heads() attributes {config = #mla.config<d_model = 32,
    kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 6,
    storage = bf16>} {
  return
}

// -----

// The storage type has no default.
// expected-error @+1 {{config is missing field 'storage'}}
func.func @config_missing_storage() attributes {config = #mla.config<heads = 2,
    d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4,
    v_head_dim = 6>} {
  return
}

// -----

// expected-error @+1 {{unknown attribute `configuration` in dialect `mla`}}
func.func @unknown_attribute() attributes {config = #mla.configuration<"deepseek-v3">} {
  return
}

// -----

// expected-error @+1 {{expected valid keyword}}
func.func @config_empty() attributes {config = #mla.config<>} {
  return
}

// -----

// expected-error @+1 {{expected integer value}}
func.func @config_float_dim() attributes {config = #mla.config<"deepseek-v3", heads = 1.5>} {
  return
}

// -----

// expected-error @+1 {{config field 'heads' must be in [1, 1048576], got 0}}
func.func @config_heads_zero() attributes {config = #mla.config<heads = 0,
    d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4,
    v_head_dim = 6, storage = bf16>} {
  return
}

// -----

// expected-error @+1 {{config field 'heads' must be in [1, 1048576], got 1048577}}
func.func @config_heads_too_large() attributes {config = #mla.config<"deepseek-v3", heads = 1048577>} {
  return
}

// -----

// expected-error @+1 {{config field 'd_model' must be in [1, 1048576], got -7168}}
func.func @config_d_model_negative() attributes {config = #mla.config<"deepseek-v3", d_model = -7168>} {
  return
}

// -----

// expected-error @+1 {{config field 'q_lora_rank' must be in [0, 1048576], got -1}}
func.func @config_q_lora_rank_negative() attributes {config = #mla.config<heads = 2,
    d_model = 32, q_lora_rank = -1, kv_lora_rank = 16, qk_nope_head_dim = 8,
    qk_rope_head_dim = 4, v_head_dim = 6, storage = bf16>} {
  return
}

// -----

// expected-error @+1 {{config field 'q_lora_rank' must be in [0, 1048576], got 2097152}}
func.func @config_q_lora_rank_too_large() attributes {config = #mla.config<"deepseek-v3", q_lora_rank = 2097152>} {
  return
}

// -----

// expected-error @+1 {{config field 'kv_lora_rank' must be in [1, 1048576], got 0}}
func.func @config_kv_lora_rank_zero() attributes {config = #mla.config<heads = 2,
    d_model = 32, kv_lora_rank = 0, qk_nope_head_dim = 8, qk_rope_head_dim = 4,
    v_head_dim = 6, storage = bf16>} {
  return
}

// -----

// expected-error @+1 {{config field 'qk_nope_head_dim' must be in [1, 1048576], got 0}}
func.func @config_nope_dim_zero() attributes {config = #mla.config<heads = 2,
    d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 0, qk_rope_head_dim = 4,
    v_head_dim = 6, storage = bf16>} {
  return
}

// -----

// RoPE needs at least one pair; the range check comes before the parity one.
// expected-error @+1 {{config field 'qk_rope_head_dim' must be in [2, 1048576], got 0}}
func.func @config_rope_dim_zero() attributes {config = #mla.config<heads = 2,
    d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 0,
    v_head_dim = 6, storage = bf16>} {
  return
}

// -----

// expected-error @+1 {{config field 'v_head_dim' must be in [1, 1048576], got 0}}
func.func @config_v_head_dim_zero() attributes {config = #mla.config<heads = 2,
    d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4,
    v_head_dim = 0, storage = bf16>} {
  return
}

// -----

// expected-error @+1 {{config field 'qk_rope_head_dim' must be even (RoPE rotates pairs), got 5}}
func.func @config_rope_dim_odd() attributes {config = #mla.config<heads = 2,
    d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 5,
    v_head_dim = 6, storage = bf16>} {
  return
}

// -----

// expected-error @+1 {{config field 'rms_norm_eps' must be positive, got 0.000000e+00}}
func.func @config_eps_zero() attributes {config = #mla.config<"deepseek-v3", rms_norm_eps = 0.0>} {
  return
}

// -----

// expected-error @+1 {{config field 'rms_norm_eps' must be positive, got -1.000000e-06}}
func.func @config_eps_negative() attributes {config = #mla.config<"deepseek-v3", rms_norm_eps = -1.0e-6>} {
  return
}

// -----

// 0x7FF0000000000000 is the bit pattern of +inf.
// expected-error @+1 {{config field 'rms_norm_eps' must be positive, got INF}}
func.func @config_eps_infinite() attributes {config = #mla.config<"deepseek-v3", rms_norm_eps = 0x7FF0000000000000>} {
  return
}

// -----

// expected-error @+1 {{config field 'storage' must be a float type, got 'i8'}}
func.func @config_storage_integer() attributes {config = #mla.config<heads = 2,
    d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4,
    v_head_dim = 6, storage = i8>} {
  return
}

// -----

// expected-error @+1 {{config field 'storage' must be a float type, got 'tensor<4xbf16>'}}
func.func @config_storage_tensor() attributes {config = #mla.config<"deepseek-v3", storage = tensor<4xbf16>>} {
  return
}

// -----

// expected-error @+1 {{config field 'accum' must be f32 or wider, and no narrower than storage, got 'f16'}}
func.func @config_accum_narrow() attributes {config = #mla.config<heads = 2,
    d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4,
    v_head_dim = 6, storage = f16, accum = f16>} {
  return
}

// -----

// expected-error @+1 {{config field 'accum' must be f32 or wider, and no narrower than storage, got 'i32'}}
func.func @config_accum_integer() attributes {config = #mla.config<"deepseek-v3", accum = i32>} {
  return
}

// -----

// A rope value that is not an #mla.rope.
// expected-error @+1 {{invalid kind of attribute specified}}
func.func @config_rope_not_rope() attributes {config = #mla.config<"deepseek-v3", rope = 10000.0>} {
  return
}

// -----

// An error in a nested #mla.rope is reported at the rope's `<` alone.
// expected-error @+2 {{rope theta must be a finite number > 1, got 1.000000e+00}}
func.func @config_nested_rope_theta() attributes {config = #mla.config<"deepseek-v3",
    rope = #mla.rope<theta = 1.0, pairing = interleaved>>} {
  return
}

// -----

// expected-error @+1 {{rope theta must be a finite number > 1, got 1.000000e+00}}
func.func @rope_theta_one() attributes {rope = #mla.rope<theta = 1.0, pairing = interleaved>} {
  return
}

// -----

// expected-error @+1 {{rope theta must be a finite number > 1, got -1.000000e+04}}
func.func @rope_theta_negative() attributes {rope = #mla.rope<theta = -10000.0, pairing = half>} {
  return
}

// -----

// expected-error @+1 {{rope theta must be a finite number > 1, got INF}}
func.func @rope_theta_infinite() attributes {rope = #mla.rope<theta = 0x7FF0000000000000, pairing = half>} {
  return
}

// -----

// Float parameters need a float literal.
// expected-error @+3 {{unexpected decimal integer literal for a floating point value}}
// expected-note @+2 {{add a trailing dot to make the literal a float}}
// expected-error @+1 {{failed to parse Mla_RopeAttr parameter 'theta'}}
func.func @rope_theta_integer() attributes {rope = #mla.rope<theta = 10000, pairing = half>} {
  return
}

// -----

// expected-error @+2 {{expected ::mlir::mla::RopePairing to be one of: interleaved, half}}
// expected-error @+1 {{failed to parse Mla_RopeAttr parameter 'pairing'}}
func.func @rope_unknown_pairing() attributes {rope = #mla.rope<theta = 10000.0, pairing = neox>} {
  return
}

// -----

// expected-error @+1 {{struct is missing required parameter: pairing}}
func.func @rope_missing_pairing() attributes {rope = #mla.rope<theta = 10000.0>} {
  return
}

// -----

// expected-error @+1 {{yarn factor must be a finite number >= 1, got 5.000000e-01}}
func.func @yarn_factor_below_one() attributes {yarn = #mla.yarn<factor = 0.5, original_max_position = 4096, beta_fast = 32.0, beta_slow = 1.0, mscale = 1.0, mscale_all_dim = 1.0>} {
  return
}

// -----

// expected-error @+1 {{yarn factor must be a finite number >= 1, got INF}}
func.func @yarn_factor_infinite() attributes {yarn = #mla.yarn<factor = 0x7FF0000000000000, original_max_position = 4096, beta_fast = 32.0, beta_slow = 1.0, mscale = 1.0, mscale_all_dim = 1.0>} {
  return
}

// -----

// expected-error @+1 {{yarn original_max_position must be positive, got 0}}
func.func @yarn_original_max_position_zero() attributes {yarn = #mla.yarn<factor = 40.0, original_max_position = 0, beta_fast = 32.0, beta_slow = 1.0, mscale = 1.0, mscale_all_dim = 1.0>} {
  return
}

// -----

// expected-error @+1 {{yarn original_max_position must be positive, got -4096}}
func.func @yarn_original_max_position_negative() attributes {yarn = #mla.yarn<factor = 40.0, original_max_position = -4096, beta_fast = 32.0, beta_slow = 1.0, mscale = 1.0, mscale_all_dim = 1.0>} {
  return
}

// -----

// expected-error @+1 {{yarn needs 0 < beta_slow <= beta_fast, got beta_fast = 1.000000e+00, beta_slow = 3.200000e+01}}
func.func @yarn_betas_swapped() attributes {yarn = #mla.yarn<factor = 40.0, original_max_position = 4096, beta_fast = 1.0, beta_slow = 32.0, mscale = 1.0, mscale_all_dim = 1.0>} {
  return
}

// -----

// expected-error @+1 {{yarn needs 0 < beta_slow <= beta_fast, got beta_fast = 3.200000e+01, beta_slow = 0.000000e+00}}
func.func @yarn_beta_slow_zero() attributes {yarn = #mla.yarn<factor = 40.0, original_max_position = 4096, beta_fast = 32.0, beta_slow = 0.0, mscale = 1.0, mscale_all_dim = 1.0>} {
  return
}

// -----

// expected-error @+1 {{yarn needs 0 < beta_slow <= beta_fast, got beta_fast = INF, beta_slow = 1.000000e+00}}
func.func @yarn_beta_fast_infinite() attributes {yarn = #mla.yarn<factor = 40.0, original_max_position = 4096, beta_fast = 0x7FF0000000000000, beta_slow = 1.0, mscale = 1.0, mscale_all_dim = 1.0>} {
  return
}

// -----

// expected-error @+1 {{yarn mscale and mscale_all_dim must be finite and non-negative, got -1.000000e+00 and 1.000000e+00}}
func.func @yarn_mscale_negative() attributes {yarn = #mla.yarn<factor = 40.0, original_max_position = 4096, beta_fast = 32.0, beta_slow = 1.0, mscale = -1.0, mscale_all_dim = 1.0>} {
  return
}

// -----

// 0x7FF8000000000000 is the bit pattern of a quiet NaN.
// expected-error @+1 {{yarn mscale and mscale_all_dim must be finite and non-negative, got 1.000000e+00 and nan}}
func.func @yarn_mscale_all_dim_nan() attributes {yarn = #mla.yarn<factor = 40.0, original_max_position = 4096, beta_fast = 32.0, beta_slow = 1.0, mscale = 1.0, mscale_all_dim = 0x7FF8000000000000>} {
  return
}

// -----

// Inside a config, a bad YaRN block is reported both by the yarn verifier and
// by the enclosing #mla.rope parser.
// expected-error @+3 {{yarn factor must be a finite number >= 1, got 5.000000e-01}}
// expected-error @+2 {{failed to parse Mla_RopeAttr parameter 'yarn' which is to be a `YarnAttr`}}
func.func @config_nested_yarn() attributes {config = #mla.config<"deepseek-v3",
    rope = #mla.rope<theta = 10000.0, pairing = interleaved, yarn = <factor = 0.5, original_max_position = 4096, beta_fast = 32.0, beta_slow = 1.0, mscale = 1.0, mscale_all_dim = 1.0>>>} {
  return
}

// -----

// expected-error @+1 {{config field 'accum' must be f32 or wider, and no narrower than storage, got 'f32'}}
func.func @config_accum_narrower_than_storage() attributes {config = #mla.config<"deepseek-v3", storage = f64>} {
  return
}

// -----

// expected-error @+1 {{cuda_tiling arch must be sm_80 or later (sm_<N> or sm_<N>a), got "sm_75"}}
func.func @tiling_old_arch() attributes {t = #mla.cuda_tiling<arch = "sm_75", rows_per_cta = 64, keys_per_tile = 64, warps = 4, stages = 2, mma = mma_sync>} {
  return
}

// -----

// expected-error @+1 {{cuda_tiling arch must be sm_80 or later (sm_<N> or sm_<N>a), got "hopper"}}
func.func @tiling_bad_arch() attributes {t = #mla.cuda_tiling<arch = "hopper", rows_per_cta = 64, keys_per_tile = 64, warps = 4, stages = 2, mma = mma_sync>} {
  return
}

// -----

// expected-error @+1 {{cuda_tiling rows_per_cta must be a power of two in [16, 128] (whole m16 MMA tiles), got 48}}
func.func @tiling_rows() attributes {t = #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 48, keys_per_tile = 64, warps = 4, stages = 2, mma = mma_sync>} {
  return
}

// -----

// expected-error @+1 {{cuda_tiling keys_per_tile must be a power of two in [16, 256], got 8}}
func.func @tiling_keys() attributes {t = #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 64, keys_per_tile = 8, warps = 4, stages = 2, mma = mma_sync>} {
  return
}

// -----

// expected-error @+1 {{cuda_tiling warps must be a power of two in [1, 16], got 0}}
func.func @tiling_warps() attributes {t = #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 64, keys_per_tile = 64, warps = 0, stages = 2, mma = mma_sync>} {
  return
}

// -----

// expected-error @+1 {{cuda_tiling stages must be in [1, 4], got 5}}
func.func @tiling_stages() attributes {t = #mla.cuda_tiling<arch = "sm_80", rows_per_cta = 64, keys_per_tile = 64, warps = 4, stages = 5, mma = mma_sync>} {
  return
}

// -----

// expected-error @+1 {{cuda_tiling mma = wgmma needs arch "sm_90a", got "sm_100a"}}
func.func @tiling_wgmma_arch() attributes {t = #mla.cuda_tiling<arch = "sm_100a", rows_per_cta = 64, keys_per_tile = 64, warps = 4, stages = 2, mma = wgmma>} {
  return
}

// -----

// expected-error @+1 {{cuda_tiling mma = wgmma needs whole warpgroups (a multiple of 4 warps), got 2}}
func.func @tiling_wgmma_warps() attributes {t = #mla.cuda_tiling<arch = "sm_90a", rows_per_cta = 64, keys_per_tile = 64, warps = 2, stages = 2, mma = wgmma>} {
  return
}

// -----

// expected-error @+2 {{expected ::mlir::mla::MmaFlavor to be one of: mma_sync, wgmma}}
// expected-error @+1 {{failed to parse Mla_CudaTilingAttr parameter 'mma' which is to be a `::mlir::mla::MmaFlavor`}}
func.func @tiling_flavour() attributes {t = #mla.cuda_tiling<arch = "sm_100a", rows_per_cta = 64, keys_per_tile = 64, warps = 4, stages = 2, mma = tcgen05>} {
  return
}

// -----

// expected-error @+1 {{decode_schedule parts must be in [1, 65535], got 0}}
func.func @schedule_parts() attributes {s = #mla.decode_schedule<parts = 0, keys_per_unit = 64, overhead_units = 5>} {
  return
}

// -----

// expected-error @+1 {{decode_schedule keys_per_unit must be in [1, 65536], got 0}}
func.func @schedule_keys() attributes {s = #mla.decode_schedule<parts = 132, keys_per_unit = 0, overhead_units = 5>} {
  return
}

// -----

// expected-error @+1 {{decode_schedule overhead_units must be in [1, 1024], got 0}}
func.func @schedule_overhead() attributes {s = #mla.decode_schedule<parts = 132, keys_per_unit = 64, overhead_units = 0>} {
  return
}
