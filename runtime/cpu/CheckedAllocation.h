//===- CheckedAllocation.h - the allocator JIT code calls ----*- C++ -*-===//
//
// The CPU lowering allocates through _mlir_memref_to_llvm_alloc,
// _aligned_alloc and _free (checked-allocation=true); the JIT defines them
// here. They are malloc and free, except that a failed allocation is said,
// with the bytes it asked for, and ends the process with exit status 1. It
// cannot come back as an llvm::Error: it may fail on an OpenMP worker thread
// in the middle of a step, and the generated code would write through the
// null pointer. Estimating a step's memory before it runs (MemoryEstimate.h)
// is what keeps this from happening.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_RUNTIME_CPU_CHECKEDALLOCATION_H
#define MLAGEN_RUNTIME_CPU_CHECKEDALLOCATION_H

#include <cstdint>

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace mlagen {

/// Defines the three functions for the code `engine` compiles.
void defineCheckedAllocation(mlir::ExecutionEngine &engine);

void *checkedAllocate(uint64_t bytes);
void *checkedAlignedAllocate(uint64_t alignment, uint64_t bytes);
void checkedFree(void *pointer);

/// Allocations made through checkedAllocate and checkedAlignedAllocate in
/// this process so far.
uint64_t checkedAllocations();

} // namespace mlagen

#endif // MLAGEN_RUNTIME_CPU_CHECKEDALLOCATION_H
