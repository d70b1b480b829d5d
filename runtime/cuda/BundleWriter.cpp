//===- BundleWriter.cpp - an engine's kernels compiled into a bundle ------===//
//
// Per architecture: the engine's unit (generateEngineUnit, as
// Engine::create makes it), bound as the Engine binds it, compiled by NVRTC;
// the unit and its cubin written, then the manifest, last and by rename, so
// a bundle cut short has no manifest that vouches for it.
//
//===----------------------------------------------------------------------===//

#include "BundleFiles.h"
#include "EngineLaunches.h"
#include "EngineUnit.h"
#include "mlagen/Bundle.h"
#include "mlagen/CudaChoice.h"
#include "mlagen/KernelCompiler.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlagen;

namespace {

llvm::Error error(llvm::StringRef directory, const llvm::Twine &message) {
  return llvm::createStringError(
      ("bundle " + directory + ": " + message).str());
}

/// Writes `bytes` to `name` in `directory` (through a temporary renamed
/// into place).
llvm::Error writeFile(llvm::StringRef directory, llvm::StringRef name,
                      llvm::StringRef bytes) {
  llvm::SmallString<256> path(directory), temporary;
  llvm::sys::path::append(path, name);
  temporary = path;
  temporary += ".partial";
  {
    std::error_code ec;
    llvm::raw_fd_ostream out(temporary, ec, llvm::sys::fs::OF_None);
    if (ec)
      return error(directory, "cannot write " + name + ": " + ec.message());
    out << bytes;
    out.close();
    if (out.has_error()) {
      std::string why = out.error().message();
      out.clear_error();
      return error(directory, "cannot write " + name + ": " + why);
    }
  }
  if (std::error_code ec = llvm::sys::fs::rename(temporary, path))
    return error(directory,
                 "cannot put " + name + " in place: " + ec.message());
  return llvm::Error::success();
}

} // namespace

llvm::Error mlagen::writeBundle(const BundleRequest &request,
                                llvm::StringRef directory,
                                std::vector<std::string> *choices) {
  if (llvm::Error e = Engine::checkOptions(request.engine))
    return e;
  if (request.arches.empty() || request.smCount < 1)
    return error(directory, "needs at least one architecture and a positive "
                            "sm-count");
  if (llvm::sys::fs::exists(directory) &&
      !llvm::sys::fs::is_directory(directory))
    return error(directory, "is not a directory");
  if (std::error_code ec = llvm::sys::fs::create_directories(directory))
    return error(directory, "cannot make the directory: " + ec.message());
  std::unique_ptr<KernelCompiler> compiler = KernelCompiler::fromEnvironment();
  std::string manifest =
      llvm::formatv("mlagen-bundle {0}\nmlagen {1}\nengine "
                    "{2}\nsm-count {3}\n",
                    kBundleFormat, MLAGEN_VERSION,
                    bundleEngineKey(request.engine), request.smCount)
          .str();
  TuneDatabase db;
  if (!request.gpuName.empty())
    db = TuneDatabase::load(TuneDatabase::defaultPath());
  if (choices)
    for (const std::string &problem : db.problems())
      choices->push_back("note: " + problem);
  for (const std::string &arch : request.arches) {
    CudaChoice choice{CudaVariant{}, "heuristic (no GPU named)",
                      request.smCount};
    if (!request.gpuName.empty())
      choice = chooseCudaVariant(
          engineTuneKey(request.engine, namedCudaDevice(request.gpuName, arch)),
          db, request.smCount);
    // The schedule is cut for the request's SMs, whatever the entry's.
    llvm::Expected<CudaUnit> unit = generateEngineUnit(
        request.engine, arch, request.smCount, choice.variant.tilings);
    if (!unit)
      return error(directory, arch + ": " + llvm::toString(unit.takeError()));
    for (const std::string &note : unit->notes)
      choice.source += "; left out " + note;
    if (choices)
      choices->push_back(arch + ": " + unit->variant.str() + " (" +
                         choice.source + ")");
    llvm::Expected<EngineLaunches> launches = bindEngineKernels(unit->kernels);
    if (!launches)
      return error(directory,
                   arch + ": " + llvm::toString(launches.takeError()));
    llvm::Expected<CompileResult> compiled =
        compiler->compile({unit->source, arch, {}});
    if (!compiled)
      return error(directory,
                   arch + ": " + llvm::toString(compiled.takeError()));
    const std::vector<char> &cubin = compiled->kernel->cubin;
    llvm::StringRef cubinBytes(cubin.data(), cubin.size());
    BundleArch files{
        arch,
        {arch + ".cu", int64_t(unit->source.size()), sha256Hex(unit->source)},
        {arch + ".cubin", int64_t(cubin.size()), sha256Hex(cubinBytes)}};
    if (llvm::Error e = writeFile(directory, files.source.name, unit->source))
      return e;
    if (llvm::Error e = writeFile(directory, files.cubin.name, cubinBytes))
      return e;
    manifest += "arch " + printBundleArch(files) + "\n";
  }
  return writeFile(directory, kBundleManifest, manifest);
}
