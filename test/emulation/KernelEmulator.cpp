//===- KernelEmulator.cpp - generated CUDA units run on the host ----------===//

#include "KernelEmulator.h"
#include "EmulatedTensorMap.h"
#include "passes/cuda/CudaTranslation.h"
#include "runtime/cuda/BoundLaunch.h"
#include "runtime/cuda/StepBuffers.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/raw_ostream.h"

#include <dlfcn.h>

using namespace mlagen;

namespace {

/// The dynamic shared memory EmulatedCuda.h provides.
constexpr int64_t kSharedBytes = 232448;

llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(("emulation: " + message).str());
}

/// Each wgmma wrapper of `source` (inline PTX, WgmmaWrapper.cpp) replaced
/// by a call of the emulated wgmma of its shape.
void replaceWgmmaWrappers(std::string &source) {
  llvm::Regex wrapper("__device__ __forceinline__ void "
                      "(mlagen_wgmma_m64n([0-9]+)k16_(ss|rs)(_tb)?_(bf16|f16))"
                      "\\(");
  llvm::SmallVector<llvm::StringRef> match;
  while (wrapper.match(source, &match)) {
    size_t start = match[0].data() - source.data();
    size_t end = source.find("\n}\n", start);
    if (end == std::string::npos)
      return;
    end += 3;
    bool registers = match[3] == "rs";
    std::string emulated = llvm::formatv(
        "inline void {0}(float (&d)[{1} / 2], {2}, unsigned long long b, "
        "int accumulate) {{\n  mlagen_emu::wgmma<{1}>(d, {3}, b, {4}, "
        "accumulate, mlagen_emu::from{5});\n}\n",
        match[1], match[2],
        registers ? "const unsigned (&a)[4]" : "unsigned long long a",
        registers ? "a, 0" : "nullptr, a", match[4].empty() ? "false" : "true",
        match[5] == "bf16" ? "Bf16" : "F16");
    source.replace(start, end - start, emulated);
  }
}

/// The unit as host C++: EmulatedCuda.h instead of the device primitives
/// and wgmma wrappers, dynamic shared memory its buffer, other __shared__
/// storage made static (CTAs run one after another), and an entry per
/// kernel taking its arguments as an array of pointers.
llvm::Expected<std::string> hostSource(const CudaUnit &unit) {
  std::string source = unit.source;
  for (llvm::StringRef primitives :
       {mlir::mla::cudaPrimitives(), mlir::mla::cudaHopperPrimitives()}) {
    size_t at = source.find(primitives.str());
    if (at != std::string::npos)
      source.replace(at, primitives.size(), "");
    else if (primitives == mlir::mla::cudaPrimitives())
      return error("the unit does not start with the device primitives");
  }
  replaceWgmmaWrappers(source);
  // extern __shared__ [__align__(n)] T name[]; -> T *name = the buffer.
  llvm::Regex dynamicShared("extern __shared__ (__align__\\([0-9]+\\) )?"
                            "([A-Za-z_0-9 ]+[A-Za-z_0-9]) ([A-Za-z_0-9]+)"
                            "\\[\\];");
  llvm::SmallVector<llvm::StringRef> match;
  while (dynamicShared.match(source, &match)) {
    size_t start = match[0].data() - source.data(), size = match[0].size();
    source.replace(start, size,
                   match[2].str() + " *" + match[3].str() +
                       " = reinterpret_cast<" + match[2].str() +
                       " *>(mlagen_emu::dynamicSharedArray());");
  }
  for (size_t i = source.find("__shared__"); i != std::string::npos;
       i = source.find("__shared__", i))
    source.replace(i, 10, "static");
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
  // Host memory for device memory (8-byte words keep it 16-byte aligned):
  // what the kernels write first starts as NaN (0xFF bytes), and two
  // canary words after each buffer catch writes past its end.
  constexpr uint64_t kCanary = 0x6d6c6167656e2121;
  std::vector<std::vector<uint64_t>> buffers;
  for (auto [buffer, bytes] : llvm::zip(plan.buffers, *initial)) {
    size_t words = (buffer.bytes + 7) / 8;
    buffers.emplace_back(words + 2, kCanary);
    std::memset(buffers.back().data(), 0xff, words * 8);
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
  return stepResult(p, plan, [&](int buffer, void *into, size_t bytes) {
    std::memcpy(into, buffers[buffer].data(), bytes);
    return llvm::Error::success();
  });
}
