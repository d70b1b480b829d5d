//===- MlaOps.cpp - generated op definitions of the mla dialect -----------===//
//
// The verifiers live beside their op family: ProjectionOps.cpp,
// AttentionOps.cpp, CacheOps.cpp and LayerOps.cpp.
//
//===----------------------------------------------------------------------===//

#include "dialect/MlaOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

#define GET_OP_CLASSES
#include "dialect/MlaOps.cpp.inc"
