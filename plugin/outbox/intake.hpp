// Accepts an event: checks what can be checked at once (school, start date, PGN form), seals
// its PGNs and writes it to the outbox, durably, before the host's call returns.
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/engine.hpp"
#include "outbox/dispatcher.hpp"
#include "outbox/outbox.hpp"
#include "outbox/sealer.hpp"

namespace eckid {

/// Thread-safe. Each method returns the event's outbox id; firing the same event again (same
/// kind, schools, pupil, PGNs, date) returns the same id: one piece of work. Throws
/// eckid::Error: ECKID_E_UNKNOWN_SCHOOL, ECKID_E_NOT_ENABLED, ECKID_E_INVALID_PGN,
/// ECKID_E_INVALID_ARGUMENT, ECKID_E_STATE (nothing was queued).
class Intake {
 public:
  Intake(const Engine &engine, Outbox &outbox, const Sealer &sealer, Dispatcher &dispatcher)
      : engine_(engine), outbox_(outbox), sealer_(sealer), dispatcher_(dispatcher) {}

  std::int64_t created(const CreatedEvent &event);
  std::int64_t transferred(const TransferredEvent &event);
  std::int64_t pgn_changed(const PgnChangedEvent &event);

 private:
  std::int64_t queue(OutboxEvent event, std::string_view pgn, std::string_view old_pgn);

  const Engine &engine_;
  Outbox &outbox_;
  const Sealer &sealer_;
  Dispatcher &dispatcher_;
};

}  // namespace eckid
