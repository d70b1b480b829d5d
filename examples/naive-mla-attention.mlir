// MLA decode attention in the naive MHA form, written the way model code
// reads: gather each sequence's cached latents, up-project them into per-head
// keys and values (16 heads of 128 values each, materialized for every cached
// token), attend causally, project the heads out. DeepSeek-V2-Lite shapes,
// batch 8, one new token per sequence, 16-row pages, up to 4096 tokens.
//
// `mla-opt --mla-absorb-weights` recognizes this and rewrites it into the
// absorbed form: W_UK moves onto the query, attention runs once over the
// 576-wide latent rows read straight from the cache pages (shared by all 16
// heads), W_UV is applied to the 512-wide latent output. Nothing per-head is
// materialized per cached token any more. `--mla-rewrite` also fuses the
// absorptions into the attention.

!cache = !mla.paged_cache<pages = 2048, page_size = 16, latent = 512, rope = 64, bf16>

func.func @naive_mla_attention(
    %q_nope: tensor<8x1x16x128xbf16>, %q_rope: tensor<8x1x16x64xbf16>,
    %cache: !cache, %block_table: tensor<8x256xi32>, %seq_lens: tensor<8xi32>,
    %w_uk: tensor<16x128x512xbf16>, %w_uv: tensor<16x128x512xbf16>,
    %w_o: tensor<2048x16x128xbf16>) -> tensor<8x1x2048xbf16> {
  %c_kv, %k_rope = mla.cache_read %cache[%block_table, %seq_lens]
      {config = #mla.config<"deepseek-v2-lite">}
      : !cache[tensor<8x256xi32>, tensor<8xi32>]
      -> tensor<8x4096x512xbf16>, tensor<8x4096x64xbf16>
  %k_nope = mla.up_project_k %c_kv, %w_uk {config = #mla.config<"deepseek-v2-lite">}
      : (tensor<8x4096x512xbf16>, tensor<16x128x512xbf16>) -> tensor<8x4096x16x128xbf16>
  %v = mla.up_project_v %c_kv, %w_uv {config = #mla.config<"deepseek-v2-lite">}
      : (tensor<8x4096x512xbf16>, tensor<16x128x512xbf16>) -> tensor<8x4096x16x128xbf16>
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k_nope, %k_rope, %v, %seq_lens
      {causal, config = #mla.config<"deepseek-v2-lite">}
      : (tensor<8x1x16x128xbf16>, tensor<8x1x16x64xbf16>, tensor<8x4096x16x128xbf16>,
         tensor<8x4096x64xbf16>, tensor<8x4096x16x128xbf16>, tensor<8xi32>)
      -> (tensor<8x1x16x128xbf16>, tensor<8x1x16xf32>)
  %projected = mla.output_projection %out, %w_o {config = #mla.config<"deepseek-v2-lite">}
      : (tensor<8x1x16x128xbf16>, tensor<2048x16x128xbf16>) -> tensor<8x1x2048xbf16>
  return %projected : tensor<8x1x2048xbf16>
}
