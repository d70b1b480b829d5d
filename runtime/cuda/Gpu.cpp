//===- Gpu.cpp - the GPU at hand, if any ----------------------------------===//

#include "mlagen/Gpu.h"

#include "llvm/Support/FormatVariadic.h"

#ifdef MLAGEN_HAVE_CUDA
#include "CudaDriver.h"
#endif

using namespace mlagen;

GpuRoofline mlagen::rooflineOf(const GpuInfo &gpu) {
  int64_t flopsPerClock = 0;
  if (gpu.major == 8)
    flopsPerClock = gpu.minor == 0 ? 2048 : 1024;
  else if (gpu.major == 9 && gpu.minor == 0)
    flopsPerClock = 4096;
  else if (gpu.major == 10)
    flopsPerClock = 8192;
  GpuRoofline roofline;
  roofline.bytesPerSecond =
      2.0 * double(gpu.memoryClockKhz) * 1e3 * double(gpu.memoryBusBits) / 8;
  roofline.flopsPerSecond = double(gpu.multiprocessors) * double(gpu.clockKhz) *
                            1e3 * double(flopsPerClock);
  return roofline;
}

std::string mlagen::archForCapability(int major, int minor) {
  bool archSpecific =
      (major == 9 && minor == 0) || (major == 10 && (minor == 0 || minor == 3));
  return llvm::formatv("sm_{0}{1}{2}", major, minor, archSpecific ? "a" : "");
}

llvm::Expected<GpuInfo> mlagen::findGpu(int device) {
#ifndef MLAGEN_HAVE_CUDA
  return llvm::createStringError("this build has no CUDA toolkit: no GPU "
                                 "back end");
#else
  llvm::Expected<const CudaDriver &> driver = CudaDriver::get();
  if (!driver)
    return driver.takeError();
  const CudaDriver &cu = *driver;
  int count = 0;
  if (llvm::Error e = cu.check(cu.cuDeviceGetCount(&count), "cuDeviceGetCount"))
    return std::move(e);
  if (device < 0 || device >= count)
    return llvm::createStringError(
        llvm::formatv("GPU {0} asked for; the driver finds {1} (ordinals 0 to "
                      "{2})",
                      device, count, count - 1)
            .str());
  CUdevice handle;
  if (llvm::Error e = cu.check(cu.cuDeviceGet(&handle, device), "cuDeviceGet"))
    return std::move(e);
  GpuInfo info;
  info.device = device;
  char name[256] = {};
  int shared = 0, clock = 0, memoryClock = 0, busBits = 0;
  if (llvm::Error e = cu.check(cu.cuDeviceGetName(name, sizeof name, handle),
                               "cuDeviceGetName"))
    return std::move(e);
  struct {
    CUdevice_attribute attribute;
    int *value;
  } queries[] = {
      {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, &info.major},
      {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, &info.minor},
      {CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, &info.multiprocessors},
      {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, &shared},
      {CU_DEVICE_ATTRIBUTE_CLOCK_RATE, &clock},
      {CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, &memoryClock},
      {CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH, &busBits}};
  for (auto &query : queries)
    if (llvm::Error e = cu.check(
            cu.cuDeviceGetAttribute(query.value, query.attribute, handle),
            "cuDeviceGetAttribute"))
      return std::move(e);
  int driverVersion = 0;
  if (llvm::Error e =
          cu.check(cu.cuDriverGetVersion(&driverVersion), "cuDriverGetVersion"))
    return std::move(e);
  info.driverVersion =
      llvm::formatv("{0}.{1}", driverVersion / 1000, driverVersion % 1000 / 10);
  info.name = name;
  info.sharedMemoryPerBlock = shared;
  info.clockKhz = clock;
  info.memoryClockKhz = memoryClock;
  info.memoryBusBits = busBits;
  info.arch = archForCapability(info.major, info.minor);
  if (info.major < 8)
    return llvm::createStringError(
        llvm::formatv("GPU {0} ({1}) is compute capability {2}.{3}; mlagen's "
                      "kernels need 8.0 or later",
                      device, info.name, info.major, info.minor)
            .str());
  return info;
#endif
}
