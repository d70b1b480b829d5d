//===- FunctionRunner.cpp - a user's MLA function on the CPU --------------===//

#include "mlagen/FunctionRunner.h"
#include "passes/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

using namespace mlagen;

namespace {

/// The operand as the function declares it, with the caller's values.
llvm::Error checkOperand(const FunctionValue &declared,
                         const FunctionValue &given) {
  if (declared.shape != given.shape || declared.isInt != given.isInt ||
      (!declared.isInt && declared.storage != given.storage))
    return llvm::createStringError(declared.name + ": the function takes " +
                                   declared.typeString() + ", got " +
                                   given.typeString());
  size_t count = declared.isInt ? given.ints.size() : given.floats.size();
  if (int64_t(count) != declared.elements())
    return llvm::createStringError(
        declared.name + ": " + std::to_string(count) + " values for " +
        declared.typeString() + " (" + std::to_string(declared.elements()) +
        " elements)");
  return llvm::Error::success();
}

} // namespace

llvm::Expected<std::unique_ptr<FunctionRunner>>
FunctionRunner::create(mlir::ModuleOp module, llvm::StringRef name,
                       bool rewrite, int64_t splits, const FunctionShape &shape,
                       const std::vector<FunctionValue> &operands) {
  mlir::OwningOpRef<mlir::ModuleOp> clone(module.clone());
  auto function = clone->lookupSymbol<mlir::func::FuncOp>(name);
  if (!function)
    return llvm::createStringError("no function @" + name.str() +
                                   " in the module");
  std::unique_ptr<FunctionRunner> runner(new FunctionRunner());
  llvm::Expected<std::vector<FunctionValue>> declared =
      describeOperands(function, shape);
  if (!declared)
    return declared.takeError();
  llvm::Expected<std::vector<FunctionValue>> results =
      describeResults(function, shape);
  if (!results)
    return results.takeError();
  if (operands.size() != declared->size())
    return llvm::createStringError(
        "@" + name.str() + " takes " + std::to_string(declared->size()) +
        " operands, got " + std::to_string(operands.size()));
  for (auto [want, got] : llvm::zip(*declared, operands))
    if (llvm::Error e = checkOperand(want, got))
      return std::move(e);
  if (llvm::Error e = checkOperandValues(function, operands))
    return std::move(e);
  runner->results_ = std::move(*results);

  if (rewrite) {
    mlir::PassManager pm(clone->getContext());
    mlir::mla::RewritePipelineOptions options;
    options.numSplits = splits;
    options.smCount = 1; // one core per call: no split unless asked
    mlir::mla::buildRewritePipeline(pm, options);
    if (mlir::failed(pm.run(*clone)))
      return llvm::createStringError("the mla-rewrite pipeline failed on @" +
                                     name.str());
  }
  llvm::raw_string_ostream os(runner->ir);
  clone->lookupSymbol<mlir::func::FuncOp>(name).print(os);

  llvm::Expected<std::unique_ptr<CpuKernel>> kernel =
      CpuKernel::compile(*clone, name);
  if (!kernel)
    return kernel.takeError();
  runner->kernel = std::move(*kernel);

  // Buffers first (their addresses must not move), then the descriptors.
  for (const FunctionValue &v : operands) {
    Buffer &buffer = runner->operandBuffers.emplace_back();
    if (v.isInt)
      buffer.ints = v.ints;
    else
      buffer.floats.emplace(v.storage, v.floats);
  }
  llvm::ArrayRef<int> tied = runner->kernel->tiedOperands();
  for (auto [v, operand] : llvm::zip(runner->results_, tied)) {
    Buffer &buffer = runner->resultBuffers.emplace_back();
    if (operand >= 0)
      continue; // read back from the operand's buffer
    if (v.isInt)
      buffer.ints.assign(v.elements(), 0);
    else
      buffer.floats.emplace(v.storage, size_t(v.elements()));
  }
  for (auto [v, buffer] : llvm::zip(operands, runner->operandBuffers))
    runner->args.emplace_back(buffer.data(), v.shape);
  for (auto [v, buffer, operand] :
       llvm::zip(runner->results_, runner->resultBuffers, tied))
    if (operand < 0)
      runner->args.emplace_back(buffer.data(), v.shape);
  return runner;
}

llvm::Error FunctionRunner::run() { return kernel->run(args); }

void FunctionRunner::readBack(const Buffer &buffer, FunctionValue &value) {
  if (value.isInt)
    value.ints = buffer.ints;
  else
    value.floats = buffer.floats->values();
}

std::vector<FunctionValue> FunctionRunner::results() const {
  std::vector<FunctionValue> values = results_;
  llvm::ArrayRef<int> tied = kernel->tiedOperands();
  for (auto [i, value] : llvm::enumerate(values)) {
    readBack(tied[i] >= 0 ? operandBuffers[tied[i]] : resultBuffers[i], value);
    if (tied[i] >= 0)
      value.role = ValueRole::PagedCache;
  }
  return values;
}
