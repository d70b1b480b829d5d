//===- mla-bundle.cpp - an engine's kernels compiled ahead of time --------===//
//
// Writes a kernel bundle (mlagen/Bundle.h) for the Engine a serving process
// will make: the config (a preset), storage type, page size, query tokens,
// maxBatch and splits of its EngineOptions, for each named architecture. The
// serving process then sets EngineOptions::bundle and runs no compiler.
//
//===----------------------------------------------------------------------===//

#include "mlagen/Bundle.h"
#include "mlagen/Presets.h"
#include "tools/ToolOptions.h"
#include "tools/ToolVersion.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlagen;
namespace cl = llvm::cl;

namespace {

cl::OptionCategory category("mla-bundle options");
cl::opt<std::string> output("o", cl::desc("The bundle's directory"),
                            cl::value_desc("dir"), cl::Required,
                            cl::cat(category));
cl::opt<std::string> preset("preset", cl::desc("The model config, by name"),
                            cl::init("deepseek-v3"), cl::cat(category));
cl::opt<std::string> dtype("dtype", cl::desc("Storage type: bf16 or f16"),
                           cl::init("bf16"), cl::cat(category));
cl::opt<int64_t> pageSize("page-size", cl::desc("Tokens per cache page"),
                          cl::init(64), cl::cat(category));
cl::opt<int64_t> queryTokens("query-tokens",
                             cl::desc("New tokens per sequence and step"),
                             cl::init(1), cl::cat(category));
cl::opt<int64_t> maxBatch("max-batch", cl::desc("Sequences per call, at most"),
                          cl::init(128), cl::cat(category));
cl::opt<int64_t> splits("splits",
                        cl::desc("0: the balanced schedule; N: every sequence "
                                 "in N pieces"),
                        cl::init(0), cl::cat(category));
cl::list<std::string> arches("arch",
                             cl::desc("Architectures (default: sm_80,sm_90a)"),
                             cl::CommaSeparated, cl::cat(category));
cl::opt<int64_t> smCount("sm-count",
                         cl::desc("Multiprocessors the schedule is cut for"),
                         cl::init(132), cl::cat(category));
cl::opt<std::string> gpuName("gpu-name",
                             cl::desc("The GPU (its name, as mla-tune --show "
                                      "lists it) whose tuning entries give "
                                      "the kernels' tilings"),
                             cl::cat(category));
cl::opt<int64_t> typicalLength("typical-length",
                               cl::desc("The cached length per sequence the "
                                        "tuning entry is looked up for"),
                               cl::init(4096), cl::cat(category));

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  setVersionPrinter("mla-bundle");
  cl::HideUnrelatedOptions(category);
  showDefaultsInHelp({&category});
  cl::ParseCommandLineOptions(
      argc, argv,
      "mla-bundle: compile an Engine's kernels ahead of time into a bundle a "
      "serving process loads without a compiler\n");
  auto fail = [](llvm::Error e) {
    llvm::errs() << "mla-bundle: " << llvm::toString(std::move(e)) << "\n";
    return 1;
  };
  llvm::Expected<LayerConfig> config = presetLayerConfig(preset);
  if (!config)
    return fail(config.takeError());
  llvm::Expected<StorageType> storage = parseStorageType(dtype);
  if (!storage)
    return fail(storage.takeError());
  BundleRequest request;
  request.engine.config = *config;
  request.engine.storage = *storage;
  request.engine.pageSize = pageSize;
  request.engine.queryTokens = queryTokens;
  request.engine.maxBatch = maxBatch;
  request.engine.splits = splits;
  request.engine.typicalLength = typicalLength;
  request.smCount = smCount;
  request.gpuName = gpuName;
  if (!arches.empty())
    request.arches.assign(arches.begin(), arches.end());
  std::vector<std::string> choices;
  if (llvm::Error e = writeBundle(request, output, &choices))
    return fail(std::move(e));
  for (const std::string &choice : choices)
    llvm::outs() << "mla-bundle: " << choice << "\n";
  llvm::outs() << "mla-bundle: wrote " << output << " (" << preset << ", "
               << dtype << ", pages of " << pageSize << ", "
               << request.arches.size() << " architecture(s))\n";
  return 0;
}
