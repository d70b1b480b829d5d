//===- EngineLaunches.cpp - the Engine's kernels, bound once --------------===//

#include "EngineLaunches.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlagen;

namespace {

using Slot = std::optional<EngineSlot>;

/// The slot a parameter of `op`'s kernel reads.
Slot slotOf(llvm::StringRef op, llvm::StringRef name) {
  bool partial = op == "mla.partial_latent_attention";
  return llvm::StringSwitch<Slot>(name)
      .Case("cache", EngineSlot::Cache)
      .Case("cache_map", EngineSlot::CacheMap)
      .Case("block_table", EngineSlot::BlockTable)
      .Case("table_width", EngineSlot::TableWidth)
      .Case("pages", EngineSlot::Pages)
      .Case("seq_lens", EngineSlot::SeqLens)
      .Case("c_kv", EngineSlot::CKv)
      .Case("k_rope", EngineSlot::KRope)
      .Case("positions", EngineSlot::Positions)
      .Case("new_tokens", EngineSlot::NewTokens)
      .Case("q_latent", EngineSlot::QLatent)
      .Case("q_rope", EngineSlot::QRope)
      .Case("out", partial ? EngineSlot::PartialOut : EngineSlot::Out)
      .Case("lse", partial ? EngineSlot::PartialLse : EngineSlot::Lse)
      .Case("starts", EngineSlot::Starts)
      .Case("partial_out", EngineSlot::PartialOut)
      .Case("partial_lse", EngineSlot::PartialLse)
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
  std::string decodeOps; // the decode kernels' ops, for the shape check
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
    llvm::StringRef op = kernel.op;
    if (op == "mla.latent_attention" || op == "mla.partial_latent_attention" ||
        op == "mla.combine") {
      decodeOps += (decodeOps.empty() ? "" : " ") + kernel.op;
      launches.decode.push_back(std::move(*bound));
      for (const LaunchParam &p : kernel.params)
        if (p.tensorMap)
          launches.cacheMap = p.tensorMap;
      continue;
    }
    std::optional<BoundLaunch> *into =
        llvm::StringSwitch<std::optional<BoundLaunch> *>(op)
            .Case("mla.cache_append", &launches.append)
            .Case("mla.mha_attention", &launches.prefill)
            .Default(nullptr);
    if (!into)
      return error("kernel " + kernel.name + " is for " + kernel.op +
                   ", which no Engine call launches");
    if (*into)
      return error("two kernels for " + kernel.op);
    *into = std::move(*bound);
  }
  if (!launches.append || !launches.prefill || launches.decode.empty())
    return error("the unit lacks its append, prefill or attention kernel");
  // The decode's kernels: whole, split + combine, or schedule + scheduled
  // attention + combine (a CTA per part in grid y: the workspace is sized
  // by it, as by a split's splits).
  auto partsOf = [&](size_t decodeIndex) -> llvm::Expected<int64_t> {
    const LaunchDim &y = kernels[launches.decode[decodeIndex].kernel].grid[1];
    if (!y.countParam.empty() || y.perBlock != 1 || y.count < 1)
      return error("the decode attention kernel's grid y is not its pieces");
    return y.count;
  };
  if (decodeOps == "mla.latent_attention")
    return launches;
  if (decodeOps == "mla.partial_latent_attention mla.combine") {
    llvm::Expected<int64_t> splits = partsOf(0);
    if (!splits)
      return splits.takeError();
    launches.cut.splits = *splits;
    return launches;
  }
  bool scheduled =
      decodeOps ==
          "mla.latent_attention mla.latent_attention mla.latent_attention" &&
      llvm::StringRef(kernels[launches.decode[0].kernel].name)
          .ends_with("_schedule") &&
      llvm::StringRef(kernels[launches.decode[2].kernel].name)
          .ends_with("_combine");
  if (!scheduled)
    return error("the unit's decode kernels (" + decodeOps +
                 ") are neither one attention kernel, a split attention and "
                 "its combine, nor a schedule, its attention and combine");
  llvm::Expected<int64_t> parts = partsOf(1);
  if (!parts)
    return parts.takeError();
  launches.cut.parts = *parts;
  return launches;
}

WorkspaceLayout mlagen::workspaceLayout(const EngineOptions &o,
                                        const DecodeCut &cut, int64_t batch) {
  auto align = [](int64_t bytes) { return (bytes + 15) / 16 * 16; };
  int64_t rows = o.queryTokens * o.config.heads; // per sequence
  WorkspaceLayout layout;
  int64_t pieces = 0; // partial results, in sequences' rows
  if (cut.balanced()) {
    layout.partialOut = align((batch + 1) * 8);
    pieces = batch + cut.parts - 1;
  } else if (cut.splits > 1) {
    pieces = cut.splits * batch;
  } else {
    return layout; // nothing is cut: no workspace
  }
  layout.partialLse =
      layout.partialOut + align(pieces * rows * o.config.kvLoraRank * 4);
  layout.bytes = layout.partialLse + align(pieces * rows * 4);
  return layout;
}

namespace {

void bindCache(const CacheView &cache, EngineSlots &slots) {
  slots[EngineSlot::Cache] = cache.rows;
  slots[EngineSlot::BlockTable] = cache.blockTable;
  slots[EngineSlot::TableWidth] = uint64_t(cache.tableWidth);
  slots[EngineSlot::Pages] = uint64_t(cache.pages);
  slots[EngineSlot::CacheMap] = cache.tensorMap;
}

} // namespace

CacheView mlagen::callerCacheView(const CacheTensors &cache,
                                  uint64_t tensorMap) {
  CacheView view;
  view.rows = cache.rows.data;
  view.blockTable = cache.blockTable.data;
  view.lengths = view.appendStarts = cache.lengths.data;
  view.tensorMap = tensorMap;
  view.tableWidth = cache.blockTable.shape[1];
  view.pages = cache.rows.shape[0];
  return view;
}

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

EngineSlots mlagen::decodeSlots(const EngineOptions &options,
                                const DecodeCut &cut, const CacheView &cache,
                                const DecodeBuffers &b,
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
  // The workspace (the caller's, else the engine's), as workspaceLayout
  // lays it out.
  uint64_t workspace = b.workspace ? b.workspace : engineWorkspace;
  WorkspaceLayout layout = workspaceLayout(options, cut, batch);
  slots[EngineSlot::Starts] = workspace + layout.starts;
  slots[EngineSlot::PartialOut] = workspace + layout.partialOut;
  slots[EngineSlot::PartialLse] = workspace + layout.partialLse;
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
