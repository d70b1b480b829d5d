//===- CudaSelection.cpp - the CUDA variant of a step ---------------------===//

#include "mlagen/CudaChoice.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlagen;

DeviceKey mlagen::cudaDeviceKey(const GpuInfo &gpu,
                                llvm::StringRef nvrtcVersion) {
  return DeviceKey{"cuda", gpu.name, gpu.multiprocessors,
                   llvm::formatv("{0}, driver {1}, nvrtc {2}", gpu.arch,
                                 gpu.driverVersion, nvrtcVersion)
                       .str()};
}

DeviceKey mlagen::namedCudaDevice(llvm::StringRef name, llvm::StringRef arch) {
  return DeviceKey{"cuda", name.str(), 0, arch.str()};
}

TuneKey mlagen::engineTuneKey(const EngineOptions &options,
                              const DeviceKey &device) {
  TuneKey key;
  key.device = device;
  key.code = codeGeneratorHash().str();
  key.model = configText(options.config, options.storage);
  key.mode = "attention";
  key.pageSize = options.pageSize;
  key.batch = options.maxBatch;
  key.length = options.typicalLength;
  key.queryTokens = options.queryTokens;
  return key;
}

CudaChoice mlagen::chooseCudaVariant(const TuneKey &want,
                                     const TuneDatabase &db, int64_t smCount) {
  CudaChoice heuristic{
      CudaVariant{},
      llvm::formatv("heuristic ({0} SMs, {1}: mla-split-kv's split count, the "
                    "kernel families' default tilings)",
                    smCount, want.device.target())
          .str(),
      smCount};
  const TuneEntry *entry = db.nearest(want, DeviceMatch::Exact);
  std::string differs;
  if (!entry) {
    entry = db.nearest(want, DeviceMatch::SameModel);
    if (entry)
      differs = " (matched by the GPU's name and target only)";
  }
  if (!entry) {
    heuristic.source += "; no tuning entry for " + want.str();
    return heuristic;
  }
  llvm::Expected<CudaVariant> tuned = CudaVariant::parse(entry->variant);
  if (!tuned) {
    heuristic.source +=
        "; the nearest tuning entry (" + entry->key.str() +
        ") does not parse: " + llvm::toString(tuned.takeError());
    return heuristic;
  }
  return {*tuned, "tuning entry: " + entry->key.str() + differs,
          entry->key.device.units > 0 ? entry->key.device.units : smCount};
}
