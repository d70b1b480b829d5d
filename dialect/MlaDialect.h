//===- MlaDialect.h - the mla dialect, its attributes and types -*- C++ -*-===//
//
// Include this to use the dialect's attributes and types; MlaOps.h adds the
// ops.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_DIALECT_MLADIALECT_H
#define MLAGEN_DIALECT_MLADIALECT_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectImplementation.h"

#include "dialect/MlaDialect.h.inc"
#include "dialect/MlaEnums.h.inc"

namespace mlir::mla {
/// Parses a float field of an attribute as an IEEE double (used by the
/// generated parsers).
FailureOr<llvm::APFloat> parseF64(AsmParser &parser);
} // namespace mlir::mla

#define GET_ATTRDEF_CLASSES
#include "dialect/MlaAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialect/MlaTypes.h.inc"

namespace mlir::mla {
/// The discardable attribute (a CudaTilingAttr) that mla-cuda-tile sets and
/// the CUDA printer reads.
constexpr llvm::StringLiteral kCudaTilingAttrName = "mla.cuda_tiling";
} // namespace mlir::mla

#endif // MLAGEN_DIALECT_MLADIALECT_H
