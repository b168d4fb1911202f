// The token files' formats alone: .npy arrays (written as numpy.save writes them, read with every
// field validated) and the flat JSON of their sidecars.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "flat_json.h"
#include "npy_array.h"

namespace {

using bsq::StatusCode;

// A .npy file from a header dict and raw data bytes, laid out as version 1.0 (padded to 64).
std::vector<uint8_t> npy_file(std::string dict, const std::vector<uint8_t>& data, uint8_t major = 1) {
  const size_t length_bytes = major == 1 ? 2 : 4;
  const size_t unpadded = 8 + length_bytes + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', major, 0};
  for (size_t i = 0; i < length_bytes; ++i) out.push_back(static_cast<uint8_t>(dict.size() >> (8 * i)));
  out.insert(out.end(), dict.begin(), dict.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

StatusCode read_code(const std::vector<uint8_t>& bytes) {
  auto array = bsq::npy::read(bytes.data(), bytes.size());
  return array.ok() ? StatusCode::kOk : array.status().code();
}

}  // namespace

TEST_CASE("npy: write_u64 writes numpy's version 1.0 layout, and reads back") {
  const std::vector<uint64_t> values = {0, 1, 255, 256, 0xffffffffffffffffull, 42};
  const auto bytes = bsq::npy::write_u64({1, 2, 3}, values);
  const std::string expected_dict = "{'descr': '<u8', 'fortran_order': False, 'shape': (1, 2, 3), }";
  REQUIRE(bytes.size() == 128 + 6 * 8);  // 10-byte prefix + dict + padding + '\n' = 128
  CHECK(std::memcmp(bytes.data(), "\x93NUMPY\x01\x00", 8) == 0);
  CHECK(bytes[8] + 256 * bytes[9] == 118);
  CHECK(std::string(bytes.begin() + 10, bytes.begin() + 10 + static_cast<long>(expected_dict.size())) == expected_dict);
  CHECK(bytes[127] == '\n');
  CHECK(bytes[128] == 0);
  CHECK(bytes[128 + 16] == 255);
  CHECK(bytes[128 + 24] == 0);
  CHECK(bytes[128 + 25] == 1);  // 256 little-endian

  auto array = bsq::npy::read(bytes.data(), bytes.size());
  REQUIRE(array.ok());
  CHECK(array->shape == std::vector<uint64_t>{1, 2, 3});
  CHECK(array->values == values);
}

TEST_CASE("npy: shapes are written as Python writes tuples") {
  const auto one = bsq::npy::write_u64({2}, {7, 8});
  CHECK(std::string(one.begin() + 10, one.begin() + 128).find("'shape': (2,), }") != std::string::npos);
  const auto scalar = bsq::npy::write_u64({}, {9});
  auto back = bsq::npy::read(scalar.data(), scalar.size());
  REQUIRE(back.ok());
  CHECK(back->shape.empty());
  CHECK(back->values == std::vector<uint64_t>{9});
}

TEST_CASE("npy: other integer dtypes, key orders and versions 2.0 and 3.0 read") {
  // int64, numpy's default integer type, with the keys in another order and no trailing comma.
  std::vector<uint8_t> data(16, 0);
  data[0] = 5;
  data[8] = 0x34, data[9] = 0x12;
  const auto i8 = npy_file("{'shape': (1, 1, 2), 'fortran_order': False, 'descr': '<i8'}", data);
  auto array = bsq::npy::read(i8.data(), i8.size());
  REQUIRE(array.ok());
  CHECK(array->values == std::vector<uint64_t>{5, 0x1234});

  const auto u1 = npy_file("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", {1, 2, 200});
  auto bytes = bsq::npy::read(u1.data(), u1.size());
  REQUIRE(bytes.ok());
  CHECK(bytes->values == std::vector<uint64_t>{1, 2, 200});

  for (uint8_t major : {2, 3}) {
    const auto v = npy_file("{'descr': '<u2', 'fortran_order': False, 'shape': (1,), }", {0x01, 0x02}, major);
    auto read = bsq::npy::read(v.data(), v.size());
    REQUIRE(read.ok());
    CHECK(read->values == std::vector<uint64_t>{0x0201});
  }
}

TEST_CASE("npy: every malformed or unsupported field is refused") {
  const std::string good = "{'descr': '<u8', 'fortran_order': False, 'shape': (1, 1, 1), }";
  const std::vector<uint8_t> one(8, 0);
  CHECK(read_code(npy_file(good, one)) == StatusCode::kOk);

  auto bad_magic = npy_file(good, one);
  bad_magic[1] = 'X';
  CHECK(read_code(bad_magic) == StatusCode::kInvalidData);
  auto version = npy_file(good, one);
  version[6] = 4;
  CHECK(read_code(version) == StatusCode::kUnsupported);
  auto minor = npy_file(good, one);
  minor[7] = 1;
  CHECK(read_code(minor) == StatusCode::kUnsupported);
  CHECK(read_code({0x93, 'N', 'U', 'M'}) == StatusCode::kInvalidData);

  auto truncated = npy_file(good, one);
  truncated.resize(40);
  CHECK(read_code(truncated) == StatusCode::kInvalidData);
  auto long_header = npy_file(good, one);
  long_header[8] = 0xff, long_header[9] = 0xff;  // claims 65535 header bytes
  CHECK(read_code(long_header) == StatusCode::kInvalidData);
  CHECK(read_code(npy_file(good, std::vector<uint8_t>(7))) == StatusCode::kInvalidData);   // data short
  CHECK(read_code(npy_file(good, std::vector<uint8_t>(16))) == StatusCode::kInvalidData);  // data long

  // Header syntax and keys.
  for (const char* dict : {"{'descr': '<u8', 'fortran_order': False}",                                 // no shape
                           "{'descr': '<u8', 'fortran_order': False, 'shape': (1,1,1), 'extra': 1}",   // unknown key
                           "{'descr': '<u8', 'descr': '<u8', 'fortran_order': False, 'shape': (1,)}",  // repeated
                           "{'descr': '<u8', 'fortran_order': 0, 'shape': (1,)}",                      // not a bool
                           "{'descr': '<u8', 'fortran_order': False, 'shape': (1)}",                   // not a tuple
                           "{'descr': '<u8', 'fortran_order': False, 'shape': (-1,)}",                 // negative
                           "{'descr': '<u8', 'fortran_order': False, 'shape': (1,), } trailing", "['descr', '<u8']"})
    CHECK_MESSAGE(read_code(npy_file(dict, one)) == StatusCode::kInvalidData, dict);
  // More values than the cap, even when each size is small: refused before any allocation.
  CHECK(read_code(npy_file("{'descr': '<u8', 'fortran_order': False, 'shape': (65536, 65536, 65536), }", one)) ==
        StatusCode::kInvalidData);
  CHECK(read_code(npy_file("{'descr': '<u8', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", one)) ==
        StatusCode::kInvalidData);

  // Dtypes and orders the token grid cannot be.
  for (const char* descr : {"<f8", ">u8", "<u3", "|u8", "<U8", "<c16", "=u8"})
    CHECK_MESSAGE(read_code(npy_file(std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (1,), }",
                                     one)) == StatusCode::kUnsupported,
                  descr);
  CHECK(read_code(npy_file("{'descr': '<u8', 'fortran_order': True, 'shape': (1,), }", one)) ==
        StatusCode::kUnsupported);

  // A negative signed value is no token code.
  std::vector<uint8_t> minus_one(8, 0xff);
  CHECK(read_code(npy_file("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", minus_one)) ==
        StatusCode::kInvalidData);
}

TEST_CASE("flat JSON: scalars in, everything else refused") {
  auto parsed = bsq::cli::parse_flat_json(
      " {\"format\": \"bsq-tokens\", \"n\": -12, \"big\": 9223372036854775807,\n \"t\": true, \"f\": false, \"z\": "
      "null,"
      " \"esc\": \"a\\\"b\\\\c\\u0041\\n\"} \n");
  REQUIRE(parsed.ok());
  const auto& m = parsed.value();
  CHECK(m.at("format").text == "bsq-tokens");
  CHECK(m.at("n").integer == -12);
  CHECK(m.at("big").integer == 9223372036854775807LL);
  CHECK(m.at("t").boolean);
  CHECK(m.at("f").kind == bsq::cli::JsonScalar::Kind::kBoolean);
  CHECK_FALSE(m.at("f").boolean);
  CHECK(m.at("z").kind == bsq::cli::JsonScalar::Kind::kNull);
  CHECK(m.at("esc").text == "a\"b\\cA\n");
  CHECK(bsq::cli::parse_flat_json("{}").ok());

  for (const char* bad :
       {"", "[]", "{\"a\": 1.5}", "{\"a\": 1e3}", "{\"a\": {}}", "{\"a\": [1]}", "{\"a\": 1, \"a\": 2}", "{\"a\": 1} x",
        "{\"a\": 01}", "{\"a\": \"unterminated}", "{a: 1}", "{\"a\": 1,}", "{\"a\": 99999999999999999999}",
        "{\"a\": \"\\x\"}", "{\"a\" 1}", "{\"a\": tru}"})
    CHECK_MESSAGE(bsq::cli::parse_flat_json(bad).status().code() == StatusCode::kInvalidData, bad);
  CHECK_FALSE(bsq::cli::parse_flat_json(std::string(bsq::cli::kMaxFlatJsonBytes + 1, ' ')).ok());
}
