//===- BoundLaunch.h - kernel parameters bound to value slots ---*- C++ -*-===//
//
// A launch by parameter name looks every name up per call. A serving
// engine's decode step must not: it is captured in CUDA graphs and its
// host time is latency. So each kernel's parameters are resolved once,
// when the engine is made, to slots of a small table of 64-bit values the
// caller fills per call (a device address, an int, or the host address of
// a TMA descriptor); a launch then only reads that table, with no lookup
// and no allocation. Binding needs no GPU.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_RUNTIME_CUDA_BOUNDLAUNCH_H
#define MLAGEN_RUNTIME_CUDA_BOUNDLAUNCH_H

#include "mlagen/LaunchDescription.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace mlagen {

struct BoundLaunch {
  /// How a parameter's slot value is passed.
  enum class Kind : uint8_t {
    Pointer,   // a device address, passed as it is
    Int,       // passed as a 32-bit int: in [0, INT_MAX]
    TensorMap, // the host address of a CUtensorMap (not null), passed by value
  };
  struct Param {
    Kind kind;
    unsigned slot;
  };
  /// Parameters a kernel may take; more is a binding error.
  static constexpr size_t kMaxParams = 32;

  size_t kernel = 0;      // index in the unit's kernels
  unsigned slotCount = 0; // of the table it was bound to
  llvm::SmallVector<Param, 16> params;
  /// Per grid dimension, the slot of its count, or none for its constant.
  std::array<std::optional<unsigned>, 3> countSlots;

  /// The grid for `slots`' values; fails naming a negative count or one too
  /// large for a grid.
  llvm::Error gridFor(const KernelLaunch &kernel,
                      llvm::ArrayRef<uint64_t> slots,
                      std::array<unsigned, 3> &grid) const;
  /// Checks each parameter's value and puts each Int's in `ints[i]` (i the
  /// parameter); fails naming an int that is negative or too large, or a
  /// null TMA descriptor.
  llvm::Error valuesFor(const KernelLaunch &kernel,
                        llvm::ArrayRef<uint64_t> slots,
                        std::array<int, kMaxParams> &ints) const;

  /// What cuLaunchKernel (or an emulated launch) takes: the grid, and a
  /// pointer to each argument's value (into `slots` for a pointer, into
  /// `ints` for an int, a TMA descriptor's host address as it is). Valid
  /// while `slots` and this are; not to be moved.
  struct Arguments {
    std::array<unsigned, 3> grid;
    std::array<int, kMaxParams> ints;
    std::array<void *, kMaxParams> pointers;
  };
  llvm::Error prepare(const KernelLaunch &kernel,
                      llvm::ArrayRef<uint64_t> slots, Arguments &out) const;
};

/// Binds kernel `index` of a unit: `slotOf` gives each parameter name's
/// slot (below `slotCount`), or none when the caller has no value for it,
/// which fails naming the kernel and parameter.
llvm::Expected<BoundLaunch>
bindLaunch(const KernelLaunch &kernel, size_t index, unsigned slotCount,
           llvm::function_ref<std::optional<unsigned>(llvm::StringRef)> slotOf);

/// Binds kernel `index` with parameter i reading slot i (a table with a
/// value per parameter, in order: what a FunctionPlan's launch gives).
llvm::Expected<BoundLaunch> bindInOrder(const KernelLaunch &kernel,
                                        size_t index);

} // namespace mlagen

#endif // MLAGEN_RUNTIME_CUDA_BOUNDLAUNCH_H
