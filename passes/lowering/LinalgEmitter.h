//===- LinalgEmitter.h - linalg for the MLA lowerings -----------*- C++ -*-===//
//
// Small builders for what every lowering of an mla op emits: tensors filled
// with a constant, contractions with mixed-precision inputs (each input is
// extended to the accumulator's type inside the loop body, so nothing is
// converted ahead of time), and elementwise maps and reductions written as a
// lambda over the loop's values and indices.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_PASSES_LOWERING_LINALGEMITTER_H
#define MLAGEN_PASSES_LOWERING_LINALGEMITTER_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

namespace mlir::mla {

class LinalgEmitter {
public:
  using IteratorType = utils::IteratorType;
  /// Computes a loop body's result from its input values; `index(d)` gives
  /// the loop's d-th index.
  using BodyFn = function_ref<Value(OpBuilder &b, Location loc, ValueRange in,
                                    function_ref<Value(int64_t)> index)>;

  LinalgEmitter(OpBuilder &builder, Location loc) : b(builder), loc(loc) {}

  /// The map (d0, ..., d{numDims-1}) -> (d{dims[0]}, d{dims[1]}, ...).
  AffineMap affineMap(unsigned numDims, ArrayRef<unsigned> dims);
  Value index(int64_t value);
  /// The sizes of `tensor`, static ones as attributes.
  SmallVector<OpFoldResult> sizes(Value tensor);
  /// A tensor of `sizes` holding `value` everywhere.
  Value filled(ArrayRef<OpFoldResult> sizes, Type elementType, double value);
  Value empty(ArrayRef<OpFoldResult> sizes, Type elementType);

  /// Whether the term at the loop indices counts (an i1).
  using TermMaskFn = function_ref<Value(OpBuilder &b, Location loc,
                                        function_ref<Value(int64_t)> index)>;

  /// init + sum over the reduction loops of lhs * rhs. With `rhsMask`, rhs
  /// is replaced by 0 where the mask is false, so a NaN there (an unwritten
  /// cache row) cannot leak through its zero weight.
  Value contract(Value lhs, AffineMap lhsMap, Value rhs, AffineMap rhsMap,
                 Value init, AffineMap initMap,
                 ArrayRef<IteratorType> iterators,
                 TermMaskFn rhsMask = nullptr);

  /// A linalg.generic over `init`'s loops: each input is read through its
  /// map, the body combines the inputs and the current value of `init`
  /// (last in `in`), and its result is stored. With reduction iterators it
  /// accumulates.
  Value generic(ValueRange inputs, ArrayRef<AffineMap> inputMaps, Value init,
                AffineMap initMap, ArrayRef<IteratorType> iterators,
                BodyFn body);

  /// Elementwise over all dims of `init`, every input with an identity map.
  Value map(ValueRange inputs, Value init, BodyFn body);

  /// x [..., width] viewed as [..., width / lanes, lanes] (no copy): a dot
  /// product over `width` becomes `lanes` independent partial sums, lanes
  /// innermost, that vectorize into FMAs; they are added at the end.
  Value splitLanes(Value x, int64_t lanes);
  /// x viewed with its dimension `dim` of size n as two, [n / inner, inner]
  /// (no copy); splitLanes splits the last.
  Value splitDim(Value x, int64_t dim, int64_t inner);

  /// x [..., a, b] viewed as [..., a * b] (no copy).
  Value collapseLastTwo(Value x);

  /// `value` converted to `type` (float extension or truncation), elementwise.
  Value convert(Value tensor, Type elementType);

  /// Converts a scalar float to `type` with extf/truncf as needed.
  static Value castScalar(OpBuilder &b, Location loc, Value value, Type type);

  OpBuilder &builder() { return b; }
  Location location() { return loc; }

private:
  OpBuilder &b;
  Location loc;
};

} // namespace mlir::mla

#endif // MLAGEN_PASSES_LOWERING_LINALGEMITTER_H
