//===- GpuPagedCacheState.h - a paged latent cache on a GPU -----*- C++ -*-===//
//
// What a GpuPagedCache holds (Engine.h): its page table, its rows, block
// table, lengths and append starts in device memory, what it was made for
// (row layout, storage, GPU, TMA descriptor), and which version of the
// table the device has. Engine.cpp allocates and launches with it.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_RUNTIME_CUDA_GPUPAGEDCACHESTATE_H
#define MLAGEN_RUNTIME_CUDA_GPUPAGEDCACHESTATE_H

#include "EngineLaunches.h"
#include "GpuModule.h"
#include "mlagen/Engine.h"

namespace mlagen {

struct GpuPagedCache::State {
  PageTable table;
  int64_t rowBytes = 0; // of the engine that allocated it
  StorageType storage = StorageType::BF16;
  int device = 0; // the GPU its memory is on
  DeviceMemory rows, blockTable, lengths, appendStarts;
  uint64_t uploadedVersion = ~uint64_t(0);
  int64_t uploadedNewTokens = 0;
  /// For kernels that load the cache by TMA (wgmma): the descriptor and
  /// the layout it was encoded for.
  std::optional<CUtensorMap> tensorMap;
  std::optional<TensorMapDescription> mapLayout;

  /// Whether an engine of `options` whose kernels read the cache through
  /// `map` (if any) can use it: a cache another engine allocated may be on
  /// another GPU, have rows of another layout (another config or storage),
  /// or have no TMA descriptor, or one with other boxes (another kernel
  /// family or tiling).
  llvm::Error checkFor(llvm::StringRef call, const EngineOptions &options,
                       const std::optional<TensorMapDescription> &map) const;
  /// Its memory and table as the kernels see them.
  CacheView view() const;
};

} // namespace mlagen

#endif // MLAGEN_RUNTIME_CUDA_GPUPAGEDCACHESTATE_H
