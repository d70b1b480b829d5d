//===- MlaOpBase.td - shared pieces of the mla ops ---------*- tablegen -*-===//

#ifndef MLAGEN_DIALECT_MLAOPBASE_TD
#define MLAGEN_DIALECT_MLAOPBASE_TD

include "dialect/MlaAttrs.td"
include "dialect/MlaDialect.td"
include "dialect/MlaTypes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Mla_FloatTensor : RankedTensorOf<[AnyFloat]>;
def Mla_IndexTensor : RankedTensorOf<[I32]>;

// Every mla op is a pure function of its operands (the cache included: an
// append yields a new cache value) and is checked against its config.
class Mla_LayerOp<string mnemonic, list<Trait> traits = []>
    : Mla_Op<mnemonic, !listconcat([Pure], traits)> {
  let hasVerifier = 1;
}

#endif // MLAGEN_DIALECT_MLAOPBASE_TD
