// DeepSeek-V2-Lite: one MLA layer's decode step. This model has no query
// compression (q_lora_rank is none), so the whole-layer op takes no
// q_compress(...) weights and W_UQ projects the hidden state directly. Batch
// and the number of pages are dynamic, as a serving engine sees them; one new
// token per sequence; 16-row pages (any page size works).
//
// `mla-opt --mla-rewrite` decomposes, absorbs and fuses it. With the batch
// unknown at compile time the KV split is left to the runtime.

!cache = !mla.paged_cache<pages = ?, page_size = 16, latent = 512, rope = 64, bf16>

func.func @deepseek_v2_lite_decode_step(
    %hidden: tensor<?x1x2048xbf16>, %cache: !cache,
    %block_table: tensor<?x?xi32>, %seq_lens: tensor<?xi32>,
    %w_uq: tensor<16x192x2048xbf16>, %w_dkv: tensor<576x2048xbf16>,
    %kv_norm: tensor<512xbf16>, %w_uk: tensor<16x128x512xbf16>,
    %w_uv: tensor<16x128x512xbf16>, %w_o: tensor<2048x16x128xbf16>)
    -> (tensor<?x1x2048xbf16>, !cache) {
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens]
      weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o)
      {config = #mla.config<"deepseek-v2-lite">}
      : (tensor<?x1x2048xbf16>, !cache, tensor<?x?xi32>, tensor<?xi32>,
         tensor<16x192x2048xbf16>, tensor<576x2048xbf16>, tensor<512xbf16>,
         tensor<16x128x512xbf16>, tensor<16x128x512xbf16>,
         tensor<2048x16x128xbf16>)
      -> (tensor<?x1x2048xbf16>, !cache)
  return %out, %new_cache : tensor<?x1x2048xbf16>, !cache
}
