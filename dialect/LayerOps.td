//===- LayerOps.td - the whole MLA layer -------------------*- tablegen -*-===//

#ifndef MLAGEN_DIALECT_LAYEROPS_TD
#define MLAGEN_DIALECT_LAYEROPS_TD

include "dialect/MlaOpBase.td"

def Mla_DecodeStepOp : Mla_LayerOp<"decode_step",
    [AllTypesMatch<["cache", "new_cache"]>, AttrSizedOperandSegments]> {
  let summary = "one MLA layer for S new tokens per sequence";
  let description = [{
    From hidden states [B, S, d_model] at positions seq_lens[b] + k:
    compresses and up-projects queries (w_dq [q_lora_rank, d_model] and
    q_norm [q_lora_rank], written `q_compress(w_dq, q_norm)`, exactly when
    the config has q_lora_rank; w_uq
    [H, d_n + d_r, q_lora_rank or d_model]), compresses KV (w_dkv
    [kv_lora_rank + d_r, d_model], kv_norm [kv_lora_rank]), applies RoPE,
    appends the new tokens to the cache, attends causally over the
    seq_lens[b] + S cached tokens with w_uk [H, d_n, kv_lora_rank] and w_uv
    [H, d_v, kv_lora_rank], and projects with w_o [d_model, H, d_v].
    Results: out [B, S, d_model] and the new cache. mla-decompose rewrites it
    into the primitive ops in the naive MHA form.
  }];
  let arguments = (ins Mla_FloatTensor:$hidden, Mla_PagedCacheType:$cache,
                   Mla_IndexTensor:$block_table, Mla_IndexTensor:$seq_lens,
                   Optional<Mla_FloatTensor>:$w_dq,
                   Optional<Mla_FloatTensor>:$q_norm,
                   Mla_FloatTensor:$w_uq, Mla_FloatTensor:$w_dkv,
                   Mla_FloatTensor:$kv_norm, Mla_FloatTensor:$w_uk,
                   Mla_FloatTensor:$w_uv, Mla_FloatTensor:$w_o,
                   Mla_ConfigAttr:$config);
  let results = (outs Mla_FloatTensor:$out, Mla_PagedCacheType:$new_cache);
  let assemblyFormat = [{
    $hidden `,` $cache `[` $block_table `,` $seq_lens `]`
    (`q_compress` `(` $w_dq^ `,` $q_norm `)`)?
    `weights` `(` $w_uq `,` $w_dkv `,` $kv_norm `,` $w_uk `,` $w_uv `,` $w_o `)`
    attr-dict `:` functional-type(operands, results)
  }];
}

#endif // MLAGEN_DIALECT_LAYEROPS_TD
