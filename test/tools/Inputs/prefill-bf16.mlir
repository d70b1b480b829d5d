// A DeepSeek-V3 prompt in MHA form (K and V already up-projected): any
// batch, prompt length and key rows, causal.
#cfg = #mla.config<"deepseek-v3", storage = bf16>
func.func @prefill(%q_nope: tensor<?x?x128x128xbf16>, %q_rope: tensor<?x?x128x64xbf16>,
                   %k_nope: tensor<?x?x128x128xbf16>, %k_rope: tensor<?x?x64xbf16>,
                   %v: tensor<?x?x128x128xbf16>, %lens: tensor<?xi32>)
    -> (tensor<?x?x128x128xbf16>, tensor<?x?x128xf32>) {
  %out, %lse = mla.mha_attention %q_nope, %q_rope, %k_nope, %k_rope, %v, %lens {causal, config = #cfg}
      : (tensor<?x?x128x128xbf16>, tensor<?x?x128x64xbf16>, tensor<?x?x128x128xbf16>,
         tensor<?x?x64xbf16>, tensor<?x?x128x128xbf16>, tensor<?xi32>)
      -> (tensor<?x?x128x128xbf16>, tensor<?x?x128xf32>)
  return %out, %lse : tensor<?x?x128x128xbf16>, tensor<?x?x128xf32>
}
