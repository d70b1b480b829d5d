//===- GpuModule.cpp - device memory, cubins and launches -----------------===//

#include "GpuModule.h"

#include "llvm/Support/FormatVariadic.h"

#include <array>
#include <atomic>
#include <mutex>

using namespace mlagen;

namespace {

/// Each GPU's primary context, retained the first time it is asked for
/// (thread-safe; a failed retain is tried again on the next call).
llvm::Expected<CUcontext> primaryContext(const CudaDriver &cu, int device) {
  constexpr int kMaxDevices = 64;
  static std::array<std::atomic<CUcontext>, kMaxDevices> contexts;
  static std::mutex retaining;
  if (device < 0 || device >= kMaxDevices)
    return llvm::createStringError(
        llvm::formatv("GPU {0}: mlagen takes ordinals 0 to {1}", device,
                      kMaxDevices - 1)
            .str());
  if (CUcontext context = contexts[device].load(std::memory_order_acquire))
    return context;
  std::lock_guard<std::mutex> lock(retaining);
  if (CUcontext context = contexts[device].load(std::memory_order_acquire))
    return context;
  CUdevice handle;
  CUcontext context;
  if (llvm::Error e = cu.check(cu.cuDeviceGet(&handle, device), "cuDeviceGet"))
    return std::move(e);
  if (llvm::Error e = cu.check(cu.cuDevicePrimaryCtxRetain(&context, handle),
                               "cuDevicePrimaryCtxRetain"))
    return std::move(e);
  contexts[device].store(context, std::memory_order_release);
  return context;
}

} // namespace

llvm::Expected<GpuContextScope> GpuContextScope::enter(int device) {
  llvm::Expected<const CudaDriver &> driver = CudaDriver::get();
  if (!driver)
    return driver.takeError();
  llvm::Expected<CUcontext> context = primaryContext(*driver, device);
  if (!context)
    return context.takeError();
  if (llvm::Error e =
          driver->check(driver->cuCtxPushCurrent(*context), "cuCtxPushCurrent"))
    return std::move(e);
  return GpuContextScope(*driver);
}

GpuContextScope::~GpuContextScope() {
  CUcontext popped;
  if (pushed)
    cu->cuCtxPopCurrent(&popped);
}

llvm::Expected<DeviceMemory> DeviceMemory::allocate(size_t bytes, int device) {
  llvm::Expected<GpuContextScope> scope = GpuContextScope::enter(device);
  if (!scope)
    return scope.takeError();
  const CudaDriver *cu = &scope->driver();
  DeviceMemory memory;
  memory.cu = cu;
  memory.bytes = bytes;
  memory.device = device;
  if (bytes == 0)
    return memory;
  if (llvm::Error e =
          cu->check(cu->cuMemAlloc(&memory.pointer, bytes),
                    llvm::formatv("cuMemAlloc({0} bytes)", bytes).str()))
    return std::move(e);
  return memory;
}

DeviceMemory &DeviceMemory::operator=(DeviceMemory &&other) {
  std::swap(cu, other.cu);
  std::swap(pointer, other.pointer);
  std::swap(bytes, other.bytes);
  std::swap(device, other.device);
  return *this;
}

DeviceMemory::~DeviceMemory() {
  if (!pointer)
    return;
  llvm::Expected<GpuContextScope> scope = GpuContextScope::enter(device);
  if (!scope) { // the context that holds it is gone: nothing to free
    llvm::consumeError(scope.takeError());
    return;
  }
  cu->cuMemFree(pointer);
}

llvm::Error DeviceMemory::uploadAt(size_t offset, const void *data,
                                   size_t count) {
  if (offset > bytes || count > bytes - offset)
    return llvm::createStringError(
        llvm::formatv("upload of {0} bytes at {1} into {2}", count, offset,
                      bytes)
            .str());
  if (count == 0)
    return llvm::Error::success();
  llvm::Expected<GpuContextScope> scope = GpuContextScope::enter(device);
  if (!scope)
    return scope.takeError();
  return cu->check(cu->cuMemcpyHtoD(pointer + offset, data, count),
                   "cuMemcpyHtoD");
}

llvm::Error DeviceMemory::download(void *data, size_t count) const {
  if (count > bytes)
    return llvm::createStringError(
        llvm::formatv("download of {0} bytes from {1}", count, bytes).str());
  if (count == 0)
    return llvm::Error::success();
  llvm::Expected<GpuContextScope> scope = GpuContextScope::enter(device);
  if (!scope)
    return scope.takeError();
  return cu->check(cu->cuMemcpyDtoH(data, pointer, count), "cuMemcpyDtoH");
}

llvm::Expected<std::unique_ptr<GpuModule>>
GpuModule::load(llvm::ArrayRef<char> cubin, std::vector<KernelLaunch> kernels,
                const GpuInfo &gpu) {
  llvm::Expected<GpuContextScope> scope = GpuContextScope::enter(gpu.device);
  if (!scope)
    return scope.takeError();
  const CudaDriver *cu = &scope->driver();
  auto module = std::unique_ptr<GpuModule>(new GpuModule());
  module->cu = cu;
  module->device = gpu.device;
  if (llvm::Error e =
          cu->check(cu->cuModuleLoadData(&module->module, cubin.data()),
                    "cuModuleLoadData"))
    return std::move(e);
  for (const KernelLaunch &k : kernels) {
    CUfunction function;
    if (llvm::Error e = cu->check(
            cu->cuModuleGetFunction(&function, module->module, k.name.c_str()),
            "cuModuleGetFunction(" + k.name + ")"))
      return std::move(e);
    if (k.dynamicSharedBytes > gpu.sharedMemoryPerBlock)
      return llvm::createStringError(
          llvm::formatv("{0} needs {1} bytes of shared memory per CTA; the GPU "
                        "offers {2}",
                        k.name, k.dynamicSharedBytes, gpu.sharedMemoryPerBlock)
              .str());
    if (llvm::Error e = cu->check(
            cu->cuFuncSetAttribute(
                function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                int(k.dynamicSharedBytes)),
            "cuFuncSetAttribute(" + k.name + ")"))
      return std::move(e);
    module->functions.push_back(function);
  }
  module->launches = std::move(kernels);
  return module;
}

GpuModule::~GpuModule() {
  if (!module)
    return;
  llvm::Expected<GpuContextScope> scope = GpuContextScope::enter(device);
  if (!scope) {
    llvm::consumeError(scope.takeError());
    return;
  }
  cu->cuModuleUnload(module);
}

llvm::Error GpuModule::launch(const BoundLaunch &bound,
                              llvm::ArrayRef<uint64_t> slots,
                              CUstream stream) const {
  const KernelLaunch &k = launches[bound.kernel];
  BoundLaunch::Arguments arguments;
  if (llvm::Error e = bound.prepare(k, slots, arguments))
    return e;
  const std::array<unsigned, 3> &grid = arguments.grid;
  if (grid[0] == 0 || grid[1] == 0 || grid[2] == 0)
    return llvm::Error::success(); // nothing to do
  llvm::Expected<GpuContextScope> scope = GpuContextScope::enter(device);
  if (!scope)
    return scope.takeError();
  CUresult result = cu->cuLaunchKernel(
      functions[bound.kernel], grid[0], grid[1], grid[2], unsigned(k.block), 1,
      1, unsigned(k.dynamicSharedBytes), stream, arguments.pointers.data(),
      nullptr);
  if (result == CUDA_SUCCESS) // no message made: nothing allocated
    return llvm::Error::success();
  return cu->check(result, "cuLaunchKernel(" + k.name + ")");
}

llvm::Expected<CUtensorMap>
mlagen::encodeTensorMap(const TensorMapDescription &d, CUdeviceptr base,
                        int64_t rows, int device) {
  llvm::Expected<GpuContextScope> scope = GpuContextScope::enter(device);
  if (!scope)
    return scope.takeError();
  const CudaDriver *cu = &scope->driver();
  CUtensorMapDataType type;
  if (d.element == "bf16")
    type = CU_TENSOR_MAP_DATA_TYPE_BFLOAT16;
  else if (d.element == "f16")
    type = CU_TENSOR_MAP_DATA_TYPE_FLOAT16;
  else
    return llvm::createStringError("tensor map of " + d.tensor +
                                   ": unknown element type '" + d.element +
                                   "'");
  cuuint64_t dims[2] = {cuuint64_t(d.columns), cuuint64_t(rows)};
  cuuint64_t strides[1] = {cuuint64_t(d.rowStrideBytes)};
  cuuint32_t box[2] = {cuuint32_t(d.box[0]), cuuint32_t(d.box[1])};
  cuuint32_t elementStrides[2] = {1, 1};
  CUtensorMap map;
  if (llvm::Error e = cu->check(
          cu->cuTensorMapEncodeTiled(
              &map, type, 2, reinterpret_cast<void *>(base), dims, strides, box,
              elementStrides, CU_TENSOR_MAP_INTERLEAVE_NONE,
              CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
              CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE),
          "cuTensorMapEncodeTiled(" + d.tensor + ")"))
    return std::move(e);
  return map;
}
