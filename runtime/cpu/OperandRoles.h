//===- OperandRoles.h - what each operand of a user function is -*- C++ -*-===//
//
// Internal to the runtime: the mla ops of a function that read or write a
// paged cache through a block table, and the role (block table, lengths,
// cache, positions) each function operand plays in them.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_RUNTIME_CPU_OPERANDROLES_H
#define MLAGEN_RUNTIME_CPU_OPERANDROLES_H

#include "mlagen/FunctionValues.h"

#include <map>

namespace mlagen {

/// A block table and lengths used by the function's paged ops, with the
/// most tokens any of those ops appends after the lengths.
struct PagedUse {
  unsigned table, lengths;                  // operand indices
  std::optional<unsigned> cache, positions; // operand indices, if operands
  int64_t pageSize = 1;
  int64_t appended = 0;
};

struct OperandRoles {
  std::vector<ValueRole> roles;           // one per operand
  std::vector<PagedUse> paged;            // one per (table, lengths) pair
  std::map<unsigned, int64_t> mhaLengths; // lengths operand -> keys
};

/// The roles of `function`'s operands. Fails, naming the op's location,
/// when a paged op's block table or lengths are not function operands (then
/// neither can be made nor checked).
llvm::Expected<OperandRoles> findOperandRoles(mlir::func::FuncOp function);

} // namespace mlagen

#endif // MLAGEN_RUNTIME_CPU_OPERANDROLES_H
