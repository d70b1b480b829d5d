//===- MlaDialect.td - the mla dialect ---------------------*- tablegen -*-===//
//
// The dialect that expresses Multi-head Latent Attention at the level of its
// algebra: low-rank compression, decoupled RoPE, weight absorption and
// attention over a paged latent cache.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_DIALECT_MLADIALECT_TD
#define MLAGEN_DIALECT_MLADIALECT_TD

include "mlir/IR/OpBase.td"

def Mla_Dialect : Dialect {
  let name = "mla";
  let cppNamespace = "::mlir::mla";
  let summary = "Multi-head Latent Attention (DeepSeek-V2/V3, Kimi-K2)";
  let description = [{
    High-level ops with tensor semantics for one MLA layer. Every op carries
    an `#mla.config` attribute describing the layer (heads, ranks, head dims,
    RoPE, dtypes); verifiers check every operand against it. The paged latent
    cache is a value of type `!mla.paged_cache`, read through a block table
    and per-sequence lengths as serving engines address it.

    Shape letters used throughout: B batch, S query tokens per sequence, T key
    tokens, H heads, P block-table entries per sequence, N KV splits.
  }];
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
    void registerTypes();
  }];
}

class Mla_Op<string mnemonic, list<Trait> traits = []>
    : Op<Mla_Dialect, mnemonic, traits>;

#endif // MLAGEN_DIALECT_MLADIALECT_TD
