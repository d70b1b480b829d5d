//===- ProblemIO.cpp - a problem and its results on disk ------------------===//

#include "runtime/problem/ProblemIO.h"
#include "mlagen/MemoryEstimate.h"
#include "mlagen/Npy.h"
#include "runtime/problem/NestingDepth.h"

#include "runtime/problem/RegularFile.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cmath>

using namespace mlagen;
namespace json = llvm::json;
using llvm::createStringError;

static constexpr const char *kFormat = "mlagen-problem-1";
static constexpr const char *kPageLayout =
    "cache.npy is [pages, page_size, kv_lora_rank + qk_rope_head_dim]; each "
    "row holds one token: its c_kv (kv_lora_rank values) then its rotated "
    "k_rope (qk_rope_head_dim values, in the config's RoPE pairing). Token t "
    "of sequence b is row t % page_size of page block_table[b][t / "
    "page_size]; rows no sequence reaches hold NaN and block-table entries "
    "past a sequence's pages hold 2^30.";

namespace {

/// One array of the problem: its file, shape and meaning.
struct ArraySpec {
  std::string name;
  std::vector<int64_t> shape;
  const char *meaning;
  bool isInput;
};

std::vector<ArraySpec> arraySpecs(const LayerConfig &c,
                                  const ProblemShape &shape, int64_t pages,
                                  int64_t tableWidth) {
  int64_t b = shape.batch(), s = shape.queryTokens, h = c.heads;
  int64_t dn = c.qkNopeHeadDim, dr = c.qkRopeHeadDim, dc = c.kvLoraRank;
  int64_t dv = c.vHeadDim, dm = c.dModel;
  std::vector<int64_t> cache = {pages, shape.pageSize, dc + dr};
  std::vector<ArraySpec> specs = {
      {"seq_lens", {b}, "cached tokens per sequence before the call", true},
      {"block_table",
       {b, tableWidth},
       "pages of each sequence, in order",
       true},
      {"cache", cache, "the paged latent cache before the call", true}};
  if (shape.mode == RunMode::Attention) {
    specs.push_back({"q_latent",
                     {b, s, h, dc},
                     "absorbed queries W_UK^T q_nope (the last S tokens of "
                     "each sequence attend causally)",
                     true});
    specs.push_back({"q_rope", {b, s, h, dr}, "rotated rope queries", true});
    specs.push_back({"out", {b, s, h, dc}, "latent attention output", false});
    specs.push_back({"lse",
                     {b, s, h},
                     "natural-log sum of exp(scaled scores); -inf where a "
                     "query sees no key",
                     false});
    return specs;
  }
  specs.push_back(
      {"hidden", {b, s, dm}, "hidden states of the new tokens", true});
  if (c.hasQueryCompression()) {
    specs.push_back({"w_dq", {c.qLoraRank, dm}, "query down-projection", true});
    specs.push_back({"q_norm", {c.qLoraRank}, "RMSNorm weight of c_q", true});
  }
  specs.push_back({"w_uq",
                   {h, dn + dr, c.queryInputDim()},
                   "query up-projection, per head nope rows then rope rows",
                   true});
  specs.push_back({"w_dkv",
                   {dc + dr, dm},
                   "joint KV down-projection, latent rows then rope rows",
                   true});
  specs.push_back({"kv_norm", {dc}, "RMSNorm weight of c_kv", true});
  specs.push_back({"w_uk", {h, dn, dc}, "key up-projection per head", true});
  specs.push_back({"w_uv", {h, dv, dc}, "value up-projection per head", true});
  specs.push_back({"w_o", {dm, h, dv}, "output projection", true});
  specs.push_back({"out", {b, s, dm}, "layer output", false});
  specs.push_back({"new_cache", cache,
                   "the cache after appending the new tokens at positions "
                   "seq_lens[b] + k",
                   false});
  return specs;
}

/// The input array called `name` of a problem (const or not).
template <typename ProblemT>
auto *inputArray(ProblemT &p, llvm::StringRef name) {
  auto &w = p.weights;
  using Array = decltype(&p.hidden);
  return llvm::StringSwitch<Array>(name)
      .Case("cache", &p.cache.rows)
      .Case("q_latent", &p.qLatent)
      .Case("q_rope", &p.qRope)
      .Case("hidden", &p.hidden)
      .Case("w_dq", &w.wDq)
      .Case("q_norm", &w.qNorm)
      .Case("w_uq", &w.wUq)
      .Case("w_dkv", &w.wDkv)
      .Case("kv_norm", &w.kvNorm)
      .Case("w_uk", &w.wUk)
      .Case("w_uv", &w.wUv)
      .Case("w_o", &w.wO)
      .Default(nullptr);
}

const std::vector<float> *outputArray(const StepResult &r,
                                      llvm::StringRef name) {
  return llvm::StringSwitch<const std::vector<float> *>(name)
      .Case("out", &r.out)
      .Case("lse", &r.lse)
      .Case("new_cache", &r.cache)
      .Default(nullptr);
}

json::Object configJson(const LayerConfig &c) {
  json::Value yarn = nullptr;
  if (c.rope.yarn)
    yarn = json::Object{
        {"factor", c.rope.yarn->factor},
        {"original_max_position", c.rope.yarn->originalMaxPosition},
        {"beta_fast", c.rope.yarn->betaFast},
        {"beta_slow", c.rope.yarn->betaSlow},
        {"mscale", c.rope.yarn->mscale},
        {"mscale_all_dim", c.rope.yarn->mscaleAllDim}};
  return json::Object{
      {"heads", c.heads},
      {"d_model", c.dModel},
      {"q_lora_rank", c.qLoraRank},
      {"kv_lora_rank", c.kvLoraRank},
      {"qk_nope_head_dim", c.qkNopeHeadDim},
      {"qk_rope_head_dim", c.qkRopeHeadDim},
      {"v_head_dim", c.vHeadDim},
      {"rms_norm_eps", c.rmsNormEps},
      {"softmax_scale", c.softmaxScale()},
      {"rope", json::Object{{"theta", c.rope.theta},
                            {"pairing", c.rope.pairing == RopePairing::Half
                                            ? "half"
                                            : "interleaved"},
                            {"yarn", std::move(yarn)}}}};
}

llvm::Error manifestError(llvm::StringRef directory, const llvm::Twine &what) {
  return createStringError((directory + "/manifest.json: " + what).str());
}

/// The lengths and the block table: int32, the rest float32.
bool isIndexArray(const ArraySpec &spec) {
  return spec.name == "seq_lens" || spec.name == "block_table";
}

/// The storage a saved array is written as (the manifest's "storage").
std::string savedStorage(const ArraySpec &spec, StorageType storage) {
  if (isIndexArray(spec))
    return "int32";
  return spec.name == "lse" ? "f32" : toString(storage).str();
}

/// What the manifest says besides the sizes must be what mlagen computes
/// and what it reads: the causal rule, the softmax scale, and each array's
/// file (its name, inside the directory), shape, dtype and storage. Every
/// array mlagen reads must be listed; an array it does not know is an
/// error, not ignored.
llvm::Error checkManifestAgreement(llvm::StringRef directory,
                                   const json::Object &manifest,
                                   const LayerConfig &c,
                                   llvm::ArrayRef<ArraySpec> specs,
                                   StorageType storage) {
  std::optional<llvm::StringRef> causal = manifest.getString("causal");
  if (causal && !causal->starts_with("bottom-right:"))
    return manifestError(
        directory,
        "'causal' is \"" + *causal +
            "\", but mlagen computes the bottom-right rule (query k of S "
            "sees keys j < L - S + 1 + k)");
  if (std::optional<llvm::StringRef> accumulation =
          manifest.getString("accumulation"))
    if (*accumulation != "f32")
      return manifestError(directory, "'accumulation' is \"" + *accumulation +
                                          "\"; mlagen accumulates in f32");
  if (const json::Object *config = manifest.getObject("config"))
    if (std::optional<double> scale = config->getNumber("softmax_scale"))
      if (!(std::abs(*scale - c.softmaxScale()) <= 1e-12 * c.softmaxScale()))
        return manifestError(
            directory, llvm::formatv("'softmax_scale' is {0}, but the config "
                                     "gives {1} (1/sqrt(qk_nope_head_dim + "
                                     "qk_rope_head_dim), times YaRN's mscale "
                                     "squared)",
                                     llvm::format("%.9g", *scale),
                                     llvm::format("%.9g", c.softmaxScale())));
  const json::Array *arrays = manifest.getArray("arrays");
  std::vector<bool> listed(specs.size(), false);
  for (const json::Value &entry : *arrays) {
    const json::Object *o = entry.getAsObject();
    std::optional<llvm::StringRef> name =
        o ? o->getString("name") : std::nullopt;
    if (!name)
      return manifestError(directory, "an entry of 'arrays' has no name");
    auto spec = llvm::find_if(
        specs, [&](const ArraySpec &s) { return s.name == *name; });
    if (spec == specs.end())
      return manifestError(directory,
                           "array '" + *name + "' is not one of the step's");
    const ArraySpec &s = *spec;
    listed[spec - specs.begin()] = true;
    std::string file = s.name + ".npy";
    if (o->getString("file") != llvm::StringRef(file))
      return manifestError(directory,
                           "array '" + *name + "' names file '" +
                               o->getString("file").value_or("") +
                               "'; mlagen reads '" + file +
                               "' (each array's file is its name, in the "
                               "directory)");
    const json::Array *shape = o->getArray("shape");
    bool sameShape = shape && shape->size() == s.shape.size();
    for (size_t d = 0; sameShape && d < s.shape.size(); ++d)
      sameShape = (*shape)[d].getAsInteger() == s.shape[d];
    if (!sameShape)
      return manifestError(directory,
                           "array '" + *name +
                               "' is listed with another shape "
                               "than the config and the lengths give");
    bool isIndex = isIndexArray(s);
    if (o->getString("dtype") != llvm::StringRef(isIndex ? "int32" : "float32"))
      return manifestError(directory, "array '" + *name + "' must have dtype " +
                                          (isIndex ? "int32" : "float32"));
    std::string expected = savedStorage(s, storage);
    if (o->getString("storage") != llvm::StringRef(expected))
      return manifestError(directory, "array '" + *name +
                                          "' must have storage " + expected);
  }
  for (auto [spec, seen] : llvm::zip(specs, listed))
    if (spec.isInput && !seen)
      return manifestError(directory,
                           "array '" + spec.name + "' is not listed");
  return llvm::Error::success();
}

} // namespace

llvm::Error mlagen::saveProblem(llvm::StringRef directory, const Problem &p,
                                const StepResult &result) {
  if (std::error_code ec = llvm::sys::fs::create_directories(directory))
    return createStringError(
        ("cannot create " + directory + ": " + ec.message()).str());
  json::Array arrays;
  for (const ArraySpec &spec :
       arraySpecs(p.config, p.shape, p.cache.numPages, p.table.width)) {
    llvm::SmallString<256> path(directory);
    llvm::sys::path::append(path, spec.name + ".npy");
    bool isIndex = isIndexArray(spec);
    llvm::Error written =
        isIndex ? npy::writeI32(path, spec.shape,
                                spec.name == "seq_lens" ? p.table.seqLens
                                                        : p.table.blockTable)
                : npy::writeF32(path, spec.shape,
                                spec.isInput ? *inputArray(p, spec.name)
                                             : *outputArray(result, spec.name));
    if (written)
      return written;
    arrays.push_back(
        json::Object{{"name", spec.name},
                     {"file", spec.name + ".npy"},
                     {"shape", json::Array(spec.shape)},
                     {"dtype", isIndex ? "int32" : "float32"},
                     {"storage", savedStorage(spec, p.shape.storage)},
                     {"role", spec.isInput ? "input" : "output"},
                     {"meaning", spec.meaning}});
  }
  json::Object manifest{
      {"format", kFormat},
      {"mode", p.shape.mode == RunMode::Layer ? "layer" : "attention"},
      {"storage", toString(p.shape.storage)},
      {"accumulation", "f32"},
      {"causal", "bottom-right: query k of S sees keys j < L - S + 1 + k, "
                 "L the keys of its sequence"},
      {"config", configJson(p.config)},
      {"query_tokens", p.shape.queryTokens},
      {"page_size", p.cache.pageSize},
      {"num_pages", p.cache.numPages},
      {"cache_page_layout", kPageLayout},
      {"arrays", std::move(arrays)}};
  llvm::SmallString<256> path(directory);
  llvm::sys::path::append(path, "manifest.json");
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return createStringError(
        ("cannot write " + path + ": " + ec.message()).str());
  os << llvm::formatv("{0:2}", json::Value(std::move(manifest))) << "\n";
  return llvm::Error::success();
}

llvm::Expected<Problem> mlagen::loadProblem(llvm::StringRef directory) {
  llvm::SmallString<256> path(directory);
  llvm::sys::path::append(path, "manifest.json");
  // A manifest is a few kilobytes; a FIFO or device is refused at once.
  llvm::Expected<std::optional<std::string>> text =
      readRegularFile(path, 16 << 20);
  if (!text)
    return text.takeError();
  if (!*text)
    return createStringError(
        ("cannot read " + path + ": No such file or directory").str());
  if (llvm::Error e = checkNestingDepth(**text, path, InputSyntax::Json))
    return manifestError(directory, llvm::toString(std::move(e)));
  llvm::Expected<json::Value> parsed = json::parse(**text);
  if (!parsed)
    return manifestError(directory, llvm::toString(parsed.takeError()));
  const json::Object *manifest = parsed->getAsObject();
  if (!manifest || manifest->getString("format") != kFormat)
    return manifestError(directory,
                         llvm::Twine("not a ") + kFormat + " manifest");
  const json::Object *config = manifest->getObject("config");
  const json::Object *rope = config ? config->getObject("rope") : nullptr;
  if (!config || !rope)
    return manifestError(directory, "missing 'config' or 'config.rope'");

  Problem p;
  LayerConfig &c = p.config;
  auto integer = [&](const json::Object *o, llvm::StringRef key,
                     int64_t &out) -> llvm::Error {
    std::optional<int64_t> v = o->getInteger(key);
    if (!v || *v < 0 || *v > (int64_t(1) << 30))
      return manifestError(directory, "'" + key +
                                          "' is missing or out of "
                                          "range");
    out = *v;
    return llvm::Error::success();
  };
  auto real = [&](const json::Object *o, llvm::StringRef key,
                  double &out) -> llvm::Error {
    std::optional<double> v = o->getNumber(key);
    if (!v || !(*v > 0))
      return manifestError(directory, "'" + key +
                                          "' is missing or not "
                                          "positive");
    out = *v;
    return llvm::Error::success();
  };
  int64_t queryTokens, pageSize, numPages;
  for (auto [o, key, out] : {std::tuple{config, "heads", &c.heads},
                             {config, "d_model", &c.dModel},
                             {config, "q_lora_rank", &c.qLoraRank},
                             {config, "kv_lora_rank", &c.kvLoraRank},
                             {config, "qk_nope_head_dim", &c.qkNopeHeadDim},
                             {config, "qk_rope_head_dim", &c.qkRopeHeadDim},
                             {config, "v_head_dim", &c.vHeadDim},
                             {manifest, "query_tokens", &queryTokens},
                             {manifest, "page_size", &pageSize},
                             {manifest, "num_pages", &numPages}})
    if (llvm::Error e = integer(o, key, *out))
      return std::move(e);
  if (llvm::Error e = real(config, "rms_norm_eps", c.rmsNormEps))
    return std::move(e);
  if (llvm::Error e = real(rope, "theta", c.rope.theta))
    return std::move(e);
  if (c.rope.theta <= 1)
    return manifestError(directory, "'theta' must be greater than 1");
  std::optional<llvm::StringRef> pairing = rope->getString("pairing");
  if (pairing != "half" && pairing != "interleaved")
    return manifestError(directory,
                         "'pairing' must be \"interleaved\" or \"half\"");
  c.rope.pairing =
      pairing == "half" ? RopePairing::Half : RopePairing::Interleaved;
  if (const json::Object *yarn = rope->getObject("yarn")) {
    YarnScaling y{};
    for (auto [key, out] : {std::pair{"factor", &y.factor},
                            {"beta_fast", &y.betaFast},
                            {"beta_slow", &y.betaSlow}})
      if (llvm::Error e = real(yarn, key, *out))
        return std::move(e);
    y.mscale = yarn->getNumber("mscale").value_or(1.0);
    y.mscaleAllDim = yarn->getNumber("mscale_all_dim").value_or(1.0);
    if (y.factor < 1 || y.betaSlow > y.betaFast || !std::isfinite(y.mscale) ||
        !std::isfinite(y.mscaleAllDim) || y.mscale < 0 || y.mscaleAllDim < 0)
      return manifestError(directory, "the yarn block is out of range");
    if (llvm::Error e =
            integer(yarn, "original_max_position", y.originalMaxPosition))
      return std::move(e);
    c.rope.yarn = y;
  }
  if (c.heads < 1 || c.dModel < 1 || c.kvLoraRank < 1 || c.qkNopeHeadDim < 1 ||
      c.qkRopeHeadDim < 2 || c.qkRopeHeadDim % 2 || c.vHeadDim < 1)
    return manifestError(directory, "the config has a zero size or an odd "
                                    "qk_rope_head_dim");
  llvm::Expected<StorageType> storage =
      parseStorageType(manifest->getString("storage").value_or(""));
  if (!storage)
    return manifestError(directory, llvm::toString(storage.takeError()));

  ProblemShape &shape = p.shape;
  std::optional<llvm::StringRef> mode = manifest->getString("mode");
  if (mode != "attention" && mode != "layer")
    return manifestError(directory,
                         "'mode' must be \"attention\" or \"layer\"");
  shape.mode = mode == "layer" ? RunMode::Layer : RunMode::Attention;
  shape.queryTokens = queryTokens;
  shape.pageSize = pageSize;
  shape.numPages = numPages;
  shape.storage = *storage;

  // The lengths decide the batch; every other shape follows from them.
  const json::Array *arrays = manifest->getArray("arrays");
  if (!arrays)
    return manifestError(directory, "missing 'arrays'");
  const json::Object *lengthsEntry = nullptr;
  for (const json::Value &entry : *arrays)
    if (const json::Object *o = entry.getAsObject())
      if (o->getString("name") == "seq_lens")
        lengthsEntry = o;
  const json::Array *lengthsShape =
      lengthsEntry ? lengthsEntry->getArray("shape") : nullptr;
  if (!lengthsShape || lengthsShape->size() != 1 ||
      !(*lengthsShape)[0].getAsInteger() ||
      *(*lengthsShape)[0].getAsInteger() < 1 ||
      *(*lengthsShape)[0].getAsInteger() > 65536)
    return manifestError(directory, "'seq_lens' must be listed with a shape "
                                    "[batch], 1 <= batch <= 65536");
  int64_t batch = *(*lengthsShape)[0].getAsInteger();
  auto file = [&](llvm::StringRef name) {
    llvm::SmallString<256> f(directory);
    llvm::sys::path::append(f, name + ".npy");
    return std::string(f);
  };
  llvm::Expected<std::vector<int32_t>> lengths =
      npy::readI32(file("seq_lens"), {batch});
  if (!lengths)
    return lengths.takeError();
  shape.seqLens = *lengths;
  if (llvm::Error e = validateShape(c, shape))
    return createStringError(
        (directory + ": " + llvm::toString(std::move(e))).str());
  if (llvm::Error e =
          checkHostMemory(problemMemory(c, shape), "the problem's arrays"))
    return createStringError(
        (directory + ": " + llvm::toString(std::move(e))).str());

  int64_t width = 0;
  for (const json::Value &entry : *arrays)
    if (const json::Object *o = entry.getAsObject())
      if (o->getString("name") == "block_table")
        if (const json::Array *s = o->getArray("shape"))
          if (s->size() == 2 && (*s)[1].getAsInteger())
            width = *(*s)[1].getAsInteger();
  if (width < 1 || width > (1 << 24))
    return manifestError(directory, "'block_table' must be listed with a "
                                    "shape [batch, entries]");
  std::vector<ArraySpec> specs = arraySpecs(c, shape, numPages, width);
  if (llvm::Error e =
          checkManifestAgreement(directory, *manifest, c, specs, shape.storage))
    return std::move(e);
  for (const ArraySpec &spec : specs) {
    if (!spec.isInput || spec.name == "seq_lens")
      continue;
    if (spec.name == "block_table") {
      llvm::Expected<std::vector<int32_t>> table =
          npy::readI32(file(spec.name), spec.shape);
      if (!table)
        return table.takeError();
      p.table = reference::SequenceTable{batch, width, std::move(*table),
                                         shape.seqLens};
      continue;
    }
    llvm::Expected<std::vector<float>> values =
        npy::readF32(file(spec.name), spec.shape);
    if (!values)
      return values.takeError();
    for (float &v : *values)
      v = roundTo(shape.storage, v);
    *inputArray(p, spec.name) = std::move(*values);
  }
  p.cache.numPages = numPages;
  p.cache.pageSize = pageSize;
  p.cache.latentDim = c.kvLoraRank;
  p.cache.ropeDim = c.qkRopeHeadDim;
  int64_t extra = shape.mode == RunMode::Layer ? shape.queryTokens : 0;
  if (llvm::Error e = reference::validate(c, p.cache, p.table, extra))
    return createStringError(
        (directory + ": " + llvm::toString(std::move(e))).str());
  return p;
}
