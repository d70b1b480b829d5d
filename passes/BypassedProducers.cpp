//===- BypassedProducers.cpp - erase what a rewrite left unused -----------===//

#include "passes/BypassedProducers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;
using namespace mlir::mla;

void BypassedProducers::eraseDead() {
  bool erased = true;
  while (erased) {
    erased = false;
    for (Operation *op : llvm::to_vector(ops)) {
      if (!op->use_empty() || !isMemoryEffectFree(op))
        continue;
      ops.remove(op);
      op->erase();
      erased = true;
    }
  }
  ops.clear();
}
