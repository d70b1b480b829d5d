//===- GpuPagedCache.cpp - a paged latent cache on a GPU ------------------===//

#include "GpuPagedCacheState.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlagen;

llvm::Error GpuPagedCache::State::checkFor(
    llvm::StringRef call, const EngineOptions &options,
    const std::optional<TensorMapDescription> &map) const {
  auto error = [&](const llvm::Twine &message) {
    return llvm::createStringError((call + ": " + message).str());
  };
  if (device != options.device)
    return error(llvm::formatv("the cache is on GPU {0}, the engine's "
                               "kernels on GPU {1}",
                               device, options.device));
  int64_t width = options.config.rowWidth();
  if (storage != options.storage ||
      rowBytes != width * int64_t(sizeOf(storage)))
    return error(llvm::formatv("the cache holds {0} rows of {1} values, the "
                               "engine's kernels read {2} rows of {3} "
                               "(another config or storage)",
                               toString(storage),
                               rowBytes / int64_t(sizeOf(storage)),
                               toString(options.storage), width));
  if (!map)
    return llvm::Error::success();
  if (!mapLayout)
    return error("the engine's kernels load the cache by TMA, and the "
                 "engine that allocated it made no descriptor (allocate "
                 "the cache with this engine)");
  auto describe = [](const TensorMapDescription &d) {
    return llvm::formatv("boxes of {0} x {1} over {2} {3} columns, rows {4} "
                         "bytes apart",
                         d.box[0], d.box[1], d.columns, d.element,
                         d.rowStrideBytes)
        .str();
  };
  if (!(*mapLayout == *map)) // compared without a message: a decode's path
    return error("the cache's TMA descriptor loads " + describe(*mapLayout) +
                 "; the engine's kernels need " + describe(*map) +
                 " (allocate the cache with this engine)");
  return llvm::Error::success();
}

CacheView GpuPagedCache::State::view() const {
  CacheView view;
  view.rows = rows.address();
  view.blockTable = blockTable.address();
  view.lengths = lengths.address();
  view.appendStarts = appendStarts.address();
  view.tensorMap = tensorMap ? reinterpret_cast<uintptr_t>(&*tensorMap) : 0;
  view.tableWidth = table.width();
  view.pages = table.pages();
  return view;
}

GpuPagedCache::GpuPagedCache(std::unique_ptr<State> state)
    : state(std::move(state)) {}
GpuPagedCache::~GpuPagedCache() = default;
PageTable &GpuPagedCache::table() { return state->table; }
const PageTable &GpuPagedCache::table() const { return state->table; }
DevicePtr GpuPagedCache::rows() const { return state->rows.address(); }
bool GpuPagedCache::uploaded() const {
  return state->uploadedVersion == state->table.version();
}

llvm::Error GpuPagedCache::upload(int64_t newTokens) {
  const PageTable &t = state->table;
  std::vector<int32_t> starts = appendStarts(t.lengths(), newTokens);
  if (llvm::Error e = state->blockTable.upload(t.blockTable().data(),
                                               t.blockTable().size() * 4))
    return e;
  if (llvm::Error e =
          state->lengths.upload(t.lengths().data(), t.lengths().size() * 4))
    return e;
  if (llvm::Error e =
          state->appendStarts.upload(starts.data(), starts.size() * 4))
    return e;
  state->uploadedVersion = t.version();
  state->uploadedNewTokens = newTokens;
  return llvm::Error::success();
}

llvm::Error GpuPagedCache::writeRows(int64_t slot, int64_t first, int64_t count,
                                     const void *rows) {
  if (count < 0)
    return llvm::createStringError(
        llvm::formatv("writeRows: count {0} is negative", count).str());
  const char *bytes = static_cast<const char *>(rows);
  for (int64_t i = 0; i < count; ++i) {
    llvm::Expected<int64_t> row = state->table.rowOf(slot, first + i);
    if (!row)
      return llvm::createStringError("writeRows: " +
                                     llvm::toString(row.takeError()));
    if (llvm::Error e =
            state->rows.uploadAt(*row * state->rowBytes,
                                 bytes + i * state->rowBytes, state->rowBytes))
      return e;
  }
  return llvm::Error::success();
}
