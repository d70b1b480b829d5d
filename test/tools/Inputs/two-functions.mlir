// Two functions (mla-run needs --entry), one with a dimension mla-run cannot
// bind.
#cfg = #mla.config<heads = 2, d_model = 32, kv_lora_rank = 16, qk_nope_head_dim = 8, qk_rope_head_dim = 4, v_head_dim = 8, storage = f32>
!cache = !mla.paged_cache<pages = 8, page_size = 4, latent = 16, rope = 4, f32>

func.func @attention(%query: tensor<2x2x2x16xf32>, %q_rope: tensor<2x2x2x4xf32>,
                     %cache: !cache, %block_table: tensor<2x4xi32>,
                     %seq_lens: tensor<2xi32>)
    -> (tensor<2x2x2x16xf32>, tensor<2x2x2xf32>) {
  %out, %lse = mla.latent_attention %query, %q_rope, %cache[%block_table, %seq_lens]
      {causal, config = #cfg}
      : (tensor<2x2x2x16xf32>, tensor<2x2x2x4xf32>, !cache, tensor<2x4xi32>,
         tensor<2xi32>)
      -> (tensor<2x2x2x16xf32>, tensor<2x2x2xf32>)
  return %out, %lse : tensor<2x2x2x16xf32>, tensor<2x2x2xf32>
}

func.func @dynamic_heads(%x: tensor<2x?xf32>) -> tensor<2x?xf32> {
  return %x : tensor<2x?xf32>
}
