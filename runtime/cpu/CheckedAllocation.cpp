//===- CheckedAllocation.cpp - the allocator JIT-compiled code calls ------===//

#include "CheckedAllocation.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

using namespace mlagen;

static std::atomic<uint64_t> allocations{0};

/// Says what failed on stderr without allocating, and exits.
[[noreturn]] static void allocationFailed(uint64_t bytes) {
  char text[160];
  int length = std::snprintf(
      text, sizeof text,
      "mlagen: error: the JIT-compiled step could not allocate %llu bytes "
      "(out of memory); stopping\n",
      (unsigned long long)bytes);
  if (length > 0 && write(STDERR_FILENO, text, size_t(length)) < 0)
    length = 0; // nothing more to be done about a closed stderr
  _exit(1);
}

void *mlagen::checkedAllocate(uint64_t bytes) {
  void *pointer = std::malloc(bytes);
  if (!pointer && bytes)
    allocationFailed(bytes);
  allocations.fetch_add(1, std::memory_order_relaxed);
  return pointer;
}

void *mlagen::checkedAlignedAllocate(uint64_t alignment, uint64_t bytes) {
  void *pointer = nullptr;
  // posix_memalign wants a power of two that is a multiple of a pointer.
  uint64_t align = alignment < sizeof(void *) ? sizeof(void *) : alignment;
  if (posix_memalign(&pointer, align, bytes) != 0 || (!pointer && bytes))
    allocationFailed(bytes);
  allocations.fetch_add(1, std::memory_order_relaxed);
  return pointer;
}

void mlagen::checkedFree(void *pointer) { std::free(pointer); }

uint64_t mlagen::checkedAllocations() {
  return allocations.load(std::memory_order_relaxed);
}

void mlagen::defineCheckedAllocation(mlir::ExecutionEngine &engine) {
  engine.registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    auto define = [&](const char *name, auto *function) {
      symbols[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(function),
                                 llvm::JITSymbolFlags::Exported};
    };
    define("_mlir_memref_to_llvm_alloc", &checkedAllocate);
    define("_mlir_memref_to_llvm_aligned_alloc", &checkedAlignedAllocate);
    define("_mlir_memref_to_llvm_free", &checkedFree);
    return symbols;
  });
}
