//===- GpuAttentionRunner.cpp - a decode attention step on the GPU --------===//

#include "mlagen/GpuAttentionRunner.h"
#include "GpuModule.h"
#include "dialect/MlaDialect.h"
#include "mlagen/CpuRunner.h"
#include "mlagen/StorageBuffer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlagen;

struct GpuAttentionRunner::State {
  const Problem *problem = nullptr;
  CudaUnit unit;
  CompileResult compiled;
  std::unique_ptr<GpuModule> module;
  // Inputs, outputs and the split-KV workspace.
  DeviceMemory qLatent, qRope, cache, blockTable, seqLens, out, lse, partialOut,
      partialLse;
  int64_t rows = 0;                    // query rows: batch x tokens x heads
  std::optional<CUtensorMap> cacheMap; // for the wgmma kernel's TMA loads
};

namespace {

llvm::Expected<DeviceMemory> upload(const void *data, size_t bytes) {
  llvm::Expected<DeviceMemory> memory = DeviceMemory::allocate(bytes);
  if (!memory)
    return memory.takeError();
  if (llvm::Error e = memory->upload(data, bytes))
    return std::move(e);
  return memory;
}

llvm::Expected<DeviceMemory> uploadStorage(StorageType type,
                                           const std::vector<float> &values) {
  StorageBuffer buffer(type, values);
  return upload(buffer.data(), values.size() * sizeOf(type));
}

/// Splits the attention kernel runs over: its grid's y extent.
int64_t splitsOf(const KernelLaunch &attention) {
  return attention.grid[1].countParam.empty() ? attention.grid[1].count : 1;
}

bool isAttention(const KernelLaunch &k) {
  return k.op == "mla.latent_attention" ||
         k.op == "mla.partial_latent_attention";
}

} // namespace

GpuAttentionRunner::GpuAttentionRunner(std::unique_ptr<State> state)
    : state(std::move(state)) {}
GpuAttentionRunner::~GpuAttentionRunner() = default;

llvm::Expected<std::unique_ptr<GpuAttentionRunner>>
GpuAttentionRunner::create(const Problem &p, const GpuInfo &gpu, bool rewrite,
                           int64_t splits, KernelCompiler &compiler) {
  if (p.shape.mode != RunMode::Attention)
    return llvm::createStringError(
        "the CUDA back end runs attention mode only: the layer's kernels "
        "generate and compile (--compile-only), but no runner launches them "
        "yet");
  if (p.shape.storage == StorageType::F32)
    return llvm::createStringError(
        "the CUDA attention kernels take bf16 or f16 storage, not f32");
  auto state = std::make_unique<State>();
  state->problem = &p;

  mlir::DialectRegistry registry;
  registry.insert<mlir::mla::MlaDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::tensor::TensorDialect>();
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(buildStepModule(p), &context);
  if (!module)
    return llvm::createStringError("internal error: the step's IR does not "
                                   "parse");
  CudaUnitOptions options;
  options.arch = gpu.arch;
  options.rewrite = rewrite;
  options.splits = splits;
  options.smCount = gpu.multiprocessors;
  llvm::Expected<CudaUnit> unit = generateCudaUnit(*module, options);
  if (!unit)
    return unit.takeError();
  state->unit = std::move(*unit);
  for (const KernelLaunch &k : state->unit.kernels)
    if (!isAttention(k) && k.op != "mla.combine")
      return llvm::createStringError(
          "the GPU attention runner binds attention and combine kernels; the "
          "step also has " +
          k.op);

  llvm::Expected<CompileResult> compiled =
      compiler.compile({state->unit.source, gpu.arch, {}});
  if (!compiled)
    return compiled.takeError();
  state->compiled = std::move(*compiled);
  llvm::Expected<std::unique_ptr<GpuModule>> loaded =
      GpuModule::load(state->compiled.kernel->cubin, state->unit.kernels,
                      gpu.sharedMemoryPerBlock);
  if (!loaded)
    return loaded.takeError();
  state->module = std::move(*loaded);

  const LayerConfig &c = p.config;
  state->rows = p.shape.batch() * p.shape.queryTokens * c.heads;
  int64_t maxSplits = 1;
  for (const KernelLaunch &k : state->unit.kernels)
    if (isAttention(k))
      maxSplits = std::max(maxSplits, splitsOf(k));
  StorageType storage = p.shape.storage;
  auto take = [](llvm::Expected<DeviceMemory> memory,
                 DeviceMemory &into) -> llvm::Error {
    if (!memory)
      return memory.takeError();
    into = std::move(*memory);
    return llvm::Error::success();
  };
  size_t element = sizeOf(storage);
  if (llvm::Error e = take(uploadStorage(storage, p.qLatent), state->qLatent))
    return std::move(e);
  if (llvm::Error e = take(uploadStorage(storage, p.qRope), state->qRope))
    return std::move(e);
  if (llvm::Error e = take(uploadStorage(storage, p.cache.rows), state->cache))
    return std::move(e);
  if (llvm::Error e =
          take(upload(p.table.blockTable.data(), p.table.blockTable.size() * 4),
               state->blockTable))
    return std::move(e);
  if (llvm::Error e =
          take(upload(p.table.seqLens.data(), p.table.seqLens.size() * 4),
               state->seqLens))
    return std::move(e);
  if (llvm::Error e =
          take(DeviceMemory::allocate(state->rows * c.kvLoraRank * element),
               state->out))
    return std::move(e);
  if (llvm::Error e = take(DeviceMemory::allocate(state->rows * 4), state->lse))
    return std::move(e);
  if (llvm::Error e = take(
          DeviceMemory::allocate(maxSplits * state->rows * c.kvLoraRank * 4),
          state->partialOut))
    return std::move(e);
  if (llvm::Error e = take(DeviceMemory::allocate(maxSplits * state->rows * 4),
                           state->partialLse))
    return std::move(e);
  for (const KernelLaunch &k : state->unit.kernels)
    for (const LaunchParam &param : k.params)
      if (param.tensorMap && !state->cacheMap) {
        llvm::Expected<CUtensorMap> map =
            encodeTensorMap(*param.tensorMap, state->cache.address(),
                            p.cache.numPages * p.cache.pageSize);
        if (!map)
          return map.takeError();
        state->cacheMap = *map;
      }
  return std::unique_ptr<GpuAttentionRunner>(
      new GpuAttentionRunner(std::move(state)));
}

llvm::Error GpuAttentionRunner::run() {
  const Problem &p = *state->problem;
  const std::vector<KernelLaunch> &kernels = state->module->kernels();
  for (size_t i = 0; i < kernels.size(); ++i) {
    const KernelLaunch &k = kernels[i];
    KernelArgs args;
    if (isAttention(k)) {
      bool split = k.op == "mla.partial_latent_attention";
      args.pointers = {{"q_latent", state->qLatent.address()},
                       {"q_rope", state->qRope.address()},
                       {"cache", state->cache.address()},
                       {"block_table", state->blockTable.address()},
                       {"seq_lens", state->seqLens.address()}};
      args.pointers["out"] =
          split ? state->partialOut.address() : state->out.address();
      args.pointers["lse"] =
          split ? state->partialLse.address() : state->lse.address();
      args.ints = {{"table_width", p.table.width}, {"batch", p.shape.batch()}};
      if (state->cacheMap)
        args.tensorMaps["cache_map"] = *state->cacheMap;
    } else { // the combine
      args.pointers = {{"partial_out", state->partialOut.address()},
                       {"partial_lse", state->partialLse.address()},
                       {"out", state->out.address()},
                       {"lse", state->lse.address()}};
      args.ints = {{"rows", state->rows}};
    }
    if (llvm::Error e = state->module->launch(i, args))
      return e;
  }
  llvm::Expected<GpuContextScope> scope = GpuContextScope::enter();
  if (!scope)
    return scope.takeError();
  const CudaDriver &cu = scope->driver();
  return cu.check(cu.cuStreamSynchronize(nullptr), "the step's kernels");
}

llvm::Expected<StepResult> GpuAttentionRunner::result() const {
  const Problem &p = *state->problem;
  StorageBuffer out(p.shape.storage, size_t(state->rows * p.config.kvLoraRank));
  if (llvm::Error e =
          state->out.download(out.data(), out.size() * sizeOf(p.shape.storage)))
    return std::move(e);
  StepResult result;
  result.out = out.values();
  result.lse.resize(state->rows);
  if (llvm::Error e =
          state->lse.download(result.lse.data(), result.lse.size() * 4))
    return std::move(e);
  return result;
}

const CudaUnit &GpuAttentionRunner::unit() const { return state->unit; }
const CompileResult &GpuAttentionRunner::compiled() const {
  return state->compiled;
}
