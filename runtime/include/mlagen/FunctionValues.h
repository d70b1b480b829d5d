//===- FunctionValues.h - a function's operands and results -----*- C++ -*-===//
//
// The operands and results of a user's MLA function as the runtime holds
// them: dense row-major arrays (a paged cache as [pages, page_size, row]),
// floats exact in their storage type or int32. makeFunctionInputs fills the
// operands with deterministic random values that make sense for their role:
// lengths that fit the pages, block tables that give each sequence its own
// pages, NaN in every cache row no sequence holds.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_FUNCTIONVALUES_H
#define MLAGEN_FUNCTIONVALUES_H

#include "mlagen/StorageType.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace mlagen {

enum class ValueRole {
  Tensor,
  PagedCache,
  BlockTable,
  SequenceLengths,
  Positions
};
llvm::StringRef toString(ValueRole role);

struct FunctionValue {
  std::string name; // "arg0", "result1"
  ValueRole role = ValueRole::Tensor;
  std::vector<int64_t> shape;
  bool isInt = false;                     // int32, else float
  StorageType storage = StorageType::F32; // of a float value
  std::vector<float> floats;              // exact in `storage`
  std::vector<int32_t> ints;

  int64_t elements() const;
  /// "tensor<2x64xbf16>"-like, for messages and manifests.
  std::string typeString() const;
};

/// What a run of a user function binds: the sizes of dynamic dimensions and
/// the cached tokens per sequence.
struct FunctionShape {
  int64_t batch = 4;     // dim 0 of every operand and result
  int64_t seqLen = 1024; // cached tokens per sequence (as the pages allow)
  int64_t newTokens = 1; // tokens a step appends, for the table width
  int64_t numPages = 0;  // a dynamic page count (0: batch x table width)
};

/// The function's operands (with their roles) and results, without values.
/// A dynamic dimension is bound by `shape`: dim 0 to the batch (a result's
/// is checked when the kernel runs), a block table's width to the pages
/// seqLen + newTokens rows need, a paged cache's page count to numPages (or
/// batch x that width). Fails, naming the operand, on any other dynamic
/// dimension, more than 2^31 elements, an element type other than f32, f16,
/// bf16 and i32, or a paged op whose block table or lengths are not
/// function operands.
llvm::Expected<std::vector<FunctionValue>>
describeOperands(mlir::func::FuncOp function, const FunctionShape &shape);
llvm::Expected<std::vector<FunctionValue>>
describeResults(mlir::func::FuncOp function, const FunctionShape &shape);

/// Operands with values from `seed`: every sequence holds seqLen tokens (or
/// as many as its share of the pages allows, less the tokens the function
/// appends), each on its own randomly chosen pages (unused block-table
/// entries 2^30), cache rows uniform in [-1, 1] where a sequence holds a
/// token and NaN elsewhere, positions = length + token index, 1-D float
/// tensors uniform in [0.5, 1.5] (norm weights) and other float tensors
/// uniform in +-1/sqrt(last dimension).
llvm::Expected<std::vector<FunctionValue>>
makeFunctionInputs(mlir::func::FuncOp function, const FunctionShape &shape,
                   uint64_t seed);

/// Checks that operand values are safe to run: every length, plus the
/// tokens the function appends, fits its block-table row, and every page
/// those rows reach is inside the cache; MHA lengths fit their keys. The
/// error names the operand and the entry.
llvm::Error checkOperandValues(mlir::func::FuncOp function,
                               llvm::ArrayRef<FunctionValue> operands);

} // namespace mlagen

#endif // MLAGEN_FUNCTIONVALUES_H
