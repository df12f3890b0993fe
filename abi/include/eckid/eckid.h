/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * eckid.h: the public C ABI of the eckid plugin (libeckid.so).
 *
 * The plugin gives a school administration system (LAS/SIS) the ECK iDs of its pupils: it
 * hashes a pupil's personal number (PGN) locally into an HPgn and asks the national
 * Nummervoorziening for the stampseudonym and the ECK iD (see the project's
 * shared/spec/nummervoorziening.md).
 *
 * Conventions (modelled on libcurl, libgit2, SQLite and Linux-PAM):
 * - C11, usable from C, C++, PHP FFI, Python ctypes and Java JNA. Only eckid_* symbols.
 * - Every string in or out is UTF-8 and NUL-terminated. Every string passed in has a maximum
 *   length (ECKID_MAX_*_BYTES below, in bytes without the NUL); the plugin reads at most one
 *   byte past it, and refuses a longer string with ECKID_E_INVALID_ARGUMENT (ECKID_E_INVALID_PGN
 *   for a PGN) and a last error naming the field and the limit (never the value).
 * - An enum argument or field holding a value that is not one of its constants (a C caller
 *   may store any int) is refused with ECKID_E_INVALID_ARGUMENT naming the field and the value.
 * - Every function returns an eckid_status (or a value that cannot fail). No function
 *   throws, aborts or prints: a NULL or invalid argument is an ECKID_E_INVALID_ARGUMENT.
 * - On failure, eckid_last_error() holds a message for the calling thread that names what
 *   was wrong and what to do. It never contains a PGN.
 * - Memory the plugin allocates for the caller is released with eckid_free().
 * - Structs passed in start with a version field, set with the matching _INIT macro or
 *   *_init() function; structs only ever grow at the end.
 * - Status codes are fixed: a value is never renumbered or reused.
 * - Thread safety: every function may be called from any thread. Calls on one handle
 *   from several threads at once are safe, except eckid_close(), which must be the last
 *   call on a handle.
 */
#ifndef ECKID_ECKID_H
#define ECKID_ECKID_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ECKID_API marks the library's functions: exported when the library itself is built (its
 * build defines ECKID_BUILDING_LIBRARY), imported by everyone else. */
#if defined(_WIN32)
#if defined(ECKID_BUILDING_LIBRARY)
#define ECKID_API __declspec(dllexport)
#else
#define ECKID_API __declspec(dllimport)
#endif
#elif defined(__GNUC__)
#define ECKID_API __attribute__((visibility("default")))
#else
#define ECKID_API
#endif

/** Version of this ABI, and the SONAME's number (libeckid.so.<ECKID_ABI_VERSION>: the build
 *  reads it from here). Bumped only when an existing declaration changes incompatibly (2: out
 *  parameters last, growable element arrays reached through pointers); additions keep it.
 *  Compare with eckid_abi_version() at load time. */
#define ECKID_ABI_VERSION 2

/** Status codes. Fixed values: never renumbered, never reused. */
typedef enum eckid_status {
  ECKID_OK = 0,
  /** A NULL pointer, an empty string or a value out of range was passed. */
  ECKID_E_INVALID_ARGUMENT = 1,
  /** A struct's version field is not one this library knows (too new, or not set). */
  ECKID_E_VERSION = 2,
  /** Memory could not be allocated. */
  ECKID_E_NOMEM = 3,
  /** The configuration file is missing, unreadable or wrong (file, key and reason in the
   *  last error). */
  ECKID_E_CONFIG = 4,
  /** The PGN is not a valid BSN, onderwijsnummer or staff number. */
  ECKID_E_INVALID_PGN = 5,
  /** The caller's output buffer is too small. */
  ECKID_E_BUFFER_TOO_SMALL = 6,
  /** No [[school]] with this key in the configuration. */
  ECKID_E_UNKNOWN_SCHOOL = 7,
  /** The school is not enabled, or its start date is in the future: nothing was sent. */
  ECKID_E_NOT_ENABLED = 8,
  /** A cryptographic operation failed (OpenSSL error in the last error). */
  ECKID_E_CRYPTO = 9,
  /** The handle is NULL, already closed, or not one this library opened. */
  ECKID_E_INVALID_HANDLE = 10,
  /** An unexpected internal failure; the last error says what. Please report it. */
  ECKID_E_INTERNAL = 11,
  /* 12..19 reserved. Statuses of the Nummervoorziening client: */
  /** The service answered with a SOAP fault; eckid_last_fault() has its code, string and
   *  actor, the last error a readable summary. */
  ECKID_E_SOAP_FAULT = 20,
  /** The service answered with an HTTP error status that is not a SOAP fault. */
  ECKID_E_HTTP = 21,
  /** No complete answer within the configured timeout (request_timeout_ms). */
  ECKID_E_TIMEOUT = 22,
  /** TLS failed: the server's certificate or host name did not verify against ca_bundle,
   *  or the server refused the client certificate. */
  ECKID_E_TLS = 23,
  /** The service's host could not be resolved or reached, or it dropped the connection. */
  ECKID_E_CONNECT = 24,
  /** The service refused the client (ping answered with a fault): the certificate or the
   *  school's OIN is not authorised. */
  ECKID_E_NOT_AUTHORISED = 25,
  /** The service reports itself unavailable (ping: available = false). */
  ECKID_E_SERVICE_DOWN = 26,
  /** The answer is not what the WSDL promises (malformed XML, a DOCTYPE, invalid UTF-8,
   *  a missing element, an ECK iD or stampseudonym of the wrong shape). */
  ECKID_E_BAD_RESPONSE = 27,
  /** The answer is larger than the configured bound (max_response_bytes). */
  ECKID_E_RESPONSE_TOO_LARGE = 28,
  /** The client certificate or its key cannot be used: unreadable file, wrong key
   *  password, key not matching the certificate. Reported by eckid_open(). */
  ECKID_E_CREDENTIALS = 29,
  /* Statuses of the enrolment events: */
  /** The pupil's record disagrees with the event: the recorded HPgn is not the PGN's (a
   *  changed PGN must be reported with eckid_pgn_changed()), or there is no record where the
   *  event needs one. Nothing was sent or changed. */
  ECKID_E_PUPIL_CONFLICT = 30,
  /** No ECK iD is recorded for this pupil at this school (eckid_pupil_lookup()). */
  ECKID_E_NOT_FOUND = 31,
  /** The local state database (state directory) cannot be opened, read or written. */
  ECKID_E_STATE = 32,
  /** Not an error: the event is stored in the outbox and will be processed; its result
   *  arrives through the result callback or eckid_poll() (asynchronous mode, or a
   *  synchronous call whose deadline passed). */
  ECKID_QUEUED = 33,
  /** Another pupil (another pupil key) is recorded with the same PGN - the same HPgn - at a
   *  school of the same sector: a data-entry error that would give two records one ECK iD.
   *  The last error names the pupil key that holds it (never the PGN). Nothing was recorded,
   *  and no PGN change was sent. */
  ECKID_E_DUPLICATE_PGN = 34
  /* New statuses are added here, with the next free number. */
} eckid_status;

/** Log levels, from most to least verbose. */
typedef enum eckid_log_level {
  /** Includes HPgn, stampseudonym and ECK iD values: only for a host that asks for it. */
  ECKID_LOG_DEBUG = 0,
  ECKID_LOG_INFO = 1,
  ECKID_LOG_WARN = 2,
  ECKID_LOG_ERROR = 3,
  /** No log messages at all. */
  ECKID_LOG_OFF = 4
} eckid_log_level;

/**
 * Log callback. Called with one line of text (UTF-8, NUL-terminated, no trailing newline,
 * valid only during the call) and the payload given in eckid_open_options. May be called
 * from any thread that calls into the plugin (and, later, from plugin threads); it must
 * not call back into the plugin. A log line never contains a PGN.
 */
typedef void (*eckid_log_fn)(eckid_log_level level, const char *message, void *payload);

/** Opaque plugin handle: one opened configuration (one or more schools). */
typedef struct eckid_plugin eckid_plugin;

/** How event calls return (eckid_open_options.delivery). */
typedef enum eckid_delivery {
  /** An event call waits for its result up to [outbox] deadline_ms, then returns
   *  ECKID_QUEUED and delivers the result later. */
  ECKID_DELIVERY_SYNC = 0,
  /** An event call returns ECKID_QUEUED as soon as the event is stored (milliseconds). */
  ECKID_DELIVERY_ASYNC = 1
} eckid_delivery;

struct eckid_result;

/**
 * Result callback: called from a plugin worker thread (never the host's calling thread)
 * once per finished event that no synchronous call returned, and again after a restart
 * for results not yet acknowledged (at-least-once: drop duplicates by event_id). `result`
 * is valid only during the call and must not be freed; acknowledge it with eckid_ack()
 * (also allowed inside the callback). Must not call eckid_close().
 */
typedef void (*eckid_result_fn)(const struct eckid_result *result, void *payload);

/** Options for eckid_open(). Initialise with ECKID_OPEN_OPTIONS_INIT or
 *  eckid_open_options_init(); fields are only ever added at the end, and an older host's
 *  smaller struct (version 1) keeps working. */
typedef struct eckid_open_options {
  /** ECKID_OPEN_OPTIONS_VERSION (first field, never moves). */
  unsigned int version;
  /** Log callback, or NULL for no log output at all (the default: the plugin never
   *  writes to stdout or stderr by itself). */
  eckid_log_fn log;
  /** Passed unchanged as the last argument of every log call. */
  void *log_payload;
  /** Least severe level passed to the callback. Default ECKID_LOG_INFO. HPgn and ECK iD
   *  values appear only at ECKID_LOG_DEBUG. */
  eckid_log_level log_level;
  /* version 2: */
  /** Synchronous (default) or asynchronous event calls. */
  eckid_delivery delivery;
  /** Result callback, or NULL to collect results with eckid_poll() only. */
  eckid_result_fn on_result;
  /** Passed unchanged as the last argument of every result call. */
  void *result_payload;
} eckid_open_options;

#define ECKID_OPEN_OPTIONS_VERSION 2
#define ECKID_OPEN_OPTIONS_INIT \
  { ECKID_OPEN_OPTIONS_VERSION, NULL, NULL, ECKID_LOG_INFO, ECKID_DELIVERY_SYNC, NULL, NULL }

/** Kind of personal number (PGN). */
typedef enum eckid_pgn_kind {
  /** A pupil: a BSN or an onderwijsnummer (9 digits). */
  ECKID_PGN_PUPIL = 0,
  /** A staff member: "<BRIN> <e-mail>", e.g. "00AA jan@school.nl" (eckid_pgn_validate()). */
  ECKID_PGN_STAFF = 1
} eckid_pgn_kind;

/** What a valid PGN turned out to be. */
typedef enum eckid_pgn_type {
  ECKID_PGN_TYPE_BSN = 0,
  ECKID_PGN_TYPE_ONDERWIJSNUMMER = 1,
  ECKID_PGN_TYPE_STAFF = 2
} eckid_pgn_type;

/** Bytes an HPgn needs in a caller buffer: 64 lowercase hex characters plus the NUL. */
#define ECKID_HPGN_BUFFER_SIZE 65

/* ---- Limits on what a caller passes in (bytes without the NUL) ---------------------- */

/** Longest school key (school_key, from_school_key, to_school_key) and pupil key
 *  (pupil_key, also in an eckid_onboard_pupil). */
#define ECKID_MAX_KEY_BYTES 256
/** Longest PGN (pgn, old_pgn, new_pgn): the longest valid staff PGN, "<BRIN> <e-mail>" with a
 *  254-byte address (RFC 5321). A longer one is an ECKID_E_INVALID_PGN. */
#define ECKID_MAX_PGN_BYTES 259
/** Longest date or date-time (enrolment_date, date, effective_date). */
#define ECKID_MAX_DATE_BYTES 64
/** Longest configuration path (eckid_open() config_path): Linux PATH_MAX. */
#define ECKID_MAX_PATH_BYTES 4096
/** Largest configuration file eckid_open() reads (1 MiB); a larger one is an ECKID_E_CONFIG. */
#define ECKID_MAX_CONFIG_BYTES 1048576
/** Most schools in an eckid_config_source. */
#define ECKID_MAX_SCHOOLS 100000
/** Most chains of one eckid_school_settings. */
#define ECKID_MAX_SCHOOL_CHAINS 64
/** Most pupils per eckid_onboard() call; send a larger list in parts (calling again with
 *  pupils already sent is safe). */
#define ECKID_MAX_ONBOARD_PUPILS 100000

/* ---- Library ---------------------------------------------------------------------- */

/** The ABI version of the loaded library (ECKID_ABI_VERSION it was built with).
 *  Thread-safe; cannot fail. */
ECKID_API unsigned int eckid_abi_version(void);

/** The library version as "MAJOR.MINOR.PATCH" (static string, never NULL, never freed).
 *  Thread-safe; cannot fail. */
ECKID_API const char *eckid_version(void);

/** The library version as a number: MAJOR << 16 | MINOR << 8 | PATCH (0.1.0 is 0x000100), to
 *  compare with ">=". Thread-safe; cannot fail. */
ECKID_API unsigned long eckid_version_number(void);

/** Features a host may test before using them (eckid_features()). A feature's bit is never
 *  reused; a library has every feature of an older one. */
#define ECKID_FEATURE_ONBOARD (1ULL << 0)       /**< eckid_onboard(), eckid_onboard_status() */
#define ECKID_FEATURE_FORGET (1ULL << 1)        /**< eckid_forget_pupil() */
#define ECKID_FEATURE_STATUS_NAME (1ULL << 2)   /**< eckid_status_name() */
#define ECKID_FEATURE_CONFIG_SOURCE (1ULL << 3) /**< eckid_open_source(), eckid_check() */

/** The ECKID_FEATURE_* bits of the loaded library (a host built against a newer header can
 *  test for what an older library lacks). Thread-safe; cannot fail. */
ECKID_API unsigned long long eckid_features(void);

/** A fixed English description of a status (static string, never NULL, never freed);
 *  "unknown status" for a value this library does not know. Thread-safe. */
ECKID_API const char *eckid_strerror(eckid_status status);

/** The stable name of a status: the constant's name without its ECKID_E_ or ECKID_ prefix,
 *  in lowercase ("ok" for ECKID_OK, "invalid_pgn" for ECKID_E_INVALID_PGN, "queued" for
 *  ECKID_QUEUED), for logs, configuration and bindings that map statuses to their own
 *  names. A name never changes once released. "unknown" for a value this library does not
 *  know (a reserved number, or a status of a newer library). Static string, never NULL,
 *  never freed. Thread-safe; cannot fail. */
ECKID_API const char *eckid_status_name(eckid_status status);

/**
 * The message of the last failed call on the calling thread, or "no error" when the last
 * call succeeded. Never NULL. Valid until the next eckid_* call on this thread; owned by
 * the library (do not free). Names what was wrong and what to do; never contains a PGN.
 */
ECKID_API const char *eckid_last_error(void);

/** Releases memory the plugin allocated for the caller. NULL is ignored. Thread-safe. */
ECKID_API void eckid_free(void *ptr);

/* ---- Handle ----------------------------------------------------------------------- */

/**
 * Fills *options with the defaults for the given struct version (pass
 * ECKID_OPEN_OPTIONS_VERSION). Errors: ECKID_E_INVALID_ARGUMENT (NULL), ECKID_E_VERSION
 * (a version this library does not know).
 */
ECKID_API eckid_status eckid_open_options_init(eckid_open_options *options, unsigned int version);

/**
 * Opens the plugin with a per-school configuration file (TOML, UTF-8; format in the
 * project README and packaging/eckid.sample.toml).
 *
 * config_path: path of the configuration file, NUL-terminated.
 * options:     NULL for the defaults, or a struct set up with ECKID_OPEN_OPTIONS_INIT.
 * out:         receives the handle on success, NULL on failure. Close it with eckid_close().
 *
 * Warnings about the configuration (such as an unknown key) go to the log callback.
 * Errors: ECKID_E_INVALID_ARGUMENT, ECKID_E_VERSION, ECKID_E_CONFIG (file, key and what is
 * expected in the last error), ECKID_E_NOMEM, ECKID_E_INTERNAL.
 */
ECKID_API eckid_status eckid_open(const char *config_path, const eckid_open_options *options,
                                  eckid_plugin **out);

/* ---- Configuration from a host, and its check ---------------------------------------- */

/** One school as a host keeps it in its own settings (its database, its settings page): the
 *  fields of a [[school]] table (README "Configuration"), checked exactly as if the file held
 *  them. Strings UTF-8, NUL-terminated, read during the call only; key, oin, sector and each
 *  chain at most ECKID_MAX_KEY_BYTES, start_date at most ECKID_MAX_DATE_BYTES; NULL is read
 *  as "" (then reported as missing by eckid_check()). */
typedef struct eckid_school_settings {
  unsigned int version;      /**< ECKID_SCHOOL_SETTINGS_VERSION */
  const char *key;           /**< the host's school key ([[school]] key) */
  const char *oin;           /**< the school's 20-character OIN */
  const char *sector;        /**< sector id, http://purl.edustandaard.nl/begrippenkader/<uuid> */
  const char *const *chains; /**< chain_count chain ids, as sector */
  size_t chain_count;        /**< at most ECKID_MAX_SCHOOL_CHAINS */
  int enabled;               /**< 1: requests may be sent (from start_date); 0: not yet */
  const char *start_date;    /**< "YYYY-MM-DD", or NULL or "" for none */
} eckid_school_settings;
#define ECKID_SCHOOL_SETTINGS_VERSION 1
#define ECKID_SCHOOL_SETTINGS_INIT \
  { ECKID_SCHOOL_SETTINGS_VERSION, NULL, NULL, NULL, NULL, 0, 0, NULL }

/** Where a configuration comes from (eckid_open_source(), eckid_check()): a file or TOML
 *  text, plus the schools and defaults a host keeps itself. */
typedef struct eckid_config_source {
  unsigned int version; /**< ECKID_CONFIG_SOURCE_VERSION */
  /** The configuration file (at most ECKID_MAX_PATH_BYTES). With text set, only its name (in
   *  messages) and its folder (relative paths, the default state folder) are used. */
  const char *path;
  /** NULL: read path. Else the TOML text itself (UTF-8, at most ECKID_MAX_CONFIG_BYTES). */
  const char *text;
  /** NULL, or TOML text whose values apply where the configuration sets none: a host's own
   *  defaults, such as "[outbox]\ndeadline_ms = 5000\n" for a web request. At most
   *  ECKID_MAX_CONFIG_BYTES. Its problems are reported with the file "host defaults". */
  const char *defaults;
  /** school_count pointers to schools the host keeps, added after the [[school]] tables of
   *  the configuration (a key in both is a duplicate). Their problems are reported with the
   *  file "host settings". May be NULL when school_count is 0. */
  const eckid_school_settings *const *schools;
  size_t school_count; /**< at most ECKID_MAX_SCHOOLS */
} eckid_config_source;
#define ECKID_CONFIG_SOURCE_VERSION 1
#define ECKID_CONFIG_SOURCE_INIT \
  { ECKID_CONFIG_SOURCE_VERSION, NULL, NULL, NULL, NULL, 0 }

/**
 * Opens the plugin with a configuration a host composes: its administrator's file (or text),
 * its own defaults and the schools it keeps in its own settings (eckid_config_source). The
 * same as eckid_open() otherwise.
 *
 * out: receives the handle on success, NULL on failure. Close it with eckid_close().
 * Errors: as eckid_open(); ECKID_E_CONFIG names the first problem (file or "host settings",
 * line, key, what is expected) and how many more there are (eckid_check() lists them all).
 */
ECKID_API eckid_status eckid_open_source(const eckid_config_source *source,
                                         const eckid_open_options *options, eckid_plugin **out);

/** How a check came out. */
typedef enum eckid_verdict {
  ECKID_VERDICT_OK = 0,
  /** Works, but needs attention (an unknown key, a certificate expiring within 60 days). */
  ECKID_VERDICT_WARN = 1,
  /** Keeps the plugin from opening or the service from accepting it. */
  ECKID_VERDICT_FAIL = 2
} eckid_verdict;

/** One finding of eckid_check(). Fields may be added at the end (reached through pointers). */
typedef struct eckid_check_finding {
  eckid_verdict verdict;
  /** What was checked: "config", "certificate", "certificate key", "certificate validity",
   *  "salt", "salt environment", "state" or "state database". */
  const char *check;
  /** The file it is about ("host settings" or "host defaults" for what a host passed), or "". */
  const char *file;
  /** 1-based line in file, 0 when none. */
  unsigned int line;
  /** The configuration key as a TOML path ("service.salt_file", "school[0].oin"), or "". */
  const char *key;
  /** What was found and what to do. Never a salt, password or key. */
  const char *message;
} eckid_check_finding;

/** One school of a checked configuration (one that read without an error). Fields may be
 *  added at the end. */
typedef struct eckid_check_school {
  const char *key;
  const char *oin;
  const char *sector;
  const char *const *chains; /**< chain_count chain ids */
  size_t chain_count;
  int enabled;            /**< 1 or 0 */
  const char *start_date; /**< "YYYY-MM-DD" or "" */
  /** 1 when requests may be sent for it today (enabled, start date reached; local date). */
  int active;
} eckid_check_school;

/** What eckid_check() found: one allocation, released with one eckid_free(). */
typedef struct eckid_check_report {
  unsigned int version; /**< ECKID_CHECK_REPORT_VERSION of this library */
  size_t finding_count;
  /** finding_count pointers, in the order checked: configuration, certificate, salt, state. */
  const eckid_check_finding *const *findings;
  size_t failures; /**< findings with ECKID_VERDICT_FAIL: the plugin will not open, or the
                        service will refuse it */
  size_t warnings; /**< findings with ECKID_VERDICT_WARN */
  size_t school_count;
  const eckid_check_school *const *schools; /**< school_count pointers, in configuration order */
} eckid_check_report;
#define ECKID_CHECK_REPORT_VERSION 1

/**
 * Checks a configuration without opening the plugin or calling the service: every problem of
 * the configuration (not only the first: file, line, key and what is expected), the client
 * certificate (readable, the key belongs to it, validity with a warning within 60 days) and
 * the salt (length; the public sandbox salt only in the sandbox environment, spec "The three
 * tiers"), the state folder (exists or may be made; the calling user may read, write and
 * search it; other users may not) and its database's schema version (read read-only; newer
 * than this library's is a failure), and lists the schools. Changes no file. Never reports
 * anything stored in the state database. For a host's settings page and `eckid doctor`; the
 * service-side checks are eckid_ping(), eckid_retrieve_sectors() and eckid_retrieve_chains().
 *
 * out: receives the report (release it with eckid_free(*out)), also when it has failures;
 *      NULL on error.
 * Errors (no report): ECKID_E_INVALID_ARGUMENT (NULL source or out, a string over its limit),
 * ECKID_E_VERSION, ECKID_E_NOMEM. A bad configuration is not an error of the call: see the
 * report's failures. Thread-safe; reads the files the configuration names.
 */
ECKID_API eckid_status eckid_check(const eckid_config_source *source, eckid_check_report **out);

/**
 * Closes a handle and releases everything it holds. NULL is accepted (ECKID_OK). Must be the
 * last call on the handle; a second close of the same handle returns
 * ECKID_E_INVALID_HANDLE and does nothing. A handle is an opaque token, never reused within
 * the process: a closed handle stays invalid for every call even after later eckid_open()s,
 * and never reaches another open handle.
 */
ECKID_API eckid_status eckid_close(eckid_plugin *plugin);

/* ---- PGN and HPgn ----------------------------------------------------------------- */

/**
 * Validates a PGN without a handle (spec "The three tiers", 1).
 * Pupil: 9 digits d1..d9 with S = 9*d1 + 8*d2 + ... + 2*d8 - d9; a BSN when S mod 11 = 0
 * (the 11-check; not all zeros), an onderwijsnummer when it starts with "10" and
 * S mod 11 = 5. Leading zeros count; spaces, letters or another length are errors. Staff: the
 * reference clients' form "<BRIN> <e-mail>" (spec "The three tiers", 1): a BRIN of 2 digits and
 * 2 letters, exactly one space, an e-mail address (one "@" with text on both sides); printable
 * ASCII, upper or lower case (hashed lowercased), no leading or trailing whitespace, at most
 * 259 bytes.
 *
 * type: optional (may be NULL), receives what the PGN is on success.
 * Errors: ECKID_E_INVALID_ARGUMENT (NULL pgn, unknown kind), ECKID_E_INVALID_PGN (the
 * last error says why, without the PGN). Thread-safe.
 */
ECKID_API eckid_status eckid_pgn_validate(const char *pgn, eckid_pgn_kind kind,
                                          eckid_pgn_type *type);

/**
 * Computes the HPgn of a PGN: lowercase hex of scrypt(P = UTF-8 of the lowercased PGN,
 * S = the configured environment salt, N = 131072, r = 8, p = 4, dkLen = 32)
 * (spec "The three tiers", 1). The PGN is validated first (as eckid_pgn_validate); the
 * plugin clears its own copies of the PGN after use.
 *
 * out:      caller buffer of out_size bytes; receives 64 lowercase hex characters and a
 *           NUL (ECKID_HPGN_BUFFER_SIZE bytes).
 * Cost: about 128 MiB of memory per lane and up to a second or more of CPU.
 * Errors: ECKID_E_INVALID_HANDLE, ECKID_E_INVALID_ARGUMENT, ECKID_E_INVALID_PGN,
 * ECKID_E_BUFFER_TOO_SMALL (nothing written), ECKID_E_NOMEM, ECKID_E_CRYPTO.
 * Thread-safe: several threads may hash at once on one handle.
 */
ECKID_API eckid_status eckid_hpgn(eckid_plugin *plugin, const char *pgn, eckid_pgn_kind kind,
                                  char *out, size_t out_size);

/* ---- The Nummervoorziening ------------------------------------------------------- */

/**
 * The SOAP fault of the last call on the calling thread that ended in ECKID_E_SOAP_FAULT or
 * ECKID_E_NOT_AUTHORISED (SOAP 1.1 faultcode, faultstring, faultactor): a call to the service,
 * or an event whose result has that status. The fault is kept with the event in the outbox, so
 * it is also there after eckid_poll() or eckid_event_result() handed out such a result (or a
 * queued one being retried after a fault), and inside the result callback for the result it
 * is called with. Each out pointer may be NULL; each receives a string owned by the library
 * (never NULL, "" when absent), valid until the next eckid_* call on this thread. Returns
 * ECKID_OK when there is such a fault, else ECKID_E_INVALID_ARGUMENT with all outputs "".
 */
ECKID_API eckid_status eckid_last_fault(const char **code, const char **string, const char **actor);

/**
 * Checks that the service can be reached and accepts this client for a school: a `ping`
 * with the school's OIN in wsa:From (WSDL operation ping). Meant for a "doctor" check.
 *
 * application_version: optional (may be NULL); receives the service's applicationVersion
 *                      (release it with eckid_free()) when the call succeeds.
 * A server clock more than 5 minutes off is logged as a warning.
 * Errors: ECKID_E_INVALID_HANDLE, ECKID_E_INVALID_ARGUMENT, ECKID_E_UNKNOWN_SCHOOL,
 * ECKID_E_NOT_AUTHORISED (the service answered with a fault), ECKID_E_SERVICE_DOWN
 * (available = false), ECKID_E_TIMEOUT, ECKID_E_TLS, ECKID_E_CONNECT, ECKID_E_HTTP,
 * ECKID_E_BAD_RESPONSE, ECKID_E_RESPONSE_TOO_LARGE, ECKID_E_NOMEM. Thread-safe.
 */
ECKID_API eckid_status eckid_ping(eckid_plugin *plugin, const char *school_key,
                                  char **application_version);

/** One chain or sector as the service lists it (WSDL types Chain and Sector). Fields may be
 *  added at the end (reached through pointers). */
typedef struct eckid_catalog_entry {
  const char *id;          /**< http://purl.edustandaard.nl/begrippenkader/<uuid> */
  const char *name;        /**< display name */
  const char *description; /**< description, may be "" */
  const char *last_edited; /**< xsd:dateTime as the service sent it */
} eckid_catalog_entry;

/** A list of chains or sectors: one allocation, released with one eckid_free(). */
typedef struct eckid_catalog {
  size_t count;
  /** count pointers, in the service's order; entries and strings live in the same
   *  allocation */
  const eckid_catalog_entry *const *entries;
} eckid_catalog;

/**
 * The chains (retrieveChains) or sectors (retrieveSectors) the service knows, asked for a
 * school (its OIN goes into wsa:From). Lets a host or an administrator check configured
 * ids against the service.
 *
 * out: receives the list; release it with eckid_free(*out). NULL on failure.
 * Errors: as eckid_ping(), with ECKID_E_SOAP_FAULT for a fault.
 */
ECKID_API eckid_status eckid_retrieve_chains(eckid_plugin *plugin, const char *school_key,
                                             eckid_catalog **out);
/** As eckid_retrieve_chains(), for the sectors (WSDL operation retrieveSectors). */
ECKID_API eckid_status eckid_retrieve_sectors(eckid_plugin *plugin, const char *school_key,
                                              eckid_catalog **out);

/* ---- Enrolment events ------------------------------------------------------------- */

/** One ECK iD of a pupil: for one chain of the school's sector. Fields may be added at the
 *  end (reached through pointers). */
typedef struct eckid_chain_eckid {
  const char *chain; /**< chain id, http://purl.edustandaard.nl/begrippenkader/<uuid> */
  const char *eckid; /**< the whole ECK iD URI, https://ketenid.nl/<segment>/<128 hex> */
} eckid_chain_eckid;

/** A pupil's ECK iDs at one school: one allocation, released with one eckid_free(). */
typedef struct eckid_result {
  const char *school_key;
  const char *pupil_key;
  const char *sector; /**< the school's sector id */
  size_t count;       /**< number of chains (one in the common case) */
  /** count pointers, in the order of the school's chains */
  const eckid_chain_eckid *const *eckids;
  /** The event's outbox id (0 for eckid_pupil_lookup()): stable across restarts, the key
   *  to drop duplicate deliveries and to eckid_ack(). */
  unsigned long long event_id;
  /** ECKID_OK, ECKID_QUEUED, or the status the event failed with. */
  eckid_status status;
  /** "" on success, else what went wrong (the service's message for a fault). */
  const char *message;
} eckid_result;

/** Pupil created: a new enrolment (design "What each event means"). */
typedef struct eckid_pupil_created_event {
  unsigned int version;   /**< ECKID_PUPIL_CREATED_EVENT_VERSION */
  const char *school_key; /**< the [[school]] key */
  const char *pupil_key;  /**< the host's pupil id, stable across schools */
  const char *pgn;        /**< BSN or onderwijsnummer (or staff PGN with kind) */
  eckid_pgn_kind kind;    /**< ECKID_PGN_PUPIL (default) or ECKID_PGN_STAFF */
  /** "YYYY-MM-DD" (a date that exists), or NULL or ""; informational. An invalid date is
   *  refused with ECKID_E_INVALID_ARGUMENT naming the field, before anything is stored. */
  const char *enrolment_date;
} eckid_pupil_created_event;
#define ECKID_PUPIL_CREATED_EVENT_VERSION 1
#define ECKID_PUPIL_CREATED_EVENT_INIT \
  { ECKID_PUPIL_CREATED_EVENT_VERSION, NULL, NULL, NULL, ECKID_PGN_PUPIL, NULL }

/** Pupil transferred from one school to another. */
typedef struct eckid_pupil_transferred_event {
  unsigned int version; /**< ECKID_PUPIL_TRANSFERRED_EVENT_VERSION */
  const char *pupil_key;
  const char *from_school_key;
  const char *to_school_key;
  const char *pgn;
  eckid_pgn_kind kind;
  const char *date; /**< as enrolment_date of eckid_pupil_created_event */
} eckid_pupil_transferred_event;
#define ECKID_PUPIL_TRANSFERRED_EVENT_VERSION 1
#define ECKID_PUPIL_TRANSFERRED_EVENT_INIT \
  { ECKID_PUPIL_TRANSFERRED_EVENT_VERSION, NULL, NULL, NULL, NULL, ECKID_PGN_PUPIL, NULL }

/** The pupil's PGN changed (onderwijsnummer -> BSN, or a corrected BSN). */
typedef struct eckid_pgn_changed_event {
  unsigned int version; /**< ECKID_PGN_CHANGED_EVENT_VERSION */
  const char *school_key;
  const char *pupil_key;
  const char *old_pgn;
  const char *new_pgn;
  eckid_pgn_kind kind;
  /** NULL or "" (now), "YYYY-MM-DD" (midnight UTC) or an xsd:dateTime
   *  "YYYY-MM-DDThh:mm:ss[.fff][Z|+hh:mm|-hh:mm]": replaceStampseudonym's effectiveDate. Every
   *  part is checked (month 01-12, a day of that month, hour 00-23, minute and second 00-59,
   *  zone up to 14:00); an invalid one is refused with ECKID_E_INVALID_ARGUMENT naming the
   *  field, before anything is stored or sent. */
  const char *effective_date;
} eckid_pgn_changed_event;
#define ECKID_PGN_CHANGED_EVENT_VERSION 1
#define ECKID_PGN_CHANGED_EVENT_INIT \
  { ECKID_PGN_CHANGED_EVENT_VERSION, NULL, NULL, NULL, NULL, ECKID_PGN_PUPIL, NULL }

/**
 * Pupil created at a school: validates the PGN, computes the HPgn, asks the service for the
 * stampseudonym and the ECK iD for each chain of the school's sector, records
 * (school, pupil) -> HPgn, sector, ECK iDs in the state database, and returns them. Fired
 * twice for the same pupil and PGN, it returns the recorded ECK iDs without a service call.
 * Fired again while the same event is still queued, it shares that event (same event_id);
 * fired again after the same event failed for good (eckid_list_failed()), it is a new
 * attempt of that event (same event_id, attempts counted from zero), as after
 * eckid_retry_failed(). The same holds for every event call.
 *
 * The event is first stored in the outbox (durably), then processed by a plugin worker. In
 * synchronous delivery the call waits up to [outbox] deadline_ms for the result; else, or
 * when the deadline passes, it returns ECKID_QUEUED and the result comes later through the
 * result callback or eckid_poll(). Transient service failures are retried with backoff.
 *
 * out: receives the result (also for ECKID_QUEUED: event_id set, count 0, and for a failed
 *      event: status and message); release it with eckid_free(*out). NULL when the event
 *      was refused before it was queued.
 * Refused at once, nothing queued or sent: ECKID_E_INVALID_HANDLE, ECKID_E_INVALID_ARGUMENT,
 * ECKID_E_VERSION, ECKID_E_UNKNOWN_SCHOOL, ECKID_E_NOT_ENABLED (school disabled or before
 * its start_date), ECKID_E_INVALID_PGN, ECKID_E_STATE.
 * Outcomes of a processed event (returned, or in a delivered result's status):
 * ECKID_E_PUPIL_CONFLICT (recorded with another PGN), ECKID_E_DUPLICATE_PGN (another pupil
 * key holds the PGN in the school's sector; firing again for the same pupil key is not a
 * duplicate) and every service status of
 * eckid_ping() that is not retried (a fault, TLS, not authorised) or still fails after
 * [outbox] max_attempts.
 * Thread-safe: events for one pupil are applied one at a time, in call order.
 */
ECKID_API eckid_status eckid_pupil_created(eckid_plugin *plugin,
                                           const eckid_pupil_created_event *event,
                                           eckid_result **out);

/**
 * Pupil transferred. Same sector: the pupil keeps the ECK iD recorded at the from-school
 * (no new identity, no service call when every chain of the to-school is known). Other
 * sector: a new ECK iD for the to-school's sector; the from-school's record stays. Without
 * a record at the from-school, this is a pupil created at the to-school. The PGN is
 * checked against the recorded HPgn (ECKID_E_PUPIL_CONFLICT when it differs), and against
 * the other pupils of the to-school's sector (ECKID_E_DUPLICATE_PGN).
 * out and errors as eckid_pupil_created(); the result is the to-school's record.
 */
ECKID_API eckid_status eckid_pupil_transferred(eckid_plugin *plugin,
                                               const eckid_pupil_transferred_event *event,
                                               eckid_result **out);

/**
 * PGN changed: replaceStampseudonym(old HPgn, new HPgn[, effectiveDate]) (WSDL order:
 * hpgnOld first), then the ECK iDs again; the pupil keeps the same ECK iD (spec
 * "Operations"). The record's HPgn becomes the new one. A record at the school must have
 * been made with old_pgn (ECKID_E_PUPIL_CONFLICT otherwise); one already made with new_pgn
 * is returned unchanged. A new_pgn that another pupil key holds in the school's sector is
 * refused with ECKID_E_DUPLICATE_PGN before replaceStampseudonym is sent (it would merge two
 * pupils' identities). out and errors as eckid_pupil_created().
 */
ECKID_API eckid_status eckid_pgn_changed(eckid_plugin *plugin, const eckid_pgn_changed_event *event,
                                         eckid_result **out);

/**
 * The recorded ECK iDs of a pupil at a school, from the state database only (no service
 * call, no PGN needed). Errors: ECKID_E_INVALID_HANDLE, ECKID_E_INVALID_ARGUMENT,
 * ECKID_E_UNKNOWN_SCHOOL, ECKID_E_NOT_FOUND, ECKID_E_STATE, ECKID_E_NOMEM. Thread-safe.
 */
ECKID_API eckid_status eckid_pupil_lookup(eckid_plugin *plugin, const char *school_key,
                                          const char *pupil_key, eckid_result **out);

/**
 * Forgets a pupil at a school: call it when the host deletes the pupil (or the pupil's
 * enrolment there for good), so that nothing personal of the pupil stays in the plugin, and a
 * new pupil who later gets the same pupil key starts from nothing (never the old pupil's
 * ECK iD). No service call; the Nummervoorziening keeps nothing the plugin could delete (spec
 * "Operations": its operations only derive).
 *
 * Removes from the state database, in one transaction, everything of pupil_key at
 * school_key: the record (HPgn, sector) and its ECK iDs; every outbox event of the pupil for
 * that school - queued, in progress, failed or finished but unacknowledged - with its sealed
 * PGNs and, for onboarding (eckid_onboard()), the HPgn, stampseudonym and ECK iDs gathered so
 * far; and the onboarding memory of the pupil at that school. Nothing personal of the pupil at
 * that school is kept (the log lines written before keep what they said: pupil keys, never a
 * PGN). A queued event is never sent afterwards; its result is not delivered (no callback,
 * eckid_poll() and eckid_event_result() do not find it, eckid_ack() returns
 * ECKID_E_NOT_FOUND).
 *
 * Other schools are untouched: the plugin records a pupil per school (a transfer copies the
 * ECK iD into the to-school's own record), so after a transfer from school A to school B of
 * the same sector, forgetting the pupil at A leaves B's record and its (same) ECK iD as they
 * are. Forget at every school the host deletes the pupil from. An event for another school is
 * that school's: a queued transfer from A to B stays, and without A's record it is applied
 * as a pupil created at B (the service gives the same ECK iD for the same PGN and sector).
 *
 * An event of the pupil at that school in progress when this is called (a worker of this or
 * of another handle or process on the same state directory, waiting for the service) never
 writes its record back: a record is saved only in a transaction that finds its event still
 * in the outbox. One still hashing the PGN sends nothing (the event is looked up again before
 * the first request); requests already sent cannot be called back. Its outcome is dropped:
 * no callback, nothing to poll; a synchronous event call still waiting for it returns
 * ECKID_E_NOT_FOUND. The same holds for a pupil of an onboarding list (eckid_onboard()), except
 * that a batch already formed is still sent whole. An event fired after this call is a new
 * pupil's.
 *
 * Idempotent: forgetting a pupil with nothing recorded (never created, or already forgotten)
 * is ECKID_OK. The school must be configured; it need not be enabled (a disabled school's
 * pupils can be forgotten). The log gets one line with the pupil key and the counts removed.
 * Deleted rows are overwritten with zeros in the database file (SQLite secure_delete), and the
 * write-ahead journal (eckid.db-wal) is checkpointed and emptied when no other connection is
 * reading at that moment (else at a later checkpoint).
 *
 * school_key, pupil_key: non-empty, at most ECKID_MAX_KEY_BYTES.
 * Errors: ECKID_E_INVALID_HANDLE, ECKID_E_INVALID_ARGUMENT, ECKID_E_UNKNOWN_SCHOOL,
 * ECKID_E_STATE (nothing was removed). Thread-safe; does not wait for events in progress.
 */
ECKID_API eckid_status eckid_forget_pupil(eckid_plugin *plugin, const char *school_key,
                                          const char *pupil_key);

/* ---- Outbox: delivery, acknowledgement, administration ------------------------------- */

/**
 * The next finished, unacknowledged result not yet handed out by eckid_poll() on this
 * handle (oldest first). After a restart, every unacknowledged result is handed out again.
 * out: receives the result; release it with eckid_free(*out).
 * Errors: ECKID_E_NOT_FOUND (nothing to deliver now), ECKID_E_INVALID_HANDLE,
 * ECKID_E_INVALID_ARGUMENT, ECKID_E_STATE. Thread-safe.
 */
ECKID_API eckid_status eckid_poll(eckid_plugin *plugin, eckid_result **out);

/**
 * Acknowledges a delivered result: it will not be delivered again. A successful event is
 * then removed from the outbox; a failed one stays listed for eckid_retry_failed().
 * Errors: ECKID_E_NOT_FOUND (no finished event with this id), ECKID_E_INVALID_HANDLE,
 * ECKID_E_STATE. Thread-safe; allowed inside the result callback.
 */
ECKID_API eckid_status eckid_ack(eckid_plugin *plugin, unsigned long long event_id);

/**
 * The current state of one event: status ECKID_QUEUED while it waits or runs (message:
 * the last transient failure, if any), else its outcome. out: release with eckid_free().
 * Errors: ECKID_E_NOT_FOUND (no such event, or done and acknowledged),
 * ECKID_E_INVALID_HANDLE, ECKID_E_INVALID_ARGUMENT, ECKID_E_STATE. Thread-safe.
 */
ECKID_API eckid_status eckid_event_result(eckid_plugin *plugin, unsigned long long event_id,
                                          eckid_result **out);

/** The outbox at a glance (eckid_queue_status()). Fields are only ever added at the end;
 *  the library fills only those of the version the caller set (a version 1 struct ends
 *  before `due`). */
typedef struct eckid_queue_info {
  unsigned int version;           /**< ECKID_QUEUE_INFO_VERSION */
  unsigned long long queued;      /**< events waiting or in progress (onboarding pupils too) */
  unsigned long long failed;      /**< events that failed for good (eckid_retry_failed()) */
  unsigned long long undelivered; /**< finished results not yet acknowledged */
  long long oldest_queued_age_ms; /**< age of the oldest queued event in ms, 0 when none */
  int service_paused;             /**< 1 while the circuit breaker holds calls back */
  /* version 2: */
  /** Of the queued, those that may be worked on now, by this or another open
   *  handle on the state folder, including those in progress: events whose retry time has
   *  come (and whose pupil has no earlier event still waiting), and onboarding pupils of the
   *  configured schools to hash, in a batch being sent or polled, or ready for a batch. Not
   *  due: an event waiting for its retry after a transient failure, onboarding held back by
   *  the service's daily batch limit or by a pause after a service failure, and pupils of a
   *  school not active (not enabled, before its start date). 0 with queued > 0 means that
   *  everything queued waits for later. */
  unsigned long long due;
  /** Milliseconds until the earliest waiting work (see `due`) is due, 0 when
   *  that time has just come; -1 when nothing waits for a known time. */
  long long next_due_in_ms;
} eckid_queue_info;
#define ECKID_QUEUE_INFO_VERSION 2
#define ECKID_QUEUE_INFO_INIT \
  { ECKID_QUEUE_INFO_VERSION, 0, 0, 0, 0, 0, 0, -1 }

/** Fills *info (whose version the caller set with ECKID_QUEUE_INFO_INIT). Errors:
 *  ECKID_E_INVALID_HANDLE, ECKID_E_INVALID_ARGUMENT, ECKID_E_VERSION, ECKID_E_STATE.
 *  Thread-safe. */
ECKID_API eckid_status eckid_queue_status(eckid_plugin *plugin, eckid_queue_info *info);

/**
 * Lists failed events (oldest first), for an administrator: their ids go into the caller's
 * array; details with eckid_event_result(), a new attempt with eckid_retry_failed().
 * ids: array of capacity entries (may be NULL when capacity is 0).
 * count: receives the number of failed events, which may exceed capacity (then only the
 * first capacity ids are written). Errors: ECKID_E_INVALID_HANDLE, ECKID_E_INVALID_ARGUMENT,
 * ECKID_E_STATE. Thread-safe.
 */
ECKID_API eckid_status eckid_list_failed(eckid_plugin *plugin, unsigned long long *ids,
                                         size_t capacity, size_t *count);

/**
 * Puts failed events back in the queue after the cause was fixed: one (event_id) or all
 * (event_id 0). count (may be NULL) receives how many. Errors: ECKID_E_INVALID_HANDLE,
 * ECKID_E_NOT_FOUND (no failed event with this id), ECKID_E_STATE. Thread-safe.
 */
ECKID_API eckid_status eckid_retry_failed(eckid_plugin *plugin, unsigned long long event_id,
                                          unsigned long long *count);

/* ---- Onboarding: a school's whole pupil list at once (batch operations) ------------- */

/** One pupil (or staff member) of an onboarding list. Initialise with
 *  ECKID_ONBOARD_PUPIL_INIT; fields are only ever added at the end. */
typedef struct eckid_onboard_pupil {
  unsigned int version;  /**< ECKID_ONBOARD_PUPIL_VERSION */
  const char *pupil_key; /**< the host's pupil id: non-empty, unique within the list */
  const char *pgn;       /**< BSN or onderwijsnummer (staff PGN with kind); unique in the list */
  eckid_pgn_kind kind;   /**< ECKID_PGN_PUPIL (default) or ECKID_PGN_STAFF */
} eckid_onboard_pupil;
#define ECKID_ONBOARD_PUPIL_VERSION 1
#define ECKID_ONBOARD_PUPIL_INIT \
  { ECKID_ONBOARD_PUPIL_VERSION, NULL, NULL, ECKID_PGN_PUPIL }

/** What became of one pupil of the list, at the same position as in the input. Fields may
 *  be added at the end (reached through pointers). */
typedef struct eckid_onboard_receipt {
  /** The pupil's outbox event id (its result follows through the result callback or
   *  eckid_poll(), like an event's), or 0 when the pupil was refused. */
  unsigned long long event_id;
  /** ECKID_QUEUED (accepted; also for a pupil already recorded with this PGN, whose result
   *  is delivered at once without hashing or a service call), or why it was refused:
   *  ECKID_E_INVALID_PGN (also a PGN longer than ECKID_MAX_PGN_BYTES),
   *  ECKID_E_INVALID_ARGUMENT (a NULL entry, an empty pupil key or one longer than
   *  ECKID_MAX_KEY_BYTES, a kind that is not an eckid_pgn_kind, a pupil key or PGN that
   *  appears earlier in the list), ECKID_E_VERSION (the entry's version is not set or newer
   *  than this library knows). */
  eckid_status status;
  /** "" when accepted, else what was wrong (never the PGN; names the earlier position of a
   *  duplicate). */
  const char *message;
} eckid_onboard_receipt;

/** The receipts of one eckid_onboard() call: one allocation, released with one
 *  eckid_free(). */
typedef struct eckid_onboard_receipts {
  size_t count;                                 /**< pointers in receipts: the input's count */
  const eckid_onboard_receipt *const *receipts; /**< count pointers, in input order */
  size_t accepted;                              /**< receipts with event_id != 0 */
  size_t refused;                               /**< receipts with event_id == 0 */
} eckid_onboard_receipts;

/**
 * Onboarding: asks ECK iDs for a school's whole pupil list with the service's batch
 * operations (spec "Operations": submitStampseudonymBatch, submitEckIdBatch,
 * retrieveBatch) instead of two calls per pupil. Each accepted pupil becomes an outbox event
 * (durable before this call returns; PGN only sealed) whose result - the pupil's ECK iDs or
 * the service's message for that pupil - arrives through the result callback or
 * eckid_poll(), then eckid_ack() as for events. The plugin hashes on every core while
 * earlier batches are with the service; [onboarding] in the configuration sets the batch
 * size and the polling policy. A batch the service no longer has is resubmitted with only
 * its unrecorded pupils; at the service's daily batch limit the rest waits for the next UTC
 * day (eckid_onboard_status()). Calling again with the same list is safe: pupils still
 * queued keep their event, failed ones are tried again, and pupils recorded with the same
 * PGN are not hashed or sent again. A pupil recorded with another PGN fails with
 * ECKID_E_PUPIL_CONFLICT.
 *
 * school_key: the [[school]] key. pupils: count pointers to pupils, each set up with
 * ECKID_ONBOARD_PUPIL_INIT (count may be 0, at most ECKID_MAX_ONBOARD_PUPILS; pupils may be
 * NULL when count is 0); read during the call only. A NULL pointer or an unknown version
 * refuses that pupil only (see the receipts). out: receives the receipts (release with
 * eckid_free(*out)); NULL on error.
 * Errors (nothing queued): ECKID_E_INVALID_HANDLE, ECKID_E_INVALID_ARGUMENT (NULL, count
 * above ECKID_MAX_ONBOARD_PUPILS - checked before any pupil is read),
 * ECKID_E_UNKNOWN_SCHOOL, ECKID_E_NOT_ENABLED, ECKID_E_STATE, ECKID_E_NOMEM. A refused
 * pupil is not an error of the call: see the receipts. Thread-safe.
 */
ECKID_API eckid_status eckid_onboard(eckid_plugin *plugin, const char *school_key,
                                     const eckid_onboard_pupil *const *pupils, size_t count,
                                     eckid_onboard_receipts **out);

/** Onboarding progress of one school (eckid_onboard_status()): pupils not yet finished,
 *  by stage. Finished ones are in eckid_queue_status(). */
typedef struct eckid_onboard_info {
  unsigned int version;        /**< ECKID_ONBOARD_INFO_VERSION */
  unsigned long long waiting;  /**< accepted, HPgn not computed yet */
  unsigned long long hashed;   /**< HPgn computed, waiting for a batch */
  unsigned long long in_batch; /**< in a batch the service is working on */
  unsigned long long deferred; /**< held back by the service's daily batch limit */
  long long deferred_until_ms; /**< Unix time in ms they are tried again; 0 if none */
} eckid_onboard_info;
#define ECKID_ONBOARD_INFO_VERSION 1
#define ECKID_ONBOARD_INFO_INIT \
  { ECKID_ONBOARD_INFO_VERSION, 0, 0, 0, 0, 0 }

/** Fills *info (version set with ECKID_ONBOARD_INFO_INIT) for school_key. Errors:
 *  ECKID_E_INVALID_HANDLE, ECKID_E_INVALID_ARGUMENT, ECKID_E_VERSION,
 *  ECKID_E_UNKNOWN_SCHOOL, ECKID_E_STATE. Thread-safe. */
ECKID_API eckid_status eckid_onboard_status(eckid_plugin *plugin, const char *school_key,
                                            eckid_onboard_info *info);

#ifdef __cplusplus
}
#endif

#endif /* ECKID_ECKID_H */
