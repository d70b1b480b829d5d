//===- FunctionInputs.cpp - random operands made for their roles ----------===//

#include "OperandRoles.h"
#include "mlagen/FunctionValues.h"
#include "mlagen/MemoryEstimate.h"

#include <cmath>
#include <numeric>
#include <random>

using namespace mlagen;

namespace {

class InputMaker {
public:
  InputMaker(std::vector<FunctionValue> values, int64_t seqLen, uint64_t seed)
      : values(std::move(values)), seqLen(seqLen), engine(seed) {}

  llvm::Expected<std::vector<FunctionValue>> make(const OperandRoles &roles) {
    // Tables and lengths first: the cache rows and positions follow them.
    for (const PagedUse &use : roles.paged)
      if (llvm::Error e = fillPaged(use))
        return std::move(e);
    for (auto [index, keys] : roles.mhaLengths)
      if (!filled(index))
        fillInts(values[index], 0, int32_t(keys));
    for (FunctionValue &v : values) {
      if (!v.floats.empty() || !v.ints.empty())
        continue;
      if (v.isInt && v.role == ValueRole::Positions)
        fillInts(v, 0, 4095);
      else if (v.isInt)
        fillInts(v, 0, 15);
      else if (v.role == ValueRole::PagedCache)
        v.floats.assign(v.elements(), NAN); // no sequence holds a row
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

  void fillInts(FunctionValue &v, int32_t lo, int32_t hi) {
    std::uniform_int_distribution<int32_t> uniform(lo, hi);
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

  /// Each sequence on its own randomly chosen pages, holding seqLen tokens
  /// or what its share of the pages allows less the tokens appended.
  llvm::Error fillPaged(const PagedUse &use) {
    if (!use.cache || filled(use.table) || filled(use.lengths))
      return llvm::Error::success(); // checkOperandValues reports a lost cache
    FunctionValue &table = values[use.table], &lens = values[use.lengths];
    int64_t pages = values[*use.cache].shape[0];
    int64_t batch = table.shape[0], width = table.shape[1];
    int64_t perSequence = batch ? std::min(width, pages / batch) : 0;
    int64_t capacity = perSequence * use.pageSize - use.appended;
    if (batch && capacity < 0)
      return llvm::createStringError(
          table.name + ": " + std::to_string(pages) + " cache pages of " +
          std::to_string(use.pageSize) + " rows give each of " +
          std::to_string(batch) + " sequences " +
          std::to_string(perSequence * use.pageSize) +
          " rows, fewer than the " + std::to_string(use.appended) +
          " tokens appended");
    std::vector<int32_t> order(pages);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), engine);
    table.ints.assign(batch * width, 1 << 30);
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t i = 0; i < perSequence; ++i)
        table.ints[b * width + i] = order[b * perSequence + i];
    lens.ints.assign(lens.elements(), int32_t(std::min(seqLen, capacity)));
    if (!filled(*use.cache))
      fillCacheRows(values[*use.cache], table, lens);
    if (use.positions && !filled(*use.positions)) {
      FunctionValue &positions = values[*use.positions];
      int64_t tokens = positions.shape.size() == 2 ? positions.shape[1] : 0;
      positions.ints.resize(positions.elements());
      for (int64_t b = 0; b < std::min(batch, positions.shape[0]); ++b)
        for (int64_t t = 0; t < tokens; ++t)
          positions.ints[b * tokens + t] = lens.ints[b] + int32_t(t);
    }
    return llvm::Error::success();
  }

  void fillCacheRows(FunctionValue &cache, const FunctionValue &table,
                     const FunctionValue &lens) {
    int64_t pageSize = cache.shape[1], row = cache.shape[2];
    int64_t width = table.shape[1];
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

  std::vector<FunctionValue> values;
  int64_t seqLen;
  std::mt19937_64 engine;
};

/// The values as made here (floats or ints) and again as the kernel takes
/// them (storage type), for operands and results alike.
MemoryEstimate functionMemory(llvm::ArrayRef<FunctionValue> operands,
                              llvm::ArrayRef<FunctionValue> results) {
  MemoryEstimate e;
  for (llvm::ArrayRef<FunctionValue> values : {operands, results})
    for (const FunctionValue &v : values) {
      uint64_t element = v.isInt ? 4 : sizeOf(v.storage);
      e.add(v.name + " " + v.typeString(),
            uint64_t(v.elements()) * (4 + element));
    }
  return e;
}

} // namespace

llvm::Expected<std::vector<FunctionValue>>
mlagen::makeFunctionInputs(mlir::func::FuncOp function,
                           const FunctionShape &shape, uint64_t seed) {
  llvm::Expected<OperandRoles> roles = findOperandRoles(function);
  if (!roles)
    return roles.takeError();
  llvm::Expected<std::vector<FunctionValue>> operands =
      describeOperands(function, shape);
  if (!operands)
    return operands.takeError();
  llvm::Expected<std::vector<FunctionValue>> results =
      describeResults(function, shape);
  if (!results)
    return results.takeError();
  if (llvm::Error e = checkHostMemory(functionMemory(*operands, *results),
                                      "the function's operands and results"))
    return std::move(e);
  return InputMaker(std::move(*operands), shape.seqLen, seed).make(*roles);
}
