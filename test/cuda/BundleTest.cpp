//===- BundleTest.cpp - kernel bundles written, loaded and refused --------===//
//
// No GPU: a bundle written for two architectures loads back with the
// engine's unit and a cubin byte for byte, binds as the Engine binds it,
// and is refused, by name, for another engine, architecture, version or
// format, and where a file is corrupt, truncated, missing or a FIFO.
//
//===----------------------------------------------------------------------===//

#include "mlagen/Bundle.h"
#include "mlagen/Presets.h"
#include "runtime/cuda/EngineLaunches.h"
#include "runtime/cuda/EngineUnit.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

using namespace mlagen;

namespace {

EngineOptions liteOptions() {
  llvm::Expected<LayerConfig> config = presetLayerConfig("deepseek-v2-lite");
  EXPECT_TRUE(bool(config));
  EngineOptions options;
  options.config = config ? *config : LayerConfig{};
  options.pageSize = 16;
  options.maxBatch = 8;
  return options;
}

std::string errorOf(llvm::Expected<LoadedBundle> loaded) {
  return loaded ? "no error" : llvm::toString(loaded.takeError());
}

std::string path(llvm::StringRef directory, llvm::StringRef name) {
  llvm::SmallString<256> p(directory);
  llvm::sys::path::append(p, name);
  return std::string(p);
}

std::string readAll(llvm::StringRef file) {
  auto buffer = llvm::MemoryBuffer::getFile(file);
  EXPECT_TRUE(bool(buffer)) << file.str();
  return buffer ? (*buffer)->getBuffer().str() : "";
}

void writeAll(llvm::StringRef file, llvm::StringRef bytes) {
  std::error_code ec;
  llvm::raw_fd_ostream out(file, ec);
  ASSERT_FALSE(ec) << file.str();
  out << bytes;
}

class Bundle : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(
        llvm::sys::fs::createUniqueDirectory("mlagen-bundle", directory));
    BundleRequest request;
    request.engine = liteOptions();
    request.arches = {"sm_80", "sm_90a"};
    llvm::Error e = writeBundle(request, directory);
    ASSERT_FALSE(bool(e)) << llvm::toString(std::move(e));
  }
  void TearDown() override { llvm::sys::fs::remove_directories(directory); }

  /// Loads a copy of the bundle with `file` replaced by `bytes`.
  std::string loadWith(llvm::StringRef file, llvm::StringRef bytes,
                       llvm::StringRef arch = "sm_80") {
    std::string original = readAll(path(directory, file));
    writeAll(path(directory, file), bytes);
    std::string why = errorOf(loadBundle(directory, liteOptions(), arch));
    writeAll(path(directory, file), original);
    return why;
  }

  llvm::SmallString<256> directory;
};

TEST_F(Bundle, LoadsWhatWasWrittenForEachArchitecture) {
  for (const char *arch : {"sm_80", "sm_90a"}) {
    llvm::Expected<LoadedBundle> loaded =
        loadBundle(directory, liteOptions(), arch);
    ASSERT_TRUE(bool(loaded)) << llvm::toString(loaded.takeError());
    EXPECT_EQ(loaded->arch, arch);
    EXPECT_EQ(loaded->smCount, 132);
    // The unit the Engine would generate, and the cubin on disk.
    llvm::Expected<CudaUnit> unit =
        generateEngineUnit(liteOptions(), arch, 132);
    ASSERT_TRUE(bool(unit));
    EXPECT_EQ(loaded->source, unit->source);
    std::string cubin = readAll(path(directory, std::string(arch) + ".cubin"));
    ASSERT_GT(cubin.size(), 1000u);
    EXPECT_EQ(std::string(loaded->cubin.begin(), loaded->cubin.end()), cubin);
    EXPECT_EQ(cubin.substr(0, 4), "\x7f"
                                  "ELF");
    llvm::Expected<EngineLaunches> launches =
        bindEngineKernels(loaded->kernels);
    ASSERT_TRUE(bool(launches)) << llvm::toString(launches.takeError());
    EXPECT_TRUE(launches->cut.balanced());
  }
}

TEST_F(Bundle, SaysWhichEngineItServes) {
  llvm::Expected<EngineOptions> options = bundleOptions(directory);
  ASSERT_TRUE(bool(options)) << llvm::toString(options.takeError());
  EXPECT_EQ(bundleEngineKey(*options), bundleEngineKey(liteOptions()));
  EXPECT_EQ(options->bundle, directory.str().str());
  EXPECT_EQ(options->config.heads, 16);
  EXPECT_EQ(options->pageSize, 16);
  EXPECT_EQ(options->config.rope.yarn.has_value(),
            liteOptions().config.rope.yarn.has_value());
  EXPECT_EQ(options->config.rmsNormEps, liteOptions().config.rmsNormEps);
  // An engine line that does not read back is refused.
  std::string manifest = readAll(path(directory, "manifest.txt"));
  std::string edited = manifest;
  edited.replace(edited.find("heads=16"), 8, "heads=x6");
  writeAll(path(directory, "manifest.txt"), edited);
  llvm::Expected<EngineOptions> bad = bundleOptions(directory);
  ASSERT_FALSE(bool(bad));
  EXPECT_NE(llvm::toString(bad.takeError())
                .find("its engine line is not one mlagen writes"),
            std::string::npos);
  writeAll(path(directory, "manifest.txt"), manifest);
}

TEST_F(Bundle, RefusesAnotherEngineArchitectureVersionOrFormat) {
  EngineOptions heads = liteOptions();
  heads.config.heads = 128;
  EXPECT_EQ(errorOf(loadBundle(directory, heads, "sm_80")),
            "bundle " + directory.str().str() +
                ": made for another engine: it serves heads=16, the engine "
                "asks heads=128");
  EngineOptions page = liteOptions();
  page.pageSize = 64;
  EXPECT_NE(errorOf(loadBundle(directory, page, "sm_80"))
                .find("it serves page_size=16, the engine asks page_size=64"),
            std::string::npos);
  EngineOptions other = liteOptions();
  other.bundle = "/elsewhere"; // where it was read from is not its engine
  other.device = 3;
  EXPECT_EQ(errorOf(loadBundle(directory, other, "sm_80")), "no error");
  EXPECT_EQ(errorOf(loadBundle(directory, liteOptions(), "sm_100a")),
            "bundle " + directory.str().str() +
                ": has kernels for sm_80, sm_90a, not for sm_100a");

  std::string manifest = readAll(path(directory, "manifest.txt"));
  llvm::StringRef version = llvm::StringRef(manifest).split('\n').second;
  version = version.split('\n').first;
  ASSERT_TRUE(version.starts_with("mlagen "));
  std::string older = manifest;
  older.replace(older.find(version.str()), version.size(), "mlagen 0.0.1");
  EXPECT_NE(loadWith("manifest.txt", older)
                .find("manifest.txt line 2: written by mlagen 0.0.1; this "
                      "is mlagen "),
            std::string::npos);
  std::string format = manifest;
  format.replace(0, std::string("mlagen-bundle 1").size(), "mlagen-bundle 2");
  EXPECT_NE(loadWith("manifest.txt", format)
                .find("line 1: format 2; this build reads format 1"),
            std::string::npos);
  EXPECT_NE(loadWith("manifest.txt", "P6\n").find("not a bundle manifest"),
            std::string::npos);
  std::string unversioned = manifest;
  unversioned.erase(unversioned.find(version.str()), version.size() + 1);
  EXPECT_NE(loadWith("manifest.txt", unversioned)
                .find("lacks its mlagen, engine, sm-count or arch lines"),
            std::string::npos);
  std::string archLine = manifest.substr(manifest.find("arch sm_80"));
  archLine = archLine.substr(0, archLine.find('\n') + 1);
  EXPECT_NE(loadWith("manifest.txt", manifest + archLine)
                .find("a second arch line for sm_80"),
            std::string::npos);
  EXPECT_NE(loadWith("manifest.txt", manifest + version.str() + "\n")
                .find("a second 'mlagen' line"),
            std::string::npos);
  EXPECT_NE(loadWith("manifest.txt", manifest + "extra words\n")
                .find("unknown line 'extra words'"),
            std::string::npos);
  std::string escape = manifest;
  escape.replace(escape.find("sm_80.cubin"), 11, "../x.cubin");
  EXPECT_NE(loadWith("manifest.txt", escape).find("plain file names"),
            std::string::npos);
}

TEST_F(Bundle, RefusesCorruptTruncatedMissingOrFifoFiles) {
  std::string cubin = readAll(path(directory, "sm_80.cubin"));
  std::string corrupt = cubin;
  corrupt[corrupt.size() / 2] ^= 0x20;
  EXPECT_NE(loadWith("sm_80.cubin", corrupt)
                .find("sm_80.cubin does not match its SHA-256 in the manifest "
                      "(corrupt)"),
            std::string::npos);
  EXPECT_NE(
      loadWith("sm_80.cubin", cubin.substr(0, cubin.size() - 100))
          .find(std::to_string(cubin.size()) + " (truncated or replaced)"),
      std::string::npos);
  std::string source = readAll(path(directory, "sm_90a.cu"));
  EXPECT_NE(
      loadWith("sm_90a.cu", source + " ", "sm_90a").find("sm_90a.cu holds"),
      std::string::npos);
  // The other architecture's files are not read.
  EXPECT_EQ(loadWith("sm_90a.cubin", "", "sm_80"), "no error");

  ASSERT_FALSE(llvm::sys::fs::remove(path(directory, "sm_80.cubin")));
  EXPECT_NE(errorOf(loadBundle(directory, liteOptions(), "sm_80"))
                .find("sm_80.cubin is missing"),
            std::string::npos);
  std::string manifest = path(directory, "manifest.txt");
  ASSERT_FALSE(llvm::sys::fs::remove(manifest));
  EXPECT_NE(errorOf(loadBundle(directory, liteOptions(), "sm_80"))
                .find("no manifest.txt"),
            std::string::npos);
  ASSERT_EQ(mkfifo(manifest.c_str(), 0600), 0);
  EXPECT_NE(errorOf(loadBundle(directory, liteOptions(), "sm_80"))
                .find("not a regular file"),
            std::string::npos);
}

} // namespace
