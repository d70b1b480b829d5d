//===- MemoryEstimate.cpp - host memory a run needs, before it takes it ---===//

#include "mlagen/MemoryEstimate.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sys/resource.h>
#include <unistd.h>

using namespace mlagen;

void MemoryEstimate::add(std::string name, uint64_t bytes) {
  if (!bytes)
    return;
  for (Part &part : parts)
    if (part.name == name) {
      part.bytes += bytes;
      return;
    }
  parts.push_back({std::move(name), bytes});
}

void MemoryEstimate::add(const MemoryEstimate &other) {
  for (const Part &part : other.parts)
    add(part.name, part.bytes);
}

uint64_t MemoryEstimate::total() const {
  uint64_t sum = 0;
  for (const Part &part : parts)
    sum += part.bytes;
  return sum;
}

std::string MemoryEstimate::describe() const {
  std::vector<Part> sorted = parts;
  std::stable_sort(
      sorted.begin(), sorted.end(),
      [](const Part &a, const Part &b) { return a.bytes > b.bytes; });
  std::string text;
  for (const Part &part : sorted)
    text +=
        (text.empty() ? "" : ", ") + part.name + " " + formatBytes(part.bytes);
  return text;
}

std::string mlagen::formatBytes(double bytes) {
  const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 5) {
    bytes /= 1024;
    ++unit;
  }
  if (unit == 0)
    return llvm::formatv("{0} B", uint64_t(bytes)).str();
  return llvm::formatv("{0:F2} {1}", bytes, units[unit]).str();
}

namespace {

/// Values of each array, as the shapes give them.
struct Sizes {
  uint64_t cache, table, queries, hidden, weights, out, lse, partials;
};

Sizes sizesOf(const LayerConfig &c, const ProblemShape &shape, int64_t splits) {
  uint64_t b = shape.batch(), s = shape.queryTokens, h = c.heads;
  uint64_t dc = c.kvLoraRank, dr = c.qkRopeHeadDim, dn = c.qkNopeHeadDim;
  uint64_t dv = c.vHeadDim, dm = c.dModel;
  Sizes z{};
  z.cache = uint64_t(cachePages(shape)) * shape.pageSize * c.rowWidth();
  z.table = b * uint64_t(tableWidth(shape));
  if (shape.mode == RunMode::Attention) {
    z.queries = b * s * h * (dc + dr);
    z.out = b * s * h * dc;
    z.lse = b * s * h;
  } else {
    z.hidden = b * s * dm;
    uint64_t q = c.queryInputDim();
    if (c.hasQueryCompression())
      z.weights += q * dm + q;
    z.weights += h * (dn + dr) * q + (dc + dr) * dm + dc + h * dn * dc +
                 h * dv * dc + dm * h * dv;
    z.out = b * s * dm;
  }
  // Each split keeps its share's output rows and their log-sum-exp.
  if (splits > 1)
    z.partials = uint64_t(splits) * b * s * h * (dc + 1);
  return z;
}

std::string storageName(const ProblemShape &shape) {
  return "in " + toString(shape.storage).str();
}

} // namespace

MemoryEstimate mlagen::problemMemory(const LayerConfig &config,
                                     const ProblemShape &shape) {
  Sizes z = sizesOf(config, shape, 1);
  MemoryEstimate e;
  e.add("cache as floats", 4 * z.cache);
  e.add("block table", 4 * z.table);
  e.add("queries as floats", 4 * z.queries);
  e.add("hidden states as floats", 4 * z.hidden);
  e.add("weights as floats", 4 * z.weights);
  return e;
}

MemoryEstimate mlagen::cpuStepMemory(const LayerConfig &config,
                                     const ProblemShape &shape,
                                     int64_t splits) {
  Sizes z = sizesOf(config, shape, splits);
  uint64_t element = sizeOf(shape.storage);
  std::string in = storageName(shape);
  MemoryEstimate e;
  e.add("cache " + in, element * z.cache);
  e.add("block table", 4 * z.table);
  e.add("queries " + in, element * z.queries);
  e.add("hidden states " + in, element * z.hidden);
  e.add("weights " + in, element * z.weights);
  e.add("output " + in, element * z.out);
  e.add("log-sum-exp", 4 * z.lse);
  e.add("split partials", 4 * z.partials);
  // The result, widened to floats (the layer's with the cache it wrote).
  e.add("result as floats",
        4 * (z.out + z.lse +
             (shape.mode == RunMode::Layer ? z.cache : uint64_t(0))));
  return e;
}

MemoryEstimate mlagen::verifyMemory(const LayerConfig &config,
                                    const ProblemShape &shape) {
  Sizes z = sizesOf(config, shape, 1);
  MemoryEstimate e;
  e.add("reference output as doubles", 8 * (z.out + z.lse));
  if (shape.mode == RunMode::Layer) {
    // The reference appends to its own copy, then compares it as doubles.
    e.add("reference cache as floats", 4 * z.cache);
    e.add("reference cache as doubles", 8 * z.cache);
  }
  return e;
}

namespace {

/// The first number after `key` in a "key: number" file, or 0.
uint64_t readField(const char *path, llvm::StringRef key) {
  std::ifstream in(path);
  std::string line;
  for (int lines = 0; lines < 256 && std::getline(in, line); ++lines) {
    llvm::StringRef text(line);
    if (!text.consume_front(key))
      continue;
    uint64_t value = 0;
    if (!text.trim(" \t:").split(' ').first.getAsInteger(10, value))
      return value;
  }
  return 0;
}

/// A whole file's first word as a number; nullopt for "max" or no file.
std::optional<uint64_t> readNumber(const std::string &path) {
  std::ifstream in(path);
  std::string word;
  uint64_t value = 0;
  if (!(in >> word) || llvm::StringRef(word).getAsInteger(10, value))
    return std::nullopt;
  return value;
}

/// This process's cgroup (v2) directory, from /proc/self/cgroup.
std::string cgroupDirectory() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line))
    if (llvm::StringRef(line).starts_with("0::"))
      return "/sys/fs/cgroup" + line.substr(3);
  return "/sys/fs/cgroup";
}

llvm::Expected<uint64_t> parseLimit(llvm::StringRef text) {
  llvm::StringRef digits = text.trim();
  uint64_t scale = 1;
  if (!digits.empty()) {
    switch (llvm::toUpper(digits.back())) {
    case 'K':
      scale = uint64_t(1) << 10;
      break;
    case 'M':
      scale = uint64_t(1) << 20;
      break;
    case 'G':
      scale = uint64_t(1) << 30;
      break;
    case 'T':
      scale = uint64_t(1) << 40;
      break;
    default:
      break;
    }
    if (scale != 1)
      digits = digits.drop_back();
  }
  uint64_t value = 0;
  if (digits.empty() || digits.getAsInteger(10, value) ||
      value > UINT64_MAX / scale)
    return llvm::createStringError(
        "MLAGEN_MEMORY_LIMIT must be a byte count, optionally with a K, M, G "
        "or T suffix (e.g. 8G), got '" +
        text.str() + "'");
  return value * scale;
}

} // namespace

llvm::Expected<HostMemory> mlagen::availableHostMemory() {
  if (const char *set = std::getenv("MLAGEN_MEMORY_LIMIT")) {
    llvm::Expected<uint64_t> limit = parseLimit(set);
    if (!limit)
      return limit.takeError();
    return HostMemory{*limit, "MLAGEN_MEMORY_LIMIT"};
  }
  HostMemory best{UINT64_MAX, "no limit found"};
  auto consider = [&](uint64_t bytes, const char *source) {
    if (bytes < best.bytes)
      best = {bytes, source};
  };
  if (uint64_t kib = readField("/proc/meminfo", "MemAvailable"))
    consider(kib * 1024, "MemAvailable in /proc/meminfo");
  std::string group = cgroupDirectory();
  if (std::optional<uint64_t> max = readNumber(group + "/memory.max")) {
    uint64_t used = readNumber(group + "/memory.current").value_or(0);
    consider(*max > used ? *max - used : 0, "the cgroup's memory.max");
  }
  struct rlimit limit;
  if (getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    uint64_t pages = readNumber("/proc/self/statm").value_or(0);
    uint64_t size = pages * uint64_t(sysconf(_SC_PAGESIZE));
    consider(limit.rlim_cur > size ? limit.rlim_cur - size : 0,
             "RLIMIT_AS (ulimit -v)");
  }
  return best;
}

llvm::Error mlagen::checkHostMemory(const MemoryEstimate &need,
                                    llvm::StringRef what) {
  llvm::Expected<HostMemory> have = availableHostMemory();
  if (!have)
    return have.takeError();
  if (need.total() <= have->bytes)
    return llvm::Error::success();
  return llvm::createStringError(
      llvm::formatv("{0} would take {1} of host memory ({2}), more than the "
                    "{3} this process can still allocate ({4}); make the "
                    "batch, the lengths or the page count smaller, or set "
                    "MLAGEN_MEMORY_LIMIT to the bytes to allow",
                    what, formatBytes(need.total()), need.describe(),
                    formatBytes(have->bytes), have->source)
          .str());
}
