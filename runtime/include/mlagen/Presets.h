//===- Presets.h - model configs by name ------------------------*- C++ -*-===//

#ifndef MLAGEN_PRESETS_H
#define MLAGEN_PRESETS_H

#include "mlagen/LayerConfig.h"

#include "llvm/Support/Error.h"

namespace mlagen {

/// The layer config of model preset `name` ("deepseek-v2-lite",
/// "deepseek-v2", "deepseek-v3", "deepseek-r1", "kimi-k2"), or an error
/// listing the presets.
llvm::Expected<LayerConfig> presetLayerConfig(llvm::StringRef name);

} // namespace mlagen

#endif // MLAGEN_PRESETS_H
