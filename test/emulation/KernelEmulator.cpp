//===- KernelEmulator.cpp - generated CUDA units run on the host ----------===//

#include "KernelEmulator.h"
#include "passes/cuda/CudaTranslation.h"
#include "runtime/cuda/BoundLaunch.h"
#include "runtime/cuda/StepBuffers.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <dlfcn.h>

using namespace mlagen;

namespace {

/// The dynamic shared memory EmulatedCuda.h provides.
constexpr int64_t kSharedBytes = 232448;

llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(("emulation: " + message).str());
}

/// The unit as host C++: EmulatedCuda.h instead of the device primitives,
/// __shared__ storage made static (CTAs run one after another), and an
/// entry per kernel taking its arguments as an array of pointers.
llvm::Expected<std::string> hostSource(const CudaUnit &unit) {
  std::string source = unit.source;
  llvm::StringRef primitives = mlir::mla::cudaPrimitives();
  size_t at = source.find(primitives.str());
  if (at == std::string::npos)
    return error("the unit does not start with the device primitives");
  source.replace(at, primitives.size(), "");
  if (source.find(mlir::mla::cudaHopperPrimitives().str()) != std::string::npos)
    return error("the unit has Hopper kernels (wgmma, TMA), which are not "
                 "emulated");
  auto replaceAll = [&](llvm::StringRef from, llvm::StringRef to) {
    for (size_t i = source.find(from.str()); i != std::string::npos;
         i = source.find(from.str(), i + to.size()))
      source.replace(i, from.size(), to.str());
  };
  replaceAll("extern __shared__", "extern");
  replaceAll("__shared__", "static");
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "#include \"EmulatedCuda.h\"\n" << source << "\n";
  for (auto [index, kernel] : llvm::enumerate(unit.kernels)) {
    if (kernel.dynamicSharedBytes > kSharedBytes)
      return error(kernel.name + " needs more shared memory than emulated");
    os << "extern \"C\" void mlagen_emu_entry_" << index
       << "(void **args) {\n  " << kernel.name << "(";
    for (auto [i, param] : llvm::enumerate(kernel.params)) {
      if (param.tensorMap)
        return error(kernel.name + " takes a TMA descriptor");
      os << (i ? ",\n      " : "") << "*static_cast<" << param.type
         << " *>(args[" << i << "])";
    }
    os << ");\n}\n";
  }
  return text;
}

/// Compiles `source` into a shared library in `directory`.
llvm::Expected<std::string> compileLibrary(llvm::StringRef source,
                                           llvm::StringRef directory) {
  llvm::SmallString<128> file(directory), library(directory), log(directory);
  llvm::sys::path::append(file, "unit.cpp");
  llvm::sys::path::append(library, "unit.so");
  llvm::sys::path::append(log, "compile.log");
  {
    std::error_code ec;
    llvm::raw_fd_ostream out(file, ec);
    if (ec)
      return error("cannot write " + file + ": " + ec.message());
    out << source;
  }
  std::string include = "-I" MLAGEN_EMULATION_DIR;
  llvm::SmallVector<llvm::StringRef> args = {
      MLAGEN_HOST_CXX, "-std=c++20", "-O2",   "-fPIC", "-shared", "-w",
      include,         "-o",         library, file};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, log.str(),
                                                log.str()};
  int rc =
      llvm::sys::ExecuteAndWait(MLAGEN_HOST_CXX, args, std::nullopt, redirects);
  if (rc != 0) {
    auto output = llvm::MemoryBuffer::getFile(log);
    return error("the host compiler failed on the unit:\n" +
                 (output ? (*output)->getBuffer().take_front(4000)
                         : llvm::StringRef("(no output)")));
  }
  return std::string(library);
}

} // namespace

llvm::Expected<std::unique_ptr<EmulatedUnit>>
EmulatedUnit::compile(const CudaUnit &unit) {
  llvm::Expected<std::string> source = hostSource(unit);
  if (!source)
    return source.takeError();
  llvm::SmallString<128> directory;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("mlagen-emulation", directory))
    return error("cannot make a directory: " + ec.message());
  llvm::Expected<std::string> library = compileLibrary(*source, directory);
  std::unique_ptr<EmulatedUnit> emulated(new EmulatedUnit());
  if (library)
    emulated->library = dlopen(library->c_str(), RTLD_NOW | RTLD_LOCAL);
  llvm::sys::fs::remove_directories(directory);
  if (!library)
    return library.takeError();
  if (!emulated->library)
    return error(llvm::Twine("dlopen: ") + dlerror());
  emulated->launcher =
      reinterpret_cast<Launcher>(dlsym(emulated->library, "mlagen_emu_launch"));
  for (size_t i = 0; i < unit.kernels.size(); ++i) {
    std::string name = "mlagen_emu_entry_" + std::to_string(i);
    emulated->entries.push_back(
        reinterpret_cast<Entry>(dlsym(emulated->library, name.c_str())));
    if (!emulated->entries.back())
      return error("no entry " + name);
  }
  if (!emulated->launcher)
    return error("no mlagen_emu_launch");
  emulated->kernels = unit.kernels;
  return emulated;
}

EmulatedUnit::~EmulatedUnit() {
  if (library)
    dlclose(library);
}

llvm::Error EmulatedUnit::launch(size_t index,
                                 llvm::ArrayRef<uint64_t> slots) const {
  const KernelLaunch &kernel = kernels[index];
  llvm::Expected<BoundLaunch> bound = bindInOrder(kernel, index);
  if (!bound)
    return bound.takeError();
  std::array<unsigned, 3> grid;
  if (llvm::Error e = bound->gridFor(kernel, slots, grid))
    return e;
  std::array<int, BoundLaunch::kMaxParams> ints;
  if (llvm::Error e = bound->valuesFor(kernel, slots, ints))
    return e;
  std::vector<uint64_t> pointers(slots.begin(), slots.end());
  std::vector<void *> args;
  for (auto [i, param] : llvm::enumerate(bound->params))
    args.push_back(param.kind == BoundLaunch::Kind::Int
                       ? static_cast<void *>(&ints[i])
                       : static_cast<void *>(&pointers[i]));
  if (grid[0] && grid[1] && grid[2])
    launcher(entries[index], args.data(), grid.data(), unsigned(kernel.block));
  return llvm::Error::success();
}

llvm::Expected<StepResult> mlagen::emulateStep(const Problem &p,
                                               const CudaUnit &unit) {
  if (!unit.plan)
    return error("the unit has no plan");
  const FunctionPlan &plan = *unit.plan;
  llvm::Expected<std::unique_ptr<EmulatedUnit>> emulated =
      EmulatedUnit::compile(unit);
  if (!emulated)
    return emulated.takeError();
  llvm::Expected<std::vector<std::vector<char>>> initial =
      stepBufferBytes(p, plan);
  if (!initial)
    return initial.takeError();
  // Host memory for device memory; 8-byte words keep it 16-byte aligned.
  std::vector<std::vector<uint64_t>> buffers;
  for (auto [buffer, bytes] : llvm::zip(plan.buffers, *initial)) {
    buffers.emplace_back((buffer.bytes + 7) / 8 + 2, 0);
    std::memcpy(buffers.back().data(), bytes.data(), bytes.size());
  }
  for (const PlannedLaunch &launch : plan.launches) {
    std::vector<uint64_t> slots;
    for (const PlannedParam &param : launch.params)
      slots.push_back(param.buffer >= 0 ? reinterpret_cast<uintptr_t>(
                                              buffers[param.buffer].data())
                                        : uint64_t(param.count));
    if (llvm::Error e = (*emulated)->launch(launch.kernel, slots))
      return std::move(e);
  }
  return stepResult(p, plan, [&](int buffer, void *into, size_t bytes) {
    std::memcpy(into, buffers[buffer].data(), bytes);
    return llvm::Error::success();
  });
}
