//===- ProjectionOps.td - compressions and projections -----*- tablegen -*-===//
//
// The linear maps of an MLA layer: low-rank compression of queries and of the
// joint KV (each followed by RMSNorm), per-head up-projections, the
// absorptions of W_UK and W_UV, and the output projection.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_DIALECT_PROJECTIONOPS_TD
#define MLAGEN_DIALECT_PROJECTIONOPS_TD

include "dialect/MlaOpBase.td"

def Mla_CompressQueryOp : Mla_LayerOp<"compress_query"> {
  let summary = "c_q = RMSNorm(W_DQ h)";
  let description = [{
    Low-rank query compression. hidden [B, S, d_model], w_dq
    [q_lora_rank, d_model], norm_weight [q_lora_rank] -> c_q
    [B, S, q_lora_rank]. Needs a config with q_lora_rank.
  }];
  let arguments = (ins Mla_FloatTensor:$hidden, Mla_FloatTensor:$w_dq,
                   Mla_FloatTensor:$norm_weight, Mla_ConfigAttr:$config);
  let results = (outs Mla_FloatTensor:$c_q);
  let assemblyFormat = [{
    $hidden `,` $w_dq `,` $norm_weight attr-dict `:` functional-type(operands, results)
  }];
}

def Mla_CompressKvOp : Mla_LayerOp<"compress_kv"> {
  let summary = "[c_kv, k_rope] = [RMSNorm(W_DKV h), W_KR h]";
  let description = [{
    Joint KV compression. hidden [B, S, d_model], w_dkv
    [kv_lora_rank + qk_rope_head_dim, d_model] (the latent rows first, then
    the rope rows), norm_weight [kv_lora_rank] -> c_kv [B, S, kv_lora_rank]
    (normalized) and k_rope [B, S, qk_rope_head_dim] (not yet rotated).
  }];
  let arguments = (ins Mla_FloatTensor:$hidden, Mla_FloatTensor:$w_dkv,
                   Mla_FloatTensor:$norm_weight, Mla_ConfigAttr:$config);
  let results = (outs Mla_FloatTensor:$c_kv, Mla_FloatTensor:$k_rope);
  let assemblyFormat = [{
    $hidden `,` $w_dkv `,` $norm_weight attr-dict `:` functional-type(operands, results)
  }];
}

def Mla_UpProjectQueryOp : Mla_LayerOp<"up_project_query"> {
  let summary = "per-head q_nope and q_rope from c_q (or h)";
  let description = [{
    input [B, S, q_lora_rank] (or [B, S, d_model] without query
    compression), w_uq [H, qk_nope_head_dim + qk_rope_head_dim, input dim]
    (per head: the nope rows, then the rope rows) -> q_nope
    [B, S, H, qk_nope_head_dim] and q_rope [B, S, H, qk_rope_head_dim]
    (not yet rotated).
  }];
  let arguments = (ins Mla_FloatTensor:$input, Mla_FloatTensor:$w_uq,
                   Mla_ConfigAttr:$config);
  let results = (outs Mla_FloatTensor:$q_nope, Mla_FloatTensor:$q_rope);
  let assemblyFormat = [{
    $input `,` $w_uq attr-dict `:` functional-type(operands, results)
  }];
}

def Mla_UpProjectKOp : Mla_LayerOp<"up_project_k"> {
  let summary = "k_nope = W_UK c_kv for every head (naive form)";
  let description = [{
    c_kv [B, T, kv_lora_rank], w_uk [H, qk_nope_head_dim, kv_lora_rank] ->
    k_nope [B, T, H, qk_nope_head_dim].
  }];
  let arguments = (ins Mla_FloatTensor:$c_kv, Mla_FloatTensor:$w_uk,
                   Mla_ConfigAttr:$config);
  let results = (outs Mla_FloatTensor:$k_nope);
  let assemblyFormat = [{
    $c_kv `,` $w_uk attr-dict `:` functional-type(operands, results)
  }];
}

def Mla_UpProjectVOp : Mla_LayerOp<"up_project_v"> {
  let summary = "v = W_UV c_kv for every head (naive form)";
  let description = [{
    c_kv [B, T, kv_lora_rank], w_uv [H, v_head_dim, kv_lora_rank] ->
    v [B, T, H, v_head_dim].
  }];
  let arguments = (ins Mla_FloatTensor:$c_kv, Mla_FloatTensor:$w_uv,
                   Mla_ConfigAttr:$config);
  let results = (outs Mla_FloatTensor:$v);
  let assemblyFormat = [{
    $c_kv `,` $w_uv attr-dict `:` functional-type(operands, results)
  }];
}

def Mla_AbsorbQueryOp : Mla_LayerOp<"absorb_query"> {
  let summary = "q_latent = W_UK^T q_nope per head";
  let description = [{
    q_nope [B, S, H, qk_nope_head_dim], w_uk
    [H, qk_nope_head_dim, kv_lora_rank] -> q_latent [B, S, H, kv_lora_rank].
  }];
  let arguments = (ins Mla_FloatTensor:$q_nope, Mla_FloatTensor:$w_uk,
                   Mla_ConfigAttr:$config);
  let results = (outs Mla_FloatTensor:$q_latent);
  let assemblyFormat = [{
    $q_nope `,` $w_uk attr-dict `:` functional-type(operands, results)
  }];
}

def Mla_AbsorbOutputOp : Mla_LayerOp<"absorb_output"> {
  let summary = "o = W_UV o_latent per head";
  let description = [{
    o_latent [B, S, H, kv_lora_rank], w_uv [H, v_head_dim, kv_lora_rank]
    -> out [B, S, H, v_head_dim].
  }];
  let arguments = (ins Mla_FloatTensor:$o_latent, Mla_FloatTensor:$w_uv,
                   Mla_ConfigAttr:$config);
  let results = (outs Mla_FloatTensor:$out);
  let assemblyFormat = [{
    $o_latent `,` $w_uv attr-dict `:` functional-type(operands, results)
  }];
}

def Mla_OutputProjectionOp : Mla_LayerOp<"output_projection"> {
  let summary = "out = W_O [o_1; ...; o_H]";
  let description = [{
    heads_out [B, S, H, D], w_o [d_model, H, D] -> out [B, S, d_model],
    where D is v_head_dim, or kv_lora_rank when W_UV has been pre-multiplied
    into w_o (mla-absorb-weights does that for constant weights).
  }];
  let arguments = (ins Mla_FloatTensor:$heads_out, Mla_FloatTensor:$w_o,
                   Mla_ConfigAttr:$config);
  let results = (outs Mla_FloatTensor:$out);
  let assemblyFormat = [{
    $heads_out `,` $w_o attr-dict `:` functional-type(operands, results)
  }];
}

def Mla_RopeOp : Mla_LayerOp<"rope", [AllTypesMatch<["input", "result"]>]> {
  let summary = "decoupled rotary position embedding";
  let description = [{
    Rotates the last dimension (qk_rope_head_dim) of input [B, S, d_r]
    (the shared k_rope) or [B, S, H, d_r] (per-head q_rope) by the angle
    position * inv_freq, with the config's theta, pairing and YaRN tables.
    positions [B, S] i32.
  }];
  let arguments = (ins Mla_FloatTensor:$input, Mla_IndexTensor:$positions,
                   Mla_ConfigAttr:$config);
  let results = (outs Mla_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $positions attr-dict `:` type($input) `,` type($positions)
  }];
}

#endif // MLAGEN_DIALECT_PROJECTIONOPS_TD
