//===- StorageBuffer.h - float values held in a storage type ----*- C++ -*-===//

#ifndef MLAGEN_STORAGEBUFFER_H
#define MLAGEN_STORAGEBUFFER_H

#include "mlagen/StorageType.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace mlagen {

/// The bytes of float values (already exact in `type`) as `type` stores
/// them, for handing to a compiled kernel and reading back.
class StorageBuffer {
public:
  StorageBuffer(StorageType type, const std::vector<float> &values)
      : type(type), bytes(values.size() * sizeOf(type)) {
    for (size_t i = 0; i < values.size(); ++i)
      set(i, values[i]);
  }
  StorageBuffer(StorageType type, size_t count)
      : type(type), bytes(count * sizeOf(type)) {}

  /// All values, widened to float.
  std::vector<float> values() const {
    std::vector<float> result(size());
    for (size_t i = 0; i < result.size(); ++i)
      result[i] = get(i);
    return result;
  }

  void *data() { return bytes.data(); }
  size_t size() const { return bytes.size() / sizeOf(type); }

  float get(size_t i) const {
    if (type == StorageType::F32) {
      float v;
      std::memcpy(&v, &bytes[i * 4], 4);
      return v;
    }
    uint16_t half;
    std::memcpy(&half, &bytes[i * 2], 2);
    if (type == StorageType::F16) {
      _Float16 h;
      std::memcpy(&h, &half, 2);
      return static_cast<float>(h);
    }
    uint32_t bits = uint32_t(half) << 16;
    float v;
    std::memcpy(&v, &bits, 4);
    return v;
  }

private:
  void set(size_t i, float value) {
    if (type == StorageType::F32) {
      std::memcpy(&bytes[i * 4], &value, 4);
      return;
    }
    uint16_t half;
    if (type == StorageType::F16) {
      _Float16 h = static_cast<_Float16>(value);
      std::memcpy(&half, &h, 2);
    } else {
      uint32_t bits;
      std::memcpy(&bits, &value, 4);
      half = uint16_t(bits >> 16); // the value is bf16-exact
    }
    std::memcpy(&bytes[i * 2], &half, 2);
  }

  StorageType type;
  std::vector<uint8_t> bytes;
};

} // namespace mlagen

#endif // MLAGEN_STORAGEBUFFER_H
