//===- ShapeVerifier.cpp - named-dimension shape checks for verifiers -----===//

#include "dialect/ShapeVerifier.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace mlir::mla;

ShapeVerifier::Dim ShapeVerifier::symbol(StringRef meaning) {
  dims.push_back({meaning.str(), ShapedType::kDynamic, "", false});
  return {unsigned(dims.size() - 1)};
}

ShapeVerifier::Dim ShapeVerifier::fixed(int64_t size, StringRef meaning) {
  dims.push_back({meaning.str(), size, "", true});
  return {unsigned(dims.size() - 1)};
}

LogicalResult ShapeVerifier::check(StringRef name, Type type,
                                   ArrayRef<Dim> expected) {
  auto describe = [&]() {
    std::string shape;
    for (Dim d : expected)
      shape += (shape.empty() ? "" : ", ") + dims[d.index].meaning;
    return "[" + shape + "]";
  };
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || tensor.getRank() != int64_t(expected.size()))
    return op->emitOpError()
           << "'" << name << "' must have rank " << expected.size() << " "
           << describe() << ", got " << type;
  for (auto [i, d] : llvm::enumerate(expected)) {
    DimInfo &info = dims[d.index];
    int64_t actual = tensor.getDimSize(i);
    if (info.isFixed) {
      if (actual != info.size)
        return op->emitOpError()
               << "'" << name << "' dimension " << i << " (" << info.meaning
               << ") must be " << info.size << ", got "
               << (ShapedType::isDynamic(actual) ? std::string("?")
                                                 : std::to_string(actual));
      continue;
    }
    if (ShapedType::isDynamic(actual))
      continue;
    // An empty batch, token or key range has nothing to compute; lowered,
    // it would slice out of bounds.
    if (actual == 0)
      return op->emitOpError() << "'" << name << "' dimension " << i << " ("
                               << info.meaning << ") is 0; it must hold at "
                               << "least one";
    if (ShapedType::isDynamic(info.size)) {
      info.size = actual;
      info.boundBy = name.str();
      continue;
    }
    if (actual != info.size)
      return op->emitOpError() << "'" << name << "' dimension " << i << " ("
                               << info.meaning << ") is " << actual << " but '"
                               << info.boundBy << "' has " << info.size;
  }
  return success();
}

LogicalResult ShapeVerifier::checkElementType(StringRef name, Type type,
                                              Type expected,
                                              StringRef meaning) {
  Type actual = cast<ShapedType>(type).getElementType();
  if (actual != expected)
    return op->emitOpError()
           << "'" << name << "' element type must be " << expected << " ("
           << meaning << "), got " << actual;
  return success();
}
