#include "outbox/outbox.hpp"

#include <algorithm>
#include <map>

#include "util/encoding.hpp"
#include "util/error.hpp"

namespace eckid {

namespace {
constexpr const char *kColumns =
    "id, kind, school_key, from_school_key, pupil_key, pgn_kind, sealed_pgns, effective_date, "
    "state, attempts, next_attempt_ms, created_ms, completed_ms, status, message, acked, "
    "fault_code, fault_string, fault_actor, sealed_hpgns";

std::string select(const char *where) {
  return std::string("SELECT ") + kColumns + " FROM outbox o " + where;
}

}  // namespace

Outbox::Outbox(StateDb &state, const Sealer &sealer)
    : db_(state.database()), mutex_(state.mutex()) {
  const std::string check = sealer.keyed_hash("eckid outbox key check");
  std::lock_guard lock(mutex_);
  std::string recorded;
  db_.transaction([&] {
    Database::Statement add(db_,
                            "INSERT INTO state_meta (name, value) VALUES ('outbox key check', ?1) "
                            "ON CONFLICT (name) DO NOTHING");
    add.bind(1, check);
    add.step();
    Database::Statement q(db_, "SELECT value FROM state_meta WHERE name = 'outbox key check'");
    recorded = q.step() ? q.text(0) : check;
    if (recorded != check && db_.engine() == StateEngine::sqlite) {
      Database::Statement update(
          db_, "UPDATE state_meta SET value = ?1 WHERE name = 'outbox key check'");
      update.bind(1, check);
      update.step();
      recorded = check;
    }
  });
  if (recorded != check) {
    throw Error(ECKID_E_STATE,
                "the outbox key " + (state.directory() / "outbox.key").string() +
                    " is not the key the events in " + db_.name() +
                    " are sealed with: every server on one state database needs the same "
                    "outbox.key. Copy it (mode 0600) from a server that works, or, if no server "
                    "has it any more, delete the row 'outbox key check' from the table "
                    "state_meta (events queued under the old key then fail; fire them again)");
  }
}

OutboxEvent Outbox::read(Database::Statement &r) const {
  OutboxEvent e;
  e.id = r.integer(0);
  e.kind = static_cast<EventKind>(r.integer(1));
  e.school_key = r.text(2);
  e.from_school_key = r.text(3);
  e.pupil_key = r.text(4);
  e.pgn_kind = static_cast<eckid_pgn_kind>(r.integer(5));
  e.sealed_pgns = r.blob(6);
  if (!r.is_null(7)) e.effective_date = r.text(7);
  e.state = static_cast<EventState>(r.integer(8));
  e.attempts = static_cast<int>(r.integer(9));
  e.next_attempt_ms = r.integer(10);
  e.created_ms = r.integer(11);
  e.completed_ms = r.integer(12);
  e.status = static_cast<eckid_status>(r.integer(13));
  e.message = r.text(14);
  e.acked = r.integer(15) != 0;
  if (!r.is_null(16)) e.fault = nv::FaultDetail{r.text(16), r.text(17), r.text(18)};
  if (!r.is_null(19)) e.sealed_hpgns = r.blob(19);
  return e;
}

namespace {
// Binds a fault's code, string and actor to parameters first..first+2 (NULL when none).
void bind_fault(Database::Statement &q, int first, const nv::FaultDetail *fault) {
  if (fault == nullptr) {
    q.bind_null(first).bind_null(first + 1).bind_null(first + 2);
    return;
  }
  q.bind(first, fault->code).bind(first + 1, fault->string).bind(first + 2, fault->actor);
}
}  // namespace

std::pair<std::int64_t, bool> Outbox::enqueue(const OutboxEvent &e, const std::string &key) {
  std::lock_guard lock(mutex_);
  std::pair<std::int64_t, bool> result{0, false};
  db_.transaction(
      [&] {
        db_.lock_pupil(e.pupil_key);  // ids in commit order per pupil (Outbox::next_due())
        Database::Statement existing(db_,
                                     "SELECT id, state FROM outbox WHERE idempotency_key = ?1");
        existing.bind(1, key);
        if (existing.step()) {
          const std::int64_t id = existing.integer(0);
          if (existing.integer(1) != static_cast<std::int64_t>(EventState::failed)) {
            result = {id, false};
            return;
          }
          // The same event failed for good before: firing it again is a new attempt (as
          // eckid_retry_failed()), with the PGNs just given; no caller waits for the old outcome.
          Database::Statement again(
              db_,
              "UPDATE outbox SET state = 0, attempts = 0, acked = 0, next_attempt_ms = ?2, "
              "status = 0, message = '', completed_ms = NULL, sealed_pgns = ?3, "
              "sealed_hpgns = NULL, fault_code = NULL, fault_string = NULL, fault_actor = NULL "
              "WHERE id = ?1");
          again.bind(1, id).bind(2, e.created_ms);
          again.bind_blob(3, e.sealed_pgns.data(), e.sealed_pgns.size());
          again.step();
          result = {id, true};
          return;
        }
        Database::Statement add(
            db_,
            "INSERT INTO outbox (idempotency_key, kind, school_key, from_school_key, pupil_key, "
            "pgn_kind, sealed_pgns, effective_date, state, next_attempt_ms, created_ms) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?9) RETURNING id");
        add.bind(1, key).bind(2, static_cast<std::int64_t>(e.kind)).bind(3, e.school_key);
        add.bind(4, e.from_school_key).bind(5, e.pupil_key);
        add.bind(6, static_cast<std::int64_t>(e.pgn_kind));
        add.bind_blob(7, e.sealed_pgns.data(), e.sealed_pgns.size());
        if (e.effective_date) {
          add.bind(8, *e.effective_date);
        } else {
          add.bind_null(8);
        }
        add.bind(9, e.created_ms);
        add.step();
        result = {add.integer(0), true};
      },
      // The idempotency key's UNIQUE constraint (a concurrent insert of the same key reruns this)
      // and lock_pupil() are all it needs; SERIALIZABLE's predicate locks made concurrent enqueues
      // on PostgreSQL abort each other (outbox_process_bench).
      Isolation::read_committed);
  return result;
}

std::optional<OutboxEvent> Outbox::next_due(std::int64_t now_ms,
                                            const std::set<std::int64_t> &running) {
  std::lock_guard lock(mutex_);
  // kColumns, then who claimed the event and until when (columns 20, 21).
  const std::string sql = std::string("SELECT ") + kColumns +
                          ", o.claim_owner, o.claim_until_ms FROM outbox o WHERE o.state = 0 "
                          "AND NOT " +
                          kSqlOnboarding + " AND o.next_attempt_ms <= ?1 AND NOT EXISTS (" +
                          kSqlEarlierQueued + ") ORDER BY o.next_attempt_ms, o.id LIMIT 64";
  struct Candidate {
    OutboxEvent event;
    std::optional<std::string> owner;
    std::optional<std::int64_t> until;
  };
  // Read without a write lock, so that an idle handle does not take one at every poll.
  std::vector<Candidate> candidates;
  {
    std::map<std::string, bool> open;  // claim owner -> its handle is open
    Database::Statement q(db_, sql);
    q.bind(1, now_ms);
    while (q.step()) {
      if (running.contains(q.integer(0))) continue;
      Candidate c{read(q), std::nullopt, std::nullopt};
      if (!q.is_null(20)) c.owner = q.text(20);
      if (!q.is_null(21)) c.until = q.integer(21);
      if (c.owner && *c.owner != db_.owner() && c.until.value_or(0) > now_ms) {
        auto known = open.find(*c.owner);
        if (known == open.end()) known = open.emplace(*c.owner, db_.handle_open(*c.owner)).first;
        if (known->second) continue;  // another open handle is processing it
      }
      candidates.push_back(std::move(c));
    }
  }
  // Claimed by a compare-and-set: the claim is written only while the row still holds the
  // claim read above (and the event is still its pupil's first queued one), so of two handles
  // (in any process, on any machine) that read the same event, one claims it and the other
  // moves on to the next candidate. One statement: SQLite's write lock or PostgreSQL's row
  // lock is held only for it, never across the event's service calls.
  for (auto &c : candidates) {
    Database::Statement claim(
        db_,
        std::string("UPDATE outbox AS o SET claim_owner = ?2, claim_until_ms = ?3 WHERE o.id = "
                    "?1 AND o.state = 0 AND o.claim_owner IS NOT DISTINCT FROM ?4 AND "
                    "o.claim_until_ms IS NOT DISTINCT FROM ?5 AND NOT EXISTS (") +
            kSqlEarlierQueued + ")");
    claim.bind(1, c.event.id).bind(2, db_.owner()).bind(3, now_ms + kClaimMs);
    if (c.owner) {
      claim.bind(4, *c.owner);
    } else {
      claim.bind_null(4);
    }
    if (c.until) {
      claim.bind(5, *c.until);
    } else {
      claim.bind_null(5);
    }
    claim.step();
    if (db_.changes() == 1) return std::move(c.event);
  }
  return std::nullopt;
}

void Outbox::release_claims() {
  std::lock_guard lock(mutex_);
  Database::Statement q(db_,
                        "UPDATE outbox SET claim_owner = NULL, claim_until_ms = NULL "
                        "WHERE claim_owner = ?1");
  q.bind(1, db_.owner());
  q.step();
}

std::optional<std::int64_t> Outbox::earliest_due() {
  std::lock_guard lock(mutex_);
  Database::Statement q(db_,
                        "SELECT MIN(o.next_attempt_ms) FROM outbox o WHERE o.state = 0 AND "
                        "NOT " +
                            std::string(kSqlOnboarding));
  if (q.step() && !q.is_null(0)) return q.integer(0);
  return std::nullopt;
}

std::optional<OutboxEvent> Outbox::get(std::int64_t id) {
  std::lock_guard lock(mutex_);
  const std::string sql = select("WHERE o.id = ?1");
  Database::Statement q(db_, sql);
  q.bind(1, id);
  if (q.step()) return read(q);
  return std::nullopt;
}

void Outbox::keep_hpgns(std::int64_t id, const std::string &sealed_hpgns) {
  std::lock_guard lock(mutex_);
  Database::Statement q(db_, "UPDATE outbox SET sealed_hpgns = ?2 WHERE id = ?1 AND state = 0");
  q.bind(1, id).bind_blob(2, sealed_hpgns.data(), sealed_hpgns.size());
  q.step();
}

bool Outbox::finish(std::int64_t id, EventState state, eckid_status status,
                    const std::string &message, int attempts, std::int64_t now_ms,
                    const nv::FaultDetail *fault) {
  std::lock_guard lock(mutex_);
  Database::Statement q(db_,
                        "UPDATE outbox SET state = ?2, status = ?3, message = ?4, attempts = ?5, "
                        "completed_ms = ?6, sealed_pgns = CASE WHEN ?2 = 1 THEN NULL ELSE "
                        "sealed_pgns END, sealed_hpgns = NULL, fault_code = ?7, "
                        "fault_string = ?8, fault_actor = ?9, claim_owner = NULL, "
                        "claim_until_ms = NULL WHERE id = ?1");
  bind_fault(q, 7, fault);
  q.bind(1, id)
      .bind(2, static_cast<std::int64_t>(state))
      .bind(3, static_cast<std::int64_t>(status));
  q.bind(4, message).bind(5, static_cast<std::int64_t>(attempts)).bind(6, now_ms);
  q.step();
  return db_.changes() == 1;
}

void Outbox::reschedule(std::int64_t id, int attempts, std::int64_t next_ms, eckid_status status,
                        const std::string &message, const nv::FaultDetail *fault) {
  std::lock_guard lock(mutex_);
  Database::Statement q(db_,
                        "UPDATE outbox SET attempts = ?2, next_attempt_ms = ?3, status = ?4, "
                        "message = ?5, fault_code = ?6, fault_string = ?7, fault_actor = ?8, "
                        "claim_owner = NULL, claim_until_ms = NULL WHERE id = ?1");
  bind_fault(q, 6, fault);
  q.bind(1, id).bind(2, static_cast<std::int64_t>(attempts)).bind(3, next_ms);
  q.bind(4, static_cast<std::int64_t>(status)).bind(5, message);
  q.step();
}

std::vector<OutboxEvent> Outbox::unacknowledged(std::int64_t after, std::size_t limit) {
  std::lock_guard lock(mutex_);
  const std::string sql =
      select("WHERE o.state != 0 AND o.acked = 0 AND o.id > ?1 ORDER BY o.id LIMIT ?2");
  Database::Statement q(db_, sql);
  q.bind(1, after).bind(2, static_cast<std::int64_t>(limit));
  std::vector<OutboxEvent> out;
  while (q.step()) out.push_back(read(q));
  return out;
}

bool Outbox::acknowledge(std::int64_t id) {
  std::lock_guard lock(mutex_);
  // A done event has nothing left to keep; a failed one stays listed for an administrator.
  Database::Statement done(db_, "DELETE FROM outbox WHERE id = ?1 AND state = 1");
  done.bind(1, id);
  done.step();
  if (db_.changes() == 1) return true;
  Database::Statement failed(db_, "UPDATE outbox SET acked = 1 WHERE id = ?1 AND state = 2");
  failed.bind(1, id);
  failed.step();
  return db_.changes() == 1;
}

std::int64_t Outbox::retry_failed(std::int64_t id, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  Database::Statement q(db_,
                        "UPDATE outbox SET state = 0, attempts = 0, acked = 0, next_attempt_ms = "
                        "?2 WHERE state = 2 AND (?1 = 0 OR id = ?1)");
  q.bind(1, id).bind(2, now_ms);
  q.step();
  return db_.changes();
}

DueWork Outbox::due(std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  Database::Statement q(db_,
                        "SELECT COALESCE(SUM(CASE WHEN o.next_attempt_ms <= ?1 AND NOT EXISTS "
                        "(SELECT 1 FROM outbox p WHERE p.pupil_key = o.pupil_key AND p.state = 0 "
                        "AND p.id < o.id AND p.next_attempt_ms > ?1) THEN 1 ELSE 0 END), 0), "
                        "MIN(CASE WHEN "
                        "o.next_attempt_ms > ?1 THEN o.next_attempt_ms END) FROM outbox o "
                        "WHERE o.state = 0 AND NOT " +
                            std::string(kSqlOnboarding));
  q.bind(1, now_ms);
  q.step();
  DueWork work{q.integer(0), std::nullopt};
  if (!q.is_null(1)) work.next_ms = q.integer(1);
  return work;
}

std::vector<std::int64_t> Outbox::failed_ids() {
  std::lock_guard lock(mutex_);
  Database::Statement q(db_, "SELECT id FROM outbox WHERE state = 2 ORDER BY id");
  std::vector<std::int64_t> ids;
  while (q.step()) ids.push_back(q.integer(0));
  return ids;
}

OutboxStats Outbox::stats() {
  std::lock_guard lock(mutex_);
  Database::Statement q(db_,
                        "SELECT COALESCE(SUM(CASE WHEN state = 0 THEN 1 ELSE 0 END), 0), "
                        "COALESCE(SUM(CASE WHEN state = 2 THEN 1 ELSE 0 END), 0), "
                        "COALESCE(SUM(CASE WHEN state != 0 AND acked = 0 THEN 1 ELSE 0 END), 0), "
                        "COALESCE(MIN(CASE WHEN state = 0 THEN created_ms END), 0) FROM outbox");
  q.step();
  return {q.integer(0), q.integer(1), q.integer(2), q.integer(3)};
}

}  // namespace eckid
