//===- KernelEmulator.cpp - generated CUDA units run on the host ----------===//

#include "KernelEmulator.h"
#include "EmulatedTensorMap.h"
#include "passes/cuda/CudaTranslation.h"
#include "passes/cuda/KernelFamily.h"
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

/// The dynamic shared memory EmulatedCuda.h provides: what sm_90a offers.
const int64_t kSharedBytes = mlir::mla::sharedMemoryLimit(90);

llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(("emulation: " + message).str());
}

/// The unit as host C++: EmulatedCuda.h first, the device primitives
/// replaced by their emulated twins in place, the unit's wgmma
/// specializations dropped (EmulatedHopperPrimitives.h has every shape),
/// and an entry per kernel taking its arguments as an array of pointers.
/// The kernel templates compile as they are.
llvm::Expected<std::string> hostSource(const CudaUnit &unit) {
  std::string source = unit.source;
  struct Replacement {
    llvm::StringRef text, by;
    bool required;
  };
  for (const Replacement &r :
       {Replacement{mlir::mla::cudaPrimitives(),
                    "#include \"EmulatedPrimitives.h\"\n", true},
        Replacement{mlir::mla::cudaHopperPrimitives(),
                    "#include \"EmulatedHopperPrimitives.h\"\n", false}}) {
    size_t at = source.find(r.text.str());
    if (at != std::string::npos)
      source.replace(at, r.text.size(), r.by.str());
    else if (r.required)
      return error("the unit does not hold the device primitives");
  }
  size_t begin = source.find(mlir::mla::kWgmmaBegin.str());
  if (begin != std::string::npos) {
    size_t end = source.find(mlir::mla::kWgmmaEnd.str(), begin);
    if (end == std::string::npos)
      return error("the unit's wgmma specializations do not end");
    source.erase(begin, end + mlir::mla::kWgmmaEnd.size() - begin);
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "#include \"EmulatedCuda.h\"\n" << source << "\n";
  for (auto [index, kernel] : llvm::enumerate(unit.kernels)) {
    if (kernel.dynamicSharedBytes > kSharedBytes)
      return error(kernel.name + " needs more shared memory than emulated");
    os << "extern \"C\" void mlagen_emu_entry_" << index
       << "(void **args) {\n  " << kernel.name << "(";
    for (auto [i, param] : llvm::enumerate(kernel.params))
      os << (i ? ",\n      " : "") << "*static_cast<" << param.type
         << " *>(args[" << i << "])";
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
  llvm::SmallVector<llvm::StringRef> args = {MLAGEN_HOST_CXX,
                                             "-std=c++20",
                                             "-O2",
                                             "-fno-strict-aliasing",
                                             "-fPIC",
                                             "-shared",
                                             "-w",
                                             include,
                                             "-o",
                                             library,
                                             file};
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
  llvm::Expected<BoundLaunch> bound = bindInOrder(kernels[index], index);
  if (!bound)
    return bound.takeError();
  return launch(*bound, slots);
}

llvm::Error EmulatedUnit::launch(const BoundLaunch &bound,
                                 llvm::ArrayRef<uint64_t> slots) const {
  const KernelLaunch &kernel = kernels[bound.kernel];
  BoundLaunch::Arguments arguments;
  if (llvm::Error e = bound.prepare(kernel, slots, arguments))
    return e;
  const std::array<unsigned, 3> &grid = arguments.grid;
  if (grid[0] && grid[1] && grid[2])
    launcher(entries[bound.kernel], arguments.pointers.data(), grid.data(),
             unsigned(kernel.block), unsigned(kernel.dynamicSharedBytes));
  return llvm::Error::success();
}

mlagen_emu::TensorMap
mlagen::emulatedTensorMap(const TensorMapDescription &description,
                          const void *base, int64_t rows) {
  mlagen_emu::TensorMap map = {};
  map.base = static_cast<const unsigned char *>(base);
  map.columns = description.columns;
  map.rows = rows;
  map.rowStrideBytes = description.rowStrideBytes;
  map.elementBytes = description.element == "f32" ? 4 : 2;
  map.boxColumns = int(description.box[0]);
  map.boxRows = int(description.box[1]);
  return map;
}

llvm::Expected<std::vector<std::vector<char>>>
mlagen::emulatePlanBuffers(const Problem &p, const CudaUnit &unit) {
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
  // Host memory for device memory (8-byte words keep it 16-byte aligned):
  // what the kernels write first starts as NaN (0xFF bytes), and two
  // canary words after each buffer catch writes past its end.
  constexpr uint64_t kCanary = 0x6d6c6167656e2121;
  std::vector<std::vector<uint64_t>> buffers;
  for (auto [buffer, bytes] : llvm::zip(plan.buffers, *initial)) {
    size_t words = (buffer.bytes + 7) / 8;
    buffers.emplace_back(words + 2, kCanary);
    std::memset(buffers.back().data(), 0xff, words * 8);
    if (!bytes.empty()) // memcpy takes no null pointer, even for 0 bytes
      std::memcpy(buffers.back().data(), bytes.data(), bytes.size());
  }
  auto checkCanaries = [&](const KernelLaunch &kernel) -> llvm::Error {
    for (auto [index, words] : llvm::enumerate(buffers))
      if (words[words.size() - 2] != kCanary || words.back() != kCanary)
        return error(kernel.name + " wrote past the end of " +
                     plan.buffers[index].name);
    return llvm::Error::success();
  };
  // TMA descriptors over the buffers they load from.
  std::vector<std::unique_ptr<mlagen_emu::TensorMap>> maps;
  auto tensorMap = [&](const TensorMapDescription &d, int buffer) {
    maps.push_back(std::make_unique<mlagen_emu::TensorMap>(
        emulatedTensorMap(d, buffers[buffer].data(),
                          plan.buffers[buffer].bytes / d.rowStrideBytes)));
    return uint64_t(reinterpret_cast<uintptr_t>(maps.back().get()));
  };
  for (const PlannedLaunch &launch : plan.launches) {
    const KernelLaunch &kernel = unit.kernels[launch.kernel];
    std::vector<uint64_t> slots;
    for (auto [i, param] : llvm::enumerate(launch.params)) {
      if (param.buffer < 0)
        slots.push_back(uint64_t(param.count));
      else if (kernel.params[i].tensorMap)
        slots.push_back(tensorMap(*kernel.params[i].tensorMap, param.buffer));
      else
        slots.push_back(
            reinterpret_cast<uintptr_t>(buffers[param.buffer].data()));
    }
    if (llvm::Error e = (*emulated)->launch(launch.kernel, slots))
      return std::move(e);
    if (llvm::Error e = checkCanaries(kernel))
      return std::move(e);
  }
  std::vector<std::vector<char>> bytes;
  for (auto [buffer, words] : llvm::zip(plan.buffers, buffers)) {
    const char *start = reinterpret_cast<const char *>(words.data());
    bytes.emplace_back(start, start + buffer.bytes);
  }
  return bytes;
}

llvm::Expected<StepResult> mlagen::emulateStep(const Problem &p,
                                               const CudaUnit &unit) {
  llvm::Expected<std::vector<std::vector<char>>> buffers =
      emulatePlanBuffers(p, unit);
  if (!buffers)
    return buffers.takeError();
  return stepResult(p, *unit.plan, [&](int buffer, void *into, size_t bytes) {
    if (bytes)
      std::memcpy(into, (*buffers)[buffer].data(), bytes);
    return llvm::Error::success();
  });
}
