//===- ShapeVerifier.h - named-dimension shape checks -----------*- C++ -*-===//
//
// Verifiers of the mla ops describe each operand as a list of named
// dimensions. A symbolic dimension (batch, query tokens, ...) is bound by
// the first operand that gives it a static size and every later operand must
// agree (and none may be 0); a fixed dimension comes from the config and
// must match exactly.
// Diagnostics name the operand, the dimension and where the expectation came
// from:
//
//   'q_rope' dimension 3 (qk_rope_head_dim) must be 64, got 32
//   'seq_lens' dimension 0 (batch) is 3 but 'q_nope' has 4
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_DIALECT_SHAPEVERIFIER_H
#define MLAGEN_DIALECT_SHAPEVERIFIER_H

#include "mlir/IR/Operation.h"
#include "llvm/ADT/SmallVector.h"
#include <string>

namespace mlir::mla {

class ShapeVerifier {
public:
  /// A handle to a named dimension of this verifier.
  struct Dim {
    unsigned index;
  };

  explicit ShapeVerifier(Operation *op) : op(op) {}

  /// A dimension whose size the operands decide, e.g. "batch".
  Dim symbol(llvm::StringRef meaning);
  /// A dimension whose size is `size`, e.g. (64, "qk_rope_head_dim").
  Dim fixed(int64_t size, llvm::StringRef meaning);

  /// Checks that `type` is a ranked tensor whose dimensions are `dims`.
  LogicalResult check(llvm::StringRef name, Type type,
                      llvm::ArrayRef<Dim> dims);
  /// Checks the element type of `type` (a shaped type) against `expected`.
  LogicalResult checkElementType(llvm::StringRef name, Type type, Type expected,
                                 llvm::StringRef meaning);

protected:
  Operation *op;

private:
  struct DimInfo {
    std::string meaning;
    int64_t size;        // kDynamic while a symbol is unbound
    std::string boundBy; // the operand that bound a symbol
    bool isFixed;
  };

  llvm::SmallVector<DimInfo> dims;
};

} // namespace mlir::mla

#endif // MLAGEN_DIALECT_SHAPEVERIFIER_H
