#include "outbox/intake.hpp"

#include <chrono>
#include <cstring>

#include "pgn/pgn.hpp"
#include "util/error.hpp"

namespace eckid {

namespace {
// Appends text and a unit separator to a secret buffer.
void append(SecureBytes &buffer, std::size_t &at, std::string_view text) {
  std::memcpy(buffer.data() + at, text.data(), text.size());
  at += text.size();
  buffer.data()[at++] = 0x1f;
}
}  // namespace

std::int64_t Intake::created(const CreatedEvent &e) {
  engine_.active_school(e.school_key);
  validate_pgn(e.pgn, e.kind);
  OutboxEvent o;
  o.kind = EventKind::created;
  o.school_key = e.school_key;
  o.pupil_key = e.pupil_key;
  o.pgn_kind = e.kind;
  return queue(std::move(o), e.pgn, "");
}

std::int64_t Intake::transferred(const TransferredEvent &e) {
  engine_.active_school(e.to_school_key);
  (void)engine_.lookup_school(e.from_school_key);
  validate_pgn(e.pgn, e.kind);
  OutboxEvent o;
  o.kind = EventKind::transferred;
  o.school_key = e.to_school_key;
  o.from_school_key = e.from_school_key;
  o.pupil_key = e.pupil_key;
  o.pgn_kind = e.kind;
  return queue(std::move(o), e.pgn, "");
}

std::int64_t Intake::pgn_changed(const PgnChangedEvent &e) {
  engine_.active_school(e.school_key);
  validate_pgn(e.old_pgn, e.kind);
  validate_pgn(e.new_pgn, e.kind);
  OutboxEvent o;
  o.kind = EventKind::pgn_changed;
  o.school_key = e.school_key;
  o.pupil_key = e.pupil_key;
  o.pgn_kind = e.kind;
  if (e.effective_date) o.effective_date = effective_datetime(*e.effective_date);
  return queue(std::move(o), e.new_pgn, e.old_pgn);
}

std::int64_t Intake::queue(OutboxEvent o, std::string_view pgn, std::string_view old_pgn) {
  // Sealed PGNs: "pgn NUL old_pgn".
  SecureBytes plain(pgn.size() + 1 + old_pgn.size());
  std::memcpy(plain.data(), pgn.data(), pgn.size());
  plain.data()[pgn.size()] = 0;
  std::memcpy(plain.data() + pgn.size() + 1, old_pgn.data(), old_pgn.size());
  o.sealed_pgns = sealer_.seal({reinterpret_cast<const char *>(plain.data()), plain.size()});

  // The idempotency key: a keyed hash over everything that makes the event this event.
  const std::string kind =
      std::to_string(static_cast<int>(o.kind)) + ":" + std::to_string(static_cast<int>(o.pgn_kind));
  const std::string date = o.effective_date.value_or("");
  SecureBytes identity(kind.size() + o.school_key.size() + o.from_school_key.size() +
                       o.pupil_key.size() + plain.size() + date.size() + 6);
  std::size_t at = 0;
  for (std::string_view part :
       {std::string_view(kind), std::string_view(o.school_key), std::string_view(o.from_school_key),
        std::string_view(o.pupil_key),
        std::string_view(reinterpret_cast<const char *>(plain.data()), plain.size()),
        std::string_view(date)}) {
    append(identity, at, part);
  }
  const std::string key = sealer_.keyed_hash({reinterpret_cast<const char *>(identity.data()), at});
  o.created_ms = unix_ms();
  const auto [id, added] = outbox_.enqueue(o, key);
  if (added) dispatcher_.notify();
  return id;
}

}  // namespace eckid
