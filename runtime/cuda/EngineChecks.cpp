//===- EngineChecks.cpp - the Engine's argument checks (no GPU) -----------===//
//
// What Engine::create, append and decode check before touching the GPU,
// callable without one (tests run them on machines with no GPU).
//
//===----------------------------------------------------------------------===//

#include "mlagen/Engine.h"

#include "llvm/Support/FormatVariadic.h"

#include <limits>

using namespace mlagen;

namespace {

llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(message.str());
}

/// A buffer the kernels read or write: not null, aligned to `alignment`
/// (16 where they copy 16 bytes at a time, else the element size).
llvm::Error checkPointer(llvm::StringRef call, llvm::StringRef name,
                         DevicePtr pointer, int64_t alignment) {
  if (pointer == 0)
    return error(call + ": " + name + " is null");
  if (pointer % alignment)
    return error(llvm::formatv("{0}: {1} ({2:x}) is not {3}-byte aligned", call,
                               name, pointer, alignment));
  return llvm::Error::success();
}

llvm::Error checkBatch(llvm::StringRef call, const EngineOptions &options,
                       const PageTable &table, bool uploaded, int64_t batch) {
  int64_t most = std::min(options.maxBatch, table.slots());
  if (batch < 1 || batch > most)
    return error(llvm::formatv("{0}: batch {1} is not in [1, {2}] (the "
                               "engine's maxBatch {3}, the cache's {4} slots)",
                               call, batch, most, options.maxBatch,
                               table.slots()));
  if (table.pageSize() != options.pageSize)
    return error(llvm::formatv("{0}: the cache has pages of {1} tokens, the "
                               "engine's kernels {2}",
                               call, table.pageSize(), options.pageSize));
  if (!uploaded)
    return error(call + ": the cache's page table changed since its last "
                        "upload()");
  return llvm::Error::success();
}

} // namespace

llvm::Error Engine::checkOptions(const EngineOptions &o) {
  if (o.storage != StorageType::BF16 && o.storage != StorageType::F16)
    return error("engine: storage must be bf16 or f16, got " +
                 toString(o.storage));
  if (o.pageSize < 1)
    return error(
        llvm::formatv("engine: page size {0} is not positive", o.pageSize));
  if (o.queryTokens < 1 || o.queryTokens > 8)
    return error(llvm::formatv("engine: queryTokens {0} is not in [1, 8]",
                               o.queryTokens));
  if (o.maxBatch < 1)
    return error(
        llvm::formatv("engine: maxBatch {0} is not positive", o.maxBatch));
  if (o.splits < 0)
    return error(llvm::formatv("engine: splits {0} is negative", o.splits));
  if (o.device < 0)
    return error(llvm::formatv("engine: device {0} is negative", o.device));
  const LayerConfig &c = o.config;
  if (c.heads < 1 || c.kvLoraRank < 1 || c.qkRopeHeadDim < 1)
    return error(llvm::formatv("engine: the config needs heads ({0}), "
                               "kv_lora_rank ({1}) and the rope dim ({2})",
                               c.heads, c.kvLoraRank, c.qkRopeHeadDim));
  return llvm::Error::success();
}

llvm::Error Engine::checkDecode(const EngineOptions &options,
                                const PageTable &table, bool uploaded,
                                const DecodeBuffers &b) {
  if (llvm::Error e = checkBatch("decode", options, table, uploaded, b.batch))
    return e;
  struct {
    const char *name;
    DevicePtr pointer;
    int64_t alignment;
  } buffers[] = {{"qLatent", b.qLatent, 16},
                 {"qRope", b.qRope, 16},
                 {"out", b.out, 4},
                 {"lse", b.lse, 4}};
  for (const auto &buffer : buffers)
    if (llvm::Error e = checkPointer("decode", buffer.name, buffer.pointer,
                                     buffer.alignment))
      return e;
  if (b.workspace && b.workspace % 16)
    return error(llvm::formatv("decode: workspace ({0:x}) is not 16-byte "
                               "aligned",
                               b.workspace));
  return llvm::Error::success();
}

llvm::Error Engine::checkAppend(const EngineOptions &options,
                                const PageTable &table, bool uploaded,
                                const AppendBuffers &b) {
  if (llvm::Error e = checkBatch("append", options, table, uploaded, b.batch))
    return e;
  struct {
    const char *name;
    DevicePtr pointer;
  } buffers[] = {
      {"cKv", b.cKv}, {"kRope", b.kRope}, {"positions", b.positions}};
  for (const auto &buffer : buffers)
    if (llvm::Error e = checkPointer("append", buffer.name, buffer.pointer, 4))
      return e;
  for (int64_t slot = 0; slot < b.batch; ++slot)
    if (table.length(slot) < options.queryTokens)
      return error(llvm::formatv("append: slot {0} holds {1} tokens, fewer "
                                 "than the {2} being appended (extend it "
                                 "first)",
                                 slot, table.length(slot),
                                 options.queryTokens));
  return llvm::Error::success();
}

llvm::Error Engine::checkPrefill(const PrefillBuffers &b) {
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  if (b.batch < 1 || b.tokens < 1 || b.keyTokens < 1 || b.batch > kMax ||
      b.tokens > kMax || b.keyTokens > kMax)
    return error(llvm::formatv("prefill: batch ({0}), tokens ({1}) and "
                               "keyTokens ({2}) must be in [1, 2^31)",
                               b.batch, b.tokens, b.keyTokens));
  struct {
    const char *name;
    DevicePtr pointer;
    int64_t alignment;
  } buffers[] = {{"qNope", b.qNope, 16}, {"qRope", b.qRope, 16},
                 {"kNope", b.kNope, 16}, {"kRope", b.kRope, 16},
                 {"v", b.v, 16},         {"seqLens", b.seqLens, 4},
                 {"out", b.out, 4},      {"lse", b.lse, 4}};
  for (const auto &buffer : buffers)
    if (llvm::Error e = checkPointer("prefill", buffer.name, buffer.pointer,
                                     buffer.alignment))
      return e;
  return llvm::Error::success();
}
