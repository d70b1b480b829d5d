//===- EngineChecks.cpp - the Engine's argument checks (no GPU) -----------===//
//
// What Engine::create, append, decode and prefill check before touching the
// GPU, callable without one (tests run them on machines with no GPU): the
// options, the batch against the engine and the cache, and each device
// tensor's address, element type and shape against what the kernels read
// and write.
//
//===----------------------------------------------------------------------===//

#include "EngineLaunches.h"
#include "mlagen/Engine.h"

#include "llvm/Support/FormatVariadic.h"

#include <limits>

using namespace mlagen;

llvm::StringRef mlagen::toString(ElementType type) {
  switch (type) {
  case ElementType::BF16:
    return "bf16";
  case ElementType::F16:
    return "f16";
  case ElementType::F32:
    return "f32";
  case ElementType::I32:
    return "i32";
  }
  return "?";
}

ElementType mlagen::elementTypeOf(StorageType storage) {
  switch (storage) {
  case StorageType::BF16:
    return ElementType::BF16;
  case StorageType::F16:
    return ElementType::F16;
  case StorageType::F32:
    return ElementType::F32;
  }
  return ElementType::F32;
}

namespace {

llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(message.str());
}

std::string describe(llvm::ArrayRef<int64_t> shape, ElementType type) {
  std::string text = "[";
  for (auto [i, dim] : llvm::enumerate(shape))
    text += (i ? ", " : "") + std::to_string(dim);
  return text + "] " + toString(type).str();
}

/// A tensor the kernels read or write: not null, aligned to `alignment`
/// (16 where they copy 16 bytes at a time, else the element size), of
/// `type` and `shape`.
llvm::Error checkTensor(llvm::StringRef call, llvm::StringRef name,
                        const DeviceTensor &tensor, ElementType type,
                        llvm::ArrayRef<int64_t> shape, int64_t alignment) {
  if (tensor.data == 0)
    return error(call + ": " + name + " is null");
  if (tensor.data % alignment)
    return error(llvm::formatv("{0}: {1} ({2:x}) is not {3}-byte aligned", call,
                               name, tensor.data, alignment));
  if (tensor.type != type || llvm::ArrayRef(tensor.shape) != shape)
    return error(call + ": " + name + " is " +
                 describe(tensor.shape, tensor.type) + "; expected " +
                 describe(shape, type));
  return llvm::Error::success();
}

/// A tensor a call passes and what its kernels take.
struct ExpectedTensor {
  const char *name;
  const DeviceTensor &tensor;
  ElementType type;
  llvm::SmallVector<int64_t, 4> shape;
  int64_t alignment;
};

llvm::Error checkTensors(llvm::StringRef call,
                         llvm::ArrayRef<ExpectedTensor> tensors) {
  for (const ExpectedTensor &t : tensors)
    if (llvm::Error e =
            checkTensor(call, t.name, t.tensor, t.type, t.shape, t.alignment))
      return e;
  return llvm::Error::success();
}

/// The batch: dim 0 of `tensor` (the call's first).
llvm::Error checkBatch(llvm::StringRef call, llvm::StringRef name,
                       const DeviceTensor &tensor, const EngineOptions &options,
                       const PageTable &table, bool uploaded) {
  if (tensor.shape.empty())
    return error(call + ": " + name + " has no dims; its dim 0 is the batch");
  int64_t batch = tensor.shape[0];
  int64_t most = std::min(options.maxBatch, table.slots());
  if (batch < 1 || batch > most)
    return error(llvm::formatv("{0}: batch {1} ({2}'s dim 0) is not in [1, "
                               "{3}] (the engine's maxBatch {4}, the cache's "
                               "{5} slots)",
                               call, batch, name, most, options.maxBatch,
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
  if (o.typicalLength < 1 || o.typicalLength > (int64_t(1) << 30))
    return error(llvm::formatv("engine: typicalLength {0} is not in [1, 2^30]",
                               o.typicalLength));
  if (o.device < 0)
    return error(llvm::formatv("engine: device {0} is negative", o.device));
  const LayerConfig &c = o.config;
  if (c.heads < 1 || c.kvLoraRank < 1 || c.qkRopeHeadDim < 1)
    return error(llvm::formatv("engine: the config needs heads ({0}), "
                               "kv_lora_rank ({1}) and the rope dim ({2})",
                               c.heads, c.kvLoraRank, c.qkRopeHeadDim));
  return llvm::Error::success();
}

int64_t Engine::workspaceBytes(const EngineOptions &o, const DecodeCut &cut,
                               int64_t batch) {
  return workspaceLayout(o, cut, batch).bytes;
}

namespace {

/// The batch of a call over a cache the caller owns (dim 0 of `tensor`)
/// and the cache's tensors.
llvm::Error checkCacheTensors(llvm::StringRef call, llvm::StringRef name,
                              const DeviceTensor &tensor,
                              const EngineOptions &o, const CacheTensors &c) {
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  if (tensor.shape.empty())
    return error(call + ": " + name + " has no dims; its dim 0 is the batch");
  int64_t batch = tensor.shape[0];
  if (batch < 1 || batch > o.maxBatch)
    return error(llvm::formatv("{0}: batch {1} ({2}'s dim 0) is not in [1, "
                               "{3}] (the engine's maxBatch)",
                               call, batch, name, o.maxBatch));
  // Their dims first (what the caller most likely got wrong), then each
  // against what the kernels read.
  if (c.rows.shape.size() != 3 || c.blockTable.shape.size() != 2 ||
      c.lengths.shape.size() != 1)
    return error(llvm::formatv(
        "{0}: the cache's rows, block table and lengths need 3, 2 and 1 dims "
        "([pages, page size, row width], [sequences, width], [sequences]), "
        "got {1}, {2} and {3}",
        call, c.rows.shape.size(), c.blockTable.shape.size(),
        c.lengths.shape.size()));
  int64_t pages = c.rows.shape[0], width = c.blockTable.shape[1];
  int64_t tableRows = c.blockTable.shape[0], lengths = c.lengths.shape[0];
  if (pages < 1 || pages > kMax / o.pageSize)
    return error(llvm::formatv("{0}: the cache has {1} pages; it needs 1 to "
                               "{2} (its rows indexed by int32)",
                               call, pages, kMax / o.pageSize));
  if (width < 1 || width > kMax / o.pageSize)
    return error(llvm::formatv("{0}: the block table is {1} pages wide; it "
                               "needs 1 to {2} (its keys indexed by int32)",
                               call, width, kMax / o.pageSize));
  if (tableRows < batch || lengths < batch)
    return error(llvm::formatv("{0}: the block table has {1} rows and the "
                               "lengths {2}; batch {3} needs that many",
                               call, tableRows, lengths, batch));
  ElementType storage = elementTypeOf(o.storage);
  ExpectedTensor tensors[] = {
      {"the cache's rows",
       c.rows,
       storage,
       {pages, o.pageSize, o.config.rowWidth()},
       16},
      {"the block table",
       c.blockTable,
       ElementType::I32,
       {tableRows, width},
       4},
      {"the lengths", c.lengths, ElementType::I32, {lengths}, 4}};
  return checkTensors(call, tensors);
}

/// What every decode checks of its buffers, for a batch of `batch`.
llvm::Error checkDecodeBuffers(const EngineOptions &o, const DecodeCut &cut,
                               const DecodeBuffers &b) {
  int64_t batch = b.qLatent.shape[0], s = o.queryTokens, h = o.config.heads;
  ElementType storage = elementTypeOf(o.storage);
  ExpectedTensor tensors[] = {
      {"qLatent", b.qLatent, storage, {batch, s, h, o.config.kvLoraRank}, 16},
      {"qRope", b.qRope, storage, {batch, s, h, o.config.qkRopeHeadDim}, 16},
      {"out", b.out, storage, {batch, s, h, o.config.kvLoraRank}, 4},
      {"lse", b.lse, ElementType::F32, {batch, s, h}, 4}};
  if (llvm::Error e = checkTensors("decode", tensors))
    return e;
  if (!b.workspace && b.workspaceBytes)
    return error(llvm::formatv("decode: workspaceBytes {0} given without a "
                               "workspace",
                               b.workspaceBytes));
  if (!b.workspace)
    return llvm::Error::success();
  if (b.workspace % 16)
    return error(llvm::formatv("decode: workspace ({0:x}) is not 16-byte "
                               "aligned",
                               b.workspace));
  int64_t needed = Engine::workspaceBytes(o, cut, batch);
  if (b.workspaceBytes < needed)
    return error(llvm::formatv(
        "decode: workspace holds {0} bytes; a batch of {1} needs {2} ({3})",
        b.workspaceBytes, batch, needed,
        cut.balanced() ? llvm::formatv("{0} schedule parts", cut.parts).str()
                       : llvm::formatv("{0} splits", cut.splits).str()));
  return llvm::Error::success();
}

/// What every append checks of its buffers.
llvm::Error checkAppendBuffers(const EngineOptions &o, const AppendBuffers &b) {
  int64_t batch = b.cKv.shape[0], s = o.queryTokens;
  ElementType storage = elementTypeOf(o.storage);
  ExpectedTensor tensors[] = {
      {"cKv", b.cKv, storage, {batch, s, o.config.kvLoraRank}, 4},
      {"kRope", b.kRope, storage, {batch, s, o.config.qkRopeHeadDim}, 4},
      {"positions", b.positions, ElementType::I32, {batch, s}, 4}};
  return checkTensors("append", tensors);
}

} // namespace

llvm::Error Engine::checkDecode(const EngineOptions &o, const DecodeCut &cut,
                                const PageTable &table, bool uploaded,
                                const DecodeBuffers &b) {
  if (llvm::Error e =
          checkBatch("decode", "qLatent", b.qLatent, o, table, uploaded))
    return e;
  return checkDecodeBuffers(o, cut, b);
}

llvm::Error Engine::checkDecode(const EngineOptions &o, const DecodeCut &cut,
                                const CacheTensors &cache,
                                const DecodeBuffers &b) {
  if (llvm::Error e =
          checkCacheTensors("decode", "qLatent", b.qLatent, o, cache))
    return e;
  return checkDecodeBuffers(o, cut, b);
}

llvm::Error Engine::checkAppend(const EngineOptions &o,
                                const CacheTensors &cache,
                                const AppendBuffers &b) {
  if (llvm::Error e = checkCacheTensors("append", "cKv", b.cKv, o, cache))
    return e;
  return checkAppendBuffers(o, b);
}

llvm::Error Engine::checkAppend(const EngineOptions &o, const PageTable &table,
                                bool uploaded, const AppendBuffers &b) {
  if (llvm::Error e = checkBatch("append", "cKv", b.cKv, o, table, uploaded))
    return e;
  if (llvm::Error e = checkAppendBuffers(o, b))
    return e;
  int64_t batch = b.cKv.shape[0], s = o.queryTokens;
  for (int64_t slot = 0; slot < batch; ++slot)
    if (table.length(slot) < s)
      return error(llvm::formatv("append: slot {0} holds {1} tokens, fewer "
                                 "than the {2} being appended (extend it "
                                 "first)",
                                 slot, table.length(slot), s));
  return llvm::Error::success();
}

llvm::Error Engine::checkPrefill(const EngineOptions &o,
                                 const PrefillBuffers &b) {
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  if (b.qNope.shape.size() < 2 || b.kNope.shape.size() < 2)
    return error("prefill: qNope and kNope need dims [batch, tokens, ...] "
                 "and [batch, keyTokens, ...]");
  int64_t batch = b.qNope.shape[0], tokens = b.qNope.shape[1],
          keyTokens = b.kNope.shape[1];
  if (batch < 1 || tokens < 1 || keyTokens < 1 || batch > kMax ||
      tokens > kMax || keyTokens > kMax)
    return error(llvm::formatv("prefill: batch ({0}) and tokens ({1}) from "
                               "qNope and keyTokens ({2}) from kNope must be "
                               "in [1, 2^31)",
                               batch, tokens, keyTokens));
  const LayerConfig &c = o.config;
  int64_t h = c.heads;
  ElementType storage = elementTypeOf(o.storage);
  ExpectedTensor tensors[] = {
      {"qNope", b.qNope, storage, {batch, tokens, h, c.qkNopeHeadDim}, 16},
      {"qRope", b.qRope, storage, {batch, tokens, h, c.qkRopeHeadDim}, 16},
      {"kNope", b.kNope, storage, {batch, keyTokens, h, c.qkNopeHeadDim}, 16},
      {"kRope", b.kRope, storage, {batch, keyTokens, c.qkRopeHeadDim}, 16},
      {"v", b.v, storage, {batch, keyTokens, h, c.vHeadDim}, 16},
      {"seqLens", b.seqLens, ElementType::I32, {batch}, 4},
      {"out", b.out, storage, {batch, tokens, h, c.vHeadDim}, 4},
      {"lse", b.lse, ElementType::F32, {batch, tokens, h}, 4}};
  if (llvm::Error e = checkTensors("prefill", tensors))
    return e;
  return llvm::Error::success();
}
