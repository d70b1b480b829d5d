//===- ConfigConversion.h - #mla.config to LayerConfig ----------*- C++ -*-===//

#ifndef MLAGEN_CONFIGCONVERSION_H
#define MLAGEN_CONFIGCONVERSION_H

#include "dialect/MlaDialect.h"
#include "mlagen/LayerConfig.h"
#include "mlagen/StorageType.h"
#include "llvm/Support/Error.h"

namespace mlagen {

/// The runtime's view of a config attribute.
LayerConfig toLayerConfig(mlir::mla::ConfigAttr config);

/// The config's storage type, or an error for one the runtime cannot hold.
llvm::Expected<StorageType> getStorageType(mlir::mla::ConfigAttr config);

/// The config of preset `name` (e.g. "deepseek-v3"), or an error listing
/// the presets.
llvm::Expected<mlir::mla::ConfigAttr> lookupPreset(mlir::MLIRContext *context,
                                                   llvm::StringRef name);

} // namespace mlagen

#endif // MLAGEN_CONFIGCONVERSION_H
