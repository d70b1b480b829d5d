//===- MlaEnums.td - enums of the mla dialect --------------*- tablegen -*-===//

#ifndef MLAGEN_DIALECT_MLAENUMS_TD
#define MLAGEN_DIALECT_MLAENUMS_TD

include "mlir/IR/EnumAttr.td"

// The pairing is part of the cache format: it decides where each rotated
// element of the cached k_rope row lives.
def Mla_RopePairing : I32EnumAttr<"RopePairing",
    "which elements RoPE rotates together", [
      // Pairs (x[2k], x[2k+1]), GPT-J style; DeepSeek checkpoints use it.
      I32EnumAttrCase<"Interleaved", 0, "interleaved">,
      // Pairs (x[k], x[k + d/2]), GPT-NeoX style.
      I32EnumAttrCase<"Half", 1, "half">
    ]> {
  let cppNamespace = "::mlir::mla";
  let genSpecializedAttr = 0;
}

// The tensor-core instructions a generated CUDA kernel is built on.
def Mla_MmaFlavor : I32EnumAttr<"MmaFlavor",
    "the matrix instructions of a CUDA kernel variant", [
      // Warp-level mma.sync (m16n8k16), sm_80 and later.
      I32EnumAttrCase<"MmaSync", 0, "mma_sync">,
      // Warpgroup-level wgmma with bulk/TMA copies, sm_90a only.
      I32EnumAttrCase<"Wgmma", 1, "wgmma">
    ]> {
  let cppNamespace = "::mlir::mla";
  let genSpecializedAttr = 0;
}

#endif // MLAGEN_DIALECT_MLAENUMS_TD
