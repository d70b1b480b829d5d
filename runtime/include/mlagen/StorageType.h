//===- StorageType.h - element types of activations and the cache -*- C++ -*-//

#ifndef MLAGEN_STORAGETYPE_H
#define MLAGEN_STORAGETYPE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <cstddef>

namespace mlagen {

enum class StorageType { F32, F16, BF16 };

/// "f32", "f16" or "bf16".
llvm::StringRef toString(StorageType type);
llvm::Expected<StorageType> parseStorageType(llvm::StringRef name);
/// Bytes per element.
size_t sizeOf(StorageType type);

/// The value nearest to `value` that `type` can hold (ties to even), as a
/// float. NaN stays NaN; values beyond the type's range become infinities.
float roundTo(StorageType type, float value);

} // namespace mlagen

#endif // MLAGEN_STORAGETYPE_H
