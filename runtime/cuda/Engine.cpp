//===- Engine.cpp - MLA decode on a GPU: the host C++ API -----------------===//

#include "mlagen/Engine.h"
#include "EngineKernels.h"
#include "EngineLaunches.h"
#include "GpuModule.h"
#include "GpuPagedCacheState.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlagen;

struct Engine::State {
  EngineOptions options;
  GpuInfo gpu;
  std::string source; // the unit the kernels were compiled from
  std::string choice; // how their variant was chosen
  std::vector<KernelLaunch> kernels;
  std::unique_ptr<GpuModule> module;
  EngineLaunches launches;
  DeviceMemory workspace; // the decode's schedule and pieces, for maxBatch
  /// The TMA descriptor of the caller's cache last seen, while its address
  /// and pages stay the same.
  struct CallerMap {
    DevicePtr rows = 0;
    int64_t pages = 0;
    CUtensorMap map;
  };
  std::optional<CallerMap> callerMap;

  /// The caller's cache as the kernels see it (its TMA descriptor made
  /// when the kernels load by TMA and it is new).
  llvm::Expected<CacheView> viewOf(const CacheTensors &cache);
  llvm::Error launchDecode(const CacheView &cache, const DecodeBuffers &b,
                           GpuStream stream);
};

llvm::Expected<CacheView> Engine::State::viewOf(const CacheTensors &cache) {
  if (!launches.cacheMap)
    return callerCacheView(cache, 0);
  int64_t pages = cache.rows.shape[0];
  if (!callerMap || callerMap->rows != cache.rows.data ||
      callerMap->pages != pages) {
    llvm::Expected<CUtensorMap> map =
        encodeTensorMap(*launches.cacheMap, cache.rows.data,
                        pages * options.pageSize, options.device);
    if (!map)
      return map.takeError();
    callerMap = CallerMap{cache.rows.data, pages, *map};
  }
  return callerCacheView(cache, reinterpret_cast<uintptr_t>(&callerMap->map));
}

llvm::Error Engine::State::launchDecode(const CacheView &cache,
                                        const DecodeBuffers &b,
                                        GpuStream stream) {
  EngineSlots slots =
      decodeSlots(options, launches.cut, cache, b, workspace.address());
  for (const BoundLaunch &launch : launches.decode)
    if (llvm::Error e =
            module->launch(launch, slots.all(), static_cast<CUstream>(stream)))
      return e;
  return llvm::Error::success();
}

Engine::Engine(std::unique_ptr<State> state) : state(std::move(state)) {}
Engine::~Engine() = default;
const GpuInfo &Engine::gpu() const { return state->gpu; }
const EngineOptions &Engine::options() const { return state->options; }
const DecodeCut &Engine::cut() const { return state->launches.cut; }
const std::string &Engine::variantChoice() const { return state->choice; }

int64_t Engine::workspaceBytes(int64_t batch) const {
  return workspaceBytes(state->options, state->launches.cut, batch);
}

llvm::Expected<std::unique_ptr<Engine>>
Engine::create(const EngineOptions &options) {
  if (llvm::Error e = checkOptions(options))
    return std::move(e);
  llvm::Expected<GpuInfo> gpu = findGpu(options.device);
  if (!gpu)
    return gpu.takeError();
  auto state = std::make_unique<State>();
  state->options = options;
  state->gpu = *gpu;

  llvm::Expected<EngineKernels> kernels = obtainEngineKernels(options, *gpu);
  if (!kernels)
    return kernels.takeError();
  state->source = std::move(kernels->source);
  state->choice = std::move(kernels->choice);
  state->kernels = std::move(kernels->kernels);
  llvm::Expected<EngineLaunches> launches = bindEngineKernels(state->kernels);
  if (!launches)
    return launches.takeError();
  state->launches = std::move(*launches);
  llvm::Expected<std::unique_ptr<GpuModule>> loaded =
      GpuModule::load(kernels->cubin, state->kernels, *gpu);
  if (!loaded)
    return loaded.takeError();
  state->module = std::move(*loaded);

  llvm::Expected<DeviceMemory> workspace = DeviceMemory::allocate(
      workspaceBytes(options, state->launches.cut, options.maxBatch),
      gpu->device);
  if (!workspace)
    return workspace.takeError();
  state->workspace = std::move(*workspace);
  return std::unique_ptr<Engine>(new Engine(std::move(state)));
}

llvm::Expected<std::unique_ptr<GpuPagedCache>>
Engine::allocateCache(int64_t pages, int64_t slots, int64_t width) {
  const EngineOptions &o = state->options;
  llvm::Expected<PageTable> table =
      PageTable::create(pages, o.pageSize, slots, width);
  if (!table)
    return table.takeError();
  auto cache = std::make_unique<GpuPagedCache::State>(
      GpuPagedCache::State{std::move(*table)});
  int64_t rowBytes = o.config.rowWidth() * sizeOf(o.storage);
  cache->rowBytes = rowBytes;
  cache->storage = o.storage;
  cache->device = o.device;
  auto allocate = [&](int64_t bytes, DeviceMemory &into) -> llvm::Error {
    llvm::Expected<DeviceMemory> memory =
        DeviceMemory::allocate(bytes, o.device);
    if (!memory)
      return memory.takeError();
    into = std::move(*memory);
    return llvm::Error::success();
  };
  if (llvm::Error e = allocate(pages * o.pageSize * rowBytes, cache->rows))
    return std::move(e);
  if (llvm::Error e = allocate(slots * width * 4, cache->blockTable))
    return std::move(e);
  if (llvm::Error e = allocate(slots * 4, cache->lengths))
    return std::move(e);
  if (llvm::Error e = allocate(slots * 4, cache->appendStarts))
    return std::move(e);
  if (state->launches.cacheMap) {
    llvm::Expected<CUtensorMap> map =
        encodeTensorMap(*state->launches.cacheMap, cache->rows.address(),
                        pages * o.pageSize, o.device);
    if (!map)
      return map.takeError();
    cache->tensorMap = *map;
    cache->mapLayout = state->launches.cacheMap;
  }
  return std::unique_ptr<GpuPagedCache>(new GpuPagedCache(std::move(cache)));
}

llvm::Error Engine::append(GpuPagedCache &cache, const AppendBuffers &b,
                           GpuStream stream) {
  const GpuPagedCache::State &c = *cache.state;
  if (llvm::Error e = c.checkFor("append", state->options, std::nullopt))
    return e;
  if (llvm::Error e = checkAppend(state->options, c.table, cache.uploaded(), b))
    return e;
  if (c.uploadedNewTokens != state->options.queryTokens)
    return llvm::createStringError(
        llvm::formatv(
            "append: the cache was uploaded for {0} new tokens, the engine "
            "appends {1}",
            c.uploadedNewTokens, state->options.queryTokens)
            .str());
  EngineSlots slots = appendSlots(state->options, c.view(), b);
  return state->module->launch(*state->launches.append, slots.all(),
                               static_cast<CUstream>(stream));
}

llvm::Error Engine::decode(const GpuPagedCache &cache, const DecodeBuffers &b,
                           GpuStream stream) {
  const GpuPagedCache::State &c = *cache.state;
  if (llvm::Error e =
          c.checkFor("decode", state->options, state->launches.cacheMap))
    return e;
  if (llvm::Error e = checkDecode(state->options, state->launches.cut, c.table,
                                  cache.uploaded(), b))
    return e;
  return state->launchDecode(c.view(), b, stream);
}

llvm::Error Engine::decode(const CacheTensors &cache, const DecodeBuffers &b,
                           GpuStream stream) {
  if (llvm::Error e =
          checkDecode(state->options, state->launches.cut, cache, b))
    return e;
  llvm::Expected<CacheView> view = state->viewOf(cache);
  if (!view)
    return view.takeError();
  return state->launchDecode(*view, b, stream);
}

llvm::Error Engine::append(const CacheTensors &cache, const AppendBuffers &b,
                           GpuStream stream) {
  if (llvm::Error e = checkAppend(state->options, cache, b))
    return e;
  llvm::Expected<CacheView> view = state->viewOf(cache);
  if (!view)
    return view.takeError();
  EngineSlots slots = appendSlots(state->options, *view, b);
  return state->module->launch(*state->launches.append, slots.all(),
                               static_cast<CUstream>(stream));
}

llvm::Error Engine::prefill(const PrefillBuffers &b, GpuStream stream) {
  if (llvm::Error e = checkPrefill(state->options, b))
    return e;
  EngineSlots slots = prefillSlots(b);
  return state->module->launch(*state->launches.prefill, slots.all(),
                               static_cast<CUstream>(stream));
}
