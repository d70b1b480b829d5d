//===- StepBuffers.h - a built-in step's buffers for a plan -----*- C++ -*-===//
//
// What a runner of a built-in step (mla-run's attention or layer, through
// the FunctionPlan of its generated kernels) puts in each planned buffer
// and reads back: the problem's arguments in their storage type, the
// values the step's index arithmetic computes on the host (RoPE positions
// = lengths + k, the lengths after the append = lengths + S), and the
// results as a StepResult. Shared by the GPU runner and the host
// emulation of the kernels; needs no GPU.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_RUNTIME_CUDA_STEPBUFFERS_H
#define MLAGEN_RUNTIME_CUDA_STEPBUFFERS_H

#include "mlagen/FunctionPlan.h"
#include "mlagen/Problem.h"

#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlagen {

/// The bytes each of `plan`'s buffers starts with for `p`'s step: an
/// argument's values, a computed buffer's, or nothing for one the kernels
/// write first. Fails naming a buffer the step has no value for.
llvm::Expected<std::vector<std::vector<char>>>
stepBufferBytes(const Problem &p, const FunctionPlan &plan);

/// The step's result: `plan`'s result buffers, read through `read`
/// (buffer index, destination, bytes) and widened to float.
llvm::Expected<StepResult>
stepResult(const Problem &p, const FunctionPlan &plan,
           llvm::function_ref<llvm::Error(int, void *, size_t)> read);

} // namespace mlagen

#endif // MLAGEN_RUNTIME_CUDA_STEPBUFFERS_H
