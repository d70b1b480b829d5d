//===- EngineUnit.h - the kernels an Engine generates -----------*- C++ -*-===//
//
// The CUDA unit behind an Engine, without a GPU: its append, decode and
// prefill functions for `options`, through mla-rewrite (splits chosen for
// `smCount` multiprocessors) and mla-to-cuda for `arch`. Engine::create
// uses it with the GPU's arch; tests compile it for every target.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_RUNTIME_CUDA_ENGINEUNIT_H
#define MLAGEN_RUNTIME_CUDA_ENGINEUNIT_H

#include "mlagen/CudaUnit.h"
#include "mlagen/Engine.h"

namespace mlagen {

/// `tilings`: a tuned variant's (CudaUnitOptions::tilings); the decode's
/// cut is the options' whatever the variant's split count.
llvm::Expected<CudaUnit>
generateEngineUnit(const EngineOptions &options, llvm::StringRef arch,
                   int64_t smCount, llvm::ArrayRef<OpTiling> tilings = {});

/// The engine's functions as IR text: @append (fused RoPE + append after
/// seq_lens) and @decode (causal latent attention) at maxBatch sequences,
/// @prefill (causal MHA attention) for any batch and lengths.
std::string engineModule(const EngineOptions &options);

} // namespace mlagen

#endif // MLAGEN_RUNTIME_CUDA_ENGINEUNIT_H
