//===- EngineLaunches.h - the Engine's kernels, bound once ------*- C++ -*-===//
//
// What Engine::append, decode and prefill launch, bound once when the
// engine is made: each kernel of the engine's unit, its parameters resolved
// to slots of the table a call fills (EngineSlot). Binding needs no GPU, so
// tests bind every unit an engine can make.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_RUNTIME_CUDA_ENGINELAUNCHES_H
#define MLAGEN_RUNTIME_CUDA_ENGINELAUNCHES_H

#include "BoundLaunch.h"
#include "mlagen/Engine.h"

namespace mlagen {

/// A call's values. Each call fills the slots its kernels read; a slot's
/// meaning is the call's (SeqLens: the append starts for append, the
/// lengths for decode, the user's lengths for prefill).
enum class EngineSlot : unsigned {
  Cache,      // the cache's rows
  CacheMap,   // the host address of the cache's TMA descriptor
  BlockTable, // [slots, width] int32 page indices
  TableWidth,
  SeqLens,
  CKv, // append
  KRope,
  Positions,
  NewTokens,
  QLatent, // decode
  QRope,
  Out,
  Lse,
  PartialOut, // the split-KV workspace
  PartialLse,
  Batch,
  Rows,
  QNope, // prefill
  KNope,
  V,
  Tokens,
  KeyTokens,
  Count
};

class EngineSlots {
public:
  uint64_t &operator[](EngineSlot slot) { return values[size_t(slot)]; }
  llvm::ArrayRef<uint64_t> all() const { return values; }

private:
  std::array<uint64_t, size_t(EngineSlot::Count)> values = {};
};

struct EngineLaunches {
  std::optional<BoundLaunch> append, prefill;
  /// The attention kernel, then the combine when the KV range is split.
  llvm::SmallVector<BoundLaunch, 2> decode;
  int64_t splits = 1; // of the KV range
  /// How the decode kernels load the cache by TMA, if they do.
  std::optional<TensorMapDescription> cacheMap;
};

/// Binds `kernels` (an engine unit's); fails naming a kernel or parameter
/// the Engine has no value for, or a call left without its kernels.
llvm::Expected<EngineLaunches>
bindEngineKernels(llvm::ArrayRef<KernelLaunch> kernels);

/// The device side of a paged cache as the calls' kernels see it.
struct CacheView {
  uint64_t rows = 0, blockTable = 0, lengths = 0, appendStarts = 0;
  uint64_t tensorMap = 0; // host address of its TMA descriptor, or 0
  int64_t tableWidth = 0;
};

/// Each call's slot values (Engine.cpp launches with them; tests run the
/// same bindings on emulated kernels). The buffers are checked already.
EngineSlots appendSlots(const EngineOptions &options, const CacheView &cache,
                        const AppendBuffers &buffers);
/// `engineWorkspace`: the engine's split-KV workspace (workspaceBytes for
/// its maxBatch), used unless the buffers bring their own.
EngineSlots decodeSlots(const EngineOptions &options, int64_t splits,
                        const CacheView &cache, const DecodeBuffers &buffers,
                        uint64_t engineWorkspace);
EngineSlots prefillSlots(const PrefillBuffers &buffers);

/// The rows an append writes from, per slot: length - newTokens (at least
/// 0), what upload() puts next to the lengths.
std::vector<int32_t> appendStarts(llvm::ArrayRef<int32_t> lengths,
                                  int64_t newTokens);

} // namespace mlagen

#endif // MLAGEN_RUNTIME_CUDA_ENGINELAUNCHES_H
