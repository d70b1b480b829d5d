//===- TuneDatabase.h - the autotuner's winners, per device -----*- C++ -*-===//
//
// One JSON file per user (README, "The tuning database") holding the
// variant mla-tune found fastest for each device, code-generator build,
// model config, mode, page size and shape bucket. Readers never trust what
// they cannot vouch for: a file that is not a regular file, is too large,
// does not parse, has another format or version, or holds a malformed
// entry is reported and ignored as a whole; entries made by another build
// of the code generator are kept in the file but never chosen. Writers
// merge under a lock and replace the file by rename, so concurrent writers
// lose nothing and a reader never sees half a file.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_TUNEDATABASE_H
#define MLAGEN_TUNEDATABASE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlagen {

struct Problem;

/// What a tuned entry was measured on. CPU: the model name, its cores and
/// the LLVM CPU name with its vector ISA ("sapphirerapids avx2 ...");
/// CUDA: the GPU's name, its SMs, and the target mlagen generates for with
/// the driver and NVRTC versions ("sm_90a, driver 13.0, nvrtc 13.0").
struct DeviceKey {
  std::string kind; // "cpu" or "cuda"
  std::string name;
  int64_t units = 0; // cores or SMs
  std::string detail;

  bool operator==(const DeviceKey &o) const {
    return kind == o.kind && name == o.name && units == o.units &&
           detail == o.detail;
  }
  /// "cpu Intel(R) Xeon(R) Processor, 2 cores, sapphirerapids avx512bf16".
  std::string str() const;
  /// The detail's first word: the LLVM CPU name, or the GPU's target.
  llvm::StringRef target() const;
};

/// How an entry's device must match the one asked for: all of it, or the
/// same kind, name and target (another driver, NVRTC or SM count: a GPU
/// named without its driver, or entries shipped from another machine).
enum class DeviceMatch { Exact, SameModel };

/// The hash of the code generator's sources this build was made from.
llvm::StringRef codeGeneratorHash();

/// Everything an entry is valid for.
struct TuneKey {
  DeviceKey device;
  std::string code;  // codeGeneratorHash() of the build that measured it
  std::string model; // the layer config with its storage, as #mla.config
  std::string mode;  // "attention" or "layer"
  int64_t pageSize = 0;
  // The bucket.
  int64_t batch = 0, length = 0, queryTokens = 0;

  bool sameBucketAs(const TuneKey &o) const;
  /// "cpu ... | deepseek config | attention, page 64 | batch 4, 4096 keys,
  /// 1 query token(s)".
  std::string str() const;
};

/// The key of `problem`'s step on `device`: its model config and storage,
/// mode and page size, and the bucket (batch, the longest cached length,
/// query tokens).
TuneKey tuneKeyOf(const Problem &problem, const DeviceKey &device);

struct TuneEntry {
  TuneKey key;
  std::string variant;        // the winner, as its back end writes it
  double seconds = 0;         // its median
  double spread = 0;          // max - min of its timed runs
  std::string defaultVariant; // what the heuristic chose, timed beside it
  double defaultSeconds = 0;
  std::string measured; // UTC, ISO 8601
};

class TuneDatabase {
public:
  /// $MLAGEN_TUNE_DB, else $XDG_CACHE_HOME/mlagen/tune.json, else
  /// $HOME/.cache/mlagen/tune.json, else ./mlagen/tune.json.
  static std::string defaultPath();

  /// The entries of `path` (none if it does not exist). Whatever makes the
  /// file untrustworthy is in problems(), and then there are no entries.
  static TuneDatabase load(llvm::StringRef path);

  /// Merges `entries` into `path` (an entry replaces one with the same
  /// key), under an exclusive lock on `path`.lock, by writing a temporary
  /// file and renaming it over `path`. A corrupt file is first moved aside
  /// to `path`.corrupt-<seconds since 1970> (its problem returned in
  /// `notes`); a file of another format version, or one that is not a
  /// regular file, is left alone and the merge fails.
  static llvm::Error merge(llvm::StringRef path,
                           llvm::ArrayRef<TuneEntry> entries,
                           std::vector<std::string> *notes = nullptr);

  const std::vector<TuneEntry> &entries() const { return all; }
  /// Why the file was ignored, or which entries are not trusted (other
  /// code), one line each.
  const std::vector<std::string> &problems() const { return issues; }

  /// The trusted entry nearest to `want`: same device (as `match` says),
  /// code, model, mode, page size and query tokens; of those, the least
  /// |log2(batch / batch')| + |log2(length / length')|, ties to the larger
  /// bucket. Null when none matches.
  const TuneEntry *nearest(const TuneKey &want,
                           DeviceMatch match = DeviceMatch::Exact) const;

private:
  std::vector<TuneEntry> all;
  std::vector<std::string> issues;
};

/// The file's format name and version (README).
inline constexpr llvm::StringLiteral kTuneFormat = "mlagen-tune-db";
inline constexpr int64_t kTuneFormatVersion = 1;

} // namespace mlagen

#endif // MLAGEN_TUNEDATABASE_H
