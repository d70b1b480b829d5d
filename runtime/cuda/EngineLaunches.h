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
  Pages, // of the cache
  SeqLens,
  CKv, // append
  KRope,
  Positions,
  NewTokens,
  QLatent, // decode
  QRope,
  Out,
  Lse,
  Starts,     // the decode workspace: the schedule's prefix sums,
  PartialOut, // the pieces' partial results
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
  /// The decode's kernels in order: the attention kernel alone; the split
  /// attention and the combine; or the schedule, the scheduled attention
  /// and its combine.
  llvm::SmallVector<BoundLaunch, 3> decode;
  DecodeCut cut;
  /// How the decode kernels load the cache by TMA, if they do.
  std::optional<TensorMapDescription> cacheMap;
};

/// Where a decode workspace for `batch` sequences keeps what: the
/// schedule's [batch + 1] i64 prefix sums, then the f32 partial outputs
/// and LSEs of its pieces (batch + parts - 1 slots of the balanced
/// schedule, `splits` x batch of a split), each 16-byte aligned.
struct WorkspaceLayout {
  int64_t starts = 0, partialOut = 0, partialLse = 0, bytes = 0;
};
WorkspaceLayout workspaceLayout(const EngineOptions &options,
                                const DecodeCut &cut, int64_t batch);

/// Binds `kernels` (an engine unit's); fails naming a kernel or parameter
/// the Engine has no value for, or a call left without its kernels.
llvm::Expected<EngineLaunches>
bindEngineKernels(llvm::ArrayRef<KernelLaunch> kernels);

/// The device side of a paged cache as the calls' kernels see it.
struct CacheView {
  uint64_t rows = 0, blockTable = 0, lengths = 0, appendStarts = 0;
  uint64_t tensorMap = 0; // host address of its TMA descriptor, or 0
  int64_t tableWidth = 0, pages = 0;
};

/// A cache the caller owns as the kernels see it (its lengths serve both
/// as the decode's lengths and as the append's starts), with the host
/// address of its TMA descriptor, or 0.
CacheView callerCacheView(const CacheTensors &cache, uint64_t tensorMap);

/// Each call's slot values (Engine.cpp launches with them; tests run the
/// same bindings on emulated kernels). The buffers are checked already.
EngineSlots appendSlots(const EngineOptions &options, const CacheView &cache,
                        const AppendBuffers &buffers);
/// `engineWorkspace`: the engine's split-KV workspace (workspaceBytes for
/// its maxBatch), used unless the buffers bring their own.
EngineSlots decodeSlots(const EngineOptions &options, const DecodeCut &cut,
                        const CacheView &cache, const DecodeBuffers &buffers,
                        uint64_t engineWorkspace);
EngineSlots prefillSlots(const PrefillBuffers &buffers);

/// The rows an append writes from, per slot: length - newTokens (at least
/// 0), what upload() puts next to the lengths.
std::vector<int32_t> appendStarts(llvm::ArrayRef<int32_t> lengths,
                                  int64_t newTokens);

} // namespace mlagen

#endif // MLAGEN_RUNTIME_CUDA_ENGINELAUNCHES_H
