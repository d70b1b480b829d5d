//===- KernelCache.cpp - compiled kernels kept on disk --------------------===//

#include "mlagen/KernelCache.h"
#include "mlagen/PtxasReport.h"
#include "runtime/problem/RegularFile.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <cmath>
#include <cstring>

using namespace mlagen;
namespace fs = llvm::sys::fs;

namespace {

constexpr char kMagic[8] = {'M', 'L', 'A', 'G', 'E', 'N', 'K', '1'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kHeaderSize = sizeof(kMagic) + 4 + 8 + 32;
// No cubin of one unit comes near this; a larger entry is not ours.
constexpr int64_t kMaxEntryBytes = 256 << 20;

template <typename T> void put(std::string &out, T value) {
  out.append(reinterpret_cast<const char *>(&value), sizeof(T));
}

void putBytes(std::string &out, llvm::StringRef bytes) {
  put<uint64_t>(out, bytes.size());
  out.append(bytes.data(), bytes.size());
}

/// Reads fixed-size values and length-prefixed byte strings; any read past
/// the end fails.
class Reader {
public:
  explicit Reader(llvm::StringRef data) : data(data) {}
  template <typename T> bool get(T &value) {
    if (data.size() < sizeof(T))
      return false;
    std::memcpy(&value, data.data(), sizeof(T));
    data = data.drop_front(sizeof(T));
    return true;
  }
  bool getBytes(llvm::StringRef &bytes) {
    uint64_t size;
    if (!get(size) || data.size() < size)
      return false;
    bytes = data.take_front(size);
    data = data.drop_front(size);
    return true;
  }
  bool atEnd() const { return data.empty(); }

private:
  llvm::StringRef data;
};

std::string payloadOf(const CacheEntry &entry) {
  std::string payload;
  putBytes(payload, entry.key);
  putBytes(payload, entry.log);
  put<double>(payload, entry.compileSeconds);
  putBytes(payload, llvm::StringRef(entry.cubin.data(), entry.cubin.size()));
  return payload;
}

std::array<uint8_t, 32> digest(llvm::StringRef bytes) {
  return llvm::SHA256::hash(llvm::arrayRefFromStringRef(bytes));
}

} // namespace

std::optional<std::string> KernelCache::defaultDirectory() {
  if (std::optional<std::string> env =
          llvm::sys::Process::GetEnv("MLAGEN_KERNEL_CACHE")) {
    if (llvm::StringRef(*env).equals_insensitive("off") || env->empty())
      return std::nullopt;
    return *env;
  }
  llvm::SmallString<256> path;
  if (std::optional<std::string> xdg =
          llvm::sys::Process::GetEnv("XDG_CACHE_HOME");
      xdg && !xdg->empty()) {
    path = *xdg;
  } else if (std::optional<std::string> home =
                 llvm::sys::Process::GetEnv("HOME");
             home && !home->empty()) {
    path = *home;
    llvm::sys::path::append(path, ".cache");
  } else {
    return std::nullopt;
  }
  llvm::sys::path::append(path, "mlagen", "kernels");
  return path.str().str();
}

llvm::Expected<KernelCache> KernelCache::open(llvm::StringRef directory) {
  if (std::error_code ec = fs::create_directories(
          directory, /*IgnoreExisting=*/true, fs::perms::owner_all))
    return llvm::createStringError("kernel cache " + directory +
                                   ": cannot create it: " + ec.message());
  if (!fs::is_directory(directory))
    return llvm::createStringError("kernel cache " + directory +
                                   ": not a directory");
  return KernelCache(directory.str());
}

std::string KernelCache::pathFor(llvm::StringRef key) const {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, key + ".kernel");
  return path.str().str();
}

std::optional<CacheEntry> KernelCache::load(llvm::StringRef key,
                                            std::string *why) const {
  auto fail = [&](const std::string &reason) -> std::optional<CacheEntry> {
    if (why)
      *why = reason;
    return std::nullopt;
  };
  // Opened without blocking: a FIFO or device in the cache is refused.
  llvm::Expected<std::optional<std::string>> file =
      readRegularFile(pathFor(key), kMaxEntryBytes);
  if (!file) {
    llvm::consumeError(file.takeError());
    return fail("is not a regular file, is too large or cannot be read");
  }
  if (!*file)
    return std::nullopt; // a plain miss
  llvm::StringRef data = **file;
  if (data.size() < kHeaderSize ||
      std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0)
    return fail("is not a kernel cache entry (bad magic or truncated header)");
  Reader header(data.drop_front(sizeof(kMagic)));
  uint32_t version;
  uint64_t size;
  header.get(version);
  header.get(size);
  if (version != kFormatVersion)
    return fail("was written by another format version");
  llvm::StringRef stored = data.substr(sizeof(kMagic) + 12, 32);
  llvm::StringRef payload = data.drop_front(kHeaderSize);
  if (payload.size() != size)
    return fail("was truncated (payload size does not match the header)");
  std::array<uint8_t, 32> actual = digest(payload);
  if (llvm::StringRef(reinterpret_cast<const char *>(actual.data()), 32) !=
      stored)
    return fail("was corrupted (SHA-256 of the payload does not match)");
  Reader reader(payload);
  llvm::StringRef storedKey, log, cubin;
  CacheEntry entry;
  if (!reader.getBytes(storedKey) || !reader.getBytes(log) ||
      !reader.get(entry.compileSeconds) || !reader.getBytes(cubin) ||
      !reader.atEnd())
    return fail("has a malformed payload");
  if (storedKey != key)
    return fail("holds another key");
  // A well-formed entry can still be forged: no cubin, or a compile time
  // no compile takes.
  if (cubin.empty())
    return fail("holds no cubin");
  if (!std::isfinite(entry.compileSeconds) || entry.compileSeconds < 0 ||
      entry.compileSeconds > 1e6)
    return fail("holds a compile time out of range");
  // Nor may it describe a kernel no GPU runs: the numbers are what the
  // launches and --stats trust.
  for (const ResourceRecord &r : parsePtxasReport(log))
    if (r.registers < 0 || r.registers > 255 || r.barriers < 0 ||
        r.barriers > 16 || r.sharedBytes < 0 || r.sharedBytes > (256 << 10) ||
        r.constantBytes < 0 || r.constantBytes > (64 << 10) ||
        r.stackBytes < 0 || r.stackBytes > (1 << 24) || r.spillStoreBytes < 0 ||
        r.spillStoreBytes > (1 << 24) || r.spillLoadBytes < 0 ||
        r.spillLoadBytes > (1 << 24))
      return fail("holds resource numbers out of range (" + r.kernel + ": " +
                  std::to_string(r.registers) + " registers, " +
                  std::to_string(r.sharedBytes) + " bytes of shared memory)");
  entry.key = storedKey.str();
  entry.log = log.str();
  entry.cubin.assign(cubin.begin(), cubin.end());
  return entry;
}

llvm::Error KernelCache::store(const CacheEntry &entry) const {
  std::string payload = payloadOf(entry);
  std::string file(kMagic, sizeof(kMagic));
  put<uint32_t>(file, kFormatVersion);
  put<uint64_t>(file, payload.size());
  std::array<uint8_t, 32> sum = digest(payload);
  file.append(reinterpret_cast<const char *>(sum.data()), sum.size());
  file += payload;

  // A temporary name no other writer (thread or process) uses.
  static std::atomic<uint64_t> counter{0};
  std::string temporary = pathFor(entry.key) + ".tmp-" +
                          std::to_string(llvm::sys::Process::getProcessId()) +
                          "-" + std::to_string(counter++);
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(temporary, ec, fs::OF_None);
    if (ec)
      return llvm::createStringError("cannot write " + temporary + ": " +
                                     ec.message());
    os << file;
    os.close();
    if (os.has_error()) {
      os.clear_error();
      fs::remove(temporary);
      return llvm::createStringError("cannot write " + temporary);
    }
  }
  if (std::error_code ec = fs::rename(temporary, pathFor(entry.key))) {
    fs::remove(temporary);
    return llvm::createStringError("cannot rename " + temporary + ": " +
                                   ec.message());
  }
  return llvm::Error::success();
}
