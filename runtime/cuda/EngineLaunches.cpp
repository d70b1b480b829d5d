//===- EngineLaunches.cpp - the Engine's kernels, bound once --------------===//

#include "EngineLaunches.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlagen;

namespace {

using Slot = std::optional<EngineSlot>;

/// The slot a parameter of `op`'s kernel reads.
Slot slotOf(llvm::StringRef op, llvm::StringRef name) {
  bool partial = op == "mla.partial_latent_attention";
  bool combine = op == "mla.combine";
  return llvm::StringSwitch<Slot>(name)
      .Case("cache", EngineSlot::Cache)
      .Case("cache_map", EngineSlot::CacheMap)
      .Case("block_table", EngineSlot::BlockTable)
      .Case("table_width", EngineSlot::TableWidth)
      .Case("seq_lens", EngineSlot::SeqLens)
      .Case("c_kv", EngineSlot::CKv)
      .Case("k_rope", EngineSlot::KRope)
      .Case("positions", EngineSlot::Positions)
      .Case("new_tokens", EngineSlot::NewTokens)
      .Case("q_latent", EngineSlot::QLatent)
      .Case("q_rope", EngineSlot::QRope)
      .Case("out", partial ? EngineSlot::PartialOut : EngineSlot::Out)
      .Case("lse", partial ? EngineSlot::PartialLse : EngineSlot::Lse)
      .Case("partial_out", combine ? Slot(EngineSlot::PartialOut) : Slot())
      .Case("partial_lse", combine ? Slot(EngineSlot::PartialLse) : Slot())
      .Case("batch", EngineSlot::Batch)
      .Case("rows", EngineSlot::Rows)
      .Case("q_nope", EngineSlot::QNope)
      .Case("k_nope", EngineSlot::KNope)
      .Case("v", EngineSlot::V)
      .Case("tokens", EngineSlot::Tokens)
      .Case("key_tokens", EngineSlot::KeyTokens)
      .Default(std::nullopt);
}

llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(("engine: " + message).str());
}

} // namespace

llvm::Expected<EngineLaunches>
mlagen::bindEngineKernels(llvm::ArrayRef<KernelLaunch> kernels) {
  EngineLaunches launches;
  std::optional<BoundLaunch> attention, combine;
  for (auto [index, kernel] : llvm::enumerate(kernels)) {
    auto slot = [op = llvm::StringRef(kernel.op)](
                    llvm::StringRef name) -> std::optional<unsigned> {
      if (Slot s = slotOf(op, name))
        return unsigned(*s);
      return std::nullopt;
    };
    llvm::Expected<BoundLaunch> bound =
        bindLaunch(kernel, index, unsigned(EngineSlot::Count), slot);
    if (!bound)
      return bound.takeError();
    std::optional<BoundLaunch> *into =
        llvm::StringSwitch<std::optional<BoundLaunch> *>(kernel.op)
            .Case("mla.cache_append", &launches.append)
            .Case("mla.mha_attention", &launches.prefill)
            .Cases({"mla.latent_attention", "mla.partial_latent_attention"},
                   &attention)
            .Case("mla.combine", &combine)
            .Default(nullptr);
    if (!into)
      return error("kernel " + kernel.name + " is for " + kernel.op +
                   ", which no Engine call launches");
    if (*into)
      return error("two kernels for " + kernel.op);
    *into = std::move(*bound);
  }
  if (!launches.append || !launches.prefill || !attention)
    return error("the unit lacks its append, prefill or attention kernel");
  bool split = kernels[attention->kernel].op == "mla.partial_latent_attention";
  if (split != combine.has_value())
    return error(split ? "a split attention kernel without its combine"
                       : "a combine without a split attention kernel");
  if (split) { // a CTA per split in grid y: the workspace is sized by it
    const LaunchDim &y = kernels[attention->kernel].grid[1];
    if (!y.countParam.empty() || y.perBlock != 1)
      return error("the split attention kernel's grid y is not its splits");
    launches.splits = y.count;
  }
  for (const LaunchParam &p : kernels[attention->kernel].params)
    if (p.tensorMap)
      launches.cacheMap = p.tensorMap;
  launches.decode.push_back(std::move(*attention));
  if (combine)
    launches.decode.push_back(std::move(*combine));
  return launches;
}

namespace {

void bindCache(const CacheView &cache, EngineSlots &slots) {
  slots[EngineSlot::Cache] = cache.rows;
  slots[EngineSlot::BlockTable] = cache.blockTable;
  slots[EngineSlot::TableWidth] = uint64_t(cache.tableWidth);
  slots[EngineSlot::CacheMap] = cache.tensorMap;
}

} // namespace

EngineSlots mlagen::appendSlots(const EngineOptions &options,
                                const CacheView &cache,
                                const AppendBuffers &b) {
  EngineSlots slots;
  bindCache(cache, slots);
  slots[EngineSlot::CKv] = b.cKv.data;
  slots[EngineSlot::KRope] = b.kRope.data;
  slots[EngineSlot::Positions] = b.positions.data;
  slots[EngineSlot::NewTokens] = b.cKv.shape[0] * options.queryTokens;
  slots[EngineSlot::SeqLens] = cache.appendStarts;
  return slots;
}

EngineSlots mlagen::decodeSlots(const EngineOptions &options, int64_t splits,
                                const CacheView &cache, const DecodeBuffers &b,
                                uint64_t engineWorkspace) {
  EngineSlots slots;
  bindCache(cache, slots);
  int64_t batch = b.qLatent.shape[0];
  int64_t rows = batch * options.queryTokens * options.config.heads;
  slots[EngineSlot::QLatent] = b.qLatent.data;
  slots[EngineSlot::QRope] = b.qRope.data;
  slots[EngineSlot::Out] = b.out.data;
  slots[EngineSlot::Lse] = b.lse.data;
  slots[EngineSlot::SeqLens] = cache.lengths;
  slots[EngineSlot::Batch] = batch;
  slots[EngineSlot::Rows] = rows;
  // The workspace (the caller's, else the engine's): [splits, rows,
  // latent] f32 partial outputs, then [splits, rows] f32 partial LSEs.
  uint64_t workspace = b.workspace ? b.workspace : engineWorkspace;
  slots[EngineSlot::PartialOut] = workspace;
  slots[EngineSlot::PartialLse] =
      workspace + splits * rows * options.config.kvLoraRank * 4;
  return slots;
}

EngineSlots mlagen::prefillSlots(const PrefillBuffers &b) {
  EngineSlots slots;
  slots[EngineSlot::QNope] = b.qNope.data;
  slots[EngineSlot::QRope] = b.qRope.data;
  slots[EngineSlot::KNope] = b.kNope.data;
  slots[EngineSlot::KRope] = b.kRope.data;
  slots[EngineSlot::V] = b.v.data;
  slots[EngineSlot::SeqLens] = b.seqLens.data;
  slots[EngineSlot::Out] = b.out.data;
  slots[EngineSlot::Lse] = b.lse.data;
  slots[EngineSlot::Batch] = b.qNope.shape[0];
  slots[EngineSlot::Tokens] = b.qNope.shape[1];
  slots[EngineSlot::KeyTokens] = b.kNope.shape[1];
  return slots;
}

std::vector<int32_t> mlagen::appendStarts(llvm::ArrayRef<int32_t> lengths,
                                          int64_t newTokens) {
  std::vector<int32_t> starts;
  for (int32_t length : lengths)
    starts.push_back(std::max<int32_t>(0, length - int32_t(newTokens)));
  return starts;
}
