#include <ctime>
#include <mutex>

#include "store/database.hpp"
#include "store/store.hpp"

namespace eckid {

namespace {

class SqliteStore final : public Store {
 public:
  SqliteStore(const StateConfig &config, const Logger &logger)
      : db_(config.directory, config.busy_timeout_ms, logger) {}

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

  void save(const PupilRecord &record) override {
    std::lock_guard lock(mutex_);
    db_.transaction([&] { write(record); });
  }

  std::optional<PupilRef> holder(std::string_view hpgn, std::string_view sector,
                                 std::string_view pupil_key) override {
    std::lock_guard lock(mutex_);
    return find_holder(hpgn, sector, pupil_key);
  }

  std::optional<PupilRef> save_unless_held(const PupilRecord &record) override {
    std::lock_guard lock(mutex_);
    std::optional<PupilRef> held;
    db_.transaction([&] {
      held = find_holder(record.hpgn, record.sector, record.pupil_key);
      if (!held) write(record);
    });
    return held;
  }

 private:
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

  Database db_;
  std::mutex mutex_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const StateConfig &config, const Logger &logger) {
  return std::make_unique<SqliteStore>(config, logger);
}

}  // namespace eckid
