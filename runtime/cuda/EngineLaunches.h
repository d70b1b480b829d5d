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
};

/// Binds `kernels` (an engine unit's); fails naming a kernel or parameter
/// the Engine has no value for, or a call left without its kernels.
llvm::Expected<EngineLaunches>
bindEngineKernels(llvm::ArrayRef<KernelLaunch> kernels);

} // namespace mlagen

#endif // MLAGEN_RUNTIME_CUDA_ENGINELAUNCHES_H
