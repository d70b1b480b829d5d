//===- BoundLaunch.cpp - kernel parameters bound to value slots -----------===//

#include "BoundLaunch.h"

#include "llvm/Support/FormatVariadic.h"

#include <limits>

using namespace mlagen;

namespace {

llvm::Error error(const KernelLaunch &kernel, const llvm::Twine &message) {
  return llvm::createStringError((kernel.name + ": " + message).str());
}

} // namespace

llvm::Expected<BoundLaunch> mlagen::bindLaunch(
    const KernelLaunch &kernel, size_t index, unsigned slotCount,
    llvm::function_ref<std::optional<unsigned>(llvm::StringRef)> slotOf) {
  if (kernel.params.size() > BoundLaunch::kMaxParams)
    return error(kernel,
                 llvm::formatv("takes {0} parameters, more than the "
                               "{1} a launch passes",
                               kernel.params.size(), BoundLaunch::kMaxParams));
  BoundLaunch bound;
  bound.kernel = index;
  bound.slotCount = slotCount;
  auto slotFor = [&](llvm::StringRef name,
                     llvm::StringRef type) -> llvm::Expected<unsigned> {
    std::optional<unsigned> slot = slotOf(name);
    if (!slot)
      return error(kernel,
                   "no value for parameter '" + name + "' (" + type + ")");
    if (*slot >= slotCount)
      return error(kernel, llvm::formatv("parameter '{0}' bound to slot {1} "
                                         "of {2}",
                                         name, *slot, slotCount));
    return *slot;
  };
  for (const LaunchParam &p : kernel.params) {
    BoundLaunch::Kind kind;
    if (p.tensorMap)
      kind = BoundLaunch::Kind::TensorMap;
    else if (p.isPointer())
      kind = BoundLaunch::Kind::Pointer;
    else if (p.isInt())
      kind = BoundLaunch::Kind::Int;
    else
      return error(kernel, "parameter '" + p.name + "' has type '" + p.type +
                               "', which the runtime cannot pass");
    llvm::Expected<unsigned> slot = slotFor(p.name, p.type);
    if (!slot)
      return slot.takeError();
    bound.params.push_back({kind, *slot});
  }
  for (auto [dim, countSlot] : llvm::zip(kernel.grid, bound.countSlots)) {
    if (dim.countParam.empty())
      continue;
    llvm::Expected<unsigned> slot = slotFor(dim.countParam, "grid count");
    if (!slot)
      return slot.takeError();
    countSlot = *slot;
  }
  return bound;
}

llvm::Expected<BoundLaunch> mlagen::bindInOrder(const KernelLaunch &kernel,
                                                size_t index) {
  auto slotOf = [&](llvm::StringRef name) -> std::optional<unsigned> {
    for (auto [i, p] : llvm::enumerate(kernel.params))
      if (p.name == name)
        return unsigned(i);
    return std::nullopt;
  };
  return bindLaunch(kernel, index, unsigned(kernel.params.size()), slotOf);
}

/// A table of another size than the binding's is the caller's bug.
static llvm::Error checkTable(const KernelLaunch &kernel, unsigned slotCount,
                              llvm::ArrayRef<uint64_t> slots) {
  if (slots.size() == slotCount)
    return llvm::Error::success();
  return error(kernel, llvm::formatv("internal error: a table of {0} slots, "
                                     "bound to one of {1}",
                                     slots.size(), slotCount));
}

llvm::Error BoundLaunch::gridFor(const KernelLaunch &kernel,
                                 llvm::ArrayRef<uint64_t> slots,
                                 std::array<unsigned, 3> &grid) const {
  if (llvm::Error e = checkTable(kernel, slotCount, slots))
    return e;
  for (size_t i = 0; i < 3; ++i) {
    const LaunchDim &dim = kernel.grid[i];
    int64_t count = dim.count;
    if (countSlots[i])
      count = int64_t(slots[*countSlots[i]]);
    if (count < 0)
      return error(kernel, llvm::formatv("grid count {0} is negative", count));
    int64_t blocks = count / dim.perBlock + (count % dim.perBlock != 0);
    if (blocks > (i == 0 ? INT32_MAX : 65535))
      return error(kernel,
                   llvm::formatv("grid count {0} needs {1} CTAs in dimension "
                                 "{2}, more than a grid takes",
                                 count, blocks, i));
    grid[i] = unsigned(blocks);
  }
  return llvm::Error::success();
}

llvm::Error BoundLaunch::valuesFor(const KernelLaunch &kernel,
                                   llvm::ArrayRef<uint64_t> slots,
                                   std::array<int, kMaxParams> &ints) const {
  if (llvm::Error e = checkTable(kernel, slotCount, slots))
    return e;
  for (auto [i, param] : llvm::enumerate(params)) {
    uint64_t value = slots[param.slot];
    llvm::StringRef name = kernel.params[i].name;
    if (param.kind == Kind::TensorMap && value == 0)
      return error(kernel, "no TMA descriptor for parameter '" + name + "'");
    if (param.kind != Kind::Int)
      continue;
    if (int64_t(value) < 0)
      return error(kernel, llvm::formatv("parameter '{0}' = {1} is negative",
                                         name, int64_t(value)));
    if (value > uint64_t(std::numeric_limits<int>::max()))
      return error(kernel, llvm::formatv("parameter '{0}' = {1} does not fit "
                                         "an int",
                                         name, value));
    ints[i] = int(value);
  }
  return llvm::Error::success();
}

llvm::Error BoundLaunch::prepare(const KernelLaunch &kernel,
                                 llvm::ArrayRef<uint64_t> slots,
                                 Arguments &out) const {
  if (llvm::Error e = gridFor(kernel, slots, out.grid))
    return e;
  if (llvm::Error e = valuesFor(kernel, slots, out.ints))
    return e;
  for (auto [i, param] : llvm::enumerate(params))
    switch (param.kind) {
    case Kind::Pointer:
      out.pointers[i] = const_cast<uint64_t *>(&slots[param.slot]);
      break;
    case Kind::Int:
      out.pointers[i] = &out.ints[i];
      break;
    case Kind::TensorMap:
      out.pointers[i] = reinterpret_cast<void *>(uintptr_t(slots[param.slot]));
      break;
    }
  return llvm::Error::success();
}
