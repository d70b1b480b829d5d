//===- MemoryEstimate.h - host memory a run needs -----------*- C++ -*-===//
//
// What a decode step's arrays will take on the host, part by part, and what
// the machine can still give: the problem's arrays (floats), the CPU step's
// buffers (storage type, with the split partials its code allocates) and the
// reference's for a verification. Each part is checked right before it is
// allocated, so a size beyond the machine is an error naming the sizes, not
// an out-of-memory kill halfway through.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_MEMORYESTIMATE_H
#define MLAGEN_MEMORYESTIMATE_H

#include "mlagen/Problem.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlagen {

/// Bytes by named part ("cache as floats", "split partials", ...).
struct MemoryEstimate {
  struct Part {
    std::string name;
    uint64_t bytes;
  };
  std::vector<Part> parts;

  void add(std::string name, uint64_t bytes);
  void add(const MemoryEstimate &other);
  uint64_t total() const;
  /// "cache as floats 1.00 GiB, queries 2.00 MiB" (the larger parts first).
  std::string describe() const;
};

/// What this process may still allocate, and what says so.
struct HostMemory {
  uint64_t bytes;
  /// "MemAvailable in /proc/meminfo", "MLAGEN_MEMORY_LIMIT", ...
  std::string source;
};

/// The least of: MemAvailable in /proc/meminfo, the cgroup's memory.max
/// less its memory.current, RLIMIT_AS less this process's size, and
/// $MLAGEN_MEMORY_LIMIT (bytes, or with a K, M, G or T suffix, powers of
/// 1024). A malformed $MLAGEN_MEMORY_LIMIT is an error naming it.
llvm::Expected<HostMemory> availableHostMemory();

/// The problem's own arrays as Problem holds them (floats): the cache, the
/// block table, the queries (attention) or the hidden states and weights
/// (layer). Assumes validateShape(config, shape) holds.
MemoryEstimate problemMemory(const LayerConfig &config,
                             const ProblemShape &shape);
/// The CPU step's buffers: every operand again in the storage type, the
/// results, and `splits` partial results where the step is split.
MemoryEstimate cpuStepMemory(const LayerConfig &config,
                             const ProblemShape &shape, int64_t splits);
/// The result widened to floats and the reference's own arrays (doubles)
/// that --verify compares it with.
MemoryEstimate verifyMemory(const LayerConfig &config,
                            const ProblemShape &shape);

/// An error unless `need` fits in what availableHostMemory() gives; `what`
/// names the allocation ("the problem's arrays").
llvm::Error checkHostMemory(const MemoryEstimate &need, llvm::StringRef what);

/// "1.50 GiB", "12.00 KiB", "100 B".
std::string formatBytes(double bytes);

} // namespace mlagen

#endif // MLAGEN_MEMORYESTIMATE_H
