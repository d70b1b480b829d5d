//===- BypassedProducers.h - erase what a rewrite left unused ---*- C++ -*-===//
//
// The rewrite passes replace an op and leave its producers (up-projections,
// a cache read, a rope, constants) without users. Erasing those inside a
// pattern is unsafe under the walk driver: in a graph region a producer may
// come after its user and not be visited yet. Patterns record them here
// instead; the pass erases the ones left dead once the walk is over, and
// nothing else, so unrelated dead code stays as the user wrote it.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_PASSES_BYPASSEDPRODUCERS_H
#define MLAGEN_PASSES_BYPASSEDPRODUCERS_H

#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::mla {

class BypassedProducers : public RewriterBase::Listener {
public:
  /// Records `op`, whose users a rewrite may have removed.
  void add(Operation *op) { ops.insert(op); }

  /// Erases the recorded ops that have no users and no side effects, and
  /// then those that this left unused, until none is left.
  void eraseDead();

private:
  void notifyOperationErased(Operation *op) override { ops.remove(op); }

  llvm::SetVector<Operation *> ops;
};

} // namespace mlir::mla

#endif // MLAGEN_PASSES_BYPASSEDPRODUCERS_H
