//===- MlaTypes.cpp - types of the mla dialect ----------------------------===//

#include "dialect/MlaDialect.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::mla;

#define GET_TYPEDEF_CLASSES
#include "dialect/MlaTypes.cpp.inc"

void MlaDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialect/MlaTypes.cpp.inc"
      >();
}

LogicalResult
PagedCacheType::verify(function_ref<InFlightDiagnostic()> emitError,
                       int64_t numPages, int64_t pageSize, int64_t latentDim,
                       int64_t ropeDim, Type elementType) {
  // Keeps pages * page_size * row width far from int64 overflow.
  constexpr int64_t kMaxExtent = int64_t(1) << 20;
  auto checkExtent = [&](StringRef name, int64_t value) -> LogicalResult {
    if (value < 1 || value > kMaxExtent)
      return emitError() << "paged cache '" << name << "' must be in [1, "
                         << kMaxExtent << "], got " << value;
    return success();
  };
  if (!ShapedType::isDynamic(numPages) &&
      failed(checkExtent("pages", numPages)))
    return failure();
  if (failed(checkExtent("page_size", pageSize)) ||
      failed(checkExtent("latent", latentDim)) ||
      failed(checkExtent("rope", ropeDim)))
    return failure();
  if (ropeDim % 2 != 0)
    return emitError() << "paged cache 'rope' must be even, got " << ropeDim;
  if (!isa_and_nonnull<FloatType>(elementType))
    return emitError() << "paged cache element type must be a float type, got "
                       << elementType;
  return success();
}

Type PagedCacheType::parse(AsmParser &parser) {
  SMLoc loc = parser.getCurrentLocation();
  int64_t numPages = ShapedType::kDynamic, pageSize, latentDim, ropeDim;
  Type elementType;
  if (parser.parseLess() || parser.parseKeyword("pages") || parser.parseEqual())
    return {};
  if (failed(parser.parseOptionalQuestion())) {
    SMLoc pagesLoc = parser.getCurrentLocation();
    if (parser.parseInteger(numPages))
      return {};
    // Also keeps the marker for `?` from being written as a number.
    if (numPages < 1) {
      parser.emitError(pagesLoc, "paged cache 'pages' must be positive or ?, "
                                 "got ")
          << numPages;
      return {};
    }
  }
  if (parser.parseComma() || parser.parseKeyword("page_size") ||
      parser.parseEqual() || parser.parseInteger(pageSize) ||
      parser.parseComma() || parser.parseKeyword("latent") ||
      parser.parseEqual() || parser.parseInteger(latentDim) ||
      parser.parseComma() || parser.parseKeyword("rope") ||
      parser.parseEqual() || parser.parseInteger(ropeDim) ||
      parser.parseComma() || parser.parseType(elementType) ||
      parser.parseGreater())
    return {};
  return getChecked([&] { return parser.emitError(loc); }, parser.getContext(),
                    numPages, pageSize, latentDim, ropeDim, elementType);
}

void PagedCacheType::print(AsmPrinter &printer) const {
  printer << "<pages = ";
  if (hasStaticNumPages())
    printer << getNumPages();
  else
    printer << '?';
  printer << ", page_size = " << getPageSize()
          << ", latent = " << getLatentDim() << ", rope = " << getRopeDim()
          << ", " << getElementType() << '>';
}
