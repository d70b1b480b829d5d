//===- BundleFiles.h - the manifest's file lines ----------------*- C++ -*-===//
//
// What the bundle reader and writer share of the manifest (Bundle.h): its
// name, the `arch` line of each architecture's files, and the hash.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_RUNTIME_CUDA_BUNDLEFILES_H
#define MLAGEN_RUNTIME_CUDA_BUNDLEFILES_H

#include "llvm/Support/Error.h"

#include <string>

namespace mlagen {

inline constexpr const char *kBundleManifest = "manifest.txt";

struct BundleFile {
  std::string name;
  int64_t bytes = 0;
  std::string sha256; // lowercase hex
};

/// `arch <arch> <source> <bytes> <sha256> <cubin> <bytes> <sha256>`.
struct BundleArch {
  std::string arch;
  BundleFile source, cubin;
};

/// An `arch` line's words after "arch ", or why not; `printBundleArch`
/// writes them.
llvm::Expected<BundleArch> parseBundleArch(llvm::StringRef words);
std::string printBundleArch(const BundleArch &arch);

/// Lowercase hex SHA-256 of `bytes`.
std::string sha256Hex(llvm::StringRef bytes);

} // namespace mlagen

#endif // MLAGEN_RUNTIME_CUDA_BUNDLEFILES_H
