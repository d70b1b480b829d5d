//===- FunctionValues.cpp - describe and fill a function's operands -------===//

#include "mlagen/FunctionValues.h"
#include "dialect/MlaOps.h"

#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <numeric>
#include <random>

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

/// The page size of the function's first paged cache operand, or 1.
int64_t pageSizeOf(func::FuncOp function) {
  for (Type t : function.getArgumentTypes())
    if (auto cache = dyn_cast<mla::PagedCacheType>(t))
      return cache.getPageSize();
  return 1;
}

class Describer {
public:
  Describer(func::FuncOp function, const FunctionShape &shape)
      : shape(shape), width(llvm::divideCeil(shape.seqLen + shape.newTokens,
                                             pageSizeOf(function))) {}

  llvm::Expected<FunctionValue> describe(Type type, std::string name) const {
    FunctionValue value;
    value.name = std::move(name);
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
        if (!ShapedType::isDynamic(size)) {
          value.shape.push_back(size);
          continue;
        }
        if (d == 0)
          value.shape.push_back(shape.batch);
        else if (d == 1 && tensor.getRank() == 2 && element.isInteger(32))
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
  static std::string print(Type type) {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << type;
    return text;
  }

  FunctionShape shape;
  int64_t width;
};

llvm::Expected<std::vector<FunctionValue>>
describeAll(const Describer &describer, TypeRange types,
            llvm::StringRef prefix) {
  std::vector<FunctionValue> values;
  for (auto [i, type] : llvm::enumerate(types)) {
    llvm::Expected<FunctionValue> value =
        describer.describe(type, prefix.str() + std::to_string(i));
    if (!value)
      return value.takeError();
    values.push_back(std::move(*value));
  }
  return values;
}

/// The operand index of `v` if it is an argument of the function's body.
std::optional<unsigned> argumentIndex(func::FuncOp function, Value v) {
  auto arg = dyn_cast_or_null<BlockArgument>(v);
  if (!arg || arg.getOwner() != &function.getBody().front())
    return std::nullopt;
  return arg.getArgNumber();
}

/// An op that reads or writes a paged cache through a block table.
struct PagedAccess {
  Value cache, blockTable, seqLens, positions;
  int64_t appendedTokens = 0;
};

std::optional<PagedAccess> pagedAccess(Operation *op) {
  auto tokens = [](Value v) {
    return cast<RankedTensorType>(v.getType()).getDimSize(1);
  };
  if (auto a = dyn_cast<mla::CacheAppendOp>(op))
    return PagedAccess{a.getCache(), a.getBlockTable(), a.getSeqLens(),
                       a.getPositions(), tokens(a.getCKv())};
  if (auto s = dyn_cast<mla::DecodeStepOp>(op))
    return PagedAccess{s.getCache(), s.getBlockTable(), s.getSeqLens(), Value(),
                       tokens(s.getHidden())};
  if (auto a = dyn_cast<mla::LatentAttentionOp>(op))
    return PagedAccess{a.getCache(), a.getBlockTable(), a.getSeqLens()};
  if (auto a = dyn_cast<mla::PartialLatentAttentionOp>(op))
    return PagedAccess{a.getCache(), a.getBlockTable(), a.getSeqLens()};
  if (auto r = dyn_cast<mla::CacheReadOp>(op))
    return PagedAccess{r.getCache(), r.getBlockTable(), r.getSeqLens()};
  return std::nullopt;
}

class InputMaker {
public:
  InputMaker(func::FuncOp function, std::vector<FunctionValue> values,
             int64_t seqLen, uint64_t seed)
      : function(function), values(std::move(values)), seqLen(seqLen),
        engine(seed) {}

  llvm::Expected<std::vector<FunctionValue>> make() {
    // Tables and lengths first: the cache rows and positions follow them.
    llvm::Error error = llvm::Error::success();
    function.walk([&](Operation *op) {
      if (error)
        return;
      if (std::optional<PagedAccess> access = pagedAccess(op))
        error = fillPaged(*access);
      else if (auto mha = dyn_cast<mla::MhaAttentionOp>(op))
        fillMhaLengths(mha);
    });
    if (error)
      return std::move(error);
    function.walk([&](mla::RopeOp rope) {
      if (std::optional<unsigned> i =
              argumentIndex(function, rope.getPositions()))
        if (!filled(*i))
          fillInts(values[*i], ValueRole::Positions, 0, 4095);
    });
    for (FunctionValue &v : values) {
      if (!v.floats.empty() || !v.ints.empty())
        continue;
      if (v.isInt)
        fillInts(v, ValueRole::Tensor, 0, 15);
      else if (v.shape.size() == 1)
        fillFloats(v, 0.5f, 1.5f);
      else
        fillFloats(v, -1 / std::sqrt(float(v.shape.back())),
                   1 / std::sqrt(float(v.shape.back())));
    }
    return std::move(values);
  }

private:
  bool filled(unsigned i) const {
    return !values[i].floats.empty() || !values[i].ints.empty();
  }

  void fillInts(FunctionValue &v, ValueRole role, int32_t lo, int32_t hi) {
    std::uniform_int_distribution<int32_t> uniform(lo, hi);
    v.role = role;
    v.ints.resize(v.elements());
    for (int32_t &x : v.ints)
      x = uniform(engine);
  }

  void fillFloats(FunctionValue &v, float lo, float hi) {
    std::uniform_real_distribution<float> uniform(lo, hi);
    v.floats.resize(v.elements());
    for (float &x : v.floats)
      x = roundTo(v.storage, uniform(engine));
  }

  llvm::Error fillPaged(const PagedAccess &access) {
    // The cache's pages: the operand's (bound) shape, or the type's.
    auto cacheType = cast<mla::PagedCacheType>(access.cache.getType());
    int64_t pageSize = cacheType.getPageSize();
    int64_t pages = cacheType.getNumPages();
    std::optional<unsigned> cacheArg = argumentIndex(function, access.cache);
    if (cacheArg)
      pages = values[*cacheArg].shape[0];
    if (ShapedType::isDynamic(pages))
      return llvm::Error::success(); // an internal cache: nothing to size
    std::optional<unsigned> tableArg =
        argumentIndex(function, access.blockTable);
    std::optional<unsigned> lensArg = argumentIndex(function, access.seqLens);
    if (!tableArg || !lensArg || filled(*tableArg) || filled(*lensArg))
      return llvm::Error::success();
    FunctionValue &table = values[*tableArg], &lens = values[*lensArg];
    int64_t batch = table.shape[0], width = table.shape[1];
    int64_t perSequence = batch ? std::min(width, pages / batch) : 0;
    int64_t capacity = perSequence * pageSize - access.appendedTokens;
    if (batch && capacity < 0)
      return llvm::createStringError(
          table.name + ": " + std::to_string(pages) + " cache pages of " +
          std::to_string(pageSize) + " rows give each of " +
          std::to_string(batch) + " sequences " +
          std::to_string(perSequence * pageSize) + " rows, fewer than the " +
          std::to_string(access.appendedTokens) + " tokens appended");
    // Each sequence on its own pages, in a random order.
    std::vector<int32_t> order(pages);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), engine);
    table.role = ValueRole::BlockTable;
    table.ints.assign(batch * width, 1 << 30);
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t i = 0; i < perSequence; ++i)
        table.ints[b * width + i] = order[b * perSequence + i];
    lens.role = ValueRole::SequenceLengths;
    lens.ints.assign(lens.elements(), int32_t(std::min(seqLen, capacity)));

    if (cacheArg && !filled(*cacheArg))
      fillCacheRows(values[*cacheArg], table, lens);
    if (std::optional<unsigned> p = argumentIndex(function, access.positions);
        p && !filled(*p)) {
      FunctionValue &positions = values[*p];
      positions.role = ValueRole::Positions;
      int64_t tokens = positions.shape[1];
      positions.ints.resize(positions.elements());
      for (int64_t b = 0; b < batch; ++b)
        for (int64_t t = 0; t < tokens; ++t)
          positions.ints[b * tokens + t] = lens.ints[b] + int32_t(t);
    }
    return llvm::Error::success();
  }

  void fillCacheRows(FunctionValue &cache, const FunctionValue &table,
                     const FunctionValue &lens) {
    int64_t pageSize = cache.shape[1], row = cache.shape[2];
    int64_t width = table.shape[1];
    cache.role = ValueRole::PagedCache;
    cache.floats.assign(cache.elements(), NAN);
    std::uniform_real_distribution<float> uniform(-1, 1);
    for (int64_t b = 0; b < table.shape[0]; ++b)
      for (int64_t t = 0; t < lens.ints[b]; ++t) {
        int64_t page = table.ints[b * width + t / pageSize];
        float *dst = &cache.floats[(page * pageSize + t % pageSize) * row];
        for (int64_t i = 0; i < row; ++i)
          dst[i] = roundTo(cache.storage, uniform(engine));
      }
  }

  void fillMhaLengths(mla::MhaAttentionOp op) {
    std::optional<unsigned> i = argumentIndex(function, op.getSeqLens());
    if (!i || filled(*i))
      return;
    int64_t keys =
        cast<RankedTensorType>(op.getKNope().getType()).getDimSize(1);
    fillInts(values[*i], ValueRole::SequenceLengths, 0, int32_t(keys));
  }

  func::FuncOp function;
  std::vector<FunctionValue> values;
  int64_t seqLen;
  std::mt19937_64 engine;
};

} // namespace

llvm::Expected<std::vector<FunctionValue>>
mlagen::describeOperands(func::FuncOp function, const FunctionShape &shape) {
  return describeAll(Describer(function, shape), function.getArgumentTypes(),
                     "arg");
}

llvm::Expected<std::vector<FunctionValue>>
mlagen::describeResults(func::FuncOp function, const FunctionShape &shape) {
  return describeAll(Describer(function, shape), function.getResultTypes(),
                     "result");
}

llvm::Expected<std::vector<FunctionValue>>
mlagen::makeFunctionInputs(func::FuncOp function, const FunctionShape &shape,
                           uint64_t seed) {
  llvm::Expected<std::vector<FunctionValue>> operands =
      describeOperands(function, shape);
  if (!operands)
    return operands.takeError();
  return InputMaker(function, std::move(*operands), shape.seqLen, seed).make();
}
