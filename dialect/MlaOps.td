//===- MlaOps.td - all ops of the mla dialect --------------*- tablegen -*-===//

#ifndef MLAGEN_DIALECT_MLAOPS_TD
#define MLAGEN_DIALECT_MLAOPS_TD

include "dialect/AttentionOps.td"
include "dialect/CacheOps.td"
include "dialect/LayerOps.td"
include "dialect/ProjectionOps.td"

#endif // MLAGEN_DIALECT_MLAOPS_TD
