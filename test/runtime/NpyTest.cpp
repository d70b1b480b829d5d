//===- NpyTest.cpp - NumPy .npy arrays ------------------------------------===//
//
// Round trips, the exact bytes np.save writes, and one test per kind of
// file the reader must reject, checking its message. Malformed files are
// written by hand so that the test does not need numpy.
//
//===----------------------------------------------------------------------===//

#include "mlagen/Npy.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"
#include "gtest/gtest.h"

#include <cmath>
#include <limits>

using namespace mlagen;

namespace {

/// A .npy file of version `major`.0 whose header is `dict` as given (no
/// padding), followed by `data`.
std::string npyFile(llvm::StringRef dict, llvm::StringRef data = "",
                    int major = 1) {
  std::string file = "\x93NUMPY";
  file += char(major);
  file += '\0';
  char length[4];
  llvm::support::endian::write32le(length, dict.size());
  file.append(length, major == 1 ? 2 : 4);
  return file + dict.str() + data.str();
}

/// The header numpy writes for a C-order '<f4' array, less the padding.
std::string f32Dict(llvm::StringRef shape) {
  return ("{'descr': '<f4', 'fortran_order': False, 'shape': " + shape +
          ", }\n")
      .str();
}

/// `count` float32 values' worth of bytes.
std::string zeros(size_t count) { return std::string(count * 4, '\0'); }

class NpyTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(
        llvm::sys::fs::createUniqueDirectory("mlagen-npy-test", directory));
    path = (directory + "/q.npy").str();
  }

  void TearDown() override { llvm::sys::fs::remove_directories(directory); }

  void writeFile(llvm::StringRef bytes) {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    ASSERT_FALSE(ec) << ec.message();
    os << bytes;
  }

  std::string readFile() {
    auto buffer = llvm::MemoryBuffer::getFile(path);
    EXPECT_TRUE(bool(buffer));
    return buffer ? (*buffer)->getBuffer().str() : "";
  }

  /// readF32's error message for the file at `path`, or "" on success.
  std::string f32Error(llvm::ArrayRef<int64_t> shape) {
    llvm::Expected<std::vector<float>> values = npy::readF32(path, shape);
    return values ? "" : llvm::toString(values.takeError());
  }

  std::string i32Error(llvm::ArrayRef<int64_t> shape) {
    llvm::Expected<std::vector<int32_t>> values = npy::readI32(path, shape);
    return values ? "" : llvm::toString(values.takeError());
  }

  /// The message the reader should give: the path, ": ", `what`.
  std::string error(llvm::StringRef what) { return path + ": " + what.str(); }

  llvm::SmallString<128> directory;
  std::string path;
};

const std::vector<std::vector<int64_t>> roundTripShapes = {
    {}, {5}, {2, 3}, {2, 3, 4}};

int64_t numElements(llvm::ArrayRef<int64_t> shape) {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

TEST_F(NpyTest, RoundTripF32KeepsEveryBit) {
  const float specials[] = {
      llvm::bit_cast<float>(0x7fc01234u), // NaN with a payload
      -std::numeric_limits<float>::infinity(),
      std::numeric_limits<float>::denorm_min(),
      -std::numeric_limits<float>::denorm_min(),
      llvm::bit_cast<float>(0x007fffffu), // the largest denormal
      std::numeric_limits<float>::infinity(),
      -0.0f,
      -std::numeric_limits<float>::quiet_NaN(),
      std::numeric_limits<float>::max(),
      std::numeric_limits<float>::lowest()};
  for (const std::vector<int64_t> &shape : roundTripShapes) {
    std::vector<float> values(numElements(shape));
    for (size_t i = 0; i < values.size(); ++i)
      values[i] = i % 3 == 0 ? specials[(i / 3) % std::size(specials)]
                             : float(i) * 0.37f - 3.0f;
    ASSERT_FALSE(bool(npy::writeF32(path, shape, values)));
    llvm::Expected<std::vector<float>> read = npy::readF32(path, shape);
    ASSERT_TRUE(bool(read)) << llvm::toString(read.takeError());
    ASSERT_EQ(read->size(), values.size());
    for (size_t i = 0; i < values.size(); ++i)
      EXPECT_EQ(llvm::bit_cast<uint32_t>((*read)[i]),
                llvm::bit_cast<uint32_t>(values[i]))
          << "element " << i << " of a rank-" << shape.size() << " array";
  }
}

TEST_F(NpyTest, RoundTripI32) {
  const int32_t specials[] = {std::numeric_limits<int32_t>::min(),
                              std::numeric_limits<int32_t>::max(), -1, 0,
                              0x01020304};
  for (const std::vector<int64_t> &shape : roundTripShapes) {
    std::vector<int32_t> values(numElements(shape));
    for (size_t i = 0; i < values.size(); ++i)
      values[i] = i % 2 == 0 ? specials[(i / 2) % std::size(specials)]
                             : int32_t(i * 7919) - 50000;
    ASSERT_FALSE(bool(npy::writeI32(path, shape, values)));
    llvm::Expected<std::vector<int32_t>> read = npy::readI32(path, shape);
    ASSERT_TRUE(bool(read)) << llvm::toString(read.takeError());
    EXPECT_EQ(*read, values);
  }
}

TEST_F(NpyTest, WritesWhatNumpyWrites) {
  // np.save(f, np.arange(1, 7, dtype=np.float32).reshape(2, 3)): the
  // 59-byte dict, then spaces and '\n' up to 128 bytes in all (including
  // the 21 - 1 spaces numpy reserves for the first dimension to grow).
  ASSERT_FALSE(bool(npy::writeF32(path, {2, 3}, {1, 2, 3, 4, 5, 6})));
  std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  ASSERT_EQ(dict.size(), 59u);
  std::string expected = std::string("\x93NUMPY\x01\x00\x76\x00", 10) + dict +
                         std::string(128 - 10 - 59 - 1, ' ') + "\n" +
                         std::string("\x00\x00\x80\x3f\x00\x00\x00\x40"
                                     "\x00\x00\x40\x40\x00\x00\x80\x40"
                                     "\x00\x00\xa0\x40\x00\x00\xc0\x40",
                                     24);
  EXPECT_EQ(readFile(), expected);
}

TEST_F(NpyTest, WritesNumpysShapeSyntax) {
  ASSERT_FALSE(bool(npy::writeI32(path, {}, {7})));
  EXPECT_EQ(readFile().substr(10, 128 - 10),
            "{'descr': '<i4', 'fortran_order': False, 'shape': (), }" +
                std::string(62, ' ') + "\n");
  ASSERT_FALSE(bool(npy::writeF32(path, {5}, {1, 2, 3, 4, 5})));
  EXPECT_EQ(readFile().substr(10, 128 - 10),
            "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }" +
                std::string(60, ' ') + "\n");
}

TEST_F(NpyTest, PadsAWhole64BytesWhenAlreadyAligned) {
  // The dict (97 bytes) plus 20 growth spaces, '\n' and the 10-byte
  // preamble make exactly 128; numpy's padding rule then adds 64 spaces.
  std::vector<int64_t> shape = {1, 100, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  ASSERT_FALSE(bool(npy::writeF32(path, shape, std::vector<float>(100))));
  std::string file = readFile();
  ASSERT_EQ(file.size(), 192u + 400u);
  EXPECT_EQ(llvm::support::endian::read16le(file.data() + 8), 182u);
  EXPECT_EQ(file[191], '\n');
  EXPECT_EQ(file.find_first_not_of(' ', 10 + 97), 191u);
}

TEST_F(NpyTest, HugeHeaderSwitchesToVersion2) {
  std::vector<int64_t> shape(22000, 1); // "1, " each: over 65535 bytes.
  ASSERT_FALSE(bool(npy::writeF32(path, shape, {42.0f})));
  std::string file = readFile();
  ASSERT_GT(file.size(), 12u);
  EXPECT_EQ(file.substr(0, 8), std::string("\x93NUMPY\x02\x00", 8));
  uint32_t headerLength = llvm::support::endian::read32le(file.data() + 8);
  EXPECT_GT(headerLength, 65535u);
  EXPECT_EQ((12 + headerLength) % 64, 0u);
  EXPECT_EQ(file.size(), 12 + headerLength + 4);
  llvm::Expected<std::vector<float>> read = npy::readF32(path, shape);
  ASSERT_TRUE(bool(read)) << llvm::toString(read.takeError());
  EXPECT_EQ(*read, std::vector<float>{42.0f});
}

TEST_F(NpyTest, ReadsVersions2And3) {
  for (int major : {2, 3}) {
    writeFile(npyFile(f32Dict("(2,)"),
                      std::string("\x00\x00\x80\x3f\x00\x00\x00\xc0", 8),
                      major));
    llvm::Expected<std::vector<float>> read = npy::readF32(path, {2});
    ASSERT_TRUE(bool(read)) << llvm::toString(read.takeError());
    EXPECT_EQ(*read, (std::vector<float>{1.0f, -2.0f}));
  }
}

TEST_F(NpyTest, ParsesLooseHeaders) {
  for (llvm::StringRef dict :
       {"{\"shape\":(2,3),\"fortran_order\":False,\"descr\":\"<f4\"}",
        "{ 'fortran_order' : False , 'shape' : ( 2 , 3 , ) ,\t'descr' : "
        "'<f4' , }   \n",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }\n"}) {
    writeFile(npyFile(dict, zeros(6)));
    EXPECT_EQ(f32Error({2, 3}), "") << dict.str();
  }
}

TEST_F(NpyTest, RejectsBadMagic) {
  for (llvm::StringRef bytes : {"", "\x93NUMP", "PK\x03\x04 a zip file"}) {
    writeFile(bytes);
    EXPECT_EQ(f32Error({}), error("not a .npy file (bad magic)"));
  }
}

TEST_F(NpyTest, RejectsUnsupportedVersion) {
  writeFile(npyFile(f32Dict("()"), zeros(1), 4));
  EXPECT_EQ(f32Error({}),
            error("unsupported .npy version 4.0 (expected 1.0, 2.0 or 3.0)"));
  writeFile(std::string("\x93NUMPY\x01\x01", 8) +
            npyFile(f32Dict("()"), zeros(1)).substr(8));
  EXPECT_EQ(f32Error({}),
            error("unsupported .npy version 1.1 (expected 1.0, 2.0 or 3.0)"));
}

TEST_F(NpyTest, RejectsTruncatedHeader) {
  writeFile("\x93NUMPY\x01");
  EXPECT_EQ(f32Error({}), error("truncated header: the file has only 7 bytes"));
  writeFile(std::string("\x93NUMPY\x01\x00\x10", 9));
  EXPECT_EQ(f32Error({}), error("truncated header: the file has only 9 bytes"));
  writeFile(std::string("\x93NUMPY\x02\x00\x10\x00\x00", 11));
  EXPECT_EQ(f32Error({}),
            error("truncated header: the file has only 11 bytes"));
  // The file ends inside the dict, which its length covers.
  writeFile(npyFile("{'descr': '<f4', 'fortran_"));
  EXPECT_EQ(f32Error({}), error("malformed header: unterminated string"));
  writeFile(npyFile("{'descr': '<f4'"));
  EXPECT_EQ(f32Error({}), error("malformed header: expected ',' or '}' after "
                                "the value of 'descr'"));
}

TEST_F(NpyTest, RejectsHeaderLengthPastTheEnd) {
  std::string file = npyFile(f32Dict("()"), zeros(1));
  file[8] = '\xe8', file[9] = '\x03'; // 1000
  writeFile(file);
  EXPECT_EQ(f32Error({}),
            error("header length 1000 goes past the end of the file (" +
                  std::to_string(file.size()) + " bytes)"));
}

TEST_F(NpyTest, RejectsOtherDtypes) {
  for (llvm::StringRef descr : {">f4", "<f8", "<f2", "|f4", "<i4"}) {
    writeFile(npyFile(
        ("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (2,), }")
            .str(),
        zeros(2)));
    EXPECT_EQ(f32Error({2}),
              error(("dtype '" + descr + "' is not float32 ('<f4')").str()));
  }
  for (llvm::StringRef descr : {">i4", "<i8", "<u4", "<f4"}) {
    writeFile(npyFile(
        ("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (2,), }")
            .str(),
        zeros(2)));
    EXPECT_EQ(i32Error({2}),
              error(("dtype '" + descr + "' is not int32 ('<i4')").str()));
  }
  writeFile(npyFile("{'descr': [('a', '<f4')], 'fortran_order': False, "
                    "'shape': (2,), }",
                    zeros(2)));
  EXPECT_EQ(f32Error({2}), error("malformed header: expected a dtype string "
                                 "as the value of 'descr'"));
}

TEST_F(NpyTest, RejectsFortranOrder) {
  writeFile(npyFile("{'descr': '<f4', 'fortran_order': True, 'shape': (2, "
                    "3), }",
                    zeros(6)));
  EXPECT_EQ(f32Error({2, 3}),
            error("fortran_order is True; only C-order arrays are supported"));
  writeFile(
      npyFile("{'descr': '<f4', 'fortran_order': 0, 'shape': (), }", zeros(1)));
  EXPECT_EQ(f32Error({}),
            error("malformed header: 'fortran_order' is not True or False"));
}

TEST_F(NpyTest, RejectsOtherShapes) {
  writeFile(npyFile(f32Dict("(4, 3)"), zeros(12)));
  EXPECT_EQ(f32Error({4, 2}), error("shape is (4, 3) but (4, 2) was expected"));
  EXPECT_EQ(f32Error({12}), error("shape is (4, 3) but (12,) was expected"));
  writeFile(npyFile(f32Dict("()"), zeros(1)));
  EXPECT_EQ(f32Error({1}), error("shape is () but (1,) was expected"));
}

TEST_F(NpyTest, RejectsTruncatedData) {
  writeFile(npyFile(f32Dict("(4, 3)"), zeros(10)));
  EXPECT_EQ(f32Error({4, 3}), error("truncated: the header describes 12 "
                                    "values (48 bytes) but 40 bytes follow "
                                    "it"));
}

TEST_F(NpyTest, RejectsTrailingBytes) {
  writeFile(npyFile(f32Dict("(4, 3)"), zeros(14)));
  EXPECT_EQ(f32Error({4, 3}), error("trailing bytes: the header describes 12 "
                                    "values (48 bytes) but 56 bytes follow "
                                    "it"));
}

TEST_F(NpyTest, RejectsNonIntegerShapeEntries) {
  writeFile(npyFile(f32Dict("(2, 3.5)"), zeros(6)));
  EXPECT_EQ(f32Error({2, 3}), error("shape entry 3.5 is not an integer"));
  writeFile(npyFile(f32Dict("(2, 'a')"), zeros(6)));
  EXPECT_EQ(f32Error({2, 3}), error("shape entry 'a' is not an integer"));
  writeFile(npyFile(f32Dict("6"), zeros(6)));
  EXPECT_EQ(f32Error({6}), error("malformed header: 'shape' is not a tuple"));
  writeFile(npyFile(f32Dict("(2,,3)"), zeros(6)));
  EXPECT_EQ(f32Error({2, 3}), error("malformed header: expected a shape "
                                    "entry"));
}

TEST_F(NpyTest, RejectsNegativeShapeEntries) {
  writeFile(npyFile(f32Dict("(-3, 2)"), zeros(6)));
  EXPECT_EQ(f32Error({3, 2}), error("shape entry -3 is negative"));
}

TEST_F(NpyTest, RejectsShapesThatOverflow) {
  writeFile(npyFile(f32Dict("(4611686018427387904, 4)")));
  EXPECT_EQ(f32Error({2}), error("the element count of shape "
                                 "(4611686018427387904, 4) overflows int64"));
  writeFile(npyFile(f32Dict("(2305843009213693952,)")));
  EXPECT_EQ(f32Error({2}), error("the byte size of shape "
                                 "(2305843009213693952,) overflows int64"));
  writeFile(npyFile(f32Dict("(99999999999999999999,)")));
  EXPECT_EQ(f32Error({2}),
            error("shape entry 99999999999999999999 overflows int64"));
}

TEST_F(NpyTest, RejectsBadKeys) {
  writeFile(npyFile("{'descr': '<f4', 'shape': (), }", zeros(1)));
  EXPECT_EQ(f32Error({}), error("the header lacks 'fortran_order'"));
  writeFile(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (), "
                    "'extra': 1}",
                    zeros(1)));
  EXPECT_EQ(f32Error({}), error("malformed header: unexpected key 'extra'"));
  writeFile(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (), "
                    "'descr': '<f4'}",
                    zeros(1)));
  EXPECT_EQ(f32Error({}), error("malformed header: duplicate key 'descr'"));
  writeFile(npyFile("'descr': '<f4'", zeros(1)));
  EXPECT_EQ(f32Error({}),
            error("malformed header: it does not start with '{'"));
  writeFile(npyFile(f32Dict("()") + "x", zeros(1)));
  EXPECT_EQ(f32Error({}), error("malformed header: unexpected text after '}'"));
}

TEST_F(NpyTest, ReportsMissingFiles) {
  path = (directory + "/missing.npy").str();
  EXPECT_EQ(f32Error({}).rfind(error("cannot read: "), 0), 0u);
}

TEST_F(NpyTest, WriterChecksItsArguments) {
  auto message = [](llvm::Error error) {
    return llvm::toString(std::move(error));
  };
  EXPECT_EQ(message(npy::writeF32(path, {2, 3}, {1, 2, 3, 4, 5})),
            error("shape (2, 3) has 6 elements but 5 values were given"));
  EXPECT_EQ(message(npy::writeI32(path, {2, -1}, {})),
            error("shape (2, -1) has a negative dimension"));
  path = (directory + "/no/such/dir.npy").str();
  EXPECT_EQ(message(npy::writeF32(path, {}, {1}))
                .rfind(error("cannot open for writing: "), 0),
            0u);
}

TEST_F(NpyTest, SurvivesCorruptFiles) {
  // Every prefix of a valid file, and the file with each header byte
  // flipped: each must give an error naming the path, or (for a flip in
  // the padding) the values, and never crash.
  ASSERT_FALSE(bool(npy::writeF32(path, {2, 3}, {1, 2, 3, 4, 5, 6})));
  std::string file = readFile();
  for (size_t size = 0; size < file.size(); ++size) {
    writeFile(file.substr(0, size));
    EXPECT_EQ(f32Error({2, 3}).rfind(path + ": ", 0), 0u) << size;
  }
  for (size_t i = 0; i < 128; ++i) {
    for (char flip : {'\x01', '\x20', '\x80'}) {
      std::string corrupt = file;
      corrupt[i] ^= flip;
      writeFile(corrupt);
      std::string message = f32Error({2, 3});
      EXPECT_TRUE(message.empty() || message.rfind(path + ": ", 0) == 0)
          << message;
    }
  }
}

} // namespace
