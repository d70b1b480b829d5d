//===- LayerShapeVerifier.h - shape checks against a config ----*- C++ -*-===//
//
// A ShapeVerifier preloaded with the dimensions of one MLA layer: the fixed
// ones from the op's config and the symbolic ones (batch, tokens, ...) that
// the op's operands share. Used by the verifiers of all mla ops.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_DIALECT_LAYERSHAPEVERIFIER_H
#define MLAGEN_DIALECT_LAYERSHAPEVERIFIER_H

#include "dialect/MlaDialect.h"
#include "dialect/ShapeVerifier.h"

namespace mlir::mla {

class LayerShapeVerifier : public ShapeVerifier {
public:
  LayerShapeVerifier(Operation *op, ConfigAttr config);

  /// Checks shape `dims` and the config's storage element type.
  LogicalResult tensor(llvm::StringRef name, Value value,
                       llvm::ArrayRef<Dim> dims);
  /// Checks shape `dims` and the config's accumulation element type.
  LogicalResult accumTensor(llvm::StringRef name, Value value,
                            llvm::ArrayRef<Dim> dims);
  /// Checks the shape of an i32 tensor (block table, lengths, positions).
  LogicalResult indexTensor(llvm::StringRef name, Value value,
                            llvm::ArrayRef<Dim> dims);
  /// Checks that a cache's rows are [kv_lora_rank | qk_rope_head_dim] of the
  /// storage type.
  LogicalResult cache(llvm::StringRef name, Value value);

  const ConfigAttr config;
  // Fixed by the config.
  const Dim heads, dModel, kvLoraRank, nopeDim, ropeDim, vDim;
  // Decided by the operands.
  const Dim batch, queryTokens, keyTokens, blockTableWidth, splits;
};

} // namespace mlir::mla

#endif // MLAGEN_DIALECT_LAYERSHAPEVERIFIER_H
