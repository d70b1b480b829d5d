//===- KernelEmulator.h - generated CUDA units run on the host --*- C++ -*-===//
//
// Checks the generated kernels' numbers where there is no GPU: a CUDA unit
// (sm_80: mma_sync, ldmatrix, cp.async, shuffles; sm_90a: also wgmma, TMA
// and mbarriers) is compiled with the host C++ compiler against
// EmulatedCuda.h, loaded, and its kernels run on the host from the launch
// description, with host memory for device memory and EmulatedTensorMap
// for TMA descriptors. Slow (one fiber per CUDA thread), so for small
// problems.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_TEST_EMULATION_KERNELEMULATOR_H
#define MLAGEN_TEST_EMULATION_KERNELEMULATOR_H

#include "EmulatedTensorMap.h"
#include "mlagen/CudaUnit.h"
#include "mlagen/Problem.h"
#include "runtime/cuda/BoundLaunch.h"

#include <memory>

namespace mlagen {

class EmulatedUnit {
public:
  /// Compiles and loads `unit`; fails with the host compiler's output when
  /// it does not compile.
  static llvm::Expected<std::unique_ptr<EmulatedUnit>>
  compile(const CudaUnit &unit);
  ~EmulatedUnit();

  /// Runs kernel `index` to completion, parameter i taking slots[i] (a
  /// host address for a pointer, the address of an EmulatedTensorMap for a
  /// TMA descriptor); the grid follows the int parameters.
  llvm::Error launch(size_t index, llvm::ArrayRef<uint64_t> slots) const;
  /// Runs `bound`'s kernel with the values of the table it was bound to.
  llvm::Error launch(const BoundLaunch &bound,
                     llvm::ArrayRef<uint64_t> slots) const;

private:
  using Entry = void (*)(void **);
  using Launcher = void (*)(Entry, void **, const unsigned *, unsigned,
                            unsigned);
  EmulatedUnit() = default;

  std::vector<KernelLaunch> kernels;
  std::vector<Entry> entries;
  Launcher launcher = nullptr;
  void *library = nullptr;
};

/// The emulated TMA descriptor `description` asks for, over `rows` rows
/// at `base` (what cuTensorMapEncodeTiled makes on a GPU).
mlagen_emu::TensorMap emulatedTensorMap(const TensorMapDescription &description,
                                        const void *base, int64_t rows);

/// A built-in step (attention or layer) run through the plan of its
/// kernels (`unit`, generated with options.plan) on the host.
llvm::Expected<StepResult> emulateStep(const Problem &p, const CudaUnit &unit);

/// The same run, giving every planned buffer's bytes afterwards (the
/// intermediate ones too, e.g. a split attention's partial results).
llvm::Expected<std::vector<std::vector<char>>>
emulatePlanBuffers(const Problem &p, const CudaUnit &unit);

} // namespace mlagen

#endif // MLAGEN_TEST_EMULATION_KERNELEMULATOR_H
