//===- StorageType.cpp - element types of activations and the cache -------===//

#include "mlagen/StorageType.h"

#include <cstdint>
#include <cstring>

using namespace mlagen;

llvm::StringRef mlagen::toString(StorageType type) {
  switch (type) {
  case StorageType::F32:
    return "f32";
  case StorageType::F16:
    return "f16";
  case StorageType::BF16:
    return "bf16";
  }
  return "?";
}

llvm::Expected<StorageType> mlagen::parseStorageType(llvm::StringRef name) {
  for (StorageType type :
       {StorageType::F32, StorageType::F16, StorageType::BF16})
    if (name == toString(type))
      return type;
  return llvm::createStringError("unknown storage type '" + name +
                                 "'; expected f32, f16 or bf16");
}

size_t mlagen::sizeOf(StorageType type) {
  return type == StorageType::F32 ? 4 : 2;
}

/// Keeps the top 16 bits of an IEEE float, rounding to nearest even.
static float roundToBF16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  if ((bits & 0x7f800000u) == 0x7f800000u) // inf and NaN pass through
    return value;
  bits += 0x7fffu + ((bits >> 16) & 1u);
  bits &= 0xffff0000u;
  std::memcpy(&value, &bits, sizeof(bits));
  return value;
}

float mlagen::roundTo(StorageType type, float value) {
  switch (type) {
  case StorageType::F32:
    return value;
  case StorageType::F16:
    return static_cast<float>(static_cast<_Float16>(value));
  case StorageType::BF16:
    return roundToBF16(value);
  }
  return value;
}
