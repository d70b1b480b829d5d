//===- DeviceKey.cpp - what a tuning entry was measured on ----------------===//

#include "mlagen/CpuVariant.h"
#include "mlagen/TuneDatabase.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/TargetParser/Host.h"

using namespace mlagen;

namespace {
#include "runtime/tune/CodeHash.inc" // kCodeHash, made by cmake/CodeHash.cmake

/// The "model name" line of /proc/cpuinfo, or the LLVM CPU name.
std::string cpuModelName() {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> info =
      llvm::MemoryBuffer::getFileAsStream("/proc/cpuinfo");
  if (info) {
    llvm::SmallVector<llvm::StringRef> lines;
    (*info)->getBuffer().split(lines, '\n');
    for (llvm::StringRef line : lines)
      if (line.starts_with("model name"))
        return line.split(':').second.trim().str();
  }
  return llvm::sys::getHostCPUName().str();
}
} // namespace

std::string DeviceKey::str() const {
  return llvm::formatv("{0} {1}, {2} {3}, {4}", kind, name, units,
                       kind == "cpu" ? "cores" : "SMs", detail)
      .str();
}

DeviceKey mlagen::thisCpu() {
  // The vector ISA the CPU code generation may use, in a fixed order.
  static constexpr const char *kIsa[] = {"avx2",       "fma",        "avx512f",
                                         "avx512bf16", "avx512fp16", "amx-bf16",
                                         "neon",       "sve"};
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  std::string detail = llvm::sys::getHostCPUName().str();
  for (const char *isa : kIsa)
    if (features.lookup(isa))
      detail += std::string(" ") + isa;
  return DeviceKey{"cpu", cpuModelName(), cpuCores(), detail};
}

llvm::StringRef mlagen::codeGeneratorHash() { return kCodeHash; }
