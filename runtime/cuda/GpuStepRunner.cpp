//===- GpuStepRunner.cpp - a decode step on the GPU -----------------------===//

#include "mlagen/GpuStepRunner.h"
#include "GpuModule.h"
#include "mlagen/CpuRunner.h"
#include "mlagen/StorageBuffer.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlagen;

struct GpuStepRunner::State {
  const Problem *problem = nullptr;
  int device = 0; // the GPU's ordinal
  CudaUnit unit;
  CompileResult compiled;
  std::unique_ptr<GpuModule> module;
  std::vector<DeviceMemory> buffers; // the plan's, by index
  /// Each planned launch, bound once: parameter i reads slot i.
  struct Launch {
    BoundLaunch bound;
    std::vector<uint64_t> slots;
  };
  std::vector<Launch> launches;
  std::vector<std::unique_ptr<CUtensorMap>> maps; // the slots point at them
};

namespace {

/// The host values of the step function's arguments, in order, as bytes
/// (buildStepModule's signatures).
std::vector<std::vector<char>> argumentBytes(const Problem &p) {
  auto storage = [&](const std::vector<float> &values) {
    StorageBuffer buffer(p.shape.storage, values);
    const char *bytes = static_cast<const char *>(buffer.data());
    return std::vector<char>(bytes,
                             bytes + values.size() * sizeOf(p.shape.storage));
  };
  auto ints = [](const std::vector<int32_t> &values) {
    const char *bytes = reinterpret_cast<const char *>(values.data());
    return std::vector<char>(bytes, bytes + values.size() * 4);
  };
  if (p.shape.mode == RunMode::Attention)
    return {storage(p.qLatent), storage(p.qRope), storage(p.cache.rows),
            ints(p.table.blockTable), ints(p.table.seqLens)};
  const reference::LayerWeights &w = p.weights;
  std::vector<std::vector<char>> args = {
      storage(p.hidden), storage(p.cache.rows), ints(p.table.blockTable),
      ints(p.table.seqLens)};
  if (p.config.hasQueryCompression()) {
    args.push_back(storage(w.wDq));
    args.push_back(storage(w.qNorm));
  }
  for (const std::vector<float> *weight :
       {&w.wUq, &w.wDkv, &w.kvNorm, &w.wUk, &w.wUv, &w.wO})
    args.push_back(storage(*weight));
  return args;
}

/// The host value of a buffer the step's index arithmetic makes, known by
/// the parameter that reads it: RoPE positions (lengths + k) or the
/// lengths the attention sees after the append (lengths + S).
llvm::Expected<std::vector<int32_t>>
computed(const Problem &p, llvm::StringRef role, const PlannedBuffer &buffer) {
  int64_t s = p.shape.queryTokens;
  std::vector<int32_t> values;
  if (role == "positions") {
    for (int32_t length : p.table.seqLens)
      for (int64_t k = 0; k < s; ++k)
        values.push_back(int32_t(length + k));
  } else if (role == "seq_lens") {
    for (int32_t length : p.table.seqLens)
      values.push_back(int32_t(length + s));
  } else {
    return llvm::createStringError(
        "the GPU runner cannot compute " + buffer.name + " (made by " +
        buffer.computedBy + ", read as '" + role + "') on the host");
  }
  if (int64_t(values.size() * 4) != buffer.bytes)
    return llvm::createStringError("the GPU runner's " + role.str() +
                                   " do not fit " + buffer.name);
  return values;
}

const KernelLaunch &kernelOf(const CudaUnit &unit, const PlannedLaunch &l) {
  return unit.kernels[l.kernel];
}

} // namespace

GpuStepRunner::GpuStepRunner(std::unique_ptr<State> state)
    : state(std::move(state)) {}
GpuStepRunner::~GpuStepRunner() = default;

llvm::Expected<std::unique_ptr<GpuStepRunner>>
GpuStepRunner::create(const Problem &p, const GpuInfo &gpu, bool rewrite,
                      int64_t splits, KernelCompiler &compiler) {
  if (p.shape.storage == StorageType::F32)
    return llvm::createStringError(
        "the CUDA attention kernels take bf16 or f16 storage, not f32");
  auto state = std::make_unique<State>();
  state->problem = &p;
  state->device = gpu.device;

  mlir::MLIRContext context;
  llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>> module =
      parseStepModule(p, context);
  if (!module)
    return module.takeError();
  CudaUnitOptions options;
  options.arch = gpu.arch;
  options.rewrite = rewrite;
  options.splits = splits;
  options.smCount = gpu.multiprocessors;
  options.plan = true;
  llvm::Expected<CudaUnit> unit = generateCudaUnit(**module, options);
  if (!unit)
    return unit.takeError();
  state->unit = std::move(*unit);
  const FunctionPlan &plan = *state->unit.plan;

  llvm::Expected<CompileResult> compiled =
      compiler.compile({state->unit.source, gpu.arch, {}});
  if (!compiled)
    return compiled.takeError();
  state->compiled = std::move(*compiled);
  llvm::Expected<std::unique_ptr<GpuModule>> loaded =
      GpuModule::load(state->compiled.kernel->cubin, state->unit.kernels, gpu);
  if (!loaded)
    return loaded.takeError();
  state->module = std::move(*loaded);

  // Every buffer of the plan; arguments uploaded, computed ones filled.
  std::vector<std::vector<char>> arguments = argumentBytes(p);
  for (const PlannedBuffer &buffer : plan.buffers) {
    llvm::Expected<DeviceMemory> memory =
        DeviceMemory::allocate(buffer.bytes, gpu.device);
    if (!memory)
      return memory.takeError();
    state->buffers.push_back(std::move(*memory));
    DeviceMemory &device = state->buffers.back();
    if (buffer.argument >= 0) {
      if (size_t(buffer.argument) >= arguments.size() ||
          int64_t(arguments[buffer.argument].size()) != buffer.bytes)
        return llvm::createStringError(
            "internal error: the problem has no value for " + buffer.name);
      if (llvm::Error e =
              device.upload(arguments[buffer.argument].data(), buffer.bytes))
        return std::move(e);
    }
  }
  for (auto [index, buffer] : llvm::enumerate(plan.buffers)) {
    if (buffer.computedBy.empty())
      continue;
    std::string role;
    for (const PlannedLaunch &launch : plan.launches)
      for (const PlannedParam &param : launch.params)
        if (param.buffer == int(index))
          role = param.name;
    llvm::Expected<std::vector<int32_t>> values = computed(p, role, buffer);
    if (!values)
      return values.takeError();
    if (llvm::Error e =
            state->buffers[index].upload(values->data(), buffer.bytes))
      return std::move(e);
  }

  // Each launch bound once, its values in its slots; TMA descriptors
  // encoded once.
  for (const PlannedLaunch &launch : plan.launches) {
    const KernelLaunch &kernel = kernelOf(state->unit, launch);
    auto slotOf = [&](llvm::StringRef name) -> std::optional<unsigned> {
      for (auto [i, param] : llvm::enumerate(launch.params))
        if (param.name == name)
          return unsigned(i);
      return std::nullopt;
    };
    llvm::Expected<BoundLaunch> bound = bindLaunch(
        kernel, launch.kernel, unsigned(launch.params.size()), slotOf);
    if (!bound)
      return bound.takeError();
    std::vector<uint64_t> slots;
    for (auto [i, param] : llvm::enumerate(launch.params)) {
      const LaunchParam &described = kernel.params[i];
      if (described.isInt()) {
        slots.push_back(uint64_t(param.count));
        continue;
      }
      const DeviceMemory &memory = state->buffers[param.buffer];
      if (!described.tensorMap) {
        slots.push_back(memory.address());
        continue;
      }
      int64_t rows = memory.size() / described.tensorMap->rowStrideBytes;
      llvm::Expected<CUtensorMap> map = encodeTensorMap(
          *described.tensorMap, memory.address(), rows, gpu.device);
      if (!map)
        return map.takeError();
      state->maps.push_back(std::make_unique<CUtensorMap>(*map));
      slots.push_back(reinterpret_cast<uintptr_t>(state->maps.back().get()));
    }
    state->launches.push_back({std::move(*bound), std::move(slots)});
  }
  return std::unique_ptr<GpuStepRunner>(new GpuStepRunner(std::move(state)));
}

llvm::Error GpuStepRunner::run() {
  for (const State::Launch &launch : state->launches)
    if (llvm::Error e =
            state->module->launch(launch.bound, launch.slots, nullptr))
      return e;
  llvm::Expected<GpuContextScope> scope = GpuContextScope::enter(state->device);
  if (!scope)
    return scope.takeError();
  const CudaDriver &cu = scope->driver();
  return cu.check(cu.cuStreamSynchronize(nullptr), "the step's kernels");
}

llvm::Expected<StepResult> GpuStepRunner::result() const {
  const Problem &p = *state->problem;
  const FunctionPlan &plan = *state->unit.plan;
  if (plan.results.size() != 2)
    return llvm::createStringError("internal error: the step has " +
                                   std::to_string(plan.results.size()) +
                                   " results, not 2");
  auto download = [&](int buffer,
                      StorageType type) -> llvm::Expected<std::vector<float>> {
    const DeviceMemory &memory = state->buffers[buffer];
    StorageBuffer values(type, memory.size() / sizeOf(type));
    if (llvm::Error e = memory.download(values.data(), memory.size()))
      return std::move(e);
    return values.values();
  };
  StepResult result;
  llvm::Expected<std::vector<float>> out =
      download(plan.results[0], p.shape.storage);
  if (!out)
    return out.takeError();
  result.out = std::move(*out);
  bool attention = p.shape.mode == RunMode::Attention;
  llvm::Expected<std::vector<float>> second =
      download(plan.results[1], attention ? StorageType::F32 : p.shape.storage);
  if (!second)
    return second.takeError();
  (attention ? result.lse : result.cache) = std::move(*second);
  return result;
}

const CudaUnit &GpuStepRunner::unit() const { return state->unit; }
const CompileResult &GpuStepRunner::compiled() const { return state->compiled; }
