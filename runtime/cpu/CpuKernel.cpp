//===- CpuKernel.cpp - an MLA function compiled for the host CPU ----------===//

#include "mlagen/CpuKernel.h"
#include "dialect/MlaDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlagen;
using namespace mlir;

MemRefArg::MemRefArg(void *data, llvm::ArrayRef<int64_t> shape) {
  int64_t rank = shape.size();
  slots.assign(3 + 2 * rank, 0);
  slots[0] = reinterpret_cast<intptr_t>(data); // allocated
  slots[1] = reinterpret_cast<intptr_t>(data); // aligned
  int64_t stride = 1;
  for (int64_t i = rank - 1; i >= 0; --i) {
    slots[3 + i] = shape[i];
    slots[3 + rank + i] = stride;
    stride *= shape[i];
  }
}

/// For each result of `function`, the operand it updates in place: a paged
/// cache result whose type only one operand has (the cache it was appended
/// to), or -1.
static std::vector<int> findTiedOperands(func::FuncOp function) {
  FunctionType type = function.getFunctionType();
  std::vector<int> tied;
  for (Type result : type.getResults()) {
    int operand = -1, matches = 0;
    if (isa<mla::PagedCacheType>(result))
      for (auto [i, input] : llvm::enumerate(type.getInputs()))
        if (input == result) {
          operand = i;
          ++matches;
        }
    tied.push_back(matches == 1 ? operand : -1);
  }
  return tied;
}

/// Adds `<function>_entry` (`function` is already on tensors), which takes
/// dense memrefs for the operands and the untied results and calls it. A
/// tied result is not stored anywhere: its operand is writable, so that
/// bufferization updates the operand's buffer in place, which
/// checkUpdatedInPlace then confirms.
static func::FuncOp buildEntryPoint(ModuleOp module, func::FuncOp function,
                                    ArrayRef<int> tied) {
  OpBuilder b(module.getBodyRegion());
  b.setInsertionPointToEnd(module.getBody());
  Location loc = function.getLoc();
  FunctionType type = function.getFunctionType();
  auto memrefOf = [](Type t) -> Type {
    auto tensor = cast<RankedTensorType>(t);
    return MemRefType::get(tensor.getShape(), tensor.getElementType());
  };
  SmallVector<Type> memrefs;
  for (Type input : type.getInputs())
    memrefs.push_back(memrefOf(input));
  for (auto [result, operand] : llvm::zip(type.getResults(), tied))
    if (operand < 0)
      memrefs.push_back(memrefOf(result));
  auto entry =
      func::FuncOp::create(b, loc, (function.getName() + "_entry").str(),
                           b.getFunctionType(memrefs, {}));
  entry->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  Block *body = entry.addEntryBlock();
  b.setInsertionPointToStart(body);
  SmallVector<Value> operands;
  for (auto [i, input] : llvm::enumerate(type.getInputs()))
    operands.push_back(bufferization::ToTensorOp::create(
        b, loc, input, body->getArgument(i), /*restrict=*/true,
        /*writable=*/llvm::is_contained(tied, int(i))));
  auto call = func::CallOp::create(b, loc, function, operands);
  unsigned nextOutput = type.getNumInputs();
  for (auto [result, operand] : llvm::zip(call.getResults(), tied))
    if (operand < 0)
      bufferization::MaterializeInDestinationOp::create(
          b, loc, Type(), result, body->getArgument(nextOutput++),
          /*restrict=*/true, /*writable=*/true);
  func::ReturnOp::create(b, loc);
  return entry;
}

/// After bufferization: every tied operand's buffer goes to the call as it
/// is (not a copy), so the function's in-place update lands in it.
static llvm::Error checkUpdatedInPlace(func::FuncOp entry,
                                       llvm::StringRef function,
                                       ArrayRef<int> tied) {
  func::CallOp call;
  entry.walk([&](func::CallOp op) {
    if (op.getCallee() == function)
      call = op;
  });
  for (int operand : tied)
    if (operand >= 0 &&
        (!call || call.getOperand(operand) != entry.getArgument(operand)))
      return llvm::createStringError(
          "internal error: bufferization copies operand " +
          std::to_string(operand) +
          " (a paged cache the function appends to) instead of updating it "
          "in place");
  return llvm::Error::success();
}

static llvm::Error runPasses(ModuleOp module,
                             function_ref<void(OpPassManager &)> build,
                             llvm::StringRef what) {
  PassManager pm(module.getContext());
  build(pm);
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  ScopedDiagnosticHandler handler(module.getContext(), [&](Diagnostic &d) {
    os << d.getLocation() << ": " << d << "\n";
    return success();
  });
  if (failed(pm.run(module)))
    return llvm::createStringError("CPU lowering failed in " + what + ":\n" +
                                   diagnostics);
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<CpuKernel>>
CpuKernel::compile(ModuleOp module, llvm::StringRef name) {
  std::string functionName = name.str();
  if (!module.lookupSymbol<func::FuncOp>(functionName))
    return llvm::createStringError("no function @" + functionName +
                                   " in the module");
  MLIRContext *context = module.getContext();
  DialectRegistry registry;
  mla::registerCpuLoweringDialects(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  context->appendDialectRegistry(registry);
  context->loadAllAvailableDialects();

  std::vector<int> tied =
      findTiedOperands(module.lookupSymbol<func::FuncOp>(functionName));
  if (llvm::Error e = runPasses(module, mla::buildCpuFrontEndPipeline,
                                "the lowering of the mla ops"))
    return std::move(e);
  func::FuncOp entry = buildEntryPoint(
      module, module.lookupSymbol<func::FuncOp>(functionName), tied);
  // The lowering replaces the func.func ops: keep what the caller needs.
  std::string entrySymbol = entry.getName().str();
  std::string entryName = "_mlir_ciface_" + entrySymbol;
  size_t numArgs = entry.getNumArguments();
  if (llvm::Error e =
          runPasses(module, mla::buildCpuBufferizePipeline, "bufferization"))
    return std::move(e);
  if (llvm::Error e = checkUpdatedInPlace(
          module.lookupSymbol<func::FuncOp>(entrySymbol), functionName, tied))
    return std::move(e);
  if (llvm::Error e =
          runPasses(module, mla::buildCpuToLLVMPipeline, "code generation"))
    return std::move(e);

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  // For this CPU, with every multiply-add fused into an FMA (the lowering
  // accumulates in f32; fusing only drops an intermediate rounding).
  auto hostMachine = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!hostMachine)
    return hostMachine.takeError();
  hostMachine->getOptions().AllowFPOpFusion = llvm::FPOpFusion::Fast;
  hostMachine->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  auto machine = hostMachine->createTargetMachine();
  if (!machine)
    return machine.takeError();
  ExecutionEngineOptions options;
  options.transformer = makeOptimizingTransformer(
      /*optLevel=*/3, /*sizeLevel=*/0, machine->get());
  auto engine = ExecutionEngine::create(module, options, std::move(*machine));
  if (!engine)
    return engine.takeError();
  std::unique_ptr<CpuKernel> kernel(new CpuKernel());
  kernel->engine = std::move(*engine);
  kernel->numArgs = numArgs;
  kernel->tied = tied;
  // Looking the entry up makes the JIT compile now, not on the first run.
  auto packed = kernel->engine->lookupPacked(entryName);
  if (!packed)
    return packed.takeError();
  kernel->function = *packed;
  return kernel;
}

CpuKernel::~CpuKernel() = default;

llvm::Error CpuKernel::run(llvm::MutableArrayRef<MemRefArg> args) {
  if (args.size() != numArgs)
    return llvm::createStringError("the kernel takes " +
                                   std::to_string(numArgs) + " buffers, got " +
                                   std::to_string(args.size()));
  std::vector<void *> descriptors, packed;
  for (MemRefArg &arg : args)
    descriptors.push_back(arg.descriptor());
  for (void *&descriptor : descriptors)
    packed.push_back(&descriptor);
  function(packed.data());
  return llvm::Error::success();
}
