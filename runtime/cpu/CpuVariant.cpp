//===- CpuVariant.cpp - the CPU back end's choices and their heuristic ----===//

#include "mlagen/CpuVariant.h"
#include "OpenMpRuntime.h"
#include "mlagen/Problem.h"
#include "passes/AmxTiles.h"
#include "passes/PairDots.h"
#include "passes/Passes.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/TargetParser/Host.h"

#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <map>

using namespace mlagen;

namespace {

// The most splits and threads a variant may name.
constexpr int64_t kMaxThreads = 1024;

struct Field {
  const char *name;
  int64_t CpuVariant::*value;
};

constexpr Field kFields[] = {
    {"splits", &CpuVariant::splits},
    {"chunks", &CpuVariant::chunks},
    {"threads", &CpuVariant::threads},
    {"acc", &CpuVariant::accumulatorRegisters},
    {"inner", &CpuVariant::innerRegisters},
    {"amx", &CpuVariant::amx},
    {"dot", &CpuVariant::dot},
};

llvm::Error fieldError(llvm::StringRef field, const llvm::Twine &why) {
  return llvm::createStringError("CPU variant field '" + field + "' " + why);
}

/// Whether two chunks of `perChunk` sequences reach a common page in a
/// layer step (rows below length + the appended tokens): one would append
/// where the other reads.
bool chunksSharePages(const Problem &p, int64_t perChunk) {
  std::map<int32_t, int64_t> owner; // page -> chunk
  int64_t width = p.table.width, pageSize = p.cache.pageSize;
  for (int64_t b = 0; b < p.shape.batch(); ++b) {
    int64_t rows = p.table.seqLens[b] + p.shape.queryTokens;
    for (int64_t i = 0; i * pageSize < rows; ++i) {
      auto [it, inserted] =
          owner.emplace(p.table.blockTable[b * width + i], b / perChunk);
      if (!inserted && it->second != b / perChunk)
        return true;
    }
  }
  return false;
}

int64_t longestAttended(const Problem &p) {
  int64_t longest = 0;
  for (int64_t b = 0; b < p.shape.batch(); ++b)
    longest = std::max(longest, p.keysAttended(b));
  return longest;
}

} // namespace

std::string CpuVariant::str() const {
  std::string text;
  for (const Field &field : kFields) {
    if (!text.empty())
      text += ",";
    text += std::string(field.name) + "=" + std::to_string(this->*field.value);
  }
  return text;
}

llvm::Expected<CpuVariant> CpuVariant::parse(llvm::StringRef text,
                                             const CpuVariant &base) {
  CpuVariant variant = base;
  llvm::SmallVector<llvm::StringRef> items;
  text.split(items, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (llvm::StringRef item : items) {
    auto [name, value] = item.trim().split('=');
    const Field *field =
        llvm::find_if(kFields, [&](const Field &f) { return name == f.name; });
    if (field == std::end(kFields))
      return llvm::createStringError(
          "unknown CPU variant field '" + name +
          "' (known: splits, chunks, threads, acc, inner, amx, dot)");
    int64_t number = 0;
    if (value.getAsInteger(10, number))
      return fieldError(name, "is not an integer: '" + value + "'");
    variant.*field->value = number;
  }
  return variant;
}

llvm::Error CpuVariant::check(const Problem &problem) const {
  int64_t batch = problem.shape.batch();
  if (splits < 1 || splits > kMaxThreads)
    return fieldError("splits",
                      "must be in [1, 1024], got " + llvm::Twine(splits));
  if (threads < 0 || threads > kMaxThreads)
    return fieldError("threads",
                      "must be in [0, 1024], got " + llvm::Twine(threads));
  if (chunks < 1 || batch % chunks != 0)
    return fieldError("chunks", "must divide the batch of " +
                                    llvm::Twine(batch) + ", got " +
                                    llvm::Twine(chunks));
  if (chunks > 1 && problem.shape.mode == RunMode::Layer &&
      chunksSharePages(problem, batch / chunks))
    return fieldError("chunks",
                      "would let two calls reach a common cache page (one "
                      "appends where the other reads): use 1");
  // mla-cpu-vectorize's own rule, one field at a time.
  if (!mlir::mla::isValidRegisterBlock(accumulatorRegisters, 1))
    return fieldError("acc", "must be a power of two in [1, 32], got " +
                                 llvm::Twine(accumulatorRegisters));
  if (!mlir::mla::isValidRegisterBlock(1, innerRegisters))
    return fieldError("inner", "must be a power of two in [1, 8], got " +
                                   llvm::Twine(innerRegisters));
  if (amx != 0 && amx != 1)
    return fieldError("amx", "must be 0 or 1, got " + llvm::Twine(amx));
  if (amx == 1 && !hostHasAmxTiles())
    return fieldError("amx", "is 1, but this CPU has no AMX-BF16 tiles or "
                             "the OS refused this process their state");
  if (dot != 0 && dot != 1)
    return fieldError("dot", "must be 0 or 1, got " + llvm::Twine(dot));
  if (dot == 1 && !hostHasAvx512Bf16())
    return fieldError("dot", "is 1, but this CPU has no AVX512-BF16");
  return llvm::Error::success();
}

bool mlagen::hostHasAvx512() {
  static const bool present = llvm::sys::getHostCPUFeatures().lookup("avx512f");
  return present;
}

bool mlagen::hostHasAvx512Bf16() {
  static const bool present =
      llvm::sys::getHostCPUFeatures().lookup("avx512bf16");
  return present;
}

bool mlagen::hostHasAmxTiles() {
  static const bool usable = [] {
    llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
    if (!features.lookup("amx-tile") || !features.lookup("amx-bf16"))
      return false;
#if defined(__linux__) && defined(__x86_64__)
    // ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA: without it the first tile
    // instruction faults.
    constexpr int kRequestPermission = 0x1023, kTileData = 18;
    return syscall(SYS_arch_prctl, kRequestPermission, kTileData) == 0;
#else
    return false;
#endif
  }();
  return usable;
}

bool mlagen::amxTilesFit(const Problem &p) {
  return mlir::mla::tiles::pageStepFits(
      p.shape.storage == StorageType::BF16, p.config.kvLoraRank,
      p.config.qkRopeHeadDim, p.shape.pageSize);
}

bool mlagen::pairDotsFit(const Problem &p) {
  return mlir::mla::pairs::pageStepFits(
      p.shape.storage == StorageType::BF16, p.config.kvLoraRank,
      p.config.qkRopeHeadDim, p.shape.pageSize);
}

int64_t mlagen::cpuCores() { return std::max(1, openmp::processors()); }

CpuVariant mlagen::chooseCpuVariant(const Problem &p, int64_t cores) {
  CpuVariant variant;
  int64_t batch = p.shape.batch();
  cores = std::max<int64_t>(1, cores);
  // One call on every core, in attention and in a layer step alike: a
  // layer's projections share their weight rows among the threads, so each
  // weight streams from memory once (batch chunks would each stream all of
  // them).
  variant.threads = cores;
  int64_t splits = llvm::divideCeil(cores, std::max<int64_t>(1, batch));
  splits = std::min(splits, longestAttended(p) / mlir::mla::kMinKeysPerSplit);
  variant.splits = std::clamp<int64_t>(splits, 1, mlir::mla::kMaxChosenSplits);
  // The block counts 16-lane f32 vectors: AVX-512 holds one in each of its
  // 32 registers, AVX2 needs two of its 16, so there a block of 16 spills
  // and one 4 vectors wide along the innermost loop reads too few rows.
  if (!hostHasAvx512()) {
    variant.accumulatorRegisters = 4;
    variant.innerRegisters = 1;
  }
  variant.amx = hostHasAmxTiles() && amxTilesFit(p);
  variant.dot = !variant.amx && hostHasAvx512Bf16() && pairDotsFit(p);
  return variant;
}

std::string mlagen::describeCpuHeuristic(const Problem &p, int64_t cores) {
  return "heuristic (" + std::to_string(cores) + " cores, batch " +
         std::to_string(p.shape.batch()) + ", longest attended " +
         std::to_string(longestAttended(p)) + " keys, " +
         (p.shape.mode == RunMode::Layer ? "layer" : "attention") + ")";
}
