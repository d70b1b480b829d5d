//===- mla-tune.cpp - autotune mlagen's variants for a device -------------===//
//
// `--backend=cpu` times the CPU back end's variants of each shape bucket on
// this machine and stores the winners in the tuning database, which
// mla-run's CPU step consults from then on (CpuTune.cpp). `--dry-run
// --arch=...` reports the GPU variant space, pruned and ranked without a GPU
// (DryRun.cpp).
// `--show`, `--export` and `--import` read and move database entries.
//
//===----------------------------------------------------------------------===//

#include "TuneRequest.h"
#include "mlagen/Presets.h"
#include "mlagen/TuneDatabase.h"
#include "tools/ToolOptions.h"
#include "tools/ToolVersion.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlagen;
namespace cl = llvm::cl;

namespace {

cl::OptionCategory category("mla-tune options");
cl::opt<std::string> preset("preset", cl::desc("Model preset"),
                            cl::init("deepseek-v3"), cl::cat(category));
cl::opt<int64_t> heads("heads", cl::desc("Attention heads (0: the preset's)"),
                       cl::init(0), cl::cat(category));
cl::opt<std::string> backend("backend",
                             cl::desc("cpu: time the CPU back end's variants "
                                      "on this machine; cuda: the GPU at hand"),
                             cl::init("cpu"), cl::cat(category));
cl::opt<std::string> arch("arch",
                          cl::desc("--dry-run's target: sm_80, "
                                   "sm_90a or sm_100a"),
                          cl::init("sm_90a"), cl::cat(category));
cl::opt<bool> dryRun("dry-run",
                     cl::desc("Enumerate, prune, compile and rank the GPU "
                              "variants for --arch; time none (no GPU)"),
                     cl::cat(category));
cl::opt<std::string> mode("mode",
                          cl::desc("attention (the decode attention step) or "
                                   "layer (a whole-layer step; cpu only)"),
                          cl::init("attention"), cl::cat(category));
cl::list<int64_t> batches("batches", cl::CommaSeparated,
                          cl::desc("Batch sizes (default: cpu 1,4,16; "
                                   "--dry-run 1,2,...,128)"),
                          cl::cat(category));
cl::list<int64_t> lengths("lengths", cl::CommaSeparated,
                          cl::desc("Cached lengths (default: cpu "
                                   "1024,4096,16384; --dry-run "
                                   "1024,2048,...,32768)"),
                          cl::cat(category));
cl::list<int64_t> queryTokens("query-tokens", cl::CommaSeparated,
                              cl::desc("Query tokens (default 1,2)"),
                              cl::cat(category));
cl::opt<int64_t> pageSize("page-size", cl::desc("Keys per cache page"),
                          cl::init(64), cl::cat(category));
cl::opt<std::string> dtype("dtype",
                           cl::desc("Storage: bf16, f16 (or f32 on "
                                    "the CPU)"),
                           cl::init("bf16"), cl::cat(category));
cl::opt<unsigned> jobs("jobs",
                       cl::desc("NVRTC compile threads (default: "
                                "the cores)"),
                       cl::init(0), cl::cat(category));
cl::opt<unsigned> top("top",
                      cl::desc("--dry-run: variants per op to list, "
                               "best first"),
                      cl::init(3), cl::cat(category));
cl::opt<int64_t> warmup("warmup", cl::desc("Untimed runs of each candidate"),
                        cl::init(2), cl::cat(category));
cl::opt<int64_t> runs("runs",
                      cl::desc("Timed runs of each candidate "
                               "(median and spread)"),
                      cl::init(10), cl::cat(category));
cl::opt<std::string> database("db",
                              cl::desc("The tuning file (default: "
                                       "$MLAGEN_TUNE_DB, else the user's "
                                       "cache dir; README)"),
                              cl::cat(category));
cl::opt<std::string> plot("plot",
                          cl::desc("Write an SVG plot of every "
                                   "candidate's time here"),
                          cl::cat(category));
cl::opt<bool> show("show", cl::desc("List the tuning file's entries"),
                   cl::cat(category));
cl::opt<std::string> exportTo("export",
                              cl::desc("Merge the tuning file's entries "
                                       "into this file"),
                              cl::cat(category));
cl::opt<std::string> importFrom("import",
                                cl::desc("Merge this file's entries into "
                                         "the tuning file"),
                                cl::cat(category));

int fail(const llvm::Twine &message) {
  llvm::errs() << "mla-tune: " << message << "\n";
  return 1;
}

/// `values`, or `fallback` when none were given; every value in [1, 2^24].
llvm::Expected<std::vector<int64_t>> listOr(const cl::list<int64_t> &values,
                                            std::vector<int64_t> fallback,
                                            llvm::StringRef flag) {
  std::vector<int64_t> out(values.begin(), values.end());
  if (out.empty())
    out = std::move(fallback);
  for (int64_t v : out)
    if (v < 1 || v > (int64_t(1) << 24))
      return llvm::createStringError(
          llvm::formatv("--{0}: {1} is out of range [1, 2^24]", flag, v).str());
  return out;
}

/// Loads `path`, printing what makes it (or some entries) untrusted.
TuneDatabase loadReporting(llvm::StringRef path) {
  TuneDatabase db = TuneDatabase::load(path);
  for (const std::string &problem : db.problems())
    llvm::errs() << "mla-tune: note: " << problem << "\n";
  return db;
}

int showEntries(llvm::StringRef path) {
  TuneDatabase db = loadReporting(path);
  llvm::outs() << llvm::formatv(
      "{0}: {1} entr{2} (this build's code generator: {3})\n", path,
      db.entries().size(), db.entries().size() == 1 ? "y" : "ies",
      codeGeneratorHash());
  for (const TuneEntry &e : db.entries())
    llvm::outs() << llvm::formatv(
        "  {0}\n    {1}: {2:f3} ms (spread {3:f3}); default {4}: {5:f3} ms; "
        "measured {6}\n",
        e.key.str(), e.variant, e.seconds * 1e3, e.spread * 1e3,
        e.defaultVariant, e.defaultSeconds * 1e3, e.measured);
  return 0;
}

/// Merges the entries of `from` into `to`.
int moveEntries(llvm::StringRef from, llvm::StringRef to) {
  if (!llvm::sys::fs::exists(from))
    return fail("nothing to move from " + from + ": it does not exist");
  TuneDatabase db = loadReporting(from);
  if (db.entries().empty())
    return fail("nothing to move from " + from + ": it holds no entries");
  std::vector<std::string> notes;
  if (llvm::Error e = TuneDatabase::merge(to, db.entries(), &notes))
    return fail(llvm::toString(std::move(e)));
  for (const std::string &note : notes)
    llvm::errs() << "mla-tune: note: " << note << "\n";
  llvm::outs() << llvm::formatv(
      "merged {0} entr{1} from {2} into {3}\n", db.entries().size(),
      db.entries().size() == 1 ? "y" : "ies", from, to);
  return 0;
}

llvm::Expected<TuneRequest> readRequest() {
  TuneRequest r;
  r.preset = preset;
  r.arch = arch;
  if (arch.getNumOccurrences() && !dryRun)
    return llvm::createStringError("--arch names --dry-run's target; add "
                                   "--dry-run (or use --backend=cpu or cuda)");
  llvm::Expected<LayerConfig> config = presetLayerConfig(preset);
  if (!config)
    return config.takeError();
  r.config = *config;
  if (heads < 0 || heads > 1024)
    return llvm::createStringError("--heads must be in [0, 1024], got " +
                                   std::to_string(heads));
  if (heads)
    r.config.heads = heads;
  llvm::Expected<StorageType> storage = parseStorageType(dtype);
  if (!storage)
    return storage.takeError();
  r.storage = *storage;
  if (mode != "attention" && mode != "layer")
    return llvm::createStringError("--mode must be attention or layer, got '" +
                                   mode + "'");
  r.mode = mode == "layer" ? RunMode::Layer : RunMode::Attention;
  if (pageSize < 1 || pageSize > 4096)
    return llvm::createStringError("--page-size must be in [1, 4096], got " +
                                   std::to_string(pageSize));
  r.pageSize = pageSize;
  bool cpu = !dryRun;
  auto bs = listOr(batches,
                   cpu ? std::vector<int64_t>{1, 4, 16}
                       : std::vector<int64_t>{1, 2, 4, 8, 16, 32, 64, 128},
                   "batches");
  auto ls =
      listOr(lengths,
             cpu ? std::vector<int64_t>{1024, 4096, 16384}
                 : std::vector<int64_t>{1024, 2048, 4096, 8192, 16384, 32768},
             "lengths");
  auto qs = listOr(queryTokens, {1, 2}, "query-tokens");
  // Every list's error, so that none goes unchecked.
  if (llvm::Error e = llvm::joinErrors(
          llvm::joinErrors(bs.takeError(), ls.takeError()), qs.takeError()))
    return std::move(e);
  r.batches = *bs;
  r.lengths = *ls;
  r.queryTokens = *qs;
  if (warmup < 0 || warmup > 1000 || runs < 1 || runs > 10000)
    return llvm::createStringError(
        "--warmup must be in [0, 1000] and --runs in [1, 10000]");
  r.warmup = warmup;
  r.runs = runs;
  r.jobs = jobs;
  r.top = top;
  r.database = database.empty() ? TuneDatabase::defaultPath() : database;
  r.plot = plot;
  return r;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlagen::setVersionPrinter("mla-tune");
  cl::HideUnrelatedOptions(category);
  mlagen::showDefaultsInHelp({&category});
  cl::ParseCommandLineOptions(argc, argv,
                              "mla-tune: autotune mlagen's variants for a "
                              "device and remember the winners\n");
  llvm::Expected<TuneRequest> request = readRequest();
  if (!request)
    return fail(llvm::toString(request.takeError()));
  if (show)
    return showEntries(request->database);
  if (!exportTo.empty())
    return moveEntries(request->database, exportTo);
  if (!importFrom.empty())
    return moveEntries(importFrom, request->database);
  if (dryRun) {
#ifdef MLAGEN_HAVE_CUDA
    return runDryRun(*request);
#else
    return fail("--dry-run compiles the variants with NVRTC: this build has "
                "no CUDA toolkit");
#endif
  }
  if (backend == "cuda")
    return fail("--backend=cuda: timing on a GPU is not built yet; use "
                "--dry-run --arch=<arch> for the GPU variant space, or "
                "--backend=cpu");
  if (backend != "cpu")
    return fail("--backend must be cpu or cuda, got '" + backend + "'");
  return runCpuTune(*request);
}
