//===- CudaDriver.cpp - the CUDA driver API, loaded at run time -----------===//

#include "CudaDriver.h"

#include "llvm/Support/Process.h"

#include <dlfcn.h>
#include <mutex>

using namespace mlagen;

namespace {

#define MLAGEN_ABI_NAME(name) #name
#define MLAGEN_ABI_NAME_OF(name) MLAGEN_ABI_NAME(name)

/// Opens the library and resolves every entry point, or says why not.
std::string load(CudaDriver &driver) {
  std::optional<std::string> override =
      llvm::sys::Process::GetEnv("MLAGEN_CUDA_DRIVER");
  if (override && override->empty())
    return "no CUDA driver: MLAGEN_CUDA_DRIVER is set but empty (unset it "
           "to load libcuda.so.1)";
  std::string path = override ? *override : "libcuda.so.1";
  void *library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *why = dlerror();
    return "no CUDA driver: cannot load " + path + " (" +
           (why ? why : "unknown reason") + ")";
  }
  std::string missing;
#define MLAGEN_DRIVER_ENTRY(name)                                              \
  driver.name = reinterpret_cast<decltype(driver.name)>(                       \
      dlsym(library, MLAGEN_ABI_NAME_OF(name)));                               \
  if (!driver.name)                                                            \
    missing +=                                                                 \
        std::string(missing.empty() ? "" : ", ") + MLAGEN_ABI_NAME_OF(name);
#include "CudaDriverEntries.def"
  // A library with none of the entry points is not a CUDA driver at all.
  if (!missing.empty() && !driver.cuInit)
    return "no CUDA driver: " + path +
           " is not a CUDA driver (it has no cuInit)";
  if (!missing.empty())
    return "the CUDA driver " + path + " is too old: it lacks " + missing;
  CUresult result = driver.cuInit(0);
  int count = 0;
  if (result == CUDA_SUCCESS)
    result = driver.cuDeviceGetCount(&count);
  if (result != CUDA_SUCCESS || count == 0) {
    const char *name = nullptr;
    if (result == CUDA_SUCCESS)
      return "no GPU: the CUDA driver found none";
    if (driver.cuGetErrorName(result, &name) != CUDA_SUCCESS || !name)
      return "no GPU: cuInit failed with CUresult " + std::to_string(result);
    return std::string("no GPU: cuInit failed with ") + name;
  }
  return "";
}

} // namespace

llvm::Expected<const CudaDriver &> CudaDriver::get() {
  static CudaDriver driver;
  static std::string failure;
  static std::once_flag once;
  std::call_once(once, [] { failure = load(driver); });
  if (!failure.empty())
    return llvm::createStringError(failure);
  return driver;
}

llvm::Error CudaDriver::check(CUresult result, llvm::StringRef what) const {
  if (result == CUDA_SUCCESS)
    return llvm::Error::success();
  const char *name = nullptr, *text = nullptr;
  if (cuGetErrorName(result, &name) != CUDA_SUCCESS || !name)
    return llvm::createStringError(llvm::Twine(what) + ": CUresult " +
                                   llvm::Twine(int(result)));
  if (cuGetErrorString(result, &text) != CUDA_SUCCESS || !text)
    text = "";
  return llvm::createStringError(llvm::Twine(what) + ": " + name + " (" + text +
                                 ")");
}
