//===- DeviceKey.cpp - what a tuning entry was measured on, and for -------===//

#include "mlagen/Problem.h"
#include "mlagen/TuneDatabase.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>

using namespace mlagen;

namespace {
#include "runtime/tune/CodeHash.inc" // kCodeHash, made by cmake/CodeHash.cmake

} // namespace

std::string DeviceKey::str() const {
  if (units == 0) // a device known by its name and target only
    return llvm::formatv("{0} {1}, {2}", kind, name, detail).str();
  return llvm::formatv("{0} {1}, {2} {3}, {4}", kind, name, units,
                       kind == "cpu" ? "cores" : "SMs", detail)
      .str();
}

llvm::StringRef DeviceKey::target() const {
  return llvm::StringRef(detail).take_until(
      [](char c) { return c == ' ' || c == ','; });
}

llvm::StringRef mlagen::codeGeneratorHash() { return kCodeHash; }

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
