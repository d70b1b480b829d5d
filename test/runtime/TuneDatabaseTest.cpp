//===- TuneDatabaseTest.cpp - the tuning file and the choice it informs ---===//

#include "mlagen/TuneDatabase.h"
#include "mlagen/Presets.h"
#include "mlagen/TunedChoice.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace mlagen;

namespace {

class TuneDatabaseTest : public testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("mlagen-tune", dir));
    path = (dir + "/sub/tune.json").str();
  }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }

  static TuneEntry entry(int64_t batch, int64_t length, int64_t tokens = 1) {
    TuneEntry e;
    e.key.device = DeviceKey{"cpu", "Test CPU", 2, "x86-64 avx2"};
    e.key.code = codeGeneratorHash().str();
    e.key.model = "#mla.config<...>";
    e.key.mode = "attention";
    e.key.pageSize = 64;
    e.key.batch = batch;
    e.key.length = length;
    e.key.queryTokens = tokens;
    e.variant = "splits=" + std::to_string(batch);
    e.seconds = 1e-3 * batch;
    e.spread = 1e-5;
    e.defaultVariant = "splits=1";
    e.defaultSeconds = 2e-3;
    e.measured = "2026-12-03T17:00:00Z";
    return e;
  }

  void write(llvm::StringRef text) {
    ASSERT_FALSE(llvm::sys::fs::create_directories(dir + "/sub"));
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    ASSERT_FALSE(ec);
    os << text;
  }

  std::string read() {
    auto buffer = llvm::MemoryBuffer::getFile(path);
    return buffer ? (*buffer)->getBuffer().str() : "";
  }

  static std::string joined(const std::vector<std::string> &lines) {
    std::string all;
    for (const std::string &line : lines)
      all += line + "\n";
    return all;
  }

  llvm::SmallString<128> dir;
  std::string path;
};

TEST_F(TuneDatabaseTest, MissingFileIsEmptyAndQuiet) {
  TuneDatabase db = TuneDatabase::load(path);
  EXPECT_TRUE(db.entries().empty());
  EXPECT_TRUE(db.problems().empty());
}

TEST_F(TuneDatabaseTest, RoundTripAndMerge) {
  ASSERT_FALSE(
      bool(TuneDatabase::merge(path, {entry(1, 1024), entry(4, 4096)})));
  TuneEntry changed = entry(4, 4096);
  changed.variant = "splits=9";
  ASSERT_FALSE(bool(TuneDatabase::merge(path, {changed, entry(16, 1024)})));
  TuneDatabase db = TuneDatabase::load(path);
  EXPECT_TRUE(db.problems().empty()) << joined(db.problems());
  ASSERT_EQ(db.entries().size(), 3u);
  const TuneEntry &first = db.entries()[0];
  EXPECT_EQ(first.key.device, entry(1, 1024).key.device);
  EXPECT_EQ(first.key.model, "#mla.config<...>");
  EXPECT_EQ(first.key.length, 1024);
  EXPECT_EQ(first.variant, "splits=1");
  EXPECT_DOUBLE_EQ(first.seconds, 1e-3);
  EXPECT_EQ(first.measured, "2026-12-03T17:00:00Z");
  EXPECT_EQ(db.entries()[1].variant, "splits=9"); // replaced in place
  EXPECT_EQ(db.entries()[2].key.batch, 16);
}

TEST_F(TuneDatabaseTest, NearestBucketRule) {
  ASSERT_FALSE(
      bool(TuneDatabase::merge(path, {entry(1, 1024), entry(4, 4096),
                                      entry(16, 16384), entry(4, 4096, 2)})));
  TuneDatabase db = TuneDatabase::load(path);
  TuneKey want = entry(4, 5000).key;
  ASSERT_TRUE(db.nearest(want));
  EXPECT_EQ(db.nearest(want)->key.batch, 4);
  EXPECT_EQ(db.nearest(want)->key.queryTokens, 1);
  // Equally far from (1, 1024) and (4, 4096): the larger bucket wins.
  want = entry(2, 2048).key;
  EXPECT_EQ(db.nearest(want)->key.batch, 4);
  want = entry(64, 65536).key;
  EXPECT_EQ(db.nearest(want)->key.batch, 16);
  // Query tokens, the device, the model and the page size must match.
  want = entry(4, 4096, 3).key;
  EXPECT_FALSE(db.nearest(want));
  want = entry(4, 4096).key;
  want.device.units = 3;
  EXPECT_FALSE(db.nearest(want));
  want = entry(4, 4096).key;
  want.pageSize = 16;
  EXPECT_FALSE(db.nearest(want));
}

TEST_F(TuneDatabaseTest, OtherCodeIsReportedAndNeverChosen) {
  TuneEntry old = entry(4, 4096);
  old.key.code = "0123456789abcdef";
  ASSERT_FALSE(bool(TuneDatabase::merge(path, {old})));
  TuneDatabase db = TuneDatabase::load(path);
  EXPECT_EQ(db.entries().size(), 1u);
  ASSERT_EQ(db.problems().size(), 1u);
  EXPECT_NE(db.problems()[0].find("1 entry made by another build"),
            std::string::npos);
  TuneKey want = old.key;
  EXPECT_FALSE(db.nearest(want));
  want.code = codeGeneratorHash().str();
  EXPECT_FALSE(db.nearest(want));
}

TEST_F(TuneDatabaseTest, CorruptFileIsIgnoredThenMovedAside) {
  for (
      const char *text :
      {"{not json", "[1, 2]", R"({"format": "mlagen-tune-db", "version": 1})",
       R"({"format": "mlagen-tune-db", "version": 1, "entries": [{"code": 5}]})"}) {
    write(text);
    TuneDatabase db = TuneDatabase::load(path);
    EXPECT_TRUE(db.entries().empty()) << text;
    ASSERT_EQ(db.problems().size(), 1u) << text;
    EXPECT_NE(db.problems()[0].find("ignoring the tuning file"),
              std::string::npos);
  }
  // An entry with a batch of 0 is malformed too.
  TuneEntry zero = entry(4, 4096);
  ASSERT_FALSE(bool(TuneDatabase::merge(path, {zero})));
  std::string good = read();
  size_t at = good.find("\"batch\": 4");
  ASSERT_NE(at, std::string::npos);
  write(good.replace(at, 10, "\"batch\": 0"));
  EXPECT_NE(joined(TuneDatabase::load(path).problems()).find("malformed entry"),
            std::string::npos);

  write("{not json");
  std::vector<std::string> notes;
  ASSERT_FALSE(bool(TuneDatabase::merge(path, {entry(1, 1024)}, &notes)));
  ASSERT_EQ(notes.size(), 1u);
  size_t aside = notes[0].find("moved it to ");
  ASSERT_NE(aside, std::string::npos);
  auto kept = llvm::MemoryBuffer::getFile(notes[0].substr(aside + 12));
  ASSERT_TRUE(bool(kept));
  EXPECT_EQ((*kept)->getBuffer(), "{not json"); // nothing lost
  EXPECT_EQ(TuneDatabase::load(path).entries().size(), 1u);
}

TEST_F(TuneDatabaseTest, ForeignVersionIsLeftAlone) {
  const char *future =
      R"({"format": "mlagen-tune-db", "version": 2, "entries": []})";
  write(future);
  TuneDatabase db = TuneDatabase::load(path);
  ASSERT_EQ(db.problems().size(), 1u);
  EXPECT_NE(db.problems()[0].find("format version 2"), std::string::npos);
  llvm::Error e = TuneDatabase::merge(path, {entry(1, 1024)});
  ASSERT_TRUE(bool(e));
  EXPECT_NE(llvm::toString(std::move(e)).find("move it away"),
            std::string::npos);
  EXPECT_EQ(read(), future);
}

TEST_F(TuneDatabaseTest, FifoIsRefusedWithoutBlocking) {
  ASSERT_FALSE(llvm::sys::fs::create_directories(dir + "/sub"));
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  TuneDatabase db = TuneDatabase::load(path);
  ASSERT_EQ(db.problems().size(), 1u);
  EXPECT_NE(db.problems()[0].find("is not a regular file"), std::string::npos);
  llvm::Error e = TuneDatabase::merge(path, {entry(1, 1024)});
  ASSERT_TRUE(bool(e));
  EXPECT_NE(llvm::toString(std::move(e)).find("is not a regular file"),
            std::string::npos);
}

TEST_F(TuneDatabaseTest, ConcurrentWritersLoseNothing) {
  constexpr int kWriters = 2, kEach = 25;
  std::vector<pid_t> children;
  for (int w = 0; w < kWriters; ++w) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      for (int i = 0; i < kEach; ++i)
        if (llvm::Error e =
                TuneDatabase::merge(path, {entry(1 + w * kEach + i, 1024)})) {
          llvm::consumeError(std::move(e));
          ::_exit(1);
        }
      ::_exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  TuneDatabase db = TuneDatabase::load(path);
  EXPECT_TRUE(db.problems().empty()) << joined(db.problems());
  EXPECT_EQ(db.entries().size(), size_t(kWriters * kEach));
}

TEST_F(TuneDatabaseTest, StepChoiceNamesTheEntryOrTheHeuristic) {
  llvm::Expected<LayerConfig> config = presetLayerConfig("deepseek-v2-lite");
  ASSERT_TRUE(bool(config));
  ProblemShape shape;
  shape.seqLens = {1000, 3000, 4000};
  llvm::Expected<Problem> p = makeRandomProblem(*config, shape, 1);
  ASSERT_TRUE(bool(p));
  DeviceKey cpu{"cpu", "Test CPU", 2, "x86-64"};

  TuneDatabase empty;
  CpuChoice none = chooseCpuStepVariant(*p, empty, cpu);
  EXPECT_EQ(none.variant, chooseCpuVariant(*p, 2));
  EXPECT_EQ(none.source.rfind("heuristic (2 cores, batch 3", 0), 0u)
      << none.source;

  TuneEntry tuned;
  tuned.key = tuneKeyOf(*p, cpu);
  EXPECT_EQ(tuned.key.length, 4000);
  tuned.key.batch = 4; // the nearest bucket, not this one
  tuned.variant = "splits=5,chunks=1,threads=1,acc=8,inner=2,amx=0,dot=0";
  tuned.seconds = 1;
  tuned.measured = "now";
  ASSERT_FALSE(bool(TuneDatabase::merge(path, {tuned})));
  CpuChoice chosen = chooseCpuStepVariant(*p, TuneDatabase::load(path), cpu);
  EXPECT_EQ(chosen.variant.str(), tuned.variant);
  EXPECT_EQ(chosen.source, "tuning entry: " + tuned.key.str());

  // An entry whose variant does not fit the step falls back, saying why.
  tuned.variant = "chunks=4";
  ASSERT_FALSE(bool(TuneDatabase::merge(path, {tuned})));
  CpuChoice unfit = chooseCpuStepVariant(*p, TuneDatabase::load(path), cpu);
  EXPECT_EQ(unfit.variant, chooseCpuVariant(*p, 2));
  EXPECT_NE(unfit.source.find("does not fit: CPU variant field 'chunks'"),
            std::string::npos)
      << unfit.source;
}

} // namespace
