//===- KernelCompiler.h - CUDA C++ to cubin with NVRTC ----------*- C++ -*-===//
//
// Compiles generated CUDA C++ to a cubin for a named GPU architecture with
// NVRTC (no GPU or driver needed), parses the ptxas resource report, and
// caches the result in memory and on disk (KernelCache), keyed by the
// source, the options, the architecture and the NVRTC version.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_KERNELCOMPILER_H
#define MLAGEN_KERNELCOMPILER_H

#include "mlagen/KernelCache.h"
#include "mlagen/PtxasReport.h"

#include <map>
#include <memory>
#include <mutex>

namespace mlagen {

struct CompileRequest {
  std::string source; // a self-contained CUDA C++ translation unit
  std::string arch;   // sm_80, sm_90a, sm_100a, ...
  std::vector<std::string> options; // more NVRTC options, if any
};

struct CompiledKernel {
  std::string key, arch, log;
  std::vector<char> cubin;
  std::vector<ResourceRecord> resources; // one per kernel in the source
  double compileSeconds = 0;             // of the NVRTC compile that made it
};

enum class CacheOutcome { Compiled, MemoryHit, DiskHit };
llvm::StringRef toString(CacheOutcome outcome);

struct CompileResult {
  std::shared_ptr<const CompiledKernel> kernel;
  CacheOutcome outcome = CacheOutcome::Compiled;
  double seconds = 0;    // this call, from request to loadable cubin
  std::string cacheNote; // why the disk cache was not used, if it was not
};

class KernelCompiler {
public:
  /// A compiler caching on disk in `cacheDirectory` (none: memory only).
  explicit KernelCompiler(std::optional<std::string> cacheDirectory);
  /// Caching where KernelCache::defaultDirectory() says.
  static std::unique_ptr<KernelCompiler> fromEnvironment();

  /// The cubin for `request`: from memory, from disk, or compiled now. A
  /// disk entry that fails its checks is recompiled and rewritten; a cache
  /// that cannot be written is noted in the result, not an error. Fails
  /// with NVRTC's log when the source does not compile.
  llvm::Expected<CompileResult> compile(const CompileRequest &request);

  /// "13.0"
  static std::string nvrtcVersion();
  /// The cache key of `request` (hex SHA-256).
  static std::string keyOf(const CompileRequest &request);

  const std::optional<std::string> &cacheDirectory() const { return dir; }

private:
  std::optional<std::string> dir;
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<const CompiledKernel>> memory;
};

} // namespace mlagen

#endif // MLAGEN_KERNELCOMPILER_H
