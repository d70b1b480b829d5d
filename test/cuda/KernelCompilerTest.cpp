//===- KernelCompilerTest.cpp - NVRTC compiles and the kernel cache -------===//
//
// No GPU needed: NVRTC compiles for named architectures. The kernel cache
// hits in memory and on disk, detects corrupted and truncated entries and
// recompiles them, survives an entry it cannot write and two processes
// compiling the same kernel at once.
//
//===----------------------------------------------------------------------===//

#include "mlagen/KernelCompiler.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace mlagen;
namespace fs = llvm::sys::fs;

namespace {

constexpr const char *kKernel = R"cuda(
extern "C" __global__ void scale(float *x, float factor) {
  __shared__ float tile[128];
  tile[threadIdx.x] = x[threadIdx.x];
  __syncthreads();
  x[threadIdx.x] = tile[127 - threadIdx.x] * factor;
}
)cuda";

class KernelCacheTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(fs::createUniqueDirectory("mlagen-kernel-cache", root));
    llvm::sys::path::append(cacheDir = root, "kernels");
    request = {kKernel, "sm_80", {}};
  }
  void TearDown() override {
    ::chmod(cacheDir.c_str(), 0700);
    fs::remove_directories(root);
  }

  std::string entryPath() {
    return (cacheDir + "/" + KernelCompiler::keyOf(request) + ".kernel").str();
  }

  CompileResult compileWithNewCompiler() {
    KernelCompiler compiler{std::string(cacheDir)};
    llvm::Expected<CompileResult> result = compiler.compile(request);
    EXPECT_TRUE(bool(result)) << llvm::toString(result.takeError());
    return result ? *result : CompileResult{};
  }

  llvm::SmallString<128> root, cacheDir;
  CompileRequest request;
};

TEST(PtxasReport, ParsesEveryEntryFunction) {
  const char *log =
      "ptxas info    : 0 bytes gmem\n"
      "ptxas info    : Compiling entry function 'first' for 'sm_90a'\n"
      "ptxas info    : Function properties for first\n"
      "ptxas         .     16 bytes stack frame, 8 bytes spill stores, 12 "
      "bytes spill loads\n"
      "ptxas info    : Used 168 registers, used 1 barriers, 38912 bytes "
      "smem, 420 bytes cmem[0]\n"
      "ptxas info    : Compiling entry function 'second' for 'sm_90a'\n"
      "ptxas info    : Function properties for second\n"
      "ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes "
      "spill loads\n"
      "ptxas info    : Used 10 registers, used 0 barriers\n";
  std::vector<ResourceRecord> records = parsePtxasReport(log);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].kernel, "first");
  EXPECT_EQ(records[0].arch, "sm_90a");
  EXPECT_EQ(records[0].registers, 168);
  EXPECT_EQ(records[0].barriers, 1);
  EXPECT_EQ(records[0].sharedBytes, 38912);
  EXPECT_EQ(records[0].constantBytes, 420);
  EXPECT_EQ(records[0].stackBytes, 16);
  EXPECT_EQ(records[0].spillStoreBytes, 8);
  EXPECT_EQ(records[0].spillLoadBytes, 12);
  EXPECT_EQ(records[1].kernel, "second");
  EXPECT_EQ(records[1].registers, 10);
  EXPECT_EQ(records[1].sharedBytes, 0);
}

TEST(KernelCompiler, CompilesForEveryTargetArchitecture) {
  KernelCompiler compiler(std::nullopt);
  for (const char *arch : {"sm_80", "sm_90a", "sm_100a"}) {
    llvm::Expected<CompileResult> result =
        compiler.compile({kKernel, arch, {}});
    ASSERT_TRUE(bool(result)) << llvm::toString(result.takeError());
    const CompiledKernel &k = *result->kernel;
    ASSERT_GE(k.cubin.size(), 4u);
    EXPECT_EQ(std::string(k.cubin.data() + 1, 3), "ELF") << arch;
    ASSERT_EQ(k.resources.size(), 1u) << k.log;
    EXPECT_EQ(k.resources[0].kernel, "scale");
    EXPECT_EQ(k.resources[0].arch, arch);
    EXPECT_GT(k.resources[0].registers, 0);
    EXPECT_EQ(k.resources[0].sharedBytes, 512);
    EXPECT_EQ(k.resources[0].spillStoreBytes, 0);
    EXPECT_EQ(result->outcome, CacheOutcome::Compiled);
    EXPECT_EQ(result->cacheNote, "disk cache off");
  }
}

TEST(KernelCompiler, ReportsWhatDoesNotCompile) {
  KernelCompiler compiler(std::nullopt);
  llvm::Expected<CompileResult> result = compiler.compile(
      {"extern \"C\" __global__ void broken() { undeclared(); }", "sm_80", {}});
  ASSERT_FALSE(bool(result));
  std::string message = llvm::toString(result.takeError());
  EXPECT_NE(message.find("NVRTC cannot compile the kernel for sm_80"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("undeclared"), std::string::npos) << message;
}

TEST(KernelCompiler, KeyCoversSourceArchitectureAndOptions) {
  CompileRequest base{kKernel, "sm_80", {}};
  std::string key = KernelCompiler::keyOf(base);
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(key, KernelCompiler::keyOf(base));
  CompileRequest other = base;
  other.arch = "sm_90a";
  EXPECT_NE(key, KernelCompiler::keyOf(other));
  other = base;
  other.options = {"-DTILE=64"};
  EXPECT_NE(key, KernelCompiler::keyOf(other));
  other = base;
  other.source += " ";
  EXPECT_NE(key, KernelCompiler::keyOf(other));
}

TEST_F(KernelCacheTest, HitsInMemoryThenOnDisk) {
  KernelCompiler compiler{std::string(cacheDir)};
  llvm::Expected<CompileResult> first = compiler.compile(request);
  ASSERT_TRUE(bool(first)) << llvm::toString(first.takeError());
  EXPECT_EQ(first->outcome, CacheOutcome::Compiled);
  EXPECT_EQ(first->cacheNote, "");
  llvm::Expected<CompileResult> again = compiler.compile(request);
  ASSERT_TRUE(bool(again));
  EXPECT_EQ(again->outcome, CacheOutcome::MemoryHit);
  EXPECT_EQ(again->kernel, first->kernel);

  // The directory is private to its owner.
  fs::file_status status;
  ASSERT_FALSE(fs::status(cacheDir, status));
  EXPECT_EQ(status.permissions(), fs::perms::owner_all);

  // A new process's compiler finds it on disk: same cubin and resources.
  CompileResult fromDisk = compileWithNewCompiler();
  EXPECT_EQ(fromDisk.outcome, CacheOutcome::DiskHit);
  EXPECT_EQ(fromDisk.kernel->cubin, first->kernel->cubin);
  EXPECT_EQ(fromDisk.kernel->resources.size(), 1u);
  EXPECT_EQ(fromDisk.kernel->resources[0].registers,
            first->kernel->resources[0].registers);
  EXPECT_DOUBLE_EQ(fromDisk.kernel->compileSeconds,
                   first->kernel->compileSeconds);
}

TEST_F(KernelCacheTest, RecompilesACorruptedEntry) {
  CompileResult first = compileWithNewCompiler();
  ASSERT_EQ(first.outcome, CacheOutcome::Compiled);
  {
    auto file = llvm::MemoryBuffer::getFile(entryPath());
    ASSERT_TRUE(bool(file));
    std::string bytes = (*file)->getBuffer().str();
    bytes[bytes.size() / 2] ^= 0x5a; // one flipped byte in the cubin
    std::error_code ec;
    llvm::raw_fd_ostream os(entryPath(), ec);
    ASSERT_FALSE(ec);
    os << bytes;
  }
  CompileResult second = compileWithNewCompiler();
  EXPECT_EQ(second.outcome, CacheOutcome::Compiled);
  EXPECT_EQ(second.cacheNote,
            "recompiled: the disk entry was corrupted (SHA-256 of the payload "
            "does not match)");
  EXPECT_EQ(second.kernel->cubin, first.kernel->cubin);
  // Rewritten: the next process hits it again.
  EXPECT_EQ(compileWithNewCompiler().outcome, CacheOutcome::DiskHit);
}

TEST_F(KernelCacheTest, RecompilesATruncatedEntry) {
  compileWithNewCompiler();
  uint64_t size;
  ASSERT_FALSE(fs::file_size(entryPath(), size));
  ASSERT_EQ(::truncate(entryPath().c_str(), size - 100), 0);
  CompileResult second = compileWithNewCompiler();
  EXPECT_EQ(second.outcome, CacheOutcome::Compiled);
  EXPECT_EQ(second.cacheNote,
            "recompiled: the disk entry was truncated (payload size does not "
            "match the header)");
  ASSERT_EQ(::truncate(entryPath().c_str(), 5), 0);
  EXPECT_NE(compileWithNewCompiler().cacheNote.find("truncated header"),
            std::string::npos);
  EXPECT_EQ(compileWithNewCompiler().outcome, CacheOutcome::DiskHit);
}

TEST_F(KernelCacheTest, RecompilesAForgedEntry) {
  compileWithNewCompiler();
  llvm::Expected<KernelCache> cache = KernelCache::open(cacheDir);
  ASSERT_TRUE(bool(cache));
  // Well-formed, checksummed, and still not a kernel: no cubin, or a
  // compile time no compile takes.
  CacheEntry forged{KernelCompiler::keyOf(request), "", 0.1, {}};
  ASSERT_FALSE(bool(cache->store(forged)));
  EXPECT_EQ(compileWithNewCompiler().cacheNote,
            "recompiled: the disk entry holds no cubin");
  forged.cubin = {'x'};
  forged.compileSeconds = -1;
  ASSERT_FALSE(bool(cache->store(forged)));
  EXPECT_EQ(compileWithNewCompiler().cacheNote,
            "recompiled: the disk entry holds a compile time out of range");
  // A log whose resource numbers no kernel has.
  forged.compileSeconds = 0.1;
  forged.log = "ptxas info    : Compiling entry function 'k' for 'sm_90a'\n"
               "ptxas info    : Used 9999 registers, used 1 barriers, 384 "
               "bytes smem\n";
  ASSERT_FALSE(bool(cache->store(forged)));
  EXPECT_EQ(compileWithNewCompiler().cacheNote,
            "recompiled: the disk entry holds resource numbers out of range "
            "(k: 9999 registers, 384 bytes of shared memory)");
  EXPECT_EQ(compileWithNewCompiler().outcome, CacheOutcome::DiskHit);
}

TEST_F(KernelCacheTest, RefusesAFifoEntryWithoutWaiting) {
  compileWithNewCompiler();
  ASSERT_FALSE(fs::remove(entryPath()));
  ASSERT_EQ(::mkfifo(entryPath().c_str(), 0600), 0);
  CompileResult result = compileWithNewCompiler();
  EXPECT_EQ(result.outcome, CacheOutcome::Compiled);
  EXPECT_EQ(result.cacheNote, "recompiled: the disk entry is not a regular "
                              "file, is too large or cannot be read");
}

TEST_F(KernelCacheTest, CompilesWhenTheEntryCannotBeWritten) {
  // A directory where the entry belongs: no process (root included) can
  // rename a file over it.
  ASSERT_FALSE(fs::create_directories(entryPath() + "/occupied"));
  CompileResult result = compileWithNewCompiler();
  EXPECT_EQ(result.outcome, CacheOutcome::Compiled);
  EXPECT_NE(result.cacheNote.find("not cached: cannot rename"),
            std::string::npos)
      << result.cacheNote;
  EXPECT_FALSE(result.kernel->cubin.empty());
  // No temporary files are left behind.
  std::error_code ec;
  int files = 0;
  for (fs::directory_iterator it(cacheDir, ec), end; it != end && !ec;
       it.increment(ec))
    ++files;
  EXPECT_EQ(files, 1);
}

TEST_F(KernelCacheTest, CompilesWhenTheDirectoryIsReadOnly) {
  compileWithNewCompiler(); // creates the directory
  ASSERT_FALSE(fs::remove(entryPath()));
  ASSERT_EQ(::chmod(cacheDir.c_str(), 0500), 0);
  if (::access(cacheDir.c_str(), W_OK) == 0)
    GTEST_SKIP() << "this user (root) writes into read-only directories; "
                    "CompilesWhenTheEntryCannotBeWritten covers the failure";
  CompileResult result = compileWithNewCompiler();
  EXPECT_EQ(result.outcome, CacheOutcome::Compiled);
  EXPECT_NE(result.cacheNote.find("not cached: cannot write"),
            std::string::npos)
      << result.cacheNote;
}

TEST_F(KernelCacheTest, TwoProcessesCompileTheSameKernelAtOnce) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    KernelCompiler compiler{std::string(cacheDir)};
    llvm::Expected<CompileResult> result = compiler.compile(request);
    bool ok =
        result && !result->kernel->cubin.empty() && result->cacheNote.empty();
    if (!result)
      llvm::consumeError(result.takeError());
    ::_exit(ok ? 0 : 1);
  }
  CompileResult mine = compileWithNewCompiler();
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(mine.cacheNote.empty()) << mine.cacheNote;
  CompileResult after = compileWithNewCompiler();
  EXPECT_EQ(after.outcome, CacheOutcome::DiskHit);
  EXPECT_EQ(after.kernel->cubin, mine.kernel->cubin);
}

TEST(KernelCacheDirectory, FollowsTheEnvironment) {
  auto withEnv = [](const char *cache, const char *xdg, const char *home) {
    auto set = [](const char *name, const char *value) {
      if (value)
        ::setenv(name, value, 1);
      else
        ::unsetenv(name);
    };
    set("MLAGEN_KERNEL_CACHE", cache);
    set("XDG_CACHE_HOME", xdg);
    set("HOME", home);
    return KernelCache::defaultDirectory();
  };
  const char *home = std::getenv("HOME");
  std::string savedHome = home ? home : "";
  EXPECT_EQ(withEnv("/tmp/k", "/x", "/h"),
            std::optional<std::string>("/tmp/k"));
  EXPECT_EQ(withEnv("off", "/x", "/h"), std::nullopt);
  EXPECT_EQ(withEnv("OFF", "/x", "/h"), std::nullopt);
  EXPECT_EQ(withEnv("", "/x", "/h"), std::nullopt);
  EXPECT_EQ(withEnv(nullptr, "/x", "/h"),
            std::optional<std::string>("/x/mlagen/kernels"));
  EXPECT_EQ(withEnv(nullptr, nullptr, "/h"),
            std::optional<std::string>("/h/.cache/mlagen/kernels"));
  EXPECT_EQ(withEnv(nullptr, nullptr, nullptr), std::nullopt);
  if (home)
    ::setenv("HOME", savedHome.c_str(), 1);
}

} // namespace
