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
  launches.decode.push_back(std::move(*attention));
  if (combine)
    launches.decode.push_back(std::move(*combine));
  return launches;
}
