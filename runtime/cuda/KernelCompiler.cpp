//===- KernelCompiler.cpp - CUDA C++ to cubin with NVRTC ------------------===//

#include "mlagen/KernelCompiler.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/SHA256.h"

#include <nvrtc.h>

#include <chrono>

using namespace mlagen;

namespace {

constexpr llvm::StringLiteral kKeyVersion = "mlagen-kernel-1";

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

/// The options every compile gets: the architecture, C++20 (the kernel
/// templates take their shapes as class-type template arguments), the ptxas
/// report, and the toolkit's headers (cuda_bf16.h and friends).
std::vector<std::string> nvrtcOptions(const CompileRequest &request) {
  std::vector<std::string> options = {"-arch=" + request.arch, "--std=c++20",
                                      "-Xptxas", "-v",
                                      "-I" MLAGEN_CUDA_INCLUDE_DIR};
  options.insert(options.end(), request.options.begin(), request.options.end());
  return options;
}

llvm::Error nvrtcError(nvrtcResult result, llvm::StringRef what) {
  return llvm::createStringError(what + ": " + nvrtcGetErrorString(result));
}

/// Runs NVRTC on the request: the cubin and the log.
llvm::Expected<CompiledKernel> runNvrtc(const CompileRequest &request) {
  auto start = std::chrono::steady_clock::now();
  nvrtcProgram program;
  if (nvrtcResult r =
          nvrtcCreateProgram(&program, request.source.c_str(),
                             "mlagen_kernel.cu", 0, nullptr, nullptr);
      r != NVRTC_SUCCESS)
    return nvrtcError(r, "nvrtcCreateProgram");
  std::vector<std::string> options = nvrtcOptions(request);
  std::vector<const char *> argv;
  for (const std::string &o : options)
    argv.push_back(o.c_str());
  nvrtcResult compiled = nvrtcCompileProgram(program, argv.size(), argv.data());
  size_t logSize = 0;
  nvrtcGetProgramLogSize(program, &logSize);
  std::string log(logSize, '\0');
  if (logSize)
    nvrtcGetProgramLog(program, log.data());
  while (!log.empty() && log.back() == '\0')
    log.pop_back();
  if (compiled != NVRTC_SUCCESS) {
    nvrtcDestroyProgram(&program);
    return llvm::createStringError("NVRTC cannot compile the kernel for " +
                                   request.arch + ":\n" + log);
  }
  CompiledKernel kernel;
  size_t cubinSize = 0;
  if (nvrtcResult r = nvrtcGetCUBINSize(program, &cubinSize);
      r != NVRTC_SUCCESS) {
    nvrtcDestroyProgram(&program);
    return nvrtcError(r, "nvrtcGetCUBINSize");
  }
  kernel.cubin.resize(cubinSize);
  nvrtcGetCUBIN(program, kernel.cubin.data());
  nvrtcDestroyProgram(&program);
  kernel.arch = request.arch;
  kernel.log = std::move(log);
  kernel.resources = parsePtxasReport(kernel.log);
  kernel.compileSeconds = secondsSince(start);
  return kernel;
}

} // namespace

llvm::StringRef mlagen::toString(CacheOutcome outcome) {
  switch (outcome) {
  case CacheOutcome::Compiled:
    return "compiled";
  case CacheOutcome::MemoryHit:
    return "memory cache";
  case CacheOutcome::DiskHit:
    return "disk cache";
  }
  llvm_unreachable("unknown outcome");
}

KernelCompiler::KernelCompiler(std::optional<std::string> cacheDirectory)
    : dir(std::move(cacheDirectory)) {}

std::unique_ptr<KernelCompiler> KernelCompiler::fromEnvironment() {
  return std::make_unique<KernelCompiler>(KernelCache::defaultDirectory());
}

std::string KernelCompiler::nvrtcVersion() {
  int major = 0, minor = 0;
  ::nvrtcVersion(&major, &minor);
  return std::to_string(major) + "." + std::to_string(minor);
}

std::string KernelCompiler::keyOf(const CompileRequest &request) {
  llvm::SHA256 hash;
  auto field = [&](llvm::StringRef text) {
    hash.update(text);
    hash.update(llvm::ArrayRef<uint8_t>{0});
  };
  field(kKeyVersion);
  field(nvrtcVersion());
  for (const std::string &option : nvrtcOptions(request))
    field(option);
  field(request.source);
  std::array<uint8_t, 32> sum = hash.final();
  return llvm::toHex(sum, /*LowerCase=*/true);
}

llvm::Expected<CompileResult>
KernelCompiler::compile(const CompileRequest &request) {
  auto start = std::chrono::steady_clock::now();
  std::string key = keyOf(request);
  CompileResult result;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (auto it = memory.find(key); it != memory.end()) {
      result.kernel = it->second;
      result.outcome = CacheOutcome::MemoryHit;
      result.seconds = secondsSince(start);
      return result;
    }
  }

  std::optional<KernelCache> cache;
  if (dir) {
    llvm::Expected<KernelCache> opened = KernelCache::open(*dir);
    if (opened)
      cache = std::move(*opened);
    else
      result.cacheNote = llvm::toString(opened.takeError());
  } else {
    result.cacheNote = "disk cache off";
  }

  std::shared_ptr<CompiledKernel> kernel;
  std::string why;
  if (cache) {
    if (std::optional<CacheEntry> entry = cache->load(key, &why)) {
      kernel = std::make_shared<CompiledKernel>();
      kernel->key = key;
      kernel->arch = request.arch;
      kernel->log = std::move(entry->log);
      kernel->cubin = std::move(entry->cubin);
      kernel->compileSeconds = entry->compileSeconds;
      kernel->resources = parsePtxasReport(kernel->log);
      result.outcome = CacheOutcome::DiskHit;
    } else if (!why.empty()) {
      result.cacheNote = "recompiled: the disk entry " + why;
    }
  }
  if (!kernel) {
    llvm::Expected<CompiledKernel> compiled = runNvrtc(request);
    if (!compiled)
      return compiled.takeError();
    kernel = std::make_shared<CompiledKernel>(std::move(*compiled));
    kernel->key = key;
    result.outcome = CacheOutcome::Compiled;
    if (cache) {
      CacheEntry entry{key, kernel->log, kernel->compileSeconds, kernel->cubin};
      if (llvm::Error e = cache->store(entry))
        result.cacheNote = "not cached: " + llvm::toString(std::move(e));
    }
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    memory.emplace(key, kernel);
  }
  result.kernel = std::move(kernel);
  result.seconds = secondsSince(start);
  return result;
}
