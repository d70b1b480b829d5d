//===- CpuSelection.cpp - the CPU variant of a step -----------------------===//

#include "mlagen/CpuRunner.h"
#include "mlagen/TunedChoice.h"

#include <algorithm>

using namespace mlagen;

TuneKey mlagen::tuneKeyOf(const Problem &p, const DeviceKey &device) {
  TuneKey key;
  key.device = device;
  key.code = codeGeneratorHash().str();
  key.model = configText(p.config, p.shape.storage);
  key.mode = p.shape.mode == RunMode::Layer ? "layer" : "attention";
  key.pageSize = p.shape.pageSize;
  key.batch = p.shape.batch();
  int32_t longest = 0;
  for (int32_t length : p.shape.seqLens)
    longest = std::max(longest, length);
  key.length = std::max<int64_t>(1, longest);
  key.queryTokens = p.shape.queryTokens;
  return key;
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
