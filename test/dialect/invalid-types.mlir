// RUN: mla-opt %s -split-input-file -verify-diagnostics

// Errors in !mla.paged_cache. Range and element type errors are reported at
// the `<` of the type; syntax errors at the offending token.

// expected-error @+1 {{paged cache 'pages' must be positive or ?, got 0}}
func.func @cache_pages_zero(%cache: !mla.paged_cache<pages = 0, page_size = 64, latent = 512, rope = 64, bf16>) {
  return
}

// -----

// The run-time marker for `?` cannot be written as a number.
// expected-error @+1 {{paged cache 'pages' must be positive or ?, got -9223372036854775808}}
func.func @cache_pages_dynamic_marker(%cache: !mla.paged_cache<pages = -9223372036854775808, page_size = 64, latent = 512, rope = 64, bf16>) {
  return
}

// -----

// expected-error @+1 {{paged cache 'pages' must be in [1, 1048576], got 2097152}}
func.func @cache_pages_too_many(%cache: !mla.paged_cache<pages = 2097152, page_size = 64, latent = 512, rope = 64, bf16>) {
  return
}

// -----

// expected-error @+1 {{paged cache 'page_size' must be in [1, 1048576], got 0}}
func.func @cache_page_size_zero(%cache: !mla.paged_cache<pages = ?, page_size = 0, latent = 512, rope = 64, bf16>) {
  return
}

// -----

// expected-error @+1 {{paged cache 'page_size' must be in [1, 1048576], got 1048577}}
func.func @cache_page_size_too_large(%cache: !mla.paged_cache<pages = 4, page_size = 1048577, latent = 512, rope = 64, bf16>) {
  return
}

// -----

// expected-error @+1 {{paged cache 'latent' must be in [1, 1048576], got -512}}
func.func @cache_latent_negative(%cache: !mla.paged_cache<pages = ?, page_size = 64, latent = -512, rope = 64, bf16>) {
  return
}

// -----

// expected-error @+1 {{paged cache 'rope' must be in [1, 1048576], got 0}}
func.func @cache_rope_zero(%cache: !mla.paged_cache<pages = ?, page_size = 64, latent = 512, rope = 0, bf16>) {
  return
}

// -----

// expected-error @+1 {{paged cache 'rope' must be even, got 63}}
func.func @cache_rope_odd(%cache: !mla.paged_cache<pages = ?, page_size = 64, latent = 512, rope = 63, bf16>) {
  return
}

// -----

// expected-error @+1 {{paged cache element type must be a float type, got 'i8'}}
func.func @cache_integer_elements(%cache: !mla.paged_cache<pages = ?, page_size = 64, latent = 512, rope = 64, i8>) {
  return
}

// -----

// expected-error @+1 {{paged cache element type must be a float type, got 'tensor<2xbf16>'}}
func.func @cache_tensor_elements(%cache: !mla.paged_cache<pages = ?, page_size = 64, latent = 512, rope = 64, tensor<2xbf16>>) {
  return
}

// -----

// expected-error @+1 {{unknown  type `cache` in dialect `mla`}}
func.func @cache_unknown_mnemonic(%cache: !mla.cache<pages = 4, page_size = 64, latent = 512, rope = 64, bf16>) {
  return
}

// -----

// expected-error @+1 {{expected '<'}}
func.func @cache_no_parameters(%cache: !mla.paged_cache) {
  return
}

// -----

// expected-error @+1 {{expected 'pages'}}
func.func @cache_missing_pages(%cache: !mla.paged_cache<page_size = 64, latent = 512, rope = 64, bf16>) {
  return
}

// -----

// expected-error @+1 {{expected integer value}}
func.func @cache_bad_pages(%cache: !mla.paged_cache<pages = many, page_size = 64, latent = 512, rope = 64, bf16>) {
  return
}

// -----

// expected-error @+1 {{expected 'page_size'}}
func.func @cache_missing_page_size(%cache: !mla.paged_cache<pages = 4, latent = 512, rope = 64, bf16>) {
  return
}

// -----

// Fields are positional: latent comes before rope.
// expected-error @+1 {{expected 'latent'}}
func.func @cache_fields_out_of_order(%cache: !mla.paged_cache<pages = 4, page_size = 64, rope = 64, latent = 512, bf16>) {
  return
}

// -----

// expected-error @+1 {{expected integer value}}
func.func @cache_dynamic_page_size(%cache: !mla.paged_cache<pages = 4, page_size = ?, latent = 512, rope = 64, bf16>) {
  return
}

// -----

// expected-error @+1 {{expected ','}}
func.func @cache_missing_element_type(%cache: !mla.paged_cache<pages = 4, page_size = 64, latent = 512, rope = 64>) {
  return
}

// -----

// expected-error @+1 {{expected '>'}}
func.func @cache_extra_parameter(%cache: !mla.paged_cache<pages = 4, page_size = 64, latent = 512, rope = 64, bf16, f32>) {
  return
}

// -----

// expected-error @+1 {{unbalanced '<' character in pretty dialect name}}
func.func @cache_unterminated(%cache: !mla.paged_cache<pages = 4, page_size = 64, latent = 512, rope = 64, bf16) {
  return
}
