//===- CudaChoice.h - a CUDA step's variant: tuned entry or heuristic -*- C++
//-*-===//
//
// How the JIT picks the CUDA variant of a step (mla-run on a GPU or with
// --compile-only, Engine::create, mla-bundle): the tuning database's entry
// nearest the step's bucket for this GPU and this build; failing that, one
// for the same GPU model (same name and target, another driver, NVRTC or
// SM count: entries shipped from another machine, or a GPU named without
// a driver); else the heuristic. The choice says which.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_CUDACHOICE_H
#define MLAGEN_CUDACHOICE_H

#include "mlagen/CudaVariant.h"
#include "mlagen/Engine.h"
#include "mlagen/Gpu.h"
#include "mlagen/TuneDatabase.h"

namespace mlagen {

/// `gpu` as a tuning entry's device: its name, SMs, target, driver version
/// and `nvrtcVersion` (KernelCompiler::nvrtcVersion()).
DeviceKey cudaDeviceKey(const GpuInfo &gpu, llvm::StringRef nvrtcVersion);

/// A GPU known by its name and target only (no driver to ask): what a
/// compile for a named device looks entries up by.
DeviceKey namedCudaDevice(llvm::StringRef name, llvm::StringRef arch);

/// The key of an engine's decode on `device`: its config and storage, page
/// size, and the bucket (maxBatch, typicalLength, queryTokens).
TuneKey engineTuneKey(const EngineOptions &options, const DeviceKey &device);

/// The variant for `want` (a CUDA device's key): the nearest trusted entry
/// of its exact device, else of its model, else the heuristic for
/// `smCount` SMs. An entry whose variant does not parse is passed over,
/// the source says why.
CudaChoice chooseCudaVariant(const TuneKey &want, const TuneDatabase &db,
                             int64_t smCount);

} // namespace mlagen

#endif // MLAGEN_CUDACHOICE_H
