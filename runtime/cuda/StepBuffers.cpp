//===- StepBuffers.cpp - a built-in step's buffers for a plan -------------===//

#include "StepBuffers.h"
#include "mlagen/StorageBuffer.h"

using namespace mlagen;

namespace {

/// The host values of the step function's arguments, in order, as bytes
/// (buildStepModule's signatures).
std::vector<std::vector<char>> argumentBytes(const Problem &p) {
  auto storage = [&](const std::vector<float> &values) {
    StorageBuffer buffer(p.shape.storage, values);
    const char *bytes = static_cast<const char *>(buffer.data());
    return std::vector<char>(bytes,
                             bytes + values.size() * sizeOf(p.shape.storage));
  };
  auto ints = [](const std::vector<int32_t> &values) {
    const char *bytes = reinterpret_cast<const char *>(values.data());
    return std::vector<char>(bytes, bytes + values.size() * 4);
  };
  if (p.shape.mode == RunMode::Attention)
    return {storage(p.qLatent), storage(p.qRope), storage(p.cache.rows),
            ints(p.table.blockTable), ints(p.table.seqLens)};
  const reference::LayerWeights &w = p.weights;
  std::vector<std::vector<char>> args = {
      storage(p.hidden), storage(p.cache.rows), ints(p.table.blockTable),
      ints(p.table.seqLens)};
  if (p.config.hasQueryCompression()) {
    args.push_back(storage(w.wDq));
    args.push_back(storage(w.qNorm));
  }
  for (const std::vector<float> *weight :
       {&w.wUq, &w.wDkv, &w.kvNorm, &w.wUk, &w.wUv, &w.wO})
    args.push_back(storage(*weight));
  return args;
}

/// The host value of a buffer the step's index arithmetic makes, known by
/// the parameter that reads it: RoPE positions (lengths + k) or the
/// lengths the attention sees after the append (lengths + S).
llvm::Expected<std::vector<int32_t>>
computed(const Problem &p, llvm::StringRef role, const PlannedBuffer &buffer) {
  int64_t s = p.shape.queryTokens;
  std::vector<int32_t> values;
  if (role == "positions") {
    for (int32_t length : p.table.seqLens)
      for (int64_t k = 0; k < s; ++k)
        values.push_back(int32_t(length + k));
  } else if (role == "seq_lens") {
    for (int32_t length : p.table.seqLens)
      values.push_back(int32_t(length + s));
  } else {
    return llvm::createStringError(
        "the GPU runner cannot compute " + buffer.name + " (made by " +
        buffer.computedBy + ", read as '" + role + "') on the host");
  }
  if (int64_t(values.size() * 4) != buffer.bytes)
    return llvm::createStringError("the GPU runner's " + role.str() +
                                   " do not fit " + buffer.name);
  return values;
}

} // namespace

llvm::Expected<std::vector<std::vector<char>>>
mlagen::stepBufferBytes(const Problem &p, const FunctionPlan &plan) {
  std::vector<std::vector<char>> arguments = argumentBytes(p);
  std::vector<std::vector<char>> initial(plan.buffers.size());
  for (auto [index, buffer] : llvm::enumerate(plan.buffers)) {
    if (buffer.argument >= 0) {
      if (size_t(buffer.argument) >= arguments.size() ||
          int64_t(arguments[buffer.argument].size()) != buffer.bytes)
        return llvm::createStringError(
            "internal error: the problem has no value for " + buffer.name);
      initial[index] = std::move(arguments[buffer.argument]);
      continue;
    }
    if (buffer.computedBy.empty())
      continue;
    std::string role; // the name of the parameter that reads it
    for (const PlannedLaunch &launch : plan.launches)
      for (const PlannedParam &param : launch.params)
        if (param.buffer == int(index))
          role = param.name;
    llvm::Expected<std::vector<int32_t>> values = computed(p, role, buffer);
    if (!values)
      return values.takeError();
    const char *bytes = reinterpret_cast<const char *>(values->data());
    initial[index].assign(bytes, bytes + values->size() * 4);
  }
  return initial;
}

llvm::Expected<StepResult>
mlagen::stepResult(const Problem &p, const FunctionPlan &plan,
                   llvm::function_ref<llvm::Error(int, void *, size_t)> read) {
  if (plan.results.size() != 2)
    return llvm::createStringError("internal error: the step has " +
                                   std::to_string(plan.results.size()) +
                                   " results, not 2");
  auto values = [&](int buffer,
                    StorageType type) -> llvm::Expected<std::vector<float>> {
    size_t bytes = plan.buffers[buffer].bytes;
    StorageBuffer stored(type, bytes / sizeOf(type));
    if (llvm::Error e = read(buffer, stored.data(), bytes))
      return std::move(e);
    return stored.values();
  };
  StepResult result;
  llvm::Expected<std::vector<float>> out =
      values(plan.results[0], p.shape.storage);
  if (!out)
    return out.takeError();
  result.out = std::move(*out);
  bool attention = p.shape.mode == RunMode::Attention;
  llvm::Expected<std::vector<float>> second =
      values(plan.results[1], attention ? StorageType::F32 : p.shape.storage);
  if (!second)
    return second.takeError();
  (attention ? result.lse : result.cache) = std::move(*second);
  return result;
}
