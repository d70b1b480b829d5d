//===- TuneDatabase.cpp - read, check, merge and write the tuning file ----===//

#include "mlagen/TuneDatabase.h"
#include "runtime/problem/NestingDepth.h"
#include "runtime/problem/RegularFile.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace mlagen;
namespace json = llvm::json;

namespace mlagen {
// Read by json::fromJSON of the entry list (found by argument-dependent
// lookup); a false return has reported where on `path`.
bool fromJSON(const json::Value &v, DeviceKey &d, json::Path path);
bool fromJSON(const json::Value &v, TuneEntry &e, json::Path path);
} // namespace mlagen

namespace {

// A tuning file larger than this is not one mla-tune wrote.
constexpr int64_t kMaxFileBytes = 64 << 20;
// How long a writer waits for another writer's lock.
constexpr auto kLockPatience = std::chrono::seconds(60);

std::string systemError(const llvm::Twine &what) {
  return (what + ": " + std::strerror(errno)).str();
}

json::Value toJson(const DeviceKey &d) {
  return json::Object{{"kind", d.kind},
                      {"name", d.name},
                      {"units", d.units},
                      {"detail", d.detail}};
}

json::Value toJson(const TuneEntry &e) {
  const TuneKey &k = e.key;
  return json::Object{{"device", toJson(k.device)},
                      {"code", k.code},
                      {"model", k.model},
                      {"mode", k.mode},
                      {"page_size", k.pageSize},
                      {"batch", k.batch},
                      {"length", k.length},
                      {"query_tokens", k.queryTokens},
                      {"variant", e.variant},
                      {"seconds", e.seconds},
                      {"spread", e.spread},
                      {"default_variant", e.defaultVariant},
                      {"default_seconds", e.defaultSeconds},
                      {"measured", e.measured}};
}

/// What a file's text holds: its entries, or why it cannot be trusted.
struct Parsed {
  std::vector<TuneEntry> entries;
  std::string corrupt;        // does not parse or is malformed
  std::string foreignVersion; // a format or version this build cannot read
};

Parsed parse(llvm::StringRef path, llvm::StringRef text) {
  Parsed parsed;
  if (llvm::Error e = checkNestingDepth(text, path, InputSyntax::Json)) {
    parsed.corrupt = llvm::toString(std::move(e));
    return parsed;
  }
  llvm::Expected<json::Value> value = json::parse(text);
  if (!value) {
    parsed.corrupt =
        (path + " is not valid JSON: " + llvm::toString(value.takeError()))
            .str();
    return parsed;
  }
  const json::Object *top = value->getAsObject();
  std::optional<llvm::StringRef> format =
      top ? top->getString("format") : std::nullopt;
  std::optional<int64_t> version =
      top ? top->getInteger("version") : std::nullopt;
  if (!format || *format != kTuneFormat || !version) {
    parsed.corrupt = (path + " is not a tuning file (no \"format\": \"" +
                      kTuneFormat + "\" with a \"version\")")
                         .str();
    return parsed;
  }
  if (*version != kTuneFormatVersion) {
    parsed.foreignVersion =
        llvm::formatv("{0} has format version {1}; this build reads "
                      "version {2}",
                      path, *version, kTuneFormatVersion)
            .str();
    return parsed;
  }
  json::Path::Root root(path);
  const json::Value *entries = top->get("entries");
  if (!entries || !json::fromJSON(*entries, parsed.entries,
                                  json::Path(root).field("entries"))) {
    parsed.entries.clear();
    parsed.corrupt = (path + " has a malformed entry: " +
                      (entries ? llvm::toString(root.getError())
                               : std::string("no \"entries\" list")))
                         .str();
  }
  return parsed;
}

/// An exclusive flock on `path`.lock, released on destruction.
class FileLock {
public:
  static llvm::Expected<FileLock> acquire(llvm::StringRef path) {
    std::string lockPath = (path + ".lock").str();
    int fd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NONBLOCK,
                    0644);
    if (fd < 0)
      return llvm::createStringError(systemError("cannot open " + lockPath));
    auto deadline = std::chrono::steady_clock::now() + kLockPatience;
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      if ((errno != EWOULDBLOCK && errno != EINTR) ||
          std::chrono::steady_clock::now() > deadline) {
        std::string error = systemError("cannot lock " + lockPath);
        ::close(fd);
        return llvm::createStringError(error);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return FileLock(fd);
  }
  FileLock(FileLock &&other) : fd(other.fd) { other.fd = -1; }
  ~FileLock() {
    if (fd >= 0)
      ::close(fd); // releases the lock
  }

private:
  explicit FileLock(int fd) : fd(fd) {}
  int fd;
};

/// Writes `text` to a temporary file beside `path`, flushes it to disk and
/// renames it over `path`.
llvm::Error replaceFile(llvm::StringRef path, llvm::StringRef text) {
  std::string temporary = (path + ".tmp-" + llvm::Twine(::getpid())).str();
  int fd = ::open(temporary.c_str(),
                  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    return llvm::createStringError(systemError("cannot create " + temporary));
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    done += n;
  }
  bool written = done == text.size() && ::fsync(fd) == 0;
  std::string error = written ? "" : systemError("cannot write " + temporary);
  ::close(fd);
  if (written && ::rename(temporary.c_str(), path.str().c_str()) != 0) {
    written = false;
    error = systemError("cannot rename " + temporary + " to " + path);
  }
  if (!written) {
    ::unlink(temporary.c_str());
    return llvm::createStringError(error);
  }
  return llvm::Error::success();
}

bool sameKey(const TuneKey &a, const TuneKey &b) {
  return a.device == b.device && a.code == b.code && a.model == b.model &&
         a.mode == b.mode && a.pageSize == b.pageSize && a.sameBucketAs(b);
}

double logDistance(int64_t a, int64_t b) {
  return std::fabs(std::log2(double(a) / double(b)));
}

} // namespace

bool TuneKey::sameBucketAs(const TuneKey &o) const {
  return batch == o.batch && length == o.length && queryTokens == o.queryTokens;
}

std::string TuneKey::str() const {
  return llvm::formatv("{0} | code {1} | {2} | {3}, page {4} | batch {5}, "
                       "{6} keys, {7} query token(s)",
                       device.str(), code, model, mode, pageSize, batch, length,
                       queryTokens)
      .str();
}

std::string TuneDatabase::defaultPath() {
  if (const char *path = std::getenv("MLAGEN_TUNE_DB"); path && *path)
    return path;
  llvm::SmallString<256> dir;
  if (const char *cache = std::getenv("XDG_CACHE_HOME"); cache && *cache)
    dir = cache;
  else if (const char *home = std::getenv("HOME"); home && *home)
    llvm::sys::path::append(dir, home, ".cache");
  else
    dir = ".";
  llvm::sys::path::append(dir, "mlagen", "tune.json");
  return std::string(dir);
}

TuneDatabase TuneDatabase::load(llvm::StringRef path) {
  TuneDatabase db;
  llvm::Expected<std::optional<std::string>> text =
      readRegularFile(path, kMaxFileBytes);
  if (!text) {
    db.issues.push_back("ignoring the tuning file: " +
                        llvm::toString(text.takeError()));
    return db;
  }
  if (!*text)
    return db;
  Parsed parsed = parse(path, **text);
  if (!parsed.corrupt.empty() || !parsed.foreignVersion.empty()) {
    db.issues.push_back("ignoring the tuning file: " + parsed.corrupt +
                        parsed.foreignVersion);
    return db;
  }
  db.all = std::move(parsed.entries);
  int64_t foreign = llvm::count_if(db.all, [](const TuneEntry &e) {
    return e.key.code != codeGeneratorHash();
  });
  if (foreign)
    db.issues.push_back(llvm::formatv("{0} has {1} entr{2} made by another "
                                      "build of the code generator (this is "
                                      "{3}); not used",
                                      path, foreign, foreign == 1 ? "y" : "ies",
                                      codeGeneratorHash())
                            .str());
  return db;
}

llvm::Error TuneDatabase::merge(llvm::StringRef path,
                                llvm::ArrayRef<TuneEntry> entries,
                                std::vector<std::string> *notes) {
  llvm::StringRef dir = llvm::sys::path::parent_path(path);
  if (!dir.empty())
    if (std::error_code ec = llvm::sys::fs::create_directories(dir))
      return llvm::createStringError("cannot create " + dir + ": " +
                                     ec.message());
  llvm::Expected<FileLock> lock = FileLock::acquire(path);
  if (!lock)
    return lock.takeError();
  llvm::Expected<std::optional<std::string>> text =
      readRegularFile(path, kMaxFileBytes);
  if (!text)
    return llvm::createStringError("not writing the tuning file: " +
                                   llvm::toString(text.takeError()));
  std::vector<TuneEntry> merged;
  if (*text) {
    Parsed parsed = parse(path, **text);
    if (!parsed.foreignVersion.empty())
      return llvm::createStringError(
          "not writing the tuning file: " + parsed.foreignVersion +
          " (move it away, or set MLAGEN_TUNE_DB to another file)");
    if (!parsed.corrupt.empty()) {
      std::string aside =
          (path + ".corrupt-" +
           llvm::Twine(std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count()))
              .str();
      if (::rename(path.str().c_str(), aside.c_str()) != 0)
        return llvm::createStringError(systemError(
            "cannot move the corrupt tuning file " + path + " aside"));
      if (notes)
        notes->push_back(parsed.corrupt + "; moved it to " + aside);
    } else {
      merged = std::move(parsed.entries);
    }
  }
  for (const TuneEntry &entry : entries) {
    auto same = llvm::find_if(
        merged, [&](const TuneEntry &e) { return sameKey(e.key, entry.key); });
    if (same != merged.end())
      *same = entry;
    else
      merged.push_back(entry);
  }
  json::Array list;
  for (const TuneEntry &e : merged)
    list.push_back(toJson(e));
  json::Value file = json::Object{{"format", kTuneFormat},
                                  {"version", kTuneFormatVersion},
                                  {"entries", std::move(list)}};
  return replaceFile(path, llvm::formatv("{0:2}\n", file).str());
}

const TuneEntry *TuneDatabase::nearest(const TuneKey &want,
                                       DeviceMatch match) const {
  auto sameDevice = [&](const DeviceKey &d) {
    if (match == DeviceMatch::Exact)
      return d == want.device;
    return d.kind == want.device.kind && d.name == want.device.name &&
           d.target() == want.device.target();
  };
  const TuneEntry *best = nullptr;
  double bestDistance = 0;
  for (const TuneEntry &e : all) {
    const TuneKey &k = e.key;
    if (!(sameDevice(k.device) && k.code == codeGeneratorHash() &&
          k.code == want.code && k.model == want.model && k.mode == want.mode &&
          k.pageSize == want.pageSize && k.queryTokens == want.queryTokens))
      continue;
    double distance =
        logDistance(k.batch, want.batch) + logDistance(k.length, want.length);
    bool larger =
        best && (k.batch > best->key.batch ||
                 (k.batch == best->key.batch && k.length > best->key.length));
    if (!best || distance < bestDistance ||
        (distance == bestDistance && larger)) {
      best = &e;
      bestDistance = distance;
    }
  }
  return best;
}

bool mlagen::fromJSON(const json::Value &v, DeviceKey &d, json::Path path) {
  json::ObjectMapper o(v, path);
  return o && o.map("kind", d.kind) && o.map("name", d.name) &&
         o.map("units", d.units) && o.map("detail", d.detail);
}

bool mlagen::fromJSON(const json::Value &v, TuneEntry &e, json::Path path) {
  json::ObjectMapper o(v, path);
  TuneKey &k = e.key;
  if (!(o && o.map("code", k.code) && o.map("model", k.model) &&
        o.map("mode", k.mode) && o.map("page_size", k.pageSize) &&
        o.map("batch", k.batch) && o.map("length", k.length) &&
        o.map("query_tokens", k.queryTokens) && o.map("variant", e.variant) &&
        o.map("seconds", e.seconds) && o.map("spread", e.spread) &&
        o.map("default_variant", e.defaultVariant) &&
        o.map("default_seconds", e.defaultSeconds) &&
        o.map("measured", e.measured) && o.map("device", k.device)))
    return false;
  auto positive = [](int64_t v) { return v >= 1 && v <= (int64_t(1) << 30); };
  bool sizes = positive(k.pageSize) && positive(k.batch) &&
               positive(k.length) && positive(k.queryTokens);
  bool times = std::isfinite(e.seconds) && e.seconds > 0 &&
               std::isfinite(e.spread) && e.spread >= 0 &&
               std::isfinite(e.defaultSeconds) && e.defaultSeconds >= 0;
  if (!sizes || !times || (k.mode != "attention" && k.mode != "layer")) {
    path.report("a size, time or mode out of range");
    return false;
  }
  return true;
}
