//===- KernelCache.h - compiled kernels kept on disk ------------*- C++ -*-===//
//
// A directory of compiled kernels, one file per key. An entry holds a
// magic word, a format version, the payload's size and SHA-256, then the
// payload (key, compile log, compile time, cubin); a truncated or corrupted
// entry fails its checks on load and reads as a miss. Writes go to a
// temporary file in the same directory and are renamed into place, so a
// reader (or a second process writing the same key) never sees half an
// entry.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_KERNELCACHE_H
#define MLAGEN_KERNELCACHE_H

#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace mlagen {

struct CacheEntry {
  std::string key, log;
  double compileSeconds = 0;
  std::vector<char> cubin;
};

class KernelCache {
public:
  /// Where kernels are kept: $MLAGEN_KERNEL_CACHE if set ("off", in any case,
  /// disables the disk cache), else $XDG_CACHE_HOME/mlagen/kernels, else
  /// $HOME/.cache/mlagen/kernels; nothing when neither is set.
  static std::optional<std::string> defaultDirectory();

  /// A cache in `directory`, created (owner-only, 0700) if missing.
  static llvm::Expected<KernelCache> open(llvm::StringRef directory);

  /// The entry for `key`, or nothing if it is missing, truncated or does not
  /// pass its checks (`why` then says which, when not simply missing).
  std::optional<CacheEntry> load(llvm::StringRef key,
                                 std::string *why = nullptr) const;
  /// Writes `entry` atomically (temporary file, then rename).
  llvm::Error store(const CacheEntry &entry) const;

  const std::string &directory() const { return dir; }
  std::string pathFor(llvm::StringRef key) const;

private:
  explicit KernelCache(std::string dir) : dir(std::move(dir)) {}
  std::string dir;
};

} // namespace mlagen

#endif // MLAGEN_KERNELCACHE_H
