//===- GpuStepRunner.cpp - a decode step on the GPU -----------------------===//

#include "runtime/cuda/GpuStepRunner.h"
#include "GpuModule.h"
#include "StepBuffers.h"
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

const KernelLaunch &kernelOf(const CudaUnit &unit, const PlannedLaunch &l) {
  return unit.kernels[l.kernel];
}

} // namespace

GpuStepRunner::GpuStepRunner(std::unique_ptr<State> state)
    : state(std::move(state)) {}
GpuStepRunner::~GpuStepRunner() = default;

llvm::Expected<std::unique_ptr<GpuStepRunner>>
GpuStepRunner::create(const Problem &p, const GpuInfo &gpu, bool rewrite,
                      const CudaVariant &variant, KernelCompiler &compiler) {
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
  options.splits = variant.splits;
  options.tilings = variant.tilings;
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

  // Every buffer of the plan, with the bytes it starts with.
  llvm::Expected<std::vector<std::vector<char>>> initial =
      stepBufferBytes(p, plan);
  if (!initial)
    return initial.takeError();
  for (auto [buffer, bytes] : llvm::zip(plan.buffers, *initial)) {
    llvm::Expected<DeviceMemory> memory =
        DeviceMemory::allocate(buffer.bytes, gpu.device);
    if (!memory)
      return memory.takeError();
    if (llvm::Error e = memory->upload(bytes.data(), bytes.size()))
      return std::move(e);
    state->buffers.push_back(std::move(*memory));
  }

  // Each launch bound once, its values in its slots; TMA descriptors
  // encoded once.
  for (const PlannedLaunch &launch : plan.launches) {
    const KernelLaunch &kernel = kernelOf(state->unit, launch);
    llvm::Expected<BoundLaunch> bound = bindInOrder(kernel, launch.kernel);
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
  return stepResult(*state->problem, *state->unit.plan,
                    [&](int buffer, void *into, size_t bytes) {
                      return state->buffers[buffer].download(into, bytes);
                    });
}

const CudaUnit &GpuStepRunner::unit() const { return state->unit; }
const CompileResult &GpuStepRunner::compiled() const { return state->compiled; }
