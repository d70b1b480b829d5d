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

llvm::Error BoundLaunch::gridFor(const KernelLaunch &kernel,
                                 llvm::ArrayRef<uint64_t> slots,
                                 std::array<unsigned, 3> &grid) const {
  for (size_t i = 0; i < 3; ++i) {
    const LaunchDim &dim = kernel.grid[i];
    int64_t count = dim.count;
    if (countSlots[i])
      count = int64_t(slots[*countSlots[i]]);
    if (count < 0)
      return error(kernel, llvm::formatv("grid count {0} is negative", count));
    int64_t blocks = (count + dim.perBlock - 1) / dim.perBlock;
    if (blocks > (i == 0 ? INT32_MAX : 65535))
      return error(kernel,
                   llvm::formatv("grid count {0} needs {1} CTAs in dimension "
                                 "{2}, more than a grid takes",
                                 count, blocks, i));
    grid[i] = unsigned(blocks);
  }
  return llvm::Error::success();
}

llvm::Error BoundLaunch::intsFor(const KernelLaunch &kernel,
                                 llvm::ArrayRef<uint64_t> slots,
                                 std::array<int, kMaxParams> &ints) const {
  for (auto [i, param] : llvm::enumerate(params)) {
    if (param.kind != Kind::Int)
      continue;
    int64_t value = int64_t(slots[param.slot]);
    if (value < 0 || value > std::numeric_limits<int>::max())
      return error(kernel, llvm::formatv("parameter '{0}' = {1} does not fit "
                                         "an int",
                                         kernel.params[i].name, value));
    ints[i] = int(value);
  }
  return llvm::Error::success();
}
