/* The declarations of abi/include/eckid/eckid.h in the form PHP's FFI::cdef() accepts: no
 * preprocessor, no export macro, no _INIT macros (EckId\Abi holds the version constants).
 * Documentation is in eckid.h; tests/adapters/check_declarations.py keeps the two in step. */
typedef enum eckid_status {
  ECKID_OK = 0,
  ECKID_E_INVALID_ARGUMENT = 1,
  ECKID_E_VERSION = 2,
  ECKID_E_NOMEM = 3,
  ECKID_E_CONFIG = 4,
  ECKID_E_INVALID_PGN = 5,
  ECKID_E_BUFFER_TOO_SMALL = 6,
  ECKID_E_UNKNOWN_SCHOOL = 7,
  ECKID_E_NOT_ENABLED = 8,
  ECKID_E_CRYPTO = 9,
  ECKID_E_INVALID_HANDLE = 10,
  ECKID_E_INTERNAL = 11,
  ECKID_E_SOAP_FAULT = 20,
  ECKID_E_HTTP = 21,
  ECKID_E_TIMEOUT = 22,
  ECKID_E_TLS = 23,
  ECKID_E_CONNECT = 24,
  ECKID_E_NOT_AUTHORISED = 25,
  ECKID_E_SERVICE_DOWN = 26,
  ECKID_E_BAD_RESPONSE = 27,
  ECKID_E_RESPONSE_TOO_LARGE = 28,
  ECKID_E_CREDENTIALS = 29,
  ECKID_E_PUPIL_CONFLICT = 30,
  ECKID_E_NOT_FOUND = 31,
  ECKID_E_STATE = 32,
  ECKID_QUEUED = 33,
  ECKID_E_DUPLICATE_PGN = 34
} eckid_status;

typedef enum eckid_log_level {
  ECKID_LOG_DEBUG = 0,
  ECKID_LOG_INFO = 1,
  ECKID_LOG_WARN = 2,
  ECKID_LOG_ERROR = 3,
  ECKID_LOG_OFF = 4
} eckid_log_level;

typedef void (*eckid_log_fn)(eckid_log_level level, const char *message, void *payload);

typedef struct eckid_plugin eckid_plugin;

typedef enum eckid_delivery {
  ECKID_DELIVERY_SYNC = 0,
  ECKID_DELIVERY_ASYNC = 1
} eckid_delivery;

struct eckid_result;

typedef void (*eckid_result_fn)(const struct eckid_result *result, void *payload);

typedef struct eckid_open_options {
  unsigned int version;
  eckid_log_fn log;
  void *log_payload;
  eckid_log_level log_level;
  eckid_delivery delivery;
  eckid_result_fn on_result;
  void *result_payload;
} eckid_open_options;

typedef enum eckid_pgn_kind {
  ECKID_PGN_PUPIL = 0,
  ECKID_PGN_STAFF = 1
} eckid_pgn_kind;

typedef enum eckid_pgn_type {
  ECKID_PGN_TYPE_BSN = 0,
  ECKID_PGN_TYPE_ONDERWIJSNUMMER = 1,
  ECKID_PGN_TYPE_STAFF = 2
} eckid_pgn_type;

unsigned int eckid_abi_version(void);
const char *eckid_version(void);
unsigned long eckid_version_number(void);
unsigned long long eckid_features(void);
const char *eckid_strerror(eckid_status status);
const char *eckid_status_name(eckid_status status);
const char *eckid_last_error(void);
void eckid_free(void *ptr);

eckid_status eckid_open_options_init(eckid_open_options *options, unsigned int version);
eckid_status eckid_open(eckid_plugin **out, const char *config_path,
                        const eckid_open_options *options);

typedef struct eckid_school_settings {
  unsigned int version;
  const char *key;
  const char *oin;
  const char *sector;
  const char *const *chains;
  size_t chain_count;
  int enabled;
  const char *start_date;
} eckid_school_settings;

typedef struct eckid_config_source {
  unsigned int version;
  const char *path;
  const char *text;
  const char *defaults;
  const eckid_school_settings *const *schools;
  size_t school_count;
} eckid_config_source;

eckid_status eckid_open_source(const eckid_config_source *source,
                               const eckid_open_options *options, eckid_plugin **out);

typedef enum eckid_verdict {
  ECKID_VERDICT_OK = 0,
  ECKID_VERDICT_WARN = 1,
  ECKID_VERDICT_FAIL = 2
} eckid_verdict;

typedef struct eckid_check_finding {
  eckid_verdict verdict;
  const char *check;
  const char *file;
  unsigned int line;
  const char *key;
  const char *message;
} eckid_check_finding;

typedef struct eckid_check_school {
  const char *key;
  const char *oin;
  const char *sector;
  const char *const *chains;
  size_t chain_count;
  int enabled;
  const char *start_date;
  int active;
} eckid_check_school;

typedef struct eckid_check_report {
  unsigned int version;
  size_t finding_count;
  const eckid_check_finding *const *findings;
  size_t failures;
  size_t warnings;
  size_t school_count;
  const eckid_check_school *const *schools;
} eckid_check_report;

eckid_status eckid_check(const eckid_config_source *source, eckid_check_report **out);

eckid_status eckid_close(eckid_plugin *plugin);

eckid_status eckid_pgn_validate(const char *pgn, eckid_pgn_kind kind, eckid_pgn_type *type);
eckid_status eckid_hpgn(eckid_plugin *plugin, const char *pgn, eckid_pgn_kind kind, char *out,
                        size_t out_size);

eckid_status eckid_last_fault(const char **code, const char **string, const char **actor);
eckid_status eckid_ping(eckid_plugin *plugin, const char *school_key, char **application_version);

typedef struct eckid_catalog_entry {
  const char *id;
  const char *name;
  const char *description;
  const char *last_edited;
} eckid_catalog_entry;

typedef struct eckid_catalog {
  size_t count;
  eckid_catalog_entry *entries;
} eckid_catalog;

eckid_status eckid_retrieve_chains(eckid_plugin *plugin, const char *school_key,
                                   eckid_catalog **out);
eckid_status eckid_retrieve_sectors(eckid_plugin *plugin, const char *school_key,
                                    eckid_catalog **out);

typedef struct eckid_chain_eckid {
  const char *chain;
  const char *eckid;
} eckid_chain_eckid;

typedef struct eckid_result {
  const char *school_key;
  const char *pupil_key;
  const char *sector;
  size_t count;
  eckid_chain_eckid *eckids;
  unsigned long long event_id;
  int status;
  const char *message;
} eckid_result;

typedef struct eckid_pupil_created_event {
  unsigned int version;
  const char *school_key;
  const char *pupil_key;
  const char *pgn;
  eckid_pgn_kind kind;
  const char *enrolment_date;
} eckid_pupil_created_event;

typedef struct eckid_pupil_transferred_event {
  unsigned int version;
  const char *pupil_key;
  const char *from_school_key;
  const char *to_school_key;
  const char *pgn;
  eckid_pgn_kind kind;
  const char *date;
} eckid_pupil_transferred_event;

typedef struct eckid_pgn_changed_event {
  unsigned int version;
  const char *school_key;
  const char *pupil_key;
  const char *old_pgn;
  const char *new_pgn;
  eckid_pgn_kind kind;
  const char *effective_date;
} eckid_pgn_changed_event;

eckid_status eckid_pupil_created(eckid_plugin *plugin, const eckid_pupil_created_event *event,
                                 eckid_result **out);
eckid_status eckid_pupil_transferred(eckid_plugin *plugin,
                                     const eckid_pupil_transferred_event *event,
                                     eckid_result **out);
eckid_status eckid_pgn_changed(eckid_plugin *plugin, const eckid_pgn_changed_event *event,
                               eckid_result **out);
eckid_status eckid_pupil_lookup(eckid_plugin *plugin, const char *school_key,
                                const char *pupil_key, eckid_result **out);
eckid_status eckid_forget_pupil(eckid_plugin *plugin, const char *school_key,
                                const char *pupil_key);

eckid_status eckid_poll(eckid_plugin *plugin, eckid_result **out);
eckid_status eckid_ack(eckid_plugin *plugin, unsigned long long event_id);
eckid_status eckid_event_result(eckid_plugin *plugin, unsigned long long event_id,
                                eckid_result **out);

typedef struct eckid_queue_info {
  unsigned int version;
  unsigned long long queued;
  unsigned long long failed;
  unsigned long long undelivered;
  long long oldest_queued_age_ms;
  int service_paused;
} eckid_queue_info;

eckid_status eckid_queue_status(eckid_plugin *plugin, eckid_queue_info *info);
eckid_status eckid_list_failed(eckid_plugin *plugin, unsigned long long *ids, size_t capacity,
                               size_t *count);
eckid_status eckid_retry_failed(eckid_plugin *plugin, unsigned long long event_id,
                                unsigned long long *count);

typedef struct eckid_onboard_pupil {
  const char *pupil_key;
  const char *pgn;
  eckid_pgn_kind kind;
} eckid_onboard_pupil;

typedef struct eckid_onboard_receipt {
  unsigned long long event_id;
  int status;
  const char *message;
} eckid_onboard_receipt;

typedef struct eckid_onboard_receipts {
  size_t count;
  eckid_onboard_receipt *receipts;
  size_t accepted;
  size_t refused;
} eckid_onboard_receipts;

eckid_status eckid_onboard(eckid_plugin *plugin, const char *school_key,
                           const eckid_onboard_pupil *pupils, size_t count,
                           eckid_onboard_receipts **out);

typedef struct eckid_onboard_info {
  unsigned int version;
  unsigned long long waiting;
  unsigned long long hashed;
  unsigned long long in_batch;
  unsigned long long deferred;
  long long deferred_until_ms;
} eckid_onboard_info;

eckid_status eckid_onboard_status(eckid_plugin *plugin, const char *school_key,
                                  eckid_onboard_info *info);
