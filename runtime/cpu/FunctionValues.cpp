//===- FunctionValues.cpp - describe and check a function's operands ------===//

#include "mlagen/FunctionValues.h"
#include "OperandRoles.h"
#include "dialect/MlaOps.h"

#include "llvm/Support/CheckedArithmetic.h"

#include "llvm/ADT/STLExtras.h"

#include <limits>
#include <numeric>

using namespace mlagen;
using namespace mlir;

llvm::StringRef mlagen::toString(ValueRole role) {
  switch (role) {
  case ValueRole::Tensor:
    return "tensor";
  case ValueRole::PagedCache:
    return "paged cache [pages, page_size, latent + rope]";
  case ValueRole::BlockTable:
    return "block table";
  case ValueRole::SequenceLengths:
    return "sequence lengths";
  case ValueRole::Positions:
    return "positions";
  }
  llvm_unreachable("unknown role");
}

int64_t FunctionValue::elements() const {
  return std::accumulate(shape.begin(), shape.end(), int64_t(1),
                         std::multiplies<>());
}

std::string FunctionValue::typeString() const {
  std::string s = "tensor<";
  for (int64_t d : shape)
    s += std::to_string(d) + "x";
  return s + (isInt ? "i32" : toString(storage).str()) + ">";
}

namespace {

constexpr int64_t kMaxElements = int64_t(1) << 31;

/// The page size of the function's first paged cache operand, or 1.
int64_t pageSizeOf(func::FuncOp function) {
  for (Type t : function.getArgumentTypes())
    if (auto cache = dyn_cast<mla::PagedCacheType>(t))
      return cache.getPageSize();
  return 1;
}

std::string print(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

class Describer {
public:
  Describer(func::FuncOp function, const FunctionShape &shape,
            ArrayRef<ValueRole> roles)
      : shape(shape), roles(roles),
        width(llvm::divideCeil(shape.seqLen + shape.newTokens,
                               pageSizeOf(function))) {}

  /// Operand `index` (or a result, when `roles` does not cover it).
  llvm::Expected<FunctionValue> describe(Type type, std::string name,
                                         size_t index) const {
    FunctionValue value;
    value.name = std::move(name);
    if (index < roles.size())
      value.role = roles[index];
    Type element;
    if (auto cache = dyn_cast<mla::PagedCacheType>(type)) {
      value.role = ValueRole::PagedCache;
      int64_t pages = cache.getNumPages();
      if (ShapedType::isDynamic(pages))
        pages = shape.numPages ? shape.numPages : shape.batch * width;
      value.shape = {pages, cache.getPageSize(), cache.getRowWidth()};
      element = cache.getElementType();
    } else if (auto tensor = dyn_cast<RankedTensorType>(type)) {
      element = tensor.getElementType();
      for (auto [d, size] : llvm::enumerate(tensor.getShape())) {
        if (!ShapedType::isDynamic(size))
          value.shape.push_back(size);
        else if (d == 0) // an operand's batch; a result's is checked on run
          value.shape.push_back(shape.batch);
        else if (d == 1 && value.role == ValueRole::BlockTable)
          value.shape.push_back(width);
        else
          return llvm::createStringError(
              value.name + ": dimension " + std::to_string(d) +
              " is dynamic; mla-run binds only dim 0 (--batch), a block "
              "table's width and a cache's page count");
      }
    } else {
      return llvm::createStringError(value.name + ": type " + print(type) +
                                     " is not a ranked tensor or paged cache");
    }
    std::optional<int64_t> elements = int64_t(1);
    for (int64_t d : value.shape)
      elements = elements ? llvm::checkedMul(*elements, d) : std::nullopt;
    if (!elements || *elements > kMaxElements)
      return llvm::createStringError(
          value.typeString().insert(0, value.name + ": ") +
          " has more than 2^31 elements");
    if (element.isInteger(32)) {
      value.isInt = true;
    } else if (element.isF32() || element.isF16() || element.isBF16()) {
      value.storage = element.isF32()   ? StorageType::F32
                      : element.isF16() ? StorageType::F16
                                        : StorageType::BF16;
    } else {
      return llvm::createStringError(value.name + ": element type " +
                                     print(element) +
                                     " is not f32, f16, bf16 or i32");
    }
    return value;
  }

private:
  FunctionShape shape;
  ArrayRef<ValueRole> roles;
  int64_t width;
};

llvm::Expected<std::vector<FunctionValue>>
describeAll(const Describer &describer, TypeRange types, llvm::StringRef prefix,
            bool operands) {
  std::vector<FunctionValue> values;
  for (auto [i, type] : llvm::enumerate(types)) {
    llvm::Expected<FunctionValue> value =
        describer.describe(type, prefix.str() + std::to_string(i),
                           operands ? i : std::numeric_limits<size_t>::max());
    if (!value)
      return value.takeError();
    values.push_back(std::move(*value));
  }
  return values;
}

/// The pages of `use`'s cache: its operand's shape, or its type's.
int64_t pagesOf(const PagedUse &use, ArrayRef<FunctionValue> operands) {
  return use.cache ? operands[*use.cache].shape[0] : -1;
}

llvm::Error checkPagedUse(const PagedUse &use,
                          ArrayRef<FunctionValue> operands) {
  const FunctionValue &table = operands[use.table];
  const FunctionValue &lens = operands[use.lengths];
  int64_t pages = pagesOf(use, operands);
  if (pages < 0)
    return llvm::createStringError(
        table.name + ": mla-run needs the cache this block table indexes as "
                     "a function operand");
  if (table.shape.size() != 2 || lens.shape.size() != 1 ||
      lens.shape[0] != table.shape[0])
    return llvm::createStringError(lens.name + ": " + lens.typeString() +
                                   " does not give one length per "
                                   "row of the block table " +
                                   table.name + " " + table.typeString());
  int64_t width = table.shape[1], capacity = width * use.pageSize;
  for (int64_t b = 0; b < table.shape[0]; ++b) {
    int64_t length = lens.ints[b];
    if (length < 0 || length + use.appended > capacity)
      return llvm::createStringError(
          lens.name + "[" + std::to_string(b) +
          "] = " + std::to_string(length) + ": with the " +
          std::to_string(use.appended) + " tokens appended it must fit the " +
          std::to_string(capacity) + " rows of " + table.name);
    for (int64_t i = 0; i * use.pageSize < length + use.appended; ++i) {
      int32_t page = table.ints[b * width + i];
      if (page < 0 || page >= pages)
        return llvm::createStringError(
            table.name + "[" + std::to_string(b) + "][" + std::to_string(i) +
            "] = " + std::to_string(page) + " is outside the cache's " +
            std::to_string(pages) + " pages");
    }
  }
  return llvm::Error::success();
}

} // namespace

llvm::Expected<std::vector<FunctionValue>>
mlagen::describeOperands(func::FuncOp function, const FunctionShape &shape) {
  llvm::Expected<OperandRoles> roles = findOperandRoles(function);
  if (!roles)
    return roles.takeError();
  return describeAll(Describer(function, shape, roles->roles),
                     function.getArgumentTypes(), "arg", /*operands=*/true);
}

llvm::Expected<std::vector<FunctionValue>>
mlagen::describeResults(func::FuncOp function, const FunctionShape &shape) {
  return describeAll(Describer(function, shape, {}), function.getResultTypes(),
                     "result", /*operands=*/false);
}

llvm::Error mlagen::checkOperandValues(func::FuncOp function,
                                       ArrayRef<FunctionValue> operands) {
  llvm::Expected<OperandRoles> roles = findOperandRoles(function);
  if (!roles)
    return roles.takeError();
  for (const PagedUse &use : roles->paged)
    if (llvm::Error e = checkPagedUse(use, operands))
      return e;
  for (auto [index, keys] : roles->mhaLengths)
    for (int32_t length : operands[index].ints)
      if (length < 0 || length > keys)
        return llvm::createStringError(
            operands[index].name + ": length " + std::to_string(length) +
            " is outside [0, " + std::to_string(keys) + "], the keys given");
  return llvm::Error::success();
}
