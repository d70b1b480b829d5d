//===- Bundle.h - an engine's kernels compiled ahead of time ----*- C++ -*-===//
//
// A kernel bundle is a directory a build machine writes once (mla-bundle,
// writeBundle: code generation and NVRTC) and a serving process loads with
// no compiler: for each named architecture the generated CUDA unit (with
// its launch description) and its cubin, and a manifest that says what
// they are for and how to tell them intact:
//
//   mlagen-bundle 1
//   mlagen 0.2.0
//   engine heads=128 d_model=7168 ... page_size=64 query_tokens=1 ...
//   sm-count 132
//   arch sm_90a sm_90a.cu <bytes> <sha256> sm_90a.cubin <bytes> <sha256>
//
// Loading checks everything before anything is launched: the format and
// mlagen version, the engine it was made for (the first field that differs
// is named), an architecture the bundle lacks, and each file's size and
// SHA-256 (a truncated or corrupt file is refused, never loaded).
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_BUNDLE_H
#define MLAGEN_BUNDLE_H

#include "mlagen/Engine.h"
#include "mlagen/LaunchDescription.h"

#include <string>
#include <vector>

namespace mlagen {

/// The bundle format this build reads and writes.
inline constexpr int kBundleFormat = 1;

/// What a bundle serves, as its manifest's `engine` line says it: every
/// field of `options` the kernels depend on (the config, storage, page
/// size, query tokens, maxBatch, splits; not the device ordinal), as
/// `name=value` words, floats exactly (hex).
std::string bundleEngineKey(const EngineOptions &options);

/// The options of the engine bundle `directory` serves, `bundle` set to
/// it (device 0): what a serving process passes to Engine::create, with
/// no config of its own to keep in step.
llvm::Expected<EngineOptions> bundleOptions(llvm::StringRef directory);

/// The kernels of one architecture, as loaded.
struct LoadedBundle {
  std::string arch, source;
  std::vector<char> cubin;
  std::vector<KernelLaunch> kernels;
  int64_t smCount = 0; // the multiprocessors its schedule was cut for
};

/// Reads bundle `directory` for an engine of `options` on `arch`; fails,
/// naming the file and what is wrong, where it is not one this build
/// wrote for them or a file is not intact.
llvm::Expected<LoadedBundle> loadBundle(llvm::StringRef directory,
                                        const EngineOptions &options,
                                        llvm::StringRef arch);

struct BundleRequest {
  EngineOptions engine;
  std::vector<std::string> arches = {"sm_80", "sm_90a"};
  int64_t smCount = 132; // multiprocessors the balanced schedule is cut for
  /// The GPU (its name) whose tuning entries for each architecture give
  /// the kernels' tilings, at the engine's bucket (EngineOptions::
  /// typicalLength); empty: the heuristic's.
  std::string gpuName;
};

/// Generates and compiles (NVRTC) the engine's kernels for each
/// architecture into `directory` (made if missing; its bundle files
/// replaced); `choices`, when given, gets how each architecture's variant
/// was chosen (CudaChoice's source). Needs the CUDA toolkit, not a GPU.
llvm::Error writeBundle(const BundleRequest &request, llvm::StringRef directory,
                        std::vector<std::string> *choices = nullptr);

} // namespace mlagen

#endif // MLAGEN_BUNDLE_H
