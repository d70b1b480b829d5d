//===- BundleReader.cpp - loading and checking a kernel bundle ------------===//
//
// No compiler and no GPU: the manifest's lines, the engine it was made for
// and each file's size and SHA-256 are checked before the caller sees a
// byte of the cubin.
//
//===----------------------------------------------------------------------===//

#include "BundleFiles.h"
#include "EngineKernels.h"
#include "mlagen/Bundle.h"
#include "runtime/problem/RegularFile.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"

#include <cstdio>
#include <cstdlib>

using namespace mlagen;

namespace {

/// Largest manifest and bundle file read.
constexpr int64_t kMaxManifestBytes = 1 << 20;
constexpr int64_t kMaxFileBytes = int64_t(256) << 20;

std::string hexFloat(double value) {
  char text[64];
  std::snprintf(text, sizeof(text), "%a", value);
  return text;
}

llvm::Error error(llvm::StringRef directory, const llvm::Twine &message) {
  return llvm::createStringError(
      ("bundle " + directory + ": " + message).str());
}

/// The value of word `name=value` in `key`, or empty.
llvm::StringRef fieldOf(llvm::StringRef key, llvm::StringRef name) {
  llvm::SmallVector<llvm::StringRef> words;
  key.split(words, ' ', -1, false);
  for (llvm::StringRef word : words)
    if (word.consume_front(name) && word.consume_front("="))
      return word;
  return "";
}

/// "the bundle serves heads=16; the engine asks heads=128" for the first
/// field of the keys that differs.
std::string firstDifference(llvm::StringRef bundle, llvm::StringRef engine) {
  llvm::SmallVector<llvm::StringRef> words;
  engine.split(words, ' ', -1, false);
  for (llvm::StringRef word : words) {
    auto [name, value] = word.split('=');
    llvm::StringRef theirs = fieldOf(bundle, name);
    if (theirs != value)
      return ("it serves " + name + "=" + (theirs.empty() ? "?" : theirs) +
              ", the engine asks " + word)
          .str();
  }
  return "its engine line differs: " + bundle.str();
}

} // namespace

std::string mlagen::sha256Hex(llvm::StringRef bytes) {
  return llvm::toHex(llvm::SHA256::hash(llvm::arrayRefFromStringRef(bytes)),
                     /*LowerCase=*/true);
}

std::string mlagen::bundleEngineKey(const EngineOptions &o) {
  const LayerConfig &c = o.config;
  std::string yarn = "none";
  if (c.rope.yarn)
    yarn =
        llvm::formatv(
            "{0},{1},{2},{3},{4},{5}", hexFloat(c.rope.yarn->factor),
            c.rope.yarn->originalMaxPosition, hexFloat(c.rope.yarn->betaFast),
            hexFloat(c.rope.yarn->betaSlow), hexFloat(c.rope.yarn->mscale),
            hexFloat(c.rope.yarn->mscaleAllDim))
            .str();
  return llvm::formatv(
             "heads={0} d_model={1} q_lora_rank={2} kv_lora_rank={3} "
             "qk_nope_head_dim={4} qk_rope_head_dim={5} v_head_dim={6} "
             "rms_norm_eps={7} rope_theta={8} rope_pairing={9} yarn={10} "
             "storage={11} page_size={12} query_tokens={13} max_batch={14} "
             "splits={15}",
             c.heads, c.dModel, c.qLoraRank, c.kvLoraRank, c.qkNopeHeadDim,
             c.qkRopeHeadDim, c.vHeadDim, hexFloat(c.rmsNormEps),
             hexFloat(c.rope.theta),
             c.rope.pairing == RopePairing::Half ? "half" : "interleaved", yarn,
             toString(o.storage), o.pageSize, o.queryTokens, o.maxBatch,
             o.splits)
      .str();
}

namespace {

/// A double as bundleEngineKey writes it (hex), all of `text`.
bool parseReal(llvm::StringRef text, double &into) {
  std::string t = text.str();
  char *end = nullptr;
  into = std::strtod(t.c_str(), &end);
  return !t.empty() && end && *end == 0;
}

/// A manifest's lines, checked line by line.
struct Manifest {
  std::string key;
  int64_t smCount = 0;
  std::vector<BundleArch> arches;
};

llvm::Expected<Manifest> readManifest(llvm::StringRef directory) {
  llvm::SmallString<256> manifestPath(directory);
  llvm::sys::path::append(manifestPath, kBundleManifest);
  llvm::Expected<std::optional<std::string>> text =
      readRegularFile(manifestPath, kMaxManifestBytes);
  if (!text)
    return error(directory, llvm::toString(text.takeError()));
  if (!*text)
    return error(directory, llvm::Twine("no ") + kBundleManifest +
                                " (not a bundle, or not written yet)");
  // Every line known, the format line first.
  llvm::SmallVector<llvm::StringRef> lines;
  llvm::StringRef(**text).split(lines, '\n', -1, false);
  Manifest m;
  bool versioned = false;
  for (auto [index, line] : llvm::enumerate(lines)) {
    auto bad = [&, index = index](const llvm::Twine &why) {
      return error(directory,
                   llvm::formatv("{0} line {1}: ", kBundleManifest, index + 1) +
                       why);
    };
    auto [word, rest] = line.split(' ');
    if (index == 0) {
      if (word != "mlagen-bundle")
        return bad("not a bundle manifest (it starts '" + line + "')");
      if (rest != std::to_string(kBundleFormat))
        return bad("format " + rest + "; this build reads format " +
                   std::to_string(kBundleFormat));
    } else if (index > 0 &&
               (word == "mlagen" || word == "engine" || word == "sm-count") &&
               (word == "mlagen"   ? versioned
                : word == "engine" ? !m.key.empty()
                                   : m.smCount != 0)) {
      return bad("a second '" + word + "' line");
    } else if (word == "mlagen") {
      versioned = true;
      if (rest != MLAGEN_VERSION)
        return bad("written by mlagen " + rest + "; this is mlagen " +
                   MLAGEN_VERSION + " (write the bundle again)");
    } else if (word == "engine") {
      m.key = rest.str();
    } else if (word == "sm-count") {
      if (rest.getAsInteger(10, m.smCount) || m.smCount < 1)
        return bad("sm-count '" + rest + "' is not a positive integer");
    } else if (word == "arch") {
      llvm::Expected<BundleArch> parsed = parseBundleArch(rest);
      if (!parsed)
        return bad(llvm::toString(parsed.takeError()));
      for (const BundleArch &a : m.arches)
        if (a.arch == parsed->arch)
          return bad("a second arch line for " + a.arch);
      m.arches.push_back(std::move(*parsed));
    } else {
      return bad("unknown line '" + line + "'");
    }
  }
  if (!versioned || m.key.empty() || !m.smCount || m.arches.empty())
    return error(directory, llvm::Twine(kBundleManifest) +
                                " lacks its mlagen, engine, sm-count or arch "
                                "lines");
  return m;
}

} // namespace

llvm::Expected<EngineOptions> mlagen::bundleOptions(llvm::StringRef directory) {
  llvm::Expected<Manifest> m = readManifest(directory);
  if (!m)
    return m.takeError();
  auto field = [&](llvm::StringRef name) { return fieldOf(m->key, name); };
  EngineOptions o;
  LayerConfig &c = o.config;
  bool ok = true;
  auto integer = [&](llvm::StringRef name, int64_t &into) {
    ok &= !field(name).getAsInteger(10, into);
  };
  auto real = [&](llvm::StringRef name, double &into) {
    ok &= parseReal(field(name), into);
  };
  integer("heads", c.heads), integer("d_model", c.dModel);
  integer("q_lora_rank", c.qLoraRank), integer("kv_lora_rank", c.kvLoraRank);
  integer("qk_nope_head_dim", c.qkNopeHeadDim);
  integer("qk_rope_head_dim", c.qkRopeHeadDim);
  integer("v_head_dim", c.vHeadDim);
  real("rms_norm_eps", c.rmsNormEps), real("rope_theta", c.rope.theta);
  c.rope.pairing = field("rope_pairing") == "half" ? RopePairing::Half
                                                   : RopePairing::Interleaved;
  ok &=
      field("rope_pairing") == "half" || field("rope_pairing") == "interleaved";
  if (field("yarn") != "none") {
    llvm::SmallVector<llvm::StringRef> y;
    field("yarn").split(y, ',');
    YarnScaling yarn{};
    auto number = [&](llvm::StringRef text, double &into) {
      ok &= parseReal(text, into);
    };
    ok &= y.size() == 6;
    if (y.size() == 6) {
      number(y[0], yarn.factor);
      ok &= !y[1].getAsInteger(10, yarn.originalMaxPosition);
      number(y[2], yarn.betaFast), number(y[3], yarn.betaSlow);
      number(y[4], yarn.mscale), number(y[5], yarn.mscaleAllDim);
    }
    c.rope.yarn = yarn;
  }
  llvm::Expected<StorageType> storage = parseStorageType(field("storage"));
  if (!storage) {
    llvm::consumeError(storage.takeError());
    ok = false;
  } else {
    o.storage = *storage;
  }
  integer("page_size", o.pageSize), integer("query_tokens", o.queryTokens);
  integer("max_batch", o.maxBatch), integer("splits", o.splits);
  // What it read must say again what it was read from.
  if (!ok || bundleEngineKey(o) != m->key)
    return error(directory,
                 llvm::Twine(kBundleManifest) +
                     ": its engine line is not one mlagen writes: " + m->key);
  o.bundle = directory.str();
  return o;
}

llvm::Expected<LoadedBundle> mlagen::loadBundle(llvm::StringRef directory,
                                                const EngineOptions &options,
                                                llvm::StringRef arch) {
  llvm::Expected<Manifest> manifest = readManifest(directory);
  if (!manifest)
    return manifest.takeError();
  const std::string &key = manifest->key;
  const std::vector<BundleArch> &arches = manifest->arches;
  LoadedBundle loaded;
  loaded.smCount = manifest->smCount;
  std::string wanted = bundleEngineKey(options);
  if (key != wanted)
    return error(directory,
                 "made for another engine: " + firstDifference(key, wanted));
  const BundleArch *found = nullptr;
  std::string have;
  for (const BundleArch &a : arches) {
    have += (have.empty() ? "" : ", ") + a.arch;
    if (a.arch == arch)
      found = &a;
  }
  if (!found)
    return error(directory, "has kernels for " + have + ", not for " + arch);

  // The files, each as large as the manifest says and with its hash.
  auto read = [&](const BundleFile &file) -> llvm::Expected<std::string> {
    llvm::SmallString<256> path(directory);
    llvm::sys::path::append(path, file.name);
    llvm::Expected<std::optional<std::string>> bytes =
        readRegularFile(path, kMaxFileBytes);
    if (!bytes)
      return error(directory, llvm::toString(bytes.takeError()));
    if (!*bytes)
      return error(directory, file.name + " is missing");
    if (int64_t((*bytes)->size()) != file.bytes)
      return error(directory,
                   llvm::formatv("{0} holds {1} bytes, the "
                                 "manifest says {2} (truncated or "
                                 "replaced)",
                                 file.name, (*bytes)->size(), file.bytes));
    if (sha256Hex(**bytes) != file.sha256)
      return error(directory, file.name + " does not match its SHA-256 in the "
                                          "manifest (corrupt)");
    return std::move(**bytes);
  };
  llvm::Expected<std::string> source = read(found->source);
  if (!source)
    return source.takeError();
  llvm::Expected<std::string> cubin = read(found->cubin);
  if (!cubin)
    return cubin.takeError();
  llvm::Expected<std::vector<KernelLaunch>> kernels =
      parseLaunchDescription(*source);
  if (!kernels)
    return error(directory, found->source.name + ": " +
                                llvm::toString(kernels.takeError()));
  loaded.arch = arch.str();
  loaded.source = std::move(*source);
  loaded.cubin.assign(cubin->begin(), cubin->end());
  loaded.kernels = std::move(*kernels);
  return loaded;
}

llvm::Expected<BundleArch> mlagen::parseBundleArch(llvm::StringRef words) {
  llvm::SmallVector<llvm::StringRef> w;
  words.split(w, ' ', -1, false);
  auto plain = [](llvm::StringRef name) { // a file name in the directory
    return !name.empty() && name != "." && name != ".." &&
           !name.contains('/') && !name.contains('\\');
  };
  auto hex = [](llvm::StringRef text) {
    return text.size() == 64 && llvm::all_of(text, [](char c) {
             return llvm::isDigit(c) || (c >= 'a' && c <= 'f');
           });
  };
  BundleArch a;
  if (w.size() != 7 || !plain(w[1]) || !plain(w[4]) ||
      w[2].getAsInteger(10, a.source.bytes) ||
      w[5].getAsInteger(10, a.cubin.bytes) || !hex(w[3]) || !hex(w[6]))
    return llvm::createStringError(
        "an arch line needs '<arch> <source> <bytes> <sha256> <cubin> "
        "<bytes> <sha256>' (plain file names, 64 hex digits), got '" +
        words.str() + "'");
  a.arch = w[0].str();
  a.source.name = w[1].str(), a.source.sha256 = w[3].str();
  a.cubin.name = w[4].str(), a.cubin.sha256 = w[6].str();
  return a;
}

std::string mlagen::printBundleArch(const BundleArch &a) {
  return llvm::formatv("{0} {1} {2} {3} {4} {5} {6}", a.arch, a.source.name,
                       a.source.bytes, a.source.sha256, a.cubin.name,
                       a.cubin.bytes, a.cubin.sha256)
      .str();
}

llvm::Expected<EngineKernels>
mlagen::bundleKernels(const EngineOptions &options, const GpuInfo &gpu) {
  llvm::Expected<LoadedBundle> bundle =
      loadBundle(options.bundle, options, gpu.arch);
  if (!bundle)
    return bundle.takeError();
  return EngineKernels{std::move(bundle->source), std::move(bundle->kernels),
                       std::move(bundle->cubin),
                       "kernel bundle " + options.bundle +
                           " (its variant chosen when it was written)"};
}
