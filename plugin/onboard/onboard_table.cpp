#include "onboard/onboard_table.hpp"

#include <map>

#include "outbox/outbox.hpp"
#include "util/error.hpp"

namespace eckid {

namespace {

// Where an onboarding event stands, as SQL over the outbox row (alias o). ?2: chain, ?3: now.
// A queued onboarding event (o.state 0: EventState::queued).
std::string queued_onboarding() {
  return std::string(kSqlOnboarding) + " AND o.state = 0 ";
}
// ... of the school ?1.
std::string queued() {
  return queued_onboarding() + "AND o.school_key = ?1 ";
}
constexpr const char *kLacksChain =
    "strpos(chr(10) || COALESCE(o.eckids, ''), chr(10) || ?2 || chr(9)) = 0 ";

std::string stage_ready(const std::string &chain) {
  std::string sql = queued() + "AND o.batch_row IS NULL AND o.next_attempt_ms <= ?3 ";
  if (chain.empty()) return sql + "AND o.hpgn IS NOT NULL AND o.stampseudonym IS NULL AND ?2 = '' ";
  return sql + "AND o.stampseudonym IS NOT NULL AND " + kLacksChain;
}

std::string stage_upstream(const std::string &chain) {
  std::string sql = queued() + "AND o.next_attempt_ms <= ?3 ";
  if (chain.empty()) return sql + "AND o.hpgn IS NULL AND ?2 = '' ";
  return sql + "AND " + kLacksChain + "AND (o.stampseudonym IS NULL OR o.batch_row IS NOT NULL) ";
}

}  // namespace

std::string encode_eckids(const std::vector<std::pair<std::string, std::string>> &eckids) {
  std::string out;
  for (const auto &[chain, id] : eckids) out += chain + '\t' + id + '\n';
  return out;
}

std::vector<std::pair<std::string, std::string>> decode_eckids(const std::string &text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    const auto tab = line.find('\t');
    if (tab != std::string::npos) out.emplace_back(line.substr(0, tab), line.substr(tab + 1));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return out;
}

OnboardTable::OnboardTable(StateDb &state) : db_(state.database()), mutex_(state.mutex()) {}

std::vector<std::pair<std::int64_t, bool>> OnboardTable::accept(
    const std::string &school_key, const std::vector<OnboardEntry> &entries,
    const std::vector<bool> &done_at_once, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::int64_t, bool>> ids;
  db_.transaction([&] {
    ids.clear();
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const OnboardEntry &e = entries[i];
      Database::Statement existing(db_, "SELECT id, state FROM outbox WHERE idempotency_key = ?1");
      existing.bind(1, e.key);
      if (existing.step()) {
        const std::int64_t id = existing.integer(0);
        if (existing.integer(1) == 2) {  // failed: this call is the administrator's retry
          Database::Statement retry(db_,
                                    "UPDATE outbox SET state = 0, attempts = 0, acked = 0, "
                                    "status = NULL, message = NULL, next_attempt_ms = ?2 "
                                    "WHERE id = ?1");
          retry.bind(1, id).bind(2, now_ms);
          retry.step();
        }
        ids.emplace_back(id, false);
        continue;
      }
      const bool done = done_at_once[i];
      Database::Statement add(
          db_,
          "INSERT INTO outbox (idempotency_key, kind, school_key, pupil_key, pgn_kind, "
          "sealed_pgns, state, next_attempt_ms, created_ms, completed_ms, status) "
          "VALUES (?1, ?10, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9) RETURNING id");
      add.bind(10, static_cast<std::int64_t>(EventKind::onboarding));
      add.bind(1, e.key).bind(2, school_key).bind(3, e.pupil_key);
      add.bind(4, static_cast<std::int64_t>(e.pgn_kind));
      if (done) {
        add.bind_null(5).bind(6, std::int64_t{1}).bind(8, now_ms).bind(9, std::int64_t{ECKID_OK});
      } else {
        add.bind_blob(5, e.sealed_pgn.data(), e.sealed_pgn.size()).bind(6, std::int64_t{0});
        add.bind_null(8).bind_null(9);
      }
      add.bind(7, now_ms);
      add.step();
      ids.emplace_back(add.integer(0), done);
    }
  });
  return ids;
}

bool OnboardTable::known(const std::string &school_key, const std::string &pupil_key,
                         const std::string &key) {
  std::lock_guard lock(mutex_);
  Database::Statement q(db_,
                        "SELECT 1 FROM onboard_known k JOIN pupil p ON p.school_key = "
                        "k.school_key AND p.pupil_key = k.pupil_key AND p.hpgn = k.hpgn "
                        "WHERE k.school_key = ?1 AND k.pupil_key = ?2 AND k.pgn_tag = ?3");
  q.bind(1, school_key).bind(2, pupil_key).bind(3, key);
  return q.step();
}

std::vector<UnhashedItem> OnboardTable::unhashed(std::int64_t now_ms,
                                                 const std::set<std::int64_t> &busy,
                                                 std::size_t limit) {
  std::lock_guard lock(mutex_);
  Database::Statement q(
      db_,
      "SELECT id, school_key, pupil_key, sealed_pgns, idempotency_key, pgn_kind, attempts FROM "
      "outbox o WHERE " +
          queued_onboarding() + "AND hpgn IS NULL AND next_attempt_ms <= ?1 ORDER BY id LIMIT ?2");
  q.bind(1, now_ms).bind(2, static_cast<std::int64_t>(busy.size() + limit));
  std::vector<UnhashedItem> out;
  while (out.size() < limit && q.step()) {
    if (busy.contains(q.integer(0))) continue;
    out.push_back({q.integer(0), q.text(1), q.text(2), q.blob(3), q.text(4),
                   static_cast<eckid_pgn_kind>(q.integer(5)), static_cast<int>(q.integer(6))});
  }
  return out;
}

void OnboardTable::set_hashed(std::int64_t id, const std::string &hpgn,
                              const std::vector<std::pair<std::string, std::string>> &known) {
  std::lock_guard lock(mutex_);
  Database::Statement q(db_, "UPDATE outbox SET hpgn = ?2, eckids = ?3 WHERE id = ?1");
  q.bind(1, id).bind(2, hpgn).bind(3, encode_eckids(known));
  q.step();
}

std::int64_t OnboardTable::count_where(const std::string &where, const std::string &school_key,
                                       const std::string &chain, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  const std::string sql = "SELECT COUNT(*) FROM outbox o WHERE " + where;
  Database::Statement q(db_, sql);
  q.bind(1, school_key).bind(2, chain).bind(3, now_ms);
  q.step();
  return q.integer(0);
}

std::int64_t OnboardTable::ready(const std::string &school_key, const std::string &chain,
                                 std::int64_t now_ms) {
  return count_where(stage_ready(chain), school_key, chain, now_ms);
}

std::int64_t OnboardTable::upstream(const std::string &school_key, const std::string &chain,
                                    std::int64_t now_ms) {
  return count_where(stage_upstream(chain), school_key, chain, now_ms);
}

std::optional<OpenBatch> OnboardTable::form_batch(const std::string &school_key,
                                                  const std::string &chain, std::size_t size,
                                                  std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  OpenBatch batch;
  batch.school_key = school_key;
  batch.chain = chain;
  db_.transaction([&] {
    batch.items.clear();
    const std::string sql = std::string("SELECT o.id, ") +
                            (chain.empty() ? "o.hpgn" : "o.stampseudonym") +
                            " FROM outbox o WHERE " + stage_ready(chain) + "ORDER BY o.id LIMIT ?4";
    Database::Statement q(db_, sql);
    q.bind(1, school_key).bind(2, chain).bind(3, now_ms).bind(4, static_cast<std::int64_t>(size));
    std::vector<std::int64_t> ids;
    while (q.step()) {
      ids.push_back(q.integer(0));
      batch.items.emplace_back(static_cast<nv::BatchIndex>(batch.items.size()), q.text(1));
    }
    if (ids.empty()) return;
    Database::Statement add(db_,
                            "INSERT INTO onboard_batch (school_key, chain, next_ms, created_ms) "
                            "VALUES (?1, ?2, ?3, ?3) RETURNING id");
    add.bind(1, school_key).bind(2, chain).bind(3, now_ms);
    add.step();
    batch.row = add.integer(0);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      Database::Statement assign(
          db_, "UPDATE outbox SET batch_row = ?2, batch_index = ?3 WHERE id = ?1");
      assign.bind(1, ids[i]).bind(2, batch.row).bind(3, static_cast<std::int64_t>(i));
      assign.step();
    }
  });
  if (batch.items.empty()) return std::nullopt;
  return batch;
}

void OnboardTable::set_service_id(std::int64_t row, const std::string &service_id) {
  std::lock_guard lock(mutex_);
  Database::Statement q(db_, "UPDATE onboard_batch SET service_id = ?2 WHERE id = ?1");
  q.bind(1, row).bind(2, service_id);
  q.step();
}

std::vector<OpenBatch> OnboardTable::open_batches(std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  std::vector<OpenBatch> out;
  Database::Statement q(db_,
                        "SELECT b.id, b.school_key, COALESCE(b.chain, ''), b.service_id FROM "
                        "onboard_batch b WHERE b.service_id IS NOT NULL AND b.next_ms <= ?1 AND "
                        "EXISTS (SELECT 1 FROM outbox o WHERE o.batch_row = b.id AND o.state = 0) "
                        "ORDER BY b.id");
  q.bind(1, now_ms);
  while (q.step()) out.push_back({q.integer(0), q.text(1), q.text(2), q.text(3), {}});
  for (auto &b : out) {
    Database::Statement items(db_, b.chain.empty() ? "SELECT batch_index, hpgn FROM outbox WHERE "
                                                     "batch_row = ?1 ORDER BY batch_index"
                                                   : "SELECT batch_index, stampseudonym FROM "
                                                     "outbox WHERE batch_row = ?1 ORDER BY "
                                                     "batch_index");
    items.bind(1, b.row);
    while (items.step()) {
      b.items.emplace_back(static_cast<nv::BatchIndex>(items.integer(0)), items.text(1));
    }
  }
  return out;
}

void OnboardTable::drop_unsubmitted() {
  std::lock_guard lock(mutex_);
  db_.transaction([&] {
    db_.exec(
        "UPDATE outbox SET batch_row = NULL, batch_index = NULL WHERE batch_row IN (SELECT id "
        "FROM onboard_batch WHERE service_id IS NULL)");
    db_.exec("DELETE FROM onboard_batch WHERE service_id IS NULL");
  });
}

std::optional<std::int64_t> OnboardTable::deferred_until(const std::string &school_key,
                                                         std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  Database::Statement q(db_, "SELECT MAX(next_attempt_ms) FROM outbox o WHERE " + queued() +
                                 "AND status = ?2 AND next_attempt_ms > ?3");
  q.bind(1, school_key).bind(2, std::int64_t{ECKID_QUEUED}).bind(3, now_ms);
  if (q.step() && !q.is_null(0)) return q.integer(0);
  return std::nullopt;
}

Recorded OnboardTable::fail_locked(const OpenBatch &batch, eckid_status status,
                                   const std::string &message, std::int64_t now_ms) {
  Recorded out;
  Database::Statement ids(db_, "SELECT id FROM outbox WHERE batch_row = ?1 AND state = 0");
  ids.bind(1, batch.row);
  while (ids.step()) out.failed.push_back(ids.integer(0));
  if (batch.service_id.empty()) {
    Database::Statement q(db_,
                          "UPDATE outbox SET state = 2, status = ?2, message = ?3, completed_ms = "
                          "?4, attempts = attempts + 1, batch_row = NULL, batch_index = NULL "
                          "WHERE batch_row = ?1");
    q.bind(1, batch.row).bind(2, static_cast<std::int64_t>(status)).bind(3, message);
    q.bind(4, now_ms);
    q.step();
    Database::Statement drop(db_, "DELETE FROM onboard_batch WHERE id = ?1");
    drop.bind(1, batch.row);
    drop.step();
    return out;
  }
  // The service accepted the batch and may still hold its result: the events stay in it, so
  // a retry polls it (open_batches) instead of sending the pupils again.
  Database::Statement q(db_,
                        "UPDATE outbox SET state = 2, status = ?2, message = ?3, completed_ms = "
                        "?4, attempts = attempts + 1 WHERE batch_row = ?1 AND state = 0");
  q.bind(1, batch.row).bind(2, static_cast<std::int64_t>(status)).bind(3, message).bind(4, now_ms);
  q.step();
  return out;
}

Recorded OnboardTable::fail(const OpenBatch &batch, eckid_status status, const std::string &message,
                            std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  Recorded out;
  db_.transaction([&] { out = fail_locked(batch, status, message, now_ms); });
  return out;
}

Recorded OnboardTable::record(const OpenBatch &batch, const nv::BatchRun &run, int max_attempts,
                              std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  Recorded out;
  db_.transaction([&] {
    out.failed.clear();
    const auto row_of = [&](nv::BatchIndex index) -> std::optional<std::int64_t> {
      Database::Statement q(db_, "SELECT id FROM outbox WHERE batch_row = ?1 AND batch_index = ?2");
      q.bind(1, batch.row).bind(2, static_cast<std::int64_t>(index));
      if (q.step()) return q.integer(0);
      return std::nullopt;
    };
    for (const auto &s : run.result.successes) {
      const auto id = row_of(s.index);
      if (!id) continue;
      Database::Statement q(db_, batch.chain.empty()
                                     ? "UPDATE outbox SET stampseudonym = ?2 WHERE id = ?1"
                                     : "UPDATE outbox SET eckids = COALESCE(eckids, '') || ?3 || "
                                       "chr(9) || ?2 || chr(10) WHERE id = ?1");
      q.bind(1, *id).bind(2, s.value);
      if (!batch.chain.empty()) q.bind(3, batch.chain);
      q.step();
    }
    for (const auto &f : run.result.failures) {
      const auto id = row_of(f.index);
      if (!id) continue;
      Database::Statement q(db_,
                            "UPDATE outbox SET state = 2, status = ?2, message = ?3, "
                            "completed_ms = ?4, attempts = attempts + 1 WHERE id = ?1 AND "
                            "state = 0");
      q.bind(1, *id).bind(2, std::int64_t{ECKID_E_SOAP_FAULT});
      q.bind(3, "the Nummervoorziening refused this pupil in batch " + run.batch_id + ": " +
                    f.message);
      q.bind(4, now_ms);
      q.step();
      if (db_.changes() == 1) out.failed.push_back(*id);  // not one failed before (not retried)
    }
    if (run.outcome == nv::BatchOutcome::kComplete) {
      // Left out of a complete result: counted, so a pupil the service never answers for
      // ends as an error instead of a loop.
      for (nv::BatchIndex index : run.unresolved) {
        const auto id = row_of(index);
        if (!id) continue;
        Database::Statement q(
            db_,
            "UPDATE outbox SET attempts = attempts + 1, state = CASE WHEN attempts + 1 >= ?2 "
            "THEN 2 ELSE 0 END, status = ?3, message = ?4, completed_ms = CASE WHEN attempts + "
            "1 >= ?2 THEN ?5 END WHERE id = ?1 AND state = 0");
        q.bind(1, *id).bind(2, static_cast<std::int64_t>(max_attempts));
        q.bind(3, std::int64_t{ECKID_E_BAD_RESPONSE});
        q.bind(4,
               "the Nummervoorziening left this pupil out of the result of batch " + run.batch_id);
        q.bind(5, now_ms);
        q.step();
        if (db_.changes() == 1) {
          Database::Statement state(db_, "SELECT state FROM outbox WHERE id = ?1");
          state.bind(1, *id);
          if (state.step() && state.integer(0) == 2) out.failed.push_back(*id);
        }
      }
    }
    Database::Statement release(
        db_, "UPDATE outbox SET batch_row = NULL, batch_index = NULL WHERE batch_row = ?1");
    release.bind(1, batch.row);
    release.step();
    Database::Statement drop(db_, "DELETE FROM onboard_batch WHERE id = ?1");
    drop.bind(1, batch.row);
    drop.step();
  });
  return out;
}

Recorded OnboardTable::release(const OpenBatch &batch, std::int64_t not_before_ms,
                               eckid_status status, const std::string &message, bool count_attempt,
                               int max_attempts) {
  std::lock_guard lock(mutex_);
  Recorded out;
  db_.transaction([&] {
    out.failed.clear();
    if (count_attempt) {
      Database::Statement over(db_,
                               "SELECT id FROM outbox WHERE batch_row = ?1 AND attempts + 1 >= ?2");
      over.bind(1, batch.row).bind(2, static_cast<std::int64_t>(max_attempts));
      while (over.step()) out.failed.push_back(over.integer(0));
      Database::Statement fail(db_,
                               "UPDATE outbox SET state = 2, completed_ms = ?3 WHERE batch_row = "
                               "?1 AND attempts + 1 >= ?2");
      fail.bind(1, batch.row).bind(2, static_cast<std::int64_t>(max_attempts));
      fail.bind(3, unix_ms());
      fail.step();
    }
    Database::Statement q(db_,
                          "UPDATE outbox SET attempts = attempts + ?2, next_attempt_ms = ?3, "
                          "status = ?4, message = ?5, batch_row = NULL, batch_index = NULL "
                          "WHERE batch_row = ?1");
    q.bind(1, batch.row).bind(2, std::int64_t{count_attempt ? 1 : 0}).bind(3, not_before_ms);
    q.bind(4, static_cast<std::int64_t>(status)).bind(5, message);
    q.step();
    Database::Statement drop(db_, "DELETE FROM onboard_batch WHERE id = ?1");
    drop.bind(1, batch.row);
    drop.step();
  });
  return out;
}

void OnboardTable::repoll_later(std::int64_t row, std::int64_t next_ms) {
  std::lock_guard lock(mutex_);
  Database::Statement q(db_, "UPDATE onboard_batch SET next_ms = ?2 WHERE id = ?1");
  q.bind(1, row).bind(2, next_ms);
  q.step();
}

std::vector<CompleteItem> OnboardTable::complete(const std::string &school_key,
                                                 const std::vector<std::string> &chains) {
  std::lock_guard lock(mutex_);
  Database::Statement q(db_,
                        "SELECT id, pupil_key, hpgn, idempotency_key, COALESCE(eckids, '') "
                        "FROM outbox o WHERE " +
                            queued() +
                            "AND stampseudonym IS NOT NULL AND batch_row IS NULL ORDER BY id");
  q.bind(1, school_key);
  std::vector<CompleteItem> out;
  while (q.step()) {
    std::map<std::string, std::string> have;
    for (auto &[chain, id] : decode_eckids(q.text(4))) have[chain] = id;
    CompleteItem item{q.integer(0), school_key, q.text(1), q.text(2), q.text(3), {}};
    for (const auto &chain : chains) {
      const auto it = have.find(chain);
      if (it == have.end()) break;
      item.eckids.emplace_back(chain, it->second);
    }
    if (item.eckids.size() == chains.size()) out.push_back(std::move(item));
  }
  return out;
}

bool OnboardTable::remember(const std::string &school_key, const std::string &pupil_key,
                            const std::string &key, const std::string &hpgn,
                            std::int64_t event_id) {
  std::lock_guard lock(mutex_);
  Database::Statement q(db_,
                        "INSERT INTO onboard_known (school_key, pupil_key, pgn_tag, hpgn) "
                        "SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM outbox WHERE id = ?5) "
                        "ON CONFLICT (school_key, pupil_key) DO UPDATE SET pgn_tag = "
                        "excluded.pgn_tag, hpgn = excluded.hpgn");
  q.bind(1, school_key).bind(2, pupil_key).bind(3, key).bind(4, hpgn).bind(5, event_id);
  q.step();
  return db_.changes() == 1;
}

OnboardCounts OnboardTable::counts(const std::string &school_key, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  Database::Statement q(
      db_,
      "SELECT COALESCE(SUM(CASE WHEN hpgn IS NULL THEN 1 ELSE 0 END), 0), "
      "COALESCE(SUM(CASE WHEN batch_row IS NOT NULL THEN 1 ELSE 0 END), 0), "
      "COALESCE(SUM(CASE WHEN hpgn IS NOT NULL AND batch_row IS NULL AND status = ?2 AND "
      "next_attempt_ms > ?3 THEN 1 ELSE 0 END), 0), "
      "COALESCE(SUM(CASE WHEN hpgn IS NOT NULL AND batch_row IS NULL THEN 1 ELSE 0 END), 0), "
      "MAX(CASE WHEN status = ?2 AND next_attempt_ms > ?3 THEN next_attempt_ms END) "
      "FROM outbox o WHERE " +
          queued());
  q.bind(1, school_key).bind(2, std::int64_t{ECKID_QUEUED}).bind(3, now_ms);
  q.step();
  OnboardCounts c;
  c.waiting = q.integer(0);
  c.in_batch = q.integer(1);
  const std::int64_t waiting_for_batch = q.integer(3);
  if (!q.is_null(4)) {
    // The school waits for the next day: nothing of it is sent before then.
    c.deferred_until_ms = q.integer(4);
    c.deferred = waiting_for_batch;
  } else {
    c.deferred = q.integer(2);
    c.hashed = waiting_for_batch - c.deferred;
  }
  return c;
}

DueWork OnboardTable::due(const std::string &school_key, std::int64_t now_ms,
                          std::optional<std::int64_t> batches_from_ms) {
  std::lock_guard lock(mutex_);
  // ?2: now, ?3: batches_from_ms (NULL: not active). The CASEs go by stage, as counts() does.
  Database::Statement q(
      db_,
      "SELECT COALESCE(SUM(CASE WHEN o.batch_row IS NOT NULL THEN CASE WHEN b.next_ms IS NULL "
      "OR b.next_ms <= ?2 THEN 1 ELSE 0 END WHEN o.next_attempt_ms > ?2 THEN 0 WHEN o.hpgn IS "
      "NULL THEN 1 WHEN CAST(?3 AS BIGINT) <= ?2 THEN 1 ELSE 0 END), 0), "
      "MIN(CASE WHEN o.batch_row IS NOT NULL THEN CASE WHEN b.next_ms > ?2 THEN b.next_ms END "
      "WHEN o.next_attempt_ms > ?2 THEN o.next_attempt_ms WHEN o.hpgn IS NULL THEN NULL "
      "WHEN CAST(?3 AS BIGINT) > ?2 THEN CAST(?3 AS BIGINT) END) "
      "FROM outbox o LEFT JOIN onboard_batch b ON b.id = o.batch_row WHERE " +
          queued());
  q.bind(1, school_key).bind(2, now_ms);
  if (batches_from_ms) {
    q.bind(3, *batches_from_ms);
  } else {
    q.bind_null(3);
  }
  q.step();
  DueWork work{q.integer(0), std::nullopt};
  if (!q.is_null(1)) work.next_ms = q.integer(1);
  return work;
}

}  // namespace eckid
