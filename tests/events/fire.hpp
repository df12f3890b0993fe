// Fires the three enrolment events through the C ABI with std::string arguments. Without
// Catch2, so that the event_process child (event_process.cpp) shares them with the tests
// (world.hpp). *r receives the plugin's result (the caller frees it with eckid_free()).
#pragma once

#include <eckid/eckid.h>

#include <string>

inline eckid_status pupil_created(eckid_plugin *plugin, const std::string &school_key,
                                  const std::string &pupil, const std::string &pgn,
                                  eckid_result **r) {
  eckid_pupil_created_event e = ECKID_PUPIL_CREATED_EVENT_INIT;
  e.school_key = school_key.c_str();
  e.pupil_key = pupil.c_str();
  e.pgn = pgn.c_str();
  return eckid_pupil_created(plugin, &e, r);
}

inline eckid_status pupil_transferred(eckid_plugin *plugin, const std::string &from_school_key,
                                      const std::string &to_school_key, const std::string &pupil,
                                      const std::string &pgn, eckid_result **r) {
  eckid_pupil_transferred_event e = ECKID_PUPIL_TRANSFERRED_EVENT_INIT;
  e.from_school_key = from_school_key.c_str();
  e.to_school_key = to_school_key.c_str();
  e.pupil_key = pupil.c_str();
  e.pgn = pgn.c_str();
  return eckid_pupil_transferred(plugin, &e, r);
}

// PGN changed, without an effective date.
inline eckid_status pgn_changed(eckid_plugin *plugin, const std::string &school_key,
                                const std::string &pupil, const std::string &old_pgn,
                                const std::string &new_pgn, eckid_result **r) {
  eckid_pgn_changed_event e = ECKID_PGN_CHANGED_EVENT_INIT;
  e.school_key = school_key.c_str();
  e.pupil_key = pupil.c_str();
  e.old_pgn = old_pgn.c_str();
  e.new_pgn = new_pgn.c_str();
  return eckid_pgn_changed(plugin, &e, r);
}
