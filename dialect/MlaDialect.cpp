//===- MlaDialect.cpp - the mla dialect -----------------------------------===//

#include "dialect/MlaDialect.h"
#include "dialect/MlaOps.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::mla;

#include "dialect/MlaDialect.cpp.inc"
#include "dialect/MlaEnums.cpp.inc"

namespace {
/// Prints each config written field by field once at the top of a module,
/// as `#mla_config = #mla.config<...>`, so ops stay readable. Presets, with
/// or without a few overrides, are short enough to print in place.
struct MlaOpAsmInterface : public OpAsmDialectInterface {
  using OpAsmDialectInterface::OpAsmDialectInterface;

  AliasResult getAlias(Attribute attr, raw_ostream &os) const override {
    auto config = dyn_cast<ConfigAttr>(attr);
    if (config && !config.getBasePresetName()) {
      os << "mla_config";
      return AliasResult::FinalAlias;
    }
    return AliasResult::NoAlias;
  }
};
} // namespace

void MlaDialect::initialize() {
  registerAttributes();
  registerTypes();
  addOperations<
#define GET_OP_LIST
#include "dialect/MlaOps.cpp.inc"
      >();
  addInterfaces<MlaOpAsmInterface>();
}
