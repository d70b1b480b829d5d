// DeepSeek-V3 (and R1): one MLA layer's decode step, written as the
// whole-layer op. Batch 4, two new tokens per sequence (multi-token
// prediction, so causal masking matters), a bf16 paged latent cache of 64-row
// pages with up to 64 pages (4096 tokens) per sequence.
//
// `mla-opt --mla-rewrite` turns it into what a fast decode kernel runs:
// decomposition into projections, RoPE, cache append and MHA attention;
// weight absorption (attention over the 576-wide cached latent rows instead of
// 128 materialized K/V heads); RoPE fused into the cache append; W_UK and W_UV
// fused into the attention's prologue and epilogue; and a KV split sized for a
// 132-SM H100.

!cache = !mla.paged_cache<pages = 4096, page_size = 64, latent = 512, rope = 64, bf16>

func.func @deepseek_v3_decode_step(
    %hidden: tensor<4x2x7168xbf16>, %cache: !cache,
    %block_table: tensor<4x64xi32>, %seq_lens: tensor<4xi32>,
    %w_dq: tensor<1536x7168xbf16>, %q_norm: tensor<1536xbf16>,
    %w_uq: tensor<128x192x1536xbf16>, %w_dkv: tensor<576x7168xbf16>,
    %kv_norm: tensor<512xbf16>, %w_uk: tensor<128x128x512xbf16>,
    %w_uv: tensor<128x128x512xbf16>, %w_o: tensor<7168x128x128xbf16>)
    -> (tensor<4x2x7168xbf16>, !cache) {
  %out, %new_cache = mla.decode_step %hidden, %cache[%block_table, %seq_lens]
      q_compress(%w_dq, %q_norm) weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o)
      {config = #mla.config<"deepseek-v3">}
      : (tensor<4x2x7168xbf16>, !cache, tensor<4x64xi32>, tensor<4xi32>,
         tensor<1536x7168xbf16>, tensor<1536xbf16>, tensor<128x192x1536xbf16>,
         tensor<576x7168xbf16>, tensor<512xbf16>, tensor<128x128x512xbf16>,
         tensor<128x128x512xbf16>, tensor<7168x128x128xbf16>)
      -> (tensor<4x2x7168xbf16>, !cache)
  return %out, %new_cache : tensor<4x2x7168xbf16>, !cache
}
