//===- Npy.cpp - NumPy .npy arrays ----------------------------------------===//
//
// The format (numpy.lib.format): "\x93NUMPY", a major and minor version
// byte, the header length (uint16 little-endian in 1.0, uint32 in 2.0 and
// 3.0), the header (a Python dict literal padded with spaces and ending in
// '\n'), then the raw elements.
//
//===----------------------------------------------------------------------===//

#include "mlagen/Npy.h"
#include "runtime/problem/RegularFile.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SwapByteOrder.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <optional>

using namespace llvm;
using namespace mlagen;

namespace {

/// `text` with bytes that are not printable ASCII escaped as \xNN, for
/// error messages quoting a file's bytes.
std::string printable(llvm::StringRef text) {
  std::string out;
  llvm::raw_string_ostream os(out);
  llvm::printEscapedString(text, os);
  return out;
}

} // namespace

namespace {

constexpr StringLiteral magic("\x93NUMPY");
constexpr bool hostIsLittleEndian = endianness::native == endianness::little;

Error fail(StringRef path, const Twine &message) {
  return createStringError(Twine(path) + ": " + message);
}

/// Prints a shape the way Python prints a tuple: (), (5,), (2, 3).
std::string formatShape(ArrayRef<int64_t> shape) {
  std::string text;
  raw_string_ostream os(text);
  os << '(';
  interleave(shape, os, ", ");
  os << (shape.size() == 1 ? ",)" : ")");
  return text;
}

/// The element count of `shape`. Its byte size must fit in int64 too, so
/// that callers can compare it with file sizes without overflowing.
Expected<int64_t> countElements(StringRef path, ArrayRef<int64_t> shape,
                                int64_t elementSize) {
  int64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0)
      return fail(path,
                  "shape " + formatShape(shape) + " has a negative dimension");
    std::optional<int64_t> product = checkedMul(count, dim);
    if (!product)
      return fail(path, "the element count of shape " + formatShape(shape) +
                            " overflows int64");
    count = *product;
  }
  if (!checkedMul(count, elementSize))
    return fail(path, "the byte size of shape " + formatShape(shape) +
                          " overflows int64");
  return count;
}

/// The preamble and header np.save writes: the dict, room for shape[0] to
/// grow to 21 digits in place, then spaces and '\n' up to a multiple of 64
/// bytes (a whole 64 more when already aligned, as numpy pads).
std::string buildHeader(ArrayRef<int64_t> shape, StringRef descr) {
  std::string dict =
      ("{'descr': '" + descr +
       "', 'fortran_order': False, 'shape': " + formatShape(shape) + ", }")
          .str();
  if (!shape.empty())
    dict.append(21 - std::to_string(shape[0]).size(), ' ');
  size_t padding = 64 - (10 + dict.size() + 1) % 64;
  bool version2 = dict.size() + 1 + padding > UINT16_MAX;
  if (version2)
    padding = 64 - (12 + dict.size() + 1) % 64;
  char length[4]; // A 4 GiB header would take a billion dimensions.
  support::endian::write32le(length, dict.size() + 1 + padding);
  std::string header = magic.str();
  header += version2 ? '\x02' : '\x01';
  header += '\0';
  header.append(length, version2 ? 4 : 2);
  header += dict;
  header.append(padding, ' ');
  header += '\n';
  return header;
}

template <typename T>
Error writeArray(StringRef path, ArrayRef<int64_t> shape, ArrayRef<T> values,
                 StringRef descr) {
  Expected<int64_t> count = countElements(path, shape, sizeof(T));
  if (!count)
    return count.takeError();
  if (uint64_t(*count) != values.size())
    return fail(path, "shape " + formatShape(shape) + " has " + Twine(*count) +
                          " elements but " + Twine(values.size()) +
                          " values were given");
  std::error_code ec;
  raw_fd_ostream os(path, ec, sys::fs::OF_None);
  if (ec)
    return fail(path, "cannot open for writing: " + ec.message());
  os << buildHeader(shape, descr);
  if (hostIsLittleEndian) {
    os.write(reinterpret_cast<const char *>(values.data()),
             values.size() * sizeof(T));
  } else {
    for (T value : values) {
      sys::swapByteOrder(value);
      os.write(reinterpret_cast<const char *>(&value), sizeof(T));
    }
  }
  os.close();
  if (os.has_error()) {
    ec = os.error();
    os.clear_error(); // Otherwise the destructor aborts.
    return fail(path, "cannot write: " + ec.message());
  }
  return Error::success();
}

/// The header's three entries.
struct Header {
  std::optional<std::string> descr;
  std::optional<bool> fortranOrder;
  std::optional<SmallVector<int64_t>> shape;
};

/// Parses the header's dict literal: keys in any order, any spacing, with or
/// without a trailing comma, strings in either kind of quotes.
class HeaderParser {
public:
  HeaderParser(StringRef path, StringRef text) : path(path), text(text) {}

  Expected<Header> parse() {
    Header header;
    if (!consume('{'))
      return malformed("it does not start with '{'");
    while (!consume('}')) {
      Expected<std::string> key = parseString("a quoted key");
      if (!key)
        return key.takeError();
      if (!consume(':'))
        return malformed("expected ':' after '" + *key + "'");
      if (Error error = parseValue(*key, header))
        return std::move(error);
      if (!consume(',') && !(skipSpace(), text.starts_with("}")))
        return malformed("expected ',' or '}' after the value of '" + *key +
                         "'");
    }
    if (!skipSpace().empty())
      return malformed("unexpected text after '}'");
    for (auto [present, key] :
         {std::pair(header.descr.has_value(), "descr"),
          std::pair(header.fortranOrder.has_value(), "fortran_order"),
          std::pair(header.shape.has_value(), "shape")})
      if (!present)
        return fail(path, Twine("the header lacks '") + key + "'");
    return header;
  }

private:
  StringRef skipSpace() { return text = text.ltrim(" \t\r\n"); }

  bool consume(char c) {
    if (!skipSpace().starts_with(StringRef(&c, 1)))
      return false;
    text = text.drop_front();
    return true;
  }

  Error malformed(const Twine &what) {
    return fail(path, "malformed header: " + what);
  }

  Expected<std::string> parseString(StringRef what) {
    skipSpace();
    if (!text.starts_with("'") && !text.starts_with("\""))
      return malformed("expected " + what);
    size_t end = text.find(text.front(), 1);
    if (end == StringRef::npos)
      return malformed("unterminated string");
    std::string value = text.slice(1, end).str();
    text = text.drop_front(end + 1);
    return value;
  }

  Error parseValue(StringRef key, Header &header) {
    bool duplicate = (key == "descr" && header.descr) ||
                     (key == "fortran_order" && header.fortranOrder) ||
                     (key == "shape" && header.shape);
    if (duplicate)
      return malformed("duplicate key '" + printable(key) + "'");
    if (key == "descr") {
      Expected<std::string> descr =
          parseString("a dtype string as the value of 'descr'");
      if (!descr)
        return descr.takeError();
      header.descr = *descr;
    } else if (key == "fortran_order") {
      skipSpace();
      bool isTrue = text.consume_front("True");
      if (!isTrue && !text.consume_front("False"))
        return malformed("'fortran_order' is not True or False");
      header.fortranOrder = isTrue;
    } else if (key == "shape") {
      header.shape.emplace();
      return parseShape(*header.shape);
    } else {
      return malformed("unexpected key '" + printable(key) + "'");
    }
    return Error::success();
  }

  Error parseShape(SmallVectorImpl<int64_t> &shape) {
    if (!consume('('))
      return malformed("'shape' is not a tuple");
    while (!consume(')')) {
      StringRef token = text.take_until(
          [](char c) { return c == ',' || c == ')' || isSpace(c); });
      text = text.drop_front(token.size());
      if (token.empty())
        return malformed("expected a shape entry");
      StringRef digits = token;
      digits.consume_back("L"); // Python 2's numpy wrote longs as 3L.
      bool negative = digits.consume_front("-");
      if (digits.empty() || !all_of(digits, isDigit))
        return fail(path, "shape entry " + token + " is not an integer");
      if (negative && digits.find_first_not_of('0') != StringRef::npos)
        return fail(path, "shape entry " + token + " is negative");
      uint64_t value;
      if (digits.getAsInteger(10, value) || value > uint64_t(INT64_MAX))
        return fail(path, "shape entry " + token + " overflows int64");
      shape.push_back(int64_t(value));
      if (!consume(',') && !(skipSpace(), text.starts_with(")")))
        return malformed("expected ',' or ')' in 'shape'");
    }
    return Error::success();
  }

  StringRef path, text;
};

/// Checks the whole file against `descr` and `expectedShape`; returns the
/// element bytes.
Expected<StringRef> checkArray(StringRef path, StringRef bytes, StringRef descr,
                               StringRef typeName,
                               ArrayRef<int64_t> expectedShape) {
  if (!bytes.starts_with(magic))
    return fail(path, "not a .npy file (bad magic)");
  auto truncatedHeader = [&] {
    return fail(path, "truncated header: the file has only " +
                          Twine(bytes.size()) + " bytes");
  };
  if (bytes.size() < 8)
    return truncatedHeader();
  unsigned major = uint8_t(bytes[6]), minor = uint8_t(bytes[7]);
  if (major < 1 || major > 3 || minor != 0)
    return fail(path, "unsupported .npy version " + Twine(major) + "." +
                          Twine(minor) + " (expected 1.0, 2.0 or 3.0)");
  size_t preamble = major == 1 ? 10 : 12;
  if (bytes.size() < preamble)
    return truncatedHeader();
  uint64_t headerLength = major == 1
                              ? support::endian::read16le(bytes.data() + 8)
                              : support::endian::read32le(bytes.data() + 8);
  if (preamble + headerLength > bytes.size())
    return fail(path, "header length " + Twine(headerLength) +
                          " goes past the end of the file (" +
                          Twine(bytes.size()) + " bytes)");
  Expected<Header> header =
      HeaderParser(path, bytes.substr(preamble, headerLength)).parse();
  if (!header)
    return header.takeError();
  if (*header->descr != descr)
    return fail(path, "dtype '" + *header->descr + "' is not " + typeName +
                          " ('" + descr + "')");
  if (*header->fortranOrder)
    return fail(path, "fortran_order is True; only C-order arrays are "
                      "supported");
  ArrayRef<int64_t> shape = *header->shape;
  Expected<int64_t> count = countElements(path, shape, 4);
  if (!count)
    return count.takeError();
  if (shape != expectedShape)
    return fail(path, "shape is " + formatShape(shape) + " but " +
                          formatShape(expectedShape) + " was expected");
  StringRef data = bytes.drop_front(preamble + headerLength);
  uint64_t size = uint64_t(*count) * 4;
  if (data.size() != size)
    return fail(path,
                Twine(data.size() < size ? "truncated" : "trailing bytes") +
                    ": the header describes " + Twine(*count) + " values (" +
                    Twine(size) + " bytes) but " + Twine(data.size()) +
                    " bytes follow it");
  return data;
}

// The most header bytes a file read here may have (np.save writes under
// 200 for the shapes mla-run saves).
constexpr int64_t kMaxHeaderBytes = 1 << 20;

template <typename T>
Expected<std::vector<T>> readArray(StringRef path,
                                   ArrayRef<int64_t> expectedShape,
                                   StringRef descr, StringRef typeName) {
  static_assert(sizeof(T) == 4, "checkArray assumes 4-byte elements");
  // The header and the expected shape bound the size; a FIFO or device is
  // refused without waiting on it.
  int64_t elements = 1;
  for (int64_t d : expectedShape)
    elements = d > 0 && elements <= (int64_t(1) << 40) / d ? elements * d : 0;
  Expected<std::optional<std::string>> file =
      readRegularFile(path, kMaxHeaderBytes + elements * int64_t(sizeof(T)));
  if (!file)
    return file.takeError();
  if (!*file)
    return fail(path, "cannot read: No such file or directory");
  Expected<StringRef> data =
      checkArray(path, **file, descr, typeName, expectedShape);
  if (!data)
    return data.takeError();
  std::vector<T> values(data->size() / sizeof(T));
  if (!values.empty())
    std::memcpy(values.data(), data->data(), data->size());
  if (!hostIsLittleEndian)
    for (T &value : values)
      sys::swapByteOrder(value);
  return values;
}

} // namespace

Error npy::writeF32(StringRef path, ArrayRef<int64_t> shape,
                    ArrayRef<float> values) {
  return writeArray(path, shape, values, "<f4");
}

Error npy::writeI32(StringRef path, ArrayRef<int64_t> shape,
                    ArrayRef<int32_t> values) {
  return writeArray(path, shape, values, "<i4");
}

Expected<std::vector<float>> npy::readF32(StringRef path,
                                          ArrayRef<int64_t> expectedShape) {
  return readArray<float>(path, expectedShape, "<f4", "float32");
}

Expected<std::vector<int32_t>> npy::readI32(StringRef path,
                                            ArrayRef<int64_t> expectedShape) {
  return readArray<int32_t>(path, expectedShape, "<i4", "int32");
}
