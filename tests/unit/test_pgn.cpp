// PGN validation tables (spec "The three tiers", 1). Expected classifications are worked
// out by hand from the 11-check, not taken from the code.
#include <catch2/catch.hpp>
#include <string>

#include "pgn/pgn.hpp"
#include "util/error.hpp"

using eckid::validate_pgn;

namespace {
// The message of the Error thrown for pgn, or "" when it validates.
std::string reason(const std::string &pgn, eckid_pgn_kind kind = ECKID_PGN_PUPIL) {
  try {
    validate_pgn(pgn, kind);
    return "";
  } catch (const eckid::Error &e) {
    CHECK(e.status() == ECKID_E_INVALID_PGN);
    return e.what();
  }
}
}  // namespace

TEST_CASE("valid BSNs pass the 11-check, leading zeros included", "[pgn]") {
  // 063138219: 0*9+6*8+3*7+1*6+3*5+8*4+2*3+1*2-9 = 121 = 11*11
  CHECK(validate_pgn("063138219", ECKID_PGN_PUPIL) == ECKID_PGN_TYPE_BSN);
  // 123456782: 9+16+21+24+25+24+21+16-2 = 154 = 14*11
  CHECK(validate_pgn("123456782", ECKID_PGN_PUPIL) == ECKID_PGN_TYPE_BSN);
  // 111222333: 9+8+7+12+10+8+9+6-3 = 66 = 6*11
  CHECK(validate_pgn("111222333", ECKID_PGN_PUPIL) == ECKID_PGN_TYPE_BSN);
}

TEST_CASE("onderwijsnummers: prefix 10 and check remainder 5", "[pgn]") {
  // 101222331: 9+0+7+12+10+8+9+6-1 = 60, 60 mod 11 = 5
  CHECK(validate_pgn("101222331", ECKID_PGN_PUPIL) == ECKID_PGN_TYPE_ONDERWIJSNUMMER);
  // 123456788: 156-8 = 148, 148 mod 11 = 5, but no "10" prefix: neither kind
  CHECK_THAT(reason("123456788"), Catch::Contains("not an onderwijsnummer"));
  // 100000009: 9-9 = 0: prefix 10 with remainder 0 is a BSN
  CHECK(validate_pgn("100000009", ECKID_PGN_PUPIL) == ECKID_PGN_TYPE_BSN);
}

TEST_CASE("wrong check digit, wrong length, spaces and letters are refused", "[pgn]") {
  CHECK_THAT(reason("123456781"), Catch::Contains("11-check"));
  CHECK_THAT(reason("12345678"), Catch::Contains("exactly 9 digits"));
  CHECK_THAT(reason("63138219"), Catch::Contains("has 8 characters"));  // leading zero lost
  CHECK_THAT(reason("1234567820"), Catch::Contains("has 10 characters"));
  CHECK_THAT(reason("12345 782"), Catch::Contains("character 6 is not a digit"));
  CHECK_THAT(reason("12345678a"), Catch::Contains("not a digit"));
  CHECK_THAT(reason(""), Catch::Contains("has 0 characters"));
  CHECK_THAT(reason("000000000"), Catch::Contains("11-check"));
}

TEST_CASE("error messages never contain the PGN", "[pgn][privacy]") {
  for (const std::string pgn : {"123456781", "12345678", "12345 782", "063138218", "1012223310"}) {
    const std::string r = reason(pgn);
    REQUIRE_FALSE(r.empty());
    CHECK(r.find(pgn) == std::string::npos);
  }
}

TEST_CASE("staff PGNs: BRIN, one space, e-mail address, upper or lower case", "[pgn]") {
  // The spec's example ("The three tiers", 1) and its upper-case form.
  CHECK(validate_pgn("00AA jan@school.nl", ECKID_PGN_STAFF) == ECKID_PGN_TYPE_STAFF);
  CHECK(validate_pgn("00aa JAN@SCHOOL.NL", ECKID_PGN_STAFF) == ECKID_PGN_TYPE_STAFF);
  CHECK(validate_pgn("12XY m.de.vries+ict@ex-ample.org", ECKID_PGN_STAFF) == ECKID_PGN_TYPE_STAFF);
  // 4 + 1 + 254 bytes (the longest e-mail address, RFC 5321) is accepted, one more is not.
  const std::string longest = "00AA " + std::string(250, 'a') + "@b.n";
  CHECK(validate_pgn(longest, ECKID_PGN_STAFF) == ECKID_PGN_TYPE_STAFF);
  CHECK_THAT(reason(longest + "l", ECKID_PGN_STAFF), Catch::Contains("at most 259"));
}

TEST_CASE("staff PGNs: what is refused, and why", "[pgn]") {
  CHECK_THAT(reason("", ECKID_PGN_STAFF), Catch::Contains("must not be empty"));
  CHECK_THAT(reason(" 00AA jan@school.nl", ECKID_PGN_STAFF),
             Catch::Contains("starts with a space"));
  CHECK_THAT(reason("00AA jan@school.nl ", ECKID_PGN_STAFF), Catch::Contains("ends with a space"));
  CHECK_THAT(reason("00AA jan@school.nl\n", ECKID_PGN_STAFF), Catch::Contains("ends with"));
  CHECK_THAT(reason("00AA\tjan@school.nl", ECKID_PGN_STAFF), Catch::Contains("character 5"));
  CHECK_THAT(reason("00AA jan@school.nl\x01x", ECKID_PGN_STAFF), Catch::Contains("control"));
  CHECK_THAT(reason("00AA jos\xc3\xa9@school.nl", ECKID_PGN_STAFF), Catch::Contains("not ASCII"));
  CHECK_THAT(reason("00AA  jan@school.nl", ECKID_PGN_STAFF), Catch::Contains("2 spaces"));
  CHECK_THAT(reason("00AA jan @school.nl", ECKID_PGN_STAFF), Catch::Contains("2 spaces"));
  CHECK_THAT(reason("jan@school.nl", ECKID_PGN_STAFF), Catch::Contains("0 spaces"));
  CHECK_THAT(reason("Staff-0042@school", ECKID_PGN_STAFF), Catch::Contains("0 spaces"));
  CHECK_THAT(reason("00AA1 jan@school.nl", ECKID_PGN_STAFF), Catch::Contains("not a BRIN"));
  CHECK_THAT(reason("AA00 jan@school.nl", ECKID_PGN_STAFF), Catch::Contains("not a BRIN"));
  CHECK_THAT(reason("00AA jan.school.nl", ECKID_PGN_STAFF), Catch::Contains("not an e-mail"));
  CHECK_THAT(reason("00AA @school.nl", ECKID_PGN_STAFF), Catch::Contains("not an e-mail"));
  CHECK_THAT(reason("00AA jan@", ECKID_PGN_STAFF), Catch::Contains("not an e-mail"));
  CHECK_THAT(reason("00AA jan@a@b.nl", ECKID_PGN_STAFF), Catch::Contains("not an e-mail"));
}

TEST_CASE("staff PGN refusals never contain the PGN or its parts", "[pgn][privacy]") {
  for (const std::string pgn : {" 00AA jan@lyceum.nl", "00AA  jan@lyceum.nl", "00AB jan.lyceum.nl",
                                "AB12 jan@lyceum.nl", "00AA jan@lyceum.nl\t"}) {
    const std::string r = reason(pgn, ECKID_PGN_STAFF);
    REQUIRE_FALSE(r.empty());
    CHECK(r.find("jan") == std::string::npos);
    CHECK(r.find("lyceum") == std::string::npos);
    CHECK(r.find("AB") == std::string::npos);
  }
}

TEST_CASE("a pupil key in the form of a staff PGN is not quoted", "[pgn][privacy]") {
  CHECK(eckid::quoted_key("00AA jan@school.nl").find("jan") == std::string::npos);
  CHECK(eckid::quoted_key("L1001") == "'L1001'");
}

TEST_CASE("a value that is or holds a PGN or an e-mail address is not quoted", "[pgn][privacy]") {
  // 123456782 passes the 11-check, 101234503 the onderwijsnummer rule (prefix 10, remainder 5),
  // 123456789 neither (spec "The three tiers", 1; checked by hand).
  for (const char *value : {"123456782", "101234503", "x123456782y", "2026-123456782", "1123456782",
                            "00AA a@b.nl", "jan@school.nl"}) {
    const std::string shown = eckid::quoted_value(value, "date");
    CHECK(shown.find("not shown") != std::string::npos);
    CHECK(shown.find("123456782") == std::string::npos);
    CHECK(shown.find("@") == std::string::npos);
  }
  CHECK(eckid::quoted_value("123456789", "date") == "'123456789'");
  CHECK(eckid::quoted_value("2026-08-01", "date") == "'2026-08-01'");
}

TEST_CASE("an unknown kind is an argument error", "[pgn]") {
  try {
    validate_pgn("123456782", static_cast<eckid_pgn_kind>(7));
    FAIL("no error");
  } catch (const eckid::Error &e) {
    CHECK(e.status() == ECKID_E_INVALID_ARGUMENT);
  }
}
