//===- RunOptions.cpp - mla-run's command line ----------------------------===//

#include "RunOptions.h"
#include "dialect/ModelPresets.h"
#include "mlagen/ConfigConversion.h"
#include "mlagen/CpuVariant.h"
#include "tools/ToolOptions.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlagen;
using llvm::createStringError;
namespace cl = llvm::cl;

static cl::OptionCategory runCategory("What to run");
static cl::OptionCategory
    configCategory("Layer config (a preset, with any field overridden)");
static cl::OptionCategory shapeCategory("Batch, cache and inputs");
static cl::OptionCategory outputCategory("Checking, timing and saving");

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("[input.mlir]"),
                                      cl::init(""), cl::cat(runCategory));
static cl::opt<std::string>
    entry("entry",
          cl::desc("The function of input.mlir to run (default: its only "
                   "function)"),
          cl::cat(runCategory));
static cl::opt<std::string>
    mode("mode",
         cl::desc("attention: latent attention over the paged cache; "
                  "layer: one whole-layer decode step"),
         cl::init("attention"), cl::cat(runCategory));
static cl::opt<std::string> backend("backend",
                                    cl::desc("cpu, cuda or auto (the GPU if "
                                             "one is usable, else the CPU)"),
                                    cl::init("auto"), cl::cat(runCategory));
static cl::opt<bool>
    noRewrite("naive",
              cl::desc("Compile the naive MHA form (skip mla-rewrite)"),
              cl::cat(runCategory));
static cl::opt<int64_t> splits("num-splits",
                               cl::desc("KV splits for mla-split-kv (0: "
                                        "chosen from the shape)"),
                               cl::init(0), cl::cat(runCategory));
static cl::opt<std::string> cpuVariant(
    "cpu-variant",
    cl::desc("CPU back end: fields that override the chosen variant, e.g. "
             "splits=2,chunks=1,threads=2,acc=16,inner=4 (README)"),
    cl::cat(runCategory));
static cl::opt<std::string> cudaVariant(
    "cuda-variant",
    cl::desc("CUDA back end: fields that override the chosen variant, e.g. "
             "'splits=4; mla.combine=#mla.cuda_tiling<...>' (README)"),
    cl::cat(runCategory));
static cl::opt<bool>
    compileOnly("compile-only",
                cl::desc("Generate the step's CUDA kernels and compile them "
                         "with NVRTC for --arch (no GPU needed); run nothing"),
                cl::cat(runCategory));
static cl::opt<std::string> arch("arch",
                                 cl::desc("GPU architecture for "
                                          "--compile-only: sm_80, sm_90a, "
                                          "sm_100a, ..."),
                                 cl::init("sm_90a"), cl::cat(runCategory));
static cl::opt<std::string>
    gpuName("gpu-name",
            cl::desc("--compile-only: the GPU (its name, as mla-tune --show "
                     "lists it) whose tuning entries for --arch choose the "
                     "variant"),
            cl::cat(runCategory));
static cl::opt<int> device("device",
                           cl::desc("The GPU (CUDA ordinal) --backend=cuda "
                                    "and --gpu-info use"),
                           cl::init(0), cl::cat(runCategory));
static cl::opt<bool> gpuInfo("gpu-info",
                             cl::desc("Print the GPU the CUDA back end would "
                                      "use, or why there is none (exit 1)"),
                             cl::cat(runCategory));
static cl::opt<bool> printIR("print-ir",
                             cl::desc("Print the step's IR after mla-rewrite"),
                             cl::cat(runCategory));

static cl::opt<std::string> preset("preset",
                                   cl::desc("deepseek-v2-lite, deepseek-v2, "
                                            "deepseek-v3, deepseek-r1 or "
                                            "kimi-k2"),
                                   cl::init("deepseek-v3"),
                                   cl::cat(configCategory));
static cl::opt<int64_t>
    heads("heads",
          cl::desc("Query heads (e.g. H / TP) (default: the preset's)"),
          cl::init(-1), cl::cat(configCategory));
static cl::opt<int64_t> dModel("d-model",
                               cl::desc("Hidden size (default: the preset's)"),
                               cl::init(-1), cl::cat(configCategory));
static cl::opt<int64_t>
    qLoraRank("q-lora-rank",
              cl::desc("0: no query compression (default: the preset's)"),
              cl::init(-1), cl::cat(configCategory));
static cl::opt<int64_t>
    kvLoraRank("kv-lora-rank",
               cl::desc("Latent width d_c (default: the preset's)"),
               cl::init(-1), cl::cat(configCategory));
static cl::opt<int64_t> nopeDim(
    "qk-nope-head-dim",
    cl::desc("Per-head query/key width without RoPE (default: the preset's)"),
    cl::init(-1), cl::cat(configCategory));
static cl::opt<int64_t>
    ropeDim("qk-rope-head-dim",
            cl::desc("Decoupled RoPE width d_r (even) (default: the preset's)"),
            cl::init(-1), cl::cat(configCategory));
static cl::opt<int64_t>
    vDim("v-head-dim", cl::desc("Per-head value width (default: the preset's)"),
         cl::init(-1), cl::cat(configCategory));
static cl::opt<std::string> pairing("rope-pairing",
                                    cl::desc("interleaved or half (default: "
                                             "the preset's)"),
                                    cl::cat(configCategory));
static cl::opt<std::string> dtype("dtype",
                                  cl::desc("Storage type: bf16, f16 or f32 "
                                           "(accumulation is always f32)"),
                                  cl::init("bf16"), cl::cat(configCategory));

static cl::opt<int64_t> batch("batch", cl::desc("Sequences"), cl::init(4),
                              cl::cat(shapeCategory));
static cl::opt<int64_t>
    seqLen("seq-len",
           cl::desc("Cached tokens of every sequence (for input.mlir: as many "
                    "as the pages allow)"),
           cl::init(1024), cl::cat(shapeCategory));
static cl::list<int64_t>
    seqLens("seq-lens",
            cl::desc("Cached tokens per sequence, e.g. 0,63,1000 (sets the "
                     "batch)"),
            cl::CommaSeparated, cl::cat(shapeCategory));
static cl::opt<std::string>
    seqLenRange("seq-len-range",
                cl::desc("MIN:MAX: lengths drawn uniformly from the seed"),
                cl::cat(shapeCategory));
static cl::opt<int64_t>
    queryTokens("query-tokens",
                cl::desc("New tokens per sequence (s_q; for input.mlir, sizes "
                         "a dynamic block table)"),
                cl::init(1), cl::cat(shapeCategory));
static cl::opt<int64_t> pageSize("page-size", cl::desc("Rows per cache page"),
                                 cl::init(64), cl::cat(shapeCategory));
static cl::opt<int64_t> numPages("num-pages",
                                 cl::desc("Pages in the cache (0: what the "
                                          "sequences need)"),
                                 cl::init(0), cl::cat(shapeCategory));
static cl::opt<uint64_t> seed("seed", cl::desc("Seed of the random inputs"),
                              cl::init(1), cl::cat(shapeCategory));
static cl::opt<std::string>
    load("load",
         cl::desc("Read the inputs from this directory (as --save "
                  "wrote them) instead of making random ones"),
         cl::cat(shapeCategory));

static cl::opt<bool> verify("verify",
                            cl::desc("Compare with the reference (for "
                                     "input.mlir: with the function compiled "
                                     "as written); exit 1 beyond the "
                                     "documented tolerances"),
                            cl::cat(outputCategory));
static cl::opt<int64_t> iterations("iterations",
                                   cl::desc("Timed iterations (median "
                                            "reported)"),
                                   cl::init(5), cl::cat(outputCategory));
static cl::opt<int64_t> warmup("warmup", cl::desc("Untimed runs first"),
                               cl::init(1), cl::cat(outputCategory));
static cl::opt<std::string> save(
    "save",
    cl::desc("Write inputs, outputs and manifest.json here (format: README)"),
    cl::cat(outputCategory));
static cl::opt<bool> cacheReport(
    "cache-report",
    cl::desc("Print KV-cache sizes for MHA, GQA, MQA and MLA and exit"),
    cl::cat(outputCategory));
static cl::opt<int64_t> context("context",
                                cl::desc("Tokens per sequence for "
                                         "--cache-report"),
                                cl::init(32768), cl::cat(outputCategory));
static cl::opt<int64_t> groups("groups",
                               cl::desc("GQA groups for --cache-report"),
                               cl::init(8), cl::cat(outputCategory));
static cl::opt<int64_t> layers("layers",
                               cl::desc("Layers for --cache-report (0: the "
                                        "preset's)"),
                               cl::init(0), cl::cat(outputCategory));

/// The flags that define a built-in step (what a --load manifest says).
static llvm::SmallVector<const cl::Option *> problemFlags() {
  // (cl::list overloads unary &.)
  return {&mode,        &preset,
          &heads,       &dModel,
          &qLoraRank,   &kvLoraRank,
          &nopeDim,     &ropeDim,
          &vDim,        &pairing,
          &dtype,       &batch,
          &seqLen,      std::addressof(seqLens),
          &seqLenRange, &queryTokens,
          &pageSize,    &numPages,
          &seed};
}

static llvm::Error flagError(llvm::StringRef flag, const llvm::Twine &what) {
  return createStringError(("--" + flag + ": " + what).str());
}

static llvm::Expected<std::vector<int32_t>> readLengths() {
  if (!seqLens.empty()) {
    std::vector<int32_t> lengths;
    for (int64_t length : seqLens) {
      if (length < 0 || length > (1 << 24))
        return flagError("seq-lens", llvm::formatv("length {0} is outside "
                                                   "[0, 16777216]",
                                                   length));
      lengths.push_back(int32_t(length));
    }
    return lengths;
  }
  if (batch < 1 || batch > 65536)
    return flagError(
        "batch", llvm::formatv("{0} is outside [1, 65536]", batch.getValue()));
  if (!seqLenRange.empty()) {
    auto [low, high] = llvm::StringRef(seqLenRange).split(':');
    int64_t min, max;
    if (low.getAsInteger(10, min) || high.getAsInteger(10, max) || min < 0 ||
        max < min || max > (1 << 24))
      return flagError("seq-len-range", "expected MIN:MAX with 0 <= MIN <= "
                                        "MAX <= 16777216, got '" +
                                            seqLenRange + "'");
    return randomLengths(batch, int32_t(min), int32_t(max), seed ^ 0x5eed);
  }
  if (seqLen < 0 || seqLen > (1 << 24))
    return flagError("seq-len", llvm::formatv("{0} is outside [0, 16777216]",
                                              seqLen.getValue()));
  return std::vector<int32_t>(batch, int32_t(seqLen));
}

/// LLVM registers its own --stats (statistics, which this release build of
/// LLVM does not collect); mla-run takes that flag over for --compile-only.
static cl::Option *statsFlag() {
  auto &options = cl::getRegisteredOptions();
  auto it = options.find("stats");
  return it == options.end() ? nullptr : it->second;
}

void mlagen::hideUnrelatedOptions() {
  if (cl::Option *stats = statsFlag()) {
    stats->setDescription("With --compile-only or a GPU run: each kernel's "
                          "registers, shared memory, spills and stack");
    stats->addCategory(runCategory);
    stats->setHiddenFlag(cl::NotHidden);
  }
  cl::HideUnrelatedOptions(
      {&runCategory, &configCategory, &shapeCategory, &outputCategory});
  showDefaultsInHelp(
      {&runCategory, &configCategory, &shapeCategory, &outputCategory});
}

llvm::Expected<RunOptions> mlagen::readRunOptions(mlir::MLIRContext &ctx) {
  RunOptions options;
  llvm::Expected<mlir::mla::ConfigAttr> base = lookupPreset(&ctx, preset);
  if (!base)
    return flagError("preset", llvm::toString(base.takeError()));
  options.config = toLayerConfig(*base);
  LayerConfig &c = options.config;
  for (auto [flag, field] : {std::pair{&heads, &c.heads},
                             {&dModel, &c.dModel},
                             {&qLoraRank, &c.qLoraRank},
                             {&kvLoraRank, &c.kvLoraRank},
                             {&nopeDim, &c.qkNopeHeadDim},
                             {&ropeDim, &c.qkRopeHeadDim},
                             {&vDim, &c.vHeadDim}}) {
    if (!flag->getNumOccurrences()) // not given: the preset's
      continue;
    bool mayBeZero = flag == &qLoraRank;
    if (*flag < (mayBeZero ? 0 : 1) || *flag > 65536)
      return flagError(flag->ArgStr,
                       llvm::formatv("{0} is outside [{1}, "
                                     "65536]",
                                     flag->getValue(), mayBeZero ? 0 : 1));
    *field = *flag;
  }
  if (c.qkRopeHeadDim % 2)
    return flagError("qk-rope-head-dim", "must be even (RoPE rotates pairs)");
  if (!pairing.empty()) {
    if (pairing != "interleaved" && pairing != "half")
      return flagError("rope-pairing",
                       "expected interleaved or half, got '" + pairing + "'");
    c.rope.pairing =
        pairing == "half" ? RopePairing::Half : RopePairing::Interleaved;
  }
  llvm::Expected<StorageType> storage = parseStorageType(dtype);
  if (!storage)
    return flagError("dtype", llvm::toString(storage.takeError()));

  if (mode != "attention" && mode != "layer")
    return flagError("mode", "expected attention or layer, got '" + mode + "'");
  if (backend == "cpu")
    options.backend = Backend::Cpu;
  else if (backend == "cuda")
    options.backend = Backend::Cuda;
  else if (backend == "auto")
    options.backend = Backend::Auto;
  else
    return flagError("backend",
                     "expected cpu, cuda or auto, got '" + backend + "'");

  llvm::Expected<std::vector<int32_t>> lengths = readLengths();
  if (!lengths)
    return lengths.takeError();
  ProblemShape &shape = options.shape;
  shape.mode = mode == "layer" ? RunMode::Layer : RunMode::Attention;
  shape.queryTokens = queryTokens;
  shape.pageSize = pageSize;
  shape.numPages = numPages;
  shape.seqLens = std::move(*lengths);
  shape.storage = *storage;
  if (llvm::Error e = validateShape(c, shape))
    return std::move(e);

  if (iterations < 1 || warmup < 0)
    return flagError("iterations", "needs --iterations >= 1 and --warmup >= 0");
  if (splits < 0 || splits > 1024)
    return flagError("num-splits", "must be in [0, 1024]");
  const mlir::mla::ModelPreset *model = mlir::mla::lookupModelPreset(preset);
  options.layers = layers > 0 ? int64_t(layers) : model->numLayers;
  options.seed = seed;
  options.iterations = iterations;
  options.warmup = warmup;
  options.splits = splits;
  options.cpuVariant = cpuVariant;
  if (!cpuVariant.empty())
    if (llvm::Expected<CpuVariant> parsed =
            CpuVariant::parse(cpuVariant, CpuVariant());
        !parsed)
      return flagError("cpu-variant", llvm::toString(parsed.takeError()));
  if (!cudaVariant.empty()) {
    llvm::Expected<CudaVariant> parsed = CudaVariant::parse(cudaVariant);
    if (!parsed)
      return flagError("cuda-variant", llvm::toString(parsed.takeError()));
    options.cudaVariant = *parsed;
  }
  options.verify = verify;
  options.rewrite = !noRewrite;
  options.inputFile = inputFile;
  if (!inputFile.empty() &&
      (seqLens.getNumOccurrences() || !seqLenRange.empty()))
    return flagError(seqLens.getNumOccurrences() ? "seq-lens" : "seq-len-range",
                     "applies to the built-in steps; with input.mlir every "
                     "sequence holds --seq-len tokens (as the pages allow)");
  options.entry = entry;
  options.printIR = printIR;
  options.compileOnly = compileOnly;
  options.gpuInfo = gpuInfo;
  if (device < 0)
    return flagError("device", "must be a CUDA device ordinal (0 or more)");
  options.device = device;
  options.arch = arch;
  options.gpuName = gpuName;
  if (gpuName.getNumOccurrences() && !compileOnly)
    return flagError("gpu-name", "names the GPU of --compile-only; a run on "
                                 "a GPU looks its own GPU up");
  if (gpuName.getNumOccurrences() && gpuName.empty())
    return flagError("gpu-name", "needs a GPU's name");
  if (options.cudaVariant && !compileOnly && options.backend == Backend::Cpu)
    return flagError("cuda-variant", "sets the CUDA kernels' variant: needs "
                                     "--compile-only or a GPU run");
  cl::Option *statsOption = statsFlag();
  options.stats = statsOption && statsOption->getNumOccurrences() > 0;
  if (options.stats && !compileOnly && options.backend == Backend::Cpu)
    return flagError("stats", "needs --compile-only or a GPU run (each "
                              "kernel's resources; the CPU has no kernels)");
  options.cacheReport = cacheReport;
  options.reportContext = context;
  options.reportGroups = groups;
  options.loadDir = load;
  options.saveDir = save;
  if (cacheReport && (context < 1 || groups < 1))
    return flagError("context", "--context and --groups must be positive");
  if (cacheReport && groups > c.heads)
    return flagError("groups",
                     llvm::formatv("{0} GQA groups for {1} heads: a group "
                                   "holds at least one head",
                                   int64_t(groups), c.heads));
  if (save.getNumOccurrences() && save.empty())
    return flagError("save", "needs a directory");
  if (load.getNumOccurrences() && load.empty())
    return flagError("load", "needs a directory");
  // A loaded step is the manifest's: a flag that would define it otherwise
  // contradicts it or is ignored, so it is refused.
  if (!load.empty() && inputFile.empty())
    for (const cl::Option *flag : problemFlags())
      if (flag->getNumOccurrences())
        return flagError(flag->ArgStr,
                         "the step comes from --load=" + load +
                             " (its manifest.json says what it is); a flag "
                             "that would define it cannot be given with it");
  if (compileOnly && (verify || !save.empty()))
    return flagError(verify ? "verify" : "save",
                     "--compile-only runs nothing: there is nothing to "
                     "check or save");
  return options;
}
