#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "utf8.hpp"
#include "util/encoding.hpp"

TEST_CASE("base64 decoding is strict", "[encoding]") {
  // RFC 4648 section 10 test vectors.
  const auto foobar = eckid::base64_decode("Zm9vYmFy");
  REQUIRE(foobar);
  CHECK(std::string(foobar->data(), foobar->data() + foobar->size()) == "foobar");
  const auto fo = eckid::base64_decode("Zm8=");
  REQUIRE(fo);
  CHECK(fo->size() == 2);
  const auto f = eckid::base64_decode("Zg==");
  REQUIRE(f);
  CHECK(f->size() == 1);
  CHECK_FALSE(eckid::base64_decode(""));
  CHECK_FALSE(eckid::base64_decode("Zm9"));        // length not a multiple of 4
  CHECK_FALSE(eckid::base64_decode("Zm9v YmFy"));  // space inside
  CHECK_FALSE(eckid::base64_decode("Zm9v!mFy"));
  CHECK_FALSE(eckid::base64_decode("Z=9v"));  // padding inside
}

TEST_CASE("hex is lowercase, two digits per byte", "[encoding]") {
  const std::vector<std::uint8_t> bytes{0x00, 0x0f, 0xa0, 0xff};
  CHECK(eckid::hex_lower(bytes) == "000fa0ff");
}

TEST_CASE("UTF-8 validation", "[encoding]") {
  CHECK(eckid::is_valid_utf8("plain ascii"));
  CHECK(eckid::is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  CHECK_FALSE(eckid::is_valid_utf8("\xc3"));              // truncated
  CHECK_FALSE(eckid::is_valid_utf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(eckid::is_valid_utf8("\xed\xa0\x80"));      // surrogate
  CHECK_FALSE(eckid::is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(eckid::is_valid_utf8("\xff"));
}
