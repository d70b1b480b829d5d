//===- MlaOps.h - ops of the mla dialect ------------------------*- C++ -*-===//

#ifndef MLAGEN_DIALECT_MLAOPS_H
#define MLAGEN_DIALECT_MLAOPS_H

#include "dialect/MlaDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialect/MlaOps.h.inc"

#endif // MLAGEN_DIALECT_MLAOPS_H
