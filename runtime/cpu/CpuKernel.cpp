//===- CpuKernel.cpp - an MLA function compiled for the host CPU ----------===//

#include "mlagen/CpuKernel.h"
#include "Bf16Rounding.h"
#include "CheckedAllocation.h"
#include "EntryPoint.h"
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
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
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
CpuKernel::compile(ModuleOp module, llvm::StringRef name,
                   const CpuVariant &variant) {
  if (variant.amx == 1 && !hostHasAmxTiles())
    return llvm::createStringError(
        "the CPU variant asks for AMX tiles (amx=1), but this CPU has no "
        "AMX-BF16 or the OS refused this process their state");
  if (variant.dot == 1 && !hostHasAvx512Bf16())
    return llvm::createStringError(
        "the CPU variant asks for bf16 dot products (dot=1), but this CPU has "
        "no AVX512-BF16");
  std::string functionName = name.str();
  if (!module.lookupSymbol<func::FuncOp>(functionName))
    return llvm::createStringError("no function @" + functionName +
                                   " in the module");
  MLIRContext *context = module.getContext();
  DialectRegistry registry;
  mla::registerCpuLoweringDialects(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
  context->appendDialectRegistry(registry);
  context->loadAllAvailableDialects();

  std::vector<int> tied =
      findTiedOperands(module.lookupSymbol<func::FuncOp>(functionName));
  mla::CpuPipelineOptions options;
  options.threads = variant.threads;
  options.accumulatorRegisters = variant.accumulatorRegisters;
  options.innerRegisters = variant.innerRegisters;
  options.amx = variant.amx == 1;
  options.bf16Dot = variant.dot == 1;
  options.nativeBf16 = hostHasAvx512Bf16();
  options.checkedAllocation = true;
  if (llvm::Error e = runPasses(
          module,
          [&](OpPassManager &pm) {
            mla::buildCpuFrontEndPipeline(pm, options);
          },
          "the lowering of the mla ops"))
    return std::move(e);
  auto function = module.lookupSymbol<func::FuncOp>(functionName);
  EntryPoint entry = buildEntryPoint(module, function, tied);
  // Only the entry is called from outside. A private function's results
  // that are its operands' buffers (the appended cache) are dropped after
  // bufferization; a public one would return a copy of the whole cache.
  function.setPrivate();
  // The lowering replaces the func.func ops: keep what the caller needs.
  std::string entrySymbol = entry.op.getName().str();
  std::string entryName = "_mlir_ciface_" + entrySymbol;
  size_t numArgs = entry.op.getNumArguments() - (entry.numStatus ? 1 : 0);
  if (llvm::Error e =
          runPasses(module, mla::buildCpuBufferizePipeline, "bufferization"))
    return std::move(e);
  if (llvm::Error e =
          checkUpdatedInPlace(module, entrySymbol, functionName, tied))
    return std::move(e);
  if (llvm::Error e = runPasses(
          module,
          [&](OpPassManager &pm) { mla::buildCpuToLLVMPipeline(pm, options); },
          "code generation"))
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
  std::unique_ptr<CpuKernel> kernel(new CpuKernel());
  kernel->optimize = makeOptimizingTransformer(
      /*optLevel=*/3, /*sizeLevel=*/0, machine->get());
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = kernel->optimize;
  auto engine =
      ExecutionEngine::create(module, engineOptions, std::move(*machine));
  if (!engine)
    return engine.takeError();
  kernel->engine = std::move(*engine);
  defineCheckedAllocation(*kernel->engine);
  defineBf16Rounding(*kernel->engine);
  kernel->numArgs = numArgs;
  kernel->tied = tied;
  kernel->numStatus = entry.numStatus;
  // Looking the entry up makes the JIT compile now, not on the first run.
  auto packed = kernel->engine->lookupPacked(entryName);
  if (!packed)
    return packed.takeError();
  kernel->function = *packed;
  return kernel;
}

CpuKernel::CpuKernel() = default;
CpuKernel::~CpuKernel() = default;

llvm::Error CpuKernel::run(llvm::MutableArrayRef<MemRefArg> args) {
  if (args.size() != numArgs)
    return llvm::createStringError("the kernel takes " +
                                   std::to_string(numArgs) + " buffers, got " +
                                   std::to_string(args.size()));
  std::vector<int32_t> status(numStatus, -1);
  MemRefArg statusArg(status.data(), {int64_t(numStatus)});
  std::vector<void *> descriptors, packed;
  for (MemRefArg &arg : args)
    descriptors.push_back(arg.descriptor());
  if (numStatus)
    descriptors.push_back(statusArg.descriptor());
  for (void *&descriptor : descriptors)
    packed.push_back(&descriptor);
  function(packed.data());
  for (auto [i, stored] : llvm::enumerate(status))
    if (stored != 1)
      return llvm::createStringError(
          "untied result " + std::to_string(i) +
          ": its shape differs from the buffer given for it (a dynamic "
          "dimension guessed wrong); nothing was stored");
  return llvm::Error::success();
}
