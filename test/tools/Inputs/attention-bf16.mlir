// A user's decode attention over a paged cache (V2-Lite widths, 16 heads,
// 2 query tokens, 16-row pages), for mla-run --compile-only.
!cache = !mla.paged_cache<pages = ?, page_size = 16, latent = 512, rope = 64, bf16>
func.func @attention(%q: tensor<?x2x16x512xbf16>, %qr: tensor<?x2x16x64xbf16>,
                     %cache: !cache, %bt: tensor<?x?xi32>, %lens: tensor<?xi32>)
    -> (tensor<?x2x16x512xbf16>, tensor<?x2x16xf32>) {
  %out, %lse = mla.latent_attention %q, %qr, %cache[%bt, %lens]
      {causal, config = #mla.config<"deepseek-v2-lite">}
      : (tensor<?x2x16x512xbf16>, tensor<?x2x16x64xbf16>, !cache, tensor<?x?xi32>,
         tensor<?xi32>) -> (tensor<?x2x16x512xbf16>, tensor<?x2x16xf32>)
  return %out, %lse : tensor<?x2x16x512xbf16>, tensor<?x2x16xf32>
}
