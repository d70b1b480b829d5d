//===- Engine.cpp - MLA decode on a GPU: the host C++ API -----------------===//

#include "mlagen/Engine.h"
#include "EngineLaunches.h"
#include "EngineUnit.h"
#include "GpuModule.h"
#include "GpuPagedCacheState.h"
#include "dialect/MlaDialect.h"
#include "mlagen/CpuRunner.h"
#include "mlagen/CudaUnit.h"
#include "mlagen/KernelCompiler.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlagen;

struct Engine::State {
  EngineOptions options;
  GpuInfo gpu;
  CudaUnit unit;
  std::unique_ptr<GpuModule> module;
  EngineLaunches launches;
  /// How the decode kernels load the cache by TMA, if they do.
  std::optional<TensorMapDescription> cacheMap;
  DeviceMemory partialOut, partialLse; // the split-KV workspace
  int64_t splits = 1;
};

namespace {

/// The engine's functions: @append (fused RoPE + append after seq_lens)
/// and @decode (causal latent attention) at maxBatch sequences, @prefill
/// (causal MHA attention) for any batch and lengths.
std::string engineModule(const EngineOptions &o) {
  const LayerConfig &c = o.config;
  std::string t = toString(o.storage).str();
  int64_t b = o.maxBatch, s = o.queryTokens, h = c.heads;
  int64_t dc = c.kvLoraRank, dr = c.qkRopeHeadDim;
  return llvm::formatv(
      R"mlir(!cache = !mla.paged_cache<pages = ?, page_size = {0}, latent = {1}, rope = {2}, {3}>
#cfg = {4}
func.func @append(%c_kv: tensor<{5}x{6}x{1}x{3}>, %k_rope: tensor<{5}x{6}x{2}x{3}>,
                  %cache: !cache, %bt: tensor<{5}x?xi32>, %starts: tensor<{5}xi32>,
                  %positions: tensor<{5}x{6}xi32>) -> !cache {{
  %new = mla.cache_append %c_kv, %k_rope into %cache[%bt, %starts] rope(%positions)
      {{config = #cfg} : tensor<{5}x{6}x{1}x{3}>, tensor<{5}x{6}x{2}x{3}>
      into !cache[tensor<{5}x?xi32>, tensor<{5}xi32>] rope(tensor<{5}x{6}xi32>)
  return %new : !cache
}
func.func @decode(%q: tensor<{5}x{6}x{7}x{1}x{3}>, %qr: tensor<{5}x{6}x{7}x{2}x{3}>,
                  %cache: !cache, %bt: tensor<{5}x?xi32>, %lens: tensor<{5}xi32>)
    -> (tensor<{5}x{6}x{7}x{1}x{3}>, tensor<{5}x{6}x{7}xf32>) {{
  %o, %l = mla.latent_attention %q, %qr, %cache[%bt, %lens] {{causal, config = #cfg}
      : (tensor<{5}x{6}x{7}x{1}x{3}>, tensor<{5}x{6}x{7}x{2}x{3}>, !cache,
         tensor<{5}x?xi32>, tensor<{5}xi32>)
      -> (tensor<{5}x{6}x{7}x{1}x{3}>, tensor<{5}x{6}x{7}xf32>)
  return %o, %l : tensor<{5}x{6}x{7}x{1}x{3}>, tensor<{5}x{6}x{7}xf32>
}
func.func @prefill(%qn: tensor<?x?x{7}x{8}x{3}>, %qr: tensor<?x?x{7}x{2}x{3}>,
                   %kn: tensor<?x?x{7}x{8}x{3}>, %kr: tensor<?x?x{2}x{3}>,
                   %v: tensor<?x?x{7}x{9}x{3}>, %lens: tensor<?xi32>)
    -> (tensor<?x?x{7}x{9}x{3}>, tensor<?x?x{7}xf32>) {{
  %o, %l = mla.mha_attention %qn, %qr, %kn, %kr, %v, %lens {{causal, config = #cfg}
      : (tensor<?x?x{7}x{8}x{3}>, tensor<?x?x{7}x{2}x{3}>, tensor<?x?x{7}x{8}x{3}>,
         tensor<?x?x{2}x{3}>, tensor<?x?x{7}x{9}x{3}>, tensor<?xi32>)
      -> (tensor<?x?x{7}x{9}x{3}>, tensor<?x?x{7}xf32>)
  return %o, %l : tensor<?x?x{7}x{9}x{3}>, tensor<?x?x{7}xf32>
}
)mlir",
      o.pageSize, dc, dr, t, configText(c, o.storage), b, s, h, c.qkNopeHeadDim,
      c.vHeadDim);
}

} // namespace

llvm::Expected<CudaUnit>
mlagen::generateEngineUnit(const EngineOptions &options, llvm::StringRef arch,
                           int64_t smCount) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::mla::MlaDialect, mlir::func::FuncDialect>();
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(engineModule(options), &context);
  if (!module)
    return llvm::createStringError("engine: internal error: its IR does not "
                                   "parse");
  CudaUnitOptions unitOptions;
  unitOptions.arch = arch.str();
  unitOptions.splits = options.splits;
  unitOptions.smCount = smCount;
  return generateCudaUnit(*module, unitOptions);
}

Engine::Engine(std::unique_ptr<State> state) : state(std::move(state)) {}
Engine::~Engine() = default;
const GpuInfo &Engine::gpu() const { return state->gpu; }
const EngineOptions &Engine::options() const { return state->options; }
int64_t Engine::splits() const { return state->splits; }

int64_t Engine::workspaceBytes(int64_t batch) const {
  return workspaceBytes(state->options, state->splits, batch);
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

  llvm::Expected<CudaUnit> unit =
      generateEngineUnit(options, gpu->arch, gpu->multiprocessors);
  if (!unit)
    return unit.takeError();
  state->unit = std::move(*unit);
  llvm::Expected<EngineLaunches> launches =
      bindEngineKernels(state->unit.kernels);
  if (!launches)
    return launches.takeError();
  state->launches = std::move(*launches);
  for (const BoundLaunch &launch : state->launches.decode)
    for (const LaunchParam &p : state->unit.kernels[launch.kernel].params)
      if (p.tensorMap)
        state->cacheMap = p.tensorMap;

  std::unique_ptr<KernelCompiler> compiler = KernelCompiler::fromEnvironment();
  llvm::Expected<CompileResult> compiled =
      compiler->compile({state->unit.source, gpu->arch, {}});
  if (!compiled)
    return compiled.takeError();
  llvm::Expected<std::unique_ptr<GpuModule>> loaded =
      GpuModule::load(compiled->kernel->cubin, state->unit.kernels, *gpu);
  if (!loaded)
    return loaded.takeError();
  state->module = std::move(*loaded);

  if (state->launches.decode.size() == 2) // split: attention + combine
    state->splits =
        state->unit.kernels[state->launches.decode[0].kernel].grid[1].count;
  int64_t rows = options.maxBatch * options.queryTokens * options.config.heads;
  llvm::Expected<DeviceMemory> partialOut = DeviceMemory::allocate(
      state->splits > 1 ? state->splits * rows * options.config.kvLoraRank * 4
                        : 0,
      gpu->device);
  llvm::Expected<DeviceMemory> partialLse = DeviceMemory::allocate(
      state->splits > 1 ? state->splits * rows * 4 : 0, gpu->device);
  if (!partialOut)
    return partialOut.takeError();
  if (!partialLse)
    return partialLse.takeError();
  state->partialOut = std::move(*partialOut);
  state->partialLse = std::move(*partialLse);
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
  if (state->cacheMap) {
    llvm::Expected<CUtensorMap> map = encodeTensorMap(
        *state->cacheMap, cache->rows.address(), pages * o.pageSize, o.device);
    if (!map)
      return map.takeError();
    cache->tensorMap = *map;
    cache->mapLayout = state->cacheMap;
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
  EngineSlots slots;
  slots[EngineSlot::CKv] = b.cKv.data;
  slots[EngineSlot::KRope] = b.kRope.data;
  slots[EngineSlot::Positions] = b.positions.data;
  slots[EngineSlot::NewTokens] = b.cKv.shape[0] * state->options.queryTokens;
  slots[EngineSlot::SeqLens] = c.appendStarts.address();
  c.bind(slots);
  return state->module->launch(*state->launches.append, slots.all(),
                               static_cast<CUstream>(stream));
}

llvm::Error Engine::decode(const GpuPagedCache &cache, const DecodeBuffers &b,
                           GpuStream stream) {
  const GpuPagedCache::State &c = *cache.state;
  if (llvm::Error e = c.checkFor("decode", state->options, state->cacheMap))
    return e;
  if (llvm::Error e = checkDecode(state->options, state->splits, c.table,
                                  cache.uploaded(), b))
    return e;
  int64_t batch = b.qLatent.shape[0];
  EngineSlots slots;
  slots[EngineSlot::QLatent] = b.qLatent.data;
  slots[EngineSlot::QRope] = b.qRope.data;
  slots[EngineSlot::Out] = b.out.data;
  slots[EngineSlot::Lse] = b.lse.data;
  slots[EngineSlot::PartialOut] = state->partialOut.address();
  slots[EngineSlot::PartialLse] = state->partialLse.address();
  slots[EngineSlot::SeqLens] = c.lengths.address();
  slots[EngineSlot::Batch] = batch;
  int64_t rows =
      batch * state->options.queryTokens * state->options.config.heads;
  slots[EngineSlot::Rows] = rows;
  if (b.workspace) { // the caller's: [splits, rows, latent] then [splits, rows]
    slots[EngineSlot::PartialOut] = b.workspace;
    slots[EngineSlot::PartialLse] =
        b.workspace +
        state->splits * rows * state->options.config.kvLoraRank * 4;
  }
  c.bind(slots);
  for (const BoundLaunch &launch : state->launches.decode)
    if (llvm::Error e = state->module->launch(launch, slots.all(),
                                              static_cast<CUstream>(stream)))
      return e;
  return llvm::Error::success();
}

llvm::Error Engine::prefill(const PrefillBuffers &b, GpuStream stream) {
  if (llvm::Error e = checkPrefill(state->options, b))
    return e;
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
  return state->module->launch(*state->launches.prefill, slots.all(),
                               static_cast<CUstream>(stream));
}
