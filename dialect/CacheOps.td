//===- CacheOps.td - the paged latent cache ----------------*- tablegen -*-===//

#ifndef MLAGEN_DIALECT_CACHEOPS_TD
#define MLAGEN_DIALECT_CACHEOPS_TD

include "dialect/MlaOpBase.td"

def Mla_CacheAppendOp : Mla_LayerOp<"cache_append",
    [AllTypesMatch<["cache", "result"]>]> {
  let summary = "write new tokens' latents into the paged cache";
  let description = [{
    Writes token k of sequence b (c_kv [B, S, kv_lora_rank] and k_rope
    [B, S, d_r]) at position seq_lens[b] + k, through block_table [B, P].
    seq_lens [B] i32 are the lengths before the append. Yields the new cache.

    Fused form (made by mla-fuse): with `rope(positions)` ([B, S] i32) the
    k_rope given is not yet rotated and RoPE is applied while writing.
  }];
  let arguments = (ins Mla_PagedCacheType:$cache, Mla_IndexTensor:$block_table,
                   Mla_IndexTensor:$seq_lens, Mla_FloatTensor:$c_kv,
                   Mla_FloatTensor:$k_rope,
                   Optional<Mla_IndexTensor>:$positions,
                   Mla_ConfigAttr:$config);
  let results = (outs Mla_PagedCacheType:$result);
  let assemblyFormat = [{
    $c_kv `,` $k_rope `into` $cache `[` $block_table `,` $seq_lens `]`
    (`rope` `(` $positions^ `)`)? attr-dict
    `:` type($c_kv) `,` type($k_rope) `into` qualified(type($cache)) `[` type($block_table)
    `,` type($seq_lens) `]` (`rope` `(` type($positions)^ `)`)?
  }];
}

def Mla_CacheReadOp : Mla_LayerOp<"cache_read"> {
  let summary = "gather each sequence's cached rows into dense tensors";
  let description = [{
    The naive form's view of the cache: c_kv [B, T, kv_lora_rank] and
    k_rope [B, T, d_r], row j of sequence b read through block_table [B, P]
    for j < seq_lens[b] and zero beyond. T = P x page_size, every key the
    block table addresses. mla-absorb-weights removes it in
    favour of attention that reads the pages directly.
  }];
  let arguments = (ins Mla_PagedCacheType:$cache, Mla_IndexTensor:$block_table,
                   Mla_IndexTensor:$seq_lens, Mla_ConfigAttr:$config);
  let results = (outs Mla_FloatTensor:$c_kv, Mla_FloatTensor:$k_rope);
  let assemblyFormat = [{
    $cache `[` $block_table `,` $seq_lens `]` attr-dict
    `:` qualified(type($cache)) `[` type($block_table) `,` type($seq_lens) `]`
    `->` type($c_kv) `,` type($k_rope)
  }];
}

#endif // MLAGEN_DIALECT_CACHEOPS_TD
