//===- compile-bench.cpp - NVRTC cold compile and warm start --------------===//
//
// The JIT's two speed targets, measured as a user meets them: for each
// target GPU generation, `mla-run --compile-only` generates and compiles
// the DeepSeek-V3 decode step's kernels (batch 4, 2 query tokens) with a
// fresh, empty kernel cache (a cold NVRTC compile), then a second process
// asks for the same kernels and finds them on disk (a warm start). Prints,
// per arch, what each process reports (generating the CUDA source from the
// IR, then NVRTC or the cache lookup: together the time to a loadable
// cubin), each process's whole wall time, and the targets (cold < 1.5 s,
// warm < 20 ms).
// Needs the CUDA toolkit (NVRTC), not a GPU. A benchmark that prints; it
// asserts nothing about speed.
//
//===----------------------------------------------------------------------===//

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <optional>

using llvm::outs;

namespace {

constexpr double kColdTargetMs = 1500, kWarmTargetMs = 20;

struct Run {
  double generateMs = 0, cubinMs = 0, wallMs = 0;
  std::string outcome;
};

/// Runs mla-run --compile-only for `arch` with its kernel cache in `cache`;
/// the time to the cubin and the outcome as it prints them.
std::optional<Run> compileOnce(llvm::StringRef mlaRun, llvm::StringRef arch,
                               llvm::StringRef cache) {
  llvm::SmallString<128> output;
  if (llvm::sys::fs::createTemporaryFile("mla-bench-compile", "txt", output))
    return std::nullopt;
  std::string archFlag = ("--arch=" + arch).str();
  llvm::SmallVector<llvm::StringRef> args = {
      mlaRun,      "--compile-only", archFlag,          "--preset=deepseek-v3",
      "--batch=4", "--seq-len=4096", "--query-tokens=2"};
  std::string cacheVariable = ("MLAGEN_KERNEL_CACHE=" + cache).str();
  llvm::SmallVector<llvm::StringRef> environment = {cacheVariable};
  std::optional<llvm::StringRef> redirects[] = {
      std::nullopt, llvm::StringRef(output), std::nullopt};
  auto start = std::chrono::steady_clock::now();
  int rc = llvm::sys::ExecuteAndWait(mlaRun, args, environment, redirects);
  double wallMs = std::chrono::duration<double, std::milli>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  auto text = llvm::MemoryBuffer::getFile(output);
  llvm::sys::fs::remove(output);
  if (rc != 0 || !text)
    return std::nullopt;
  llvm::SmallVector<llvm::StringRef> match;
  llvm::Regex line("generated in ([0-9.]+) ms, cubin of [0-9]+ bytes in "
                   "([0-9.]+) ms \\(([a-z ]+)");
  if (!line.match((*text)->getBuffer(), &match))
    return std::nullopt;
  Run run;
  match[1].getAsDouble(run.generateMs);
  match[2].getAsDouble(run.cubinMs);
  run.outcome = match[3].str();
  run.wallMs = wallMs;
  return run;
}

} // namespace

int main(int argc, char **argv) {
  std::string self = llvm::sys::fs::getMainExecutable(
      argv[0], reinterpret_cast<void *>(&main));
  llvm::SmallString<128> mlaRun(llvm::sys::path::parent_path(self));
  llvm::sys::path::append(mlaRun, "mla-run");
  llvm::SmallString<128> cache;
  if (llvm::sys::fs::createUniqueDirectory("mla-bench-compile-cache", cache)) {
    llvm::errs() << "mla-bench-compile: cannot create a cache directory\n";
    return 1;
  }
  outs() << "DeepSeek-V3 decode step kernels (attention + combine), "
            "mla-run --compile-only, a new process each time; times in ms\n";
  outs() << llvm::format("%-8s | %-28s | %-28s | %s\n", "",
                         "cold (empty kernel cache)",
                         "warm (disk cache, new process)", "");
  outs() << llvm::format("%-8s | %8s %8s %10s | %8s %8s %10s | %s\n", "arch",
                         "generate", "cubin", "to cubin", "generate", "cubin",
                         "to cubin", "process (cold / warm)");
  int failures = 0;
  for (const char *arch : {"sm_80", "sm_90a", "sm_100a"}) {
    std::optional<Run> cold = compileOnce(mlaRun, arch, cache);
    std::optional<Run> warm = compileOnce(mlaRun, arch, cache);
    if (!cold || !warm || cold->outcome != "compiled" ||
        warm->outcome != "disk cache") {
      llvm::errs() << "mla-bench-compile: " << arch
                   << ": mla-run --compile-only failed or did not use the "
                      "cache as expected (is NVRTC built in?)\n";
      ++failures;
      continue;
    }
    outs() << llvm::format(
        "%-8s | %8.1f %8.1f %10.1f | %8.1f %8.2f %10.1f | %.0f / %.0f\n", arch,
        cold->generateMs, cold->cubinMs, cold->generateMs + cold->cubinMs,
        warm->generateMs, warm->cubinMs, warm->generateMs + warm->cubinMs,
        cold->wallMs, warm->wallMs);
  }
  outs() << llvm::format(
      "targets: cold compile < %.0f ms; warm start < %.0f ms to a loadable "
      "cubin (generate + cache lookup). The process time also counts mla-run "
      "making the preset's random inputs.\n",
      kColdTargetMs, kWarmTargetMs);
  llvm::sys::fs::remove_directories(cache);
  return failures ? 1 : 0;
}
