//===- AttentionOps.td - attention in both forms -----------*- tablegen -*-===//
//
// Attention in the naive MHA form (materialized K and V per head) and in the
// absorbed MQA form over the paged latent cache, with its split-KV pieces.
//
// Masking, common to all: keys j < seq_lens[b] of sequence b exist. With
// `causal`, the S query tokens are the last S of the sequence
// (bottom-right): query k sees keys j < seq_lens[b] - S + 1 + k. A query that
// sees no key gives output 0 and lse -inf. lse is the natural log of the sum
// of exp(score) over the keys it sees, scores already scaled by the config's
// softmax scale.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_DIALECT_ATTENTIONOPS_TD
#define MLAGEN_DIALECT_ATTENTIONOPS_TD

include "dialect/MlaOpBase.td"

def Mla_MhaAttentionOp : Mla_LayerOp<"mha_attention"> {
  let summary = "attention in MHA form over up-projected K and V";
  let description = [{
    q_nope [B, S, H, d_n], q_rope [B, S, H, d_r], k_nope [B, T, H, d_n],
    k_rope [B, T, d_r] (one head shared by all query heads), v
    [B, T, H, d_v], seq_lens [B] i32 -> out [B, S, H, d_v], lse [B, S, H]
    (accumulation type). score = scale * (q_nope . k_nope + q_rope . k_rope).
  }];
  let arguments = (ins Mla_FloatTensor:$q_nope, Mla_FloatTensor:$q_rope,
                   Mla_FloatTensor:$k_nope, Mla_FloatTensor:$k_rope,
                   Mla_FloatTensor:$v, Mla_IndexTensor:$seq_lens,
                   Mla_ConfigAttr:$config, UnitAttr:$causal);
  let results = (outs Mla_FloatTensor:$out, Mla_FloatTensor:$lse);
  let assemblyFormat = [{
    $q_nope `,` $q_rope `,` $k_nope `,` $k_rope `,` $v `,` $seq_lens attr-dict
    `:` functional-type(operands, results)
  }];
}

def Mla_LatentAttentionOp : Mla_LayerOp<"latent_attention",
                                        [AttrSizedOperandSegments]> {
  let summary = "absorbed (MQA-form) attention over the paged latent cache";
  let description = [{
    query [B, S, H, kv_lora_rank], q_rope [B, S, H, d_r], a cache whose rows
    are [c_kv | k_rope], block_table [B, P] i32, seq_lens [B] i32 ->
    out [B, S, H, kv_lora_rank] and lse [B, S, H]. score =
    scale * (query . c_kv + q_rope . k_rope); out = softmax . c_kv.

    Fused forms (made by mla-fuse): with `absorb_query(w_uk)` the query is
    q_nope [B, S, H, d_n] and W_UK^T is applied in the prologue; with
    `absorb_output(w_uv)` W_UV is applied in the epilogue and out is
    [B, S, H, v_head_dim].

    With `schedule` (#mla.decode_schedule, set by mla-split-kv's balanced
    schedule) the CUDA kernels cut the batch's KV work into balanced pieces
    and merge them; the results are the same.
  }];
  let arguments = (ins Mla_FloatTensor:$query, Mla_FloatTensor:$q_rope,
                   Mla_PagedCacheType:$cache, Mla_IndexTensor:$block_table,
                   Mla_IndexTensor:$seq_lens,
                   Optional<Mla_FloatTensor>:$w_uk,
                   Optional<Mla_FloatTensor>:$w_uv,
                   Mla_ConfigAttr:$config, UnitAttr:$causal,
                   OptionalAttr<Mla_DecodeScheduleAttr>:$schedule);
  let results = (outs Mla_FloatTensor:$out, Mla_FloatTensor:$lse);
  let assemblyFormat = [{
    $query `,` $q_rope `,` $cache `[` $block_table `,` $seq_lens `]`
    (`absorb_query` `(` $w_uk^ `)`)? (`absorb_output` `(` $w_uv^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
}

def Mla_PartialLatentAttentionOp : Mla_LayerOp<"partial_latent_attention"> {
  let summary = "latent attention over N disjoint parts of each KV range";
  let description = [{
    As mla.latent_attention, but the keys of sequence b are cut into
    `num_splits` = N chunks and each chunk is attended separately:
    partial_out [N, B, S, H, kv_lora_rank] and partial_lse [N, B, S, H],
    both in the accumulation type. With L = seq_lens[b] and c = ceil(L / N),
    split n covers keys [min(n c, L), min((n + 1) c, L)): the last splits
    may be short or empty, and an empty one gives 0 and -inf. This is the
    one partition: the CPU lowering, the reference and both CUDA decode
    kernel families cut the same way (mlagen_split_range in
    passes/cuda/device/Common.cuh), so their partial results agree, not
    only their combined ones. mla.combine merges the chunks exactly.
  }];
  let arguments = (ins Mla_FloatTensor:$query, Mla_FloatTensor:$q_rope,
                   Mla_PagedCacheType:$cache, Mla_IndexTensor:$block_table,
                   Mla_IndexTensor:$seq_lens,
                   Optional<Mla_FloatTensor>:$w_uk,
                   ConfinedAttr<I64Attr, [IntMinValue<1>]>:$num_splits,
                   Mla_ConfigAttr:$config, UnitAttr:$causal);
  let results = (outs Mla_FloatTensor:$partial_out,
                      Mla_FloatTensor:$partial_lse);
  let assemblyFormat = [{
    $query `,` $q_rope `,` $cache `[` $block_table `,` $seq_lens `]`
    (`absorb_query` `(` $w_uk^ `)`)? attr-dict
    `:` functional-type(operands, results)
  }];
}

def Mla_CombineOp : Mla_LayerOp<"combine"> {
  let summary = "exact log-sum-exp merge of split-KV partial attentions";
  let description = [{
    partial_out [N, B, S, H, kv_lora_rank], partial_lse [N, B, S, H] ->
    lse = log(sum_n exp(partial_lse[n])),
    out = sum_n exp(partial_lse[n] - lse) * partial_out[n]
    ([B, S, H, kv_lora_rank], storage type) and lse [B, S, H]. All parts
    empty gives 0 and -inf. With `absorb_output(w_uv)` W_UV is applied to the
    merged result and out is [B, S, H, v_head_dim].
  }];
  let arguments = (ins Mla_FloatTensor:$partial_out,
                   Mla_FloatTensor:$partial_lse,
                   Optional<Mla_FloatTensor>:$w_uv, Mla_ConfigAttr:$config);
  let results = (outs Mla_FloatTensor:$out, Mla_FloatTensor:$lse);
  let assemblyFormat = [{
    $partial_out `,` $partial_lse (`absorb_output` `(` $w_uv^ `)`)? attr-dict
    `:` functional-type(operands, results)
  }];
}

#endif // MLAGEN_DIALECT_ATTENTIONOPS_TD
