#include <ctime>
#include <mutex>

#include "store/state_db.hpp"
#include "store/store.hpp"

namespace eckid {

namespace {

class SqlStore final : public Store {
 public:
  explicit SqlStore(StateDb &state) : db_(state.database()), mutex_(state.mutex()) {}

  std::optional<PupilRecord> find(std::string_view school_key,
                                  std::string_view pupil_key) override {
    std::lock_guard lock(mutex_);
    Database::Statement pupil(db_,
                              "SELECT hpgn, sector, created_at, updated_at FROM pupil "
                              "WHERE school_key = ?1 AND pupil_key = ?2");
    pupil.bind(1, school_key).bind(2, pupil_key);
    if (!pupil.step()) return std::nullopt;
    PupilRecord r{std::string(school_key), std::string(pupil_key), pupil.text(0), pupil.text(1), {},
                  pupil.integer(2),        pupil.integer(3)};
    Database::Statement ids(db_,
                            "SELECT chain, eckid FROM pupil_eckid WHERE school_key = ?1 AND "
                            "pupil_key = ?2 ORDER BY position");
    ids.bind(1, school_key).bind(2, pupil_key);
    while (ids.step()) r.eckids.emplace_back(ids.text(0), ids.text(1));
    return r;
  }

  void save(const PupilRecord &record, std::int64_t guard) override {
    std::lock_guard lock(mutex_);
    db_.transaction([&] {
      check_guard(guard);
      write(record);
    });
  }

  std::optional<PupilRef> holder(std::string_view hpgn, std::string_view sector,
                                 std::string_view pupil_key) override {
    std::lock_guard lock(mutex_);
    return find_holder(hpgn, sector, pupil_key);
  }

  std::optional<PupilRef> save_unless_held(const PupilRecord &record, std::int64_t guard) override {
    std::lock_guard lock(mutex_);
    std::optional<PupilRef> held;
    db_.transaction([&] {
      check_guard(guard);
      held = find_holder(record.hpgn, record.sector, record.pupil_key);
      if (!held) write(record);
    });
    return held;
  }

  Forgotten forget(std::string_view school_key, std::string_view pupil_key) override {
    std::lock_guard lock(mutex_);
    Forgotten gone;
    db_.transaction([&] {
      // pupil_eckid goes with its pupil row (ON DELETE CASCADE); deleted explicitly as well,
      // so that no ECK iD outlives the forget even in a database opened without foreign keys.
      const auto remove = [&](const char *sql) {
        Database::Statement q(db_, sql);
        q.bind(1, school_key).bind(2, pupil_key);
        q.step();
        return static_cast<std::int64_t>(db_.changes());
      };
      remove("DELETE FROM pupil_eckid WHERE school_key = ?1 AND pupil_key = ?2");
      gone.records = remove("DELETE FROM pupil WHERE school_key = ?1 AND pupil_key = ?2");
      remove("DELETE FROM onboard_known WHERE school_key = ?1 AND pupil_key = ?2");
      gone.events = remove("DELETE FROM outbox WHERE school_key = ?1 AND pupil_key = ?2");
      // A batch (formed in one transaction with its events) whose last event went holds
      // nothing more to poll or record.
      Database::Statement batches(db_,
                                  "DELETE FROM onboard_batch WHERE school_key = ?1 AND NOT EXISTS "
                                  "(SELECT 1 FROM outbox o WHERE o.batch_row = onboard_batch.id)");
      batches.bind(1, school_key);
      batches.step();
    });
    db_.scrub_deleted();
    return gone;
  }

  bool holds_event(std::int64_t event_id) override {
    std::lock_guard lock(mutex_);
    Database::Statement q(db_, "SELECT 1 FROM outbox WHERE id = ?1");
    q.bind(1, event_id);
    return q.step();
  }

 private:
  // Inside a save's transaction: refuses the save when the event it comes from is gone.
  void check_guard(std::int64_t guard) {
    if (guard == 0) return;
    Database::Statement q(db_, "SELECT 1 FROM outbox WHERE id = ?1");
    q.bind(1, guard);
    if (!q.step()) throw EventForgotten(guard);
  }

  std::optional<PupilRef> find_holder(std::string_view hpgn, std::string_view sector,
                                      std::string_view pupil_key) {
    Database::Statement q(db_,
                          "SELECT school_key, pupil_key FROM pupil WHERE hpgn = ?1 AND sector = ?2 "
                          "AND pupil_key != ?3 ORDER BY created_at, school_key LIMIT 1");
    q.bind(1, hpgn).bind(2, sector).bind(3, pupil_key);
    if (!q.step()) return std::nullopt;
    return PupilRef{q.text(0), q.text(1)};
  }

  // Inserts or replaces the record; inside a transaction.
  void write(const PupilRecord &record) {
    const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    Database::Statement upsert(
        db_,
        "INSERT INTO pupil (school_key, pupil_key, hpgn, sector, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (school_key, pupil_key) DO UPDATE SET "
        "hpgn = excluded.hpgn, sector = excluded.sector, updated_at = excluded.updated_at");
    upsert.bind(1, record.school_key).bind(2, record.pupil_key).bind(3, record.hpgn);
    upsert.bind(4, record.sector).bind(5, now);
    upsert.step();
    Database::Statement clear(db_,
                              "DELETE FROM pupil_eckid WHERE school_key = ?1 AND pupil_key = ?2");
    clear.bind(1, record.school_key).bind(2, record.pupil_key);
    clear.step();
    for (std::size_t i = 0; i < record.eckids.size(); ++i) {
      Database::Statement add(db_,
                              "INSERT INTO pupil_eckid (school_key, pupil_key, position, "
                              "chain, eckid) VALUES (?1, ?2, ?3, ?4, ?5)");
      add.bind(1, record.school_key).bind(2, record.pupil_key);
      add.bind(3, static_cast<std::int64_t>(i));
      add.bind(4, record.eckids[i].first).bind(5, record.eckids[i].second);
      add.step();
    }
  }

  Database &db_;       // StateDb's connection
  std::mutex &mutex_;  // and its lock
};

}  // namespace

std::unique_ptr<Store> open_store(StateDb &state) {
  return std::make_unique<SqlStore>(state);
}

}  // namespace eckid
