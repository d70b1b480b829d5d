// Absorbed decode attention written as three ops (V2-Lite widths), for
// mla-run --compile-only: each becomes its own kernel.
!cache = !mla.paged_cache<pages = ?, page_size = 16, latent = 512, rope = 64, bf16>
func.func @attention(%q_nope: tensor<?x1x16x128xbf16>, %qr: tensor<?x1x16x64xbf16>,
                     %cache: !cache, %bt: tensor<?x?xi32>, %lens: tensor<?xi32>,
                     %w_uk: tensor<16x128x512xbf16>, %w_uv: tensor<16x128x512xbf16>)
    -> tensor<?x1x16x128xbf16> {
  %q = mla.absorb_query %q_nope, %w_uk {config = #mla.config<"deepseek-v2-lite">}
      : (tensor<?x1x16x128xbf16>, tensor<16x128x512xbf16>) -> tensor<?x1x16x512xbf16>
  %out, %lse = mla.latent_attention %q, %qr, %cache[%bt, %lens]
      {causal, config = #mla.config<"deepseek-v2-lite">}
      : (tensor<?x1x16x512xbf16>, tensor<?x1x16x64xbf16>, !cache, tensor<?x?xi32>,
         tensor<?xi32>) -> (tensor<?x1x16x512xbf16>, tensor<?x1x16xf32>)
  %o = mla.absorb_output %out, %w_uv {config = #mla.config<"deepseek-v2-lite">}
      : (tensor<?x1x16x512xbf16>, tensor<16x128x512xbf16>) -> tensor<?x1x16x128xbf16>
  return %o : tensor<?x1x16x128xbf16>
}
