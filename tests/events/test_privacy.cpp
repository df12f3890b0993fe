// No personal number a host passes reaches the plugin's output: BSN-, onderwijsnummer- and
// staff-PGN-shaped values in every field of every event (and of a lookup), through the C ABI;
// every log line, eckid_last_error() and result message is searched for them.
#include <catch2/catch.hpp>

#include "world.hpp"

using namespace eckid_events;

namespace {

// Valid by the 11-check (weights 9..2 and -1, remainder 0) and the onderwijsnummer rule
// (prefix 10, remainder 5) of spec "The three tiers", 1; computed by hand, not by the plugin.
const std::string kBsn[] = {"123456782", "111222333", "999999990", "987654305", "987654317"};
const std::string kOnderwijsnummer[] = {"101234503", "101234515"};
const std::string kStaff = "00AA a@b.nl";
const std::string kSchoolBsn = "987654329";  // a configured school key in the form of a BSN

struct Said {
  eckid_plugin *plugin;
  std::string text;

  // Makes a call (call(&result) -> status) and keeps what it said: eckid_last_error() on
  // failure, the result's message; frees the result.
  template <class Call>
  void take(Call call) {
    eckid_result *r = nullptr;
    if (call(&r) != ECKID_OK) text += std::string(eckid_last_error()) + "\n";
    if (r != nullptr) text += std::string(r->message) + "\n";
    eckid_free(r);
  }
  void created(const std::string &school, const std::string &pupil, const std::string &pgn,
               const char *date = nullptr) {
    eckid_pupil_created_event e = ECKID_PUPIL_CREATED_EVENT_INIT;
    e.school_key = school.c_str();
    e.pupil_key = pupil.c_str();
    e.pgn = pgn.c_str();
    e.enrolment_date = date;
    take([&](eckid_result **r) { return eckid_pupil_created(plugin, &e, r); });
  }
  void transferred(const std::string &from, const std::string &to, const std::string &pupil,
                   const std::string &pgn, const char *date = nullptr) {
    eckid_pupil_transferred_event e = ECKID_PUPIL_TRANSFERRED_EVENT_INIT;
    e.from_school_key = from.c_str();
    e.to_school_key = to.c_str();
    e.pupil_key = pupil.c_str();
    e.pgn = pgn.c_str();
    e.date = date;
    take([&](eckid_result **r) { return eckid_pupil_transferred(plugin, &e, r); });
  }
  void changed(const std::string &school, const std::string &pupil, const std::string &old_pgn,
               const std::string &new_pgn, const char *date = nullptr) {
    eckid_pgn_changed_event e = ECKID_PGN_CHANGED_EVENT_INIT;
    e.school_key = school.c_str();
    e.pupil_key = pupil.c_str();
    e.old_pgn = old_pgn.c_str();
    e.new_pgn = new_pgn.c_str();
    e.effective_date = date;
    take([&](eckid_result **r) { return eckid_pgn_changed(plugin, &e, r); });
  }
  void lookup(const std::string &school, const std::string &pupil) {
    take([&](eckid_result **r) {
      return eckid_pupil_lookup(plugin, school.c_str(), pupil.c_str(), r);
    });
  }
};

}  // namespace

TEST_CASE("PGN-shaped keys, dates and schools of every event reach no log line or message",
          "[events][privacy]") {
  Setup setup;
  setup.extra_config = "[[school]]\nkey = \"" + kSchoolBsn +
                       "\"\noin = \"00000007000099991234\"\nsector = \"" +
                       eckid_test::test_sector() + "\"\nchains = [\"" + eckid_test::test_chain() +
                       "\"]\nenabled = true\n";
  World w(setup);
  Said said{w.plugin, {}};
  const auto &[b0, b1, b2, b3, b4] = kBsn;
  const auto &[o0, o1] = kOnderwijsnummer;
  const char *b3_date = b3.c_str();

  said.created(kSchoolBsn, b0, b1);                      // recorded: INFO line with both keys
  said.created(kSchoolBsn, b0, b2);                      // conflict: another PGN
  said.created("PO01", o0, b1);                          // duplicate PGN in the sector
  said.created("PO01", kStaff, o1);                      // recorded under a staff-PGN-shaped key
  said.created(b3, "X1", b4);                            // unknown school
  said.created("PO01", "X2", kStaff);                    // invalid pupil PGN
  said.created("PO01", "X3", b4, b3_date);               // invalid date
  said.created("PO01", "X4", b4, kStaff.c_str());        // invalid date
  said.transferred(kSchoolBsn, "PO02", b0, b1);          // recorded
  said.transferred("PO02", b3, b0, b1);                  // unknown target school
  said.transferred("PO02", "PO01", b0, b1, o0.c_str());  // invalid date
  said.changed("PO02", b0, b1, b2, o1.c_str());          // invalid date
  said.changed("PO02", b0, b2, b4);                      // conflict: not the old PGN
  said.changed("PO02", b0, b1, b2);                      // recorded
  said.changed("PO01", kStaff, o1, b3);                  // recorded
  said.lookup(kSchoolBsn, o0);                           // nothing recorded
  said.lookup(b3, "X1");                                 // unknown school
  w.close();

  std::string all = said.text;
  {
    std::lock_guard lock(w.log.mutex);
    for (const auto &line : w.log.lines) all += line + "\n";
  }
  INFO(all);
  CHECK(all.find("not shown") != std::string::npos);  // the keys were named, masked
  for (const std::string &value :
       {b0, b1, b2, b3, b4, o0, o1, kSchoolBsn, kStaff, std::string("a@b.nl")}) {
    CHECK(all.find(value) == std::string::npos);
  }
}
