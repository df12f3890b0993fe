// The state database's schema: one list of migrations for every table in eckid.db.
#pragma once

#include <iterator>

namespace eckid {

// Each entry moves the schema from version i to i + 1. Never edit a shipped entry: add one.
inline constexpr const char *kStateMigrations[] = {
    R"sql(
CREATE TABLE pupil (
  school_key TEXT NOT NULL,
  pupil_key  TEXT NOT NULL,
  hpgn       TEXT NOT NULL,
  sector     TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (school_key, pupil_key)
);
CREATE TABLE pupil_eckid (
  school_key TEXT NOT NULL,
  pupil_key  TEXT NOT NULL,
  position   INTEGER NOT NULL,
  chain      TEXT NOT NULL,
  eckid      TEXT NOT NULL,
  PRIMARY KEY (school_key, pupil_key, chain),
  FOREIGN KEY (school_key, pupil_key) REFERENCES pupil (school_key, pupil_key)
    ON DELETE CASCADE
);
)sql",
    // 2: the outbox (plugin/outbox). The PGNs of an event are kept only sealed
    // (AES-256-GCM, key in outbox.key), and only until the event is done.
    R"sql(
CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  idempotency_key TEXT NOT NULL UNIQUE,
  kind            INTEGER NOT NULL,
  school_key      TEXT NOT NULL,
  from_school_key TEXT,
  pupil_key       TEXT NOT NULL,
  pgn_kind        INTEGER NOT NULL,
  sealed_pgns     BLOB,
  effective_date  TEXT,
  state           INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL,
  created_ms      INTEGER NOT NULL,
  completed_ms    INTEGER,
  status          INTEGER,
  message         TEXT,
  acked           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_ms);
CREATE INDEX outbox_pupil ON outbox (pupil_key, id);
)sql",
    // 3: onboarding (plugin/onboard). An onboarding event (kind 4) carries its progress:
    // the HPgn, the stampseudonym, the ECK iDs gathered so far ("chain TAB eckid" lines) and
    // the batch it is in. onboard_batch: one submitted (or about to be submitted) batch;
    // chain NULL for submitStampseudonymBatch. onboard_known: a keyed hash of a recorded
    // pupil's PGN, valid while the pupil's HPgn is the one it was made with, so a repeated
    // onboarding skips the pupil without hashing.
    R"sql(
ALTER TABLE outbox ADD COLUMN hpgn TEXT;
ALTER TABLE outbox ADD COLUMN stampseudonym TEXT;
ALTER TABLE outbox ADD COLUMN eckids TEXT;
ALTER TABLE outbox ADD COLUMN batch_row INTEGER;
ALTER TABLE outbox ADD COLUMN batch_index INTEGER;
CREATE INDEX outbox_batch ON outbox (batch_row);
CREATE TABLE onboard_batch (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  school_key TEXT NOT NULL,
  chain      TEXT,
  service_id TEXT,
  next_ms    INTEGER NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE TABLE onboard_known (
  school_key TEXT NOT NULL,
  pupil_key  TEXT NOT NULL,
  pgn_tag    TEXT NOT NULL,
  hpgn       TEXT NOT NULL,
  PRIMARY KEY (school_key, pupil_key)
);
)sql",
    // 4: the SOAP fault an event ended with (code, string, actor), kept with the event for
    // eckid_last_fault() after a later poll; and the index for finding another pupil with the
    // same HPgn in a sector (ECKID_E_DUPLICATE_PGN).
    R"sql(
ALTER TABLE outbox ADD COLUMN fault_code TEXT;
ALTER TABLE outbox ADD COLUMN fault_string TEXT;
ALTER TABLE outbox ADD COLUMN fault_actor TEXT;
CREATE INDEX pupil_hpgn ON pupil (hpgn, sector);
)sql",
    // 5: the HPgn(s) of an event (kinds 1-3), computed at its first attempt and kept for its
    // retries, sealed like its PGNs (Sealer) and erased when the event finishes (done or
    // failed) or its pupil is forgotten. NULL: not computed yet (also every event queued
    // before this version), so the next attempt computes it.
    R"sql(
ALTER TABLE outbox ADD COLUMN sealed_hpgns BLOB;
)sql",
    // 6: which open handle (in any process) is processing a queued event, and until when
    // (Outbox::next_due()): another handle on the same state folder takes it only after the
    // claim ended (finished, rescheduled, released at close), its handle is gone (the process
    // died: its claims/<owner>.lock is no longer held) or it expired.
    R"sql(
ALTER TABLE outbox ADD COLUMN claim_owner TEXT;
ALTER TABLE outbox ADD COLUMN claim_until_ms INTEGER;
)sql",
    // 7: facts of the state as a whole. "outbox key check": a keyed hash under outbox.key
    // (Outbox), so a server whose key differs from the one the shared database's events are
    // sealed with is refused at open instead of failing every event it takes.
    R"sql(
CREATE TABLE state_meta (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql",
};

/// The schema version this plugin writes (PRAGMA user_version).
inline constexpr int kStateSchemaVersion = static_cast<int>(std::size(kStateMigrations));

}  // namespace eckid
