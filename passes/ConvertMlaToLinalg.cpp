//===- ConvertMlaToLinalg.cpp - mla ops to linalg, tensor and scf ---------===//

#include "dialect/MlaOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"
#include "passes/Passes.h"

namespace mlir::mla {
#define GEN_PASS_DEF_CONVERTMLATOLINALG
#include "passes/Passes.h.inc"
} // namespace mlir::mla

using namespace mlir;
using namespace mlir::mla;

PagedCacheTypeConverter::PagedCacheTypeConverter() {
  addConversion([](Type type) { return type; });
  addConversion([](PagedCacheType cache) -> Type {
    return RankedTensorType::get(
        {cache.getNumPages(), cache.getPageSize(), cache.getRowWidth()},
        cache.getElementType());
  });
}

namespace {

struct ConvertMlaToLinalgPass
    : public mla::impl::ConvertMlaToLinalgBase<ConvertMlaToLinalgPass> {
  using ConvertMlaToLinalgBase::ConvertMlaToLinalgBase;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    PagedCacheTypeConverter converter;
    RewritePatternSet patterns(context);
    populateMlaToLinalgConversionPatterns(converter, patterns,
                                          PageStepProducts{amx, bf16Dot});
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    populateCallOpTypeConversionPattern(patterns, converter);

    ConversionTarget target(*context);
    target.addIllegalDialect<MlaDialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, scf::SCFDialect,
                           tensor::TensorDialect>();
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return converter.isSignatureLegal(op.getFunctionType()) &&
             converter.isLegal(&op.getBody());
    });
    target.addDynamicallyLegalOp<func::ReturnOp, func::CallOp>(
        [&](Operation *op) { return converter.isLegal(op); });
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mlir::mla::populateMlaToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns,
    PageStepProducts products) {
  populateAttentionLoweringPatterns(converter, patterns, products);
  populateCacheLoweringPatterns(converter, patterns);
  populateProjectionLoweringPatterns(converter, patterns);
}
