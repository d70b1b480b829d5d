//===- CpuSelection.cpp - the CPU variant of a step -----------------------===//

#include "mlagen/TunedChoice.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/TargetParser/Host.h"

using namespace mlagen;

namespace {
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

CpuChoice mlagen::chooseCpuStepVariant(const Problem &p, const TuneDatabase &db,
                                       const DeviceKey &cpu) {
  CpuChoice heuristic{chooseCpuVariant(p, cpu.units),
                      describeCpuHeuristic(p, cpu.units)};
  const TuneEntry *entry = db.nearest(tuneKeyOf(p, cpu));
  if (!entry)
    return heuristic;
  llvm::Expected<CpuVariant> tuned =
      CpuVariant::parse(entry->variant, heuristic.variant);
  llvm::Error unfit = tuned ? tuned->check(p) : tuned.takeError();
  if (unfit) {
    heuristic.source += "; the nearest tuning entry (" + entry->key.str() +
                        ") does not fit: " + llvm::toString(std::move(unfit));
    return heuristic;
  }
  return {*tuned, "tuning entry: " + entry->key.str()};
}
