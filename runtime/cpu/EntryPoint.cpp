//===- EntryPoint.cpp - the C-callable wrapper of a CPU kernel ------------===//

#include "EntryPoint.h"
#include "dialect/MlaDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

using namespace mlagen;
using namespace mlir;

std::vector<int> mlagen::findTiedOperands(func::FuncOp function) {
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

/// Stores `result` into `buffer` if their dynamic dimensions agree, and
/// records in `status`[slot] whether it did.
static void storeChecked(OpBuilder &b, Location loc, Value result, Value buffer,
                         Value status, int64_t slot) {
  auto type = cast<RankedTensorType>(result.getType());
  Value same = arith::ConstantIntOp::create(b, loc, 1, 1);
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!type.isDynamicDim(d))
      continue;
    Value want = memref::DimOp::create(b, loc, buffer, d);
    Value got = tensor::DimOp::create(b, loc, result, d);
    same = arith::AndIOp::create(
        b, loc, same,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, want, got));
  }
  Value flag = arith::ExtUIOp::create(b, loc, b.getI32Type(), same);
  memref::StoreOp::create(
      b, loc, flag, status,
      ValueRange{arith::ConstantIndexOp::create(b, loc, slot)});
  scf::IfOp::create(b, loc, same, [&](OpBuilder &tb, Location tl) {
    bufferization::MaterializeInDestinationOp::create(
        tb, tl, Type(), result, buffer, /*restrict=*/true, /*writable=*/true);
    scf::YieldOp::create(tb, tl);
  });
}

EntryPoint mlagen::buildEntryPoint(ModuleOp module, func::FuncOp function,
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
  unsigned untied = 0;
  bool dynamic = false;
  for (auto [result, operand] : llvm::zip(type.getResults(), tied))
    if (operand < 0) {
      memrefs.push_back(memrefOf(result));
      dynamic |= !cast<RankedTensorType>(result).hasStaticShape();
      ++untied;
    }
  EntryPoint entry;
  if (dynamic) {
    entry.numStatus = untied;
    memrefs.push_back(MemRefType::get({untied}, b.getI32Type()));
  }
  entry.op = func::FuncOp::create(b, loc, (function.getName() + "_entry").str(),
                                  b.getFunctionType(memrefs, {}));
  entry.op->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  Block *body = entry.op.addEntryBlock();
  b.setInsertionPointToStart(body);
  SmallVector<Value> operands;
  for (auto [i, input] : llvm::enumerate(type.getInputs()))
    operands.push_back(bufferization::ToTensorOp::create(
        b, loc, input, body->getArgument(i), /*restrict=*/true,
        /*writable=*/llvm::is_contained(tied, int(i))));
  auto call = func::CallOp::create(b, loc, function, operands);
  unsigned output = type.getNumInputs(), slot = 0;
  for (auto [result, operand] : llvm::zip(call.getResults(), tied)) {
    if (operand >= 0)
      continue; // updated in place: checkUpdatedInPlace
    Value buffer = body->getArgument(output++);
    if (dynamic)
      storeChecked(b, loc, result, buffer, body->getArguments().back(), slot++);
    else
      bufferization::MaterializeInDestinationOp::create(
          b, loc, Type(), result, buffer, /*restrict=*/true,
          /*writable=*/true);
  }
  func::ReturnOp::create(b, loc);
  return entry;
}

/// `v` without the memref.casts bufferization may wrap it in.
static Value stripCasts(Value v) {
  while (auto cast = v.getDefiningOp<memref::CastOp>())
    v = cast.getSource();
  return v;
}

llvm::Error mlagen::checkUpdatedInPlace(ModuleOp module, llvm::StringRef entry,
                                        llvm::StringRef function,
                                        ArrayRef<int> tied) {
  auto entryOp = module.lookupSymbol<func::FuncOp>(entry);
  auto callee = module.lookupSymbol<func::FuncOp>(function);
  func::CallOp call;
  if (entryOp)
    entryOp.walk([&](func::CallOp op) {
      if (op.getCallee() == function)
        call = op;
    });
  func::ReturnOp ret;
  if (callee && !callee.isExternal())
    ret = dyn_cast<func::ReturnOp>(callee.getBody().back().getTerminator());
  for (auto [result, operand] : llvm::enumerate(tied)) {
    if (operand < 0)
      continue;
    bool passed = call && stripCasts(call.getOperand(operand)) ==
                              entryOp.getArgument(operand);
    bool returned = ret && stripCasts(ret.getOperand(result)) ==
                               callee.getArgument(operand);
    if (!passed || !returned)
      return llvm::createStringError(
          "@" + function.str() + ": result " + std::to_string(result) +
          " (a paged cache appended to operand " + std::to_string(operand) +
          ") is not updated in place: bufferization " +
          (passed ? "appends to a copy inside the function"
                  : "passes a copy of the operand") +
          " (does the function read the cache after appending to it?)");
  }
  return llvm::Error::success();
}
