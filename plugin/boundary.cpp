// The C boundary: every exported eckid_* function, and nothing else. Each one is noexcept,
// checks its arguments, and turns every C++ failure into a status plus the thread's last
// error. Nothing throws across, nothing aborts.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "check/check.hpp"
#include "core/plugin.hpp"
#include "eckid/eckid.h"
#include "nv/fault.hpp"
#include "pgn/pgn.hpp"
#include "util/datetime.hpp"
#include "util/error.hpp"

#define ECKID_EXPORT extern "C" __attribute__((visibility("default")))

// What an eckid_plugin * stands for. The host never holds its address: it holds a token the
// Registry maps to it (see there).
struct PluginHandle {
  PluginHandle(const eckid::ConfigSource &source, const eckid_open_options &options);
  eckid_delivery delivery;
  eckid_result_fn on_result;
  void *result_payload;
  std::mutex poll_mutex;
  std::set<std::int64_t> handed_out;  // unacknowledged results eckid_poll() already gave
  eckid::Plugin core;                 // last: its workers stop before the fields above go
};

namespace {

constexpr const char *kNoError = "no error";
thread_local std::string t_message;
thread_local const char *t_last_error = kNoError;
thread_local eckid::nv::FaultDetail t_fault;
thread_local bool t_has_fault = false;

void set_last_error(const char *fallback, const char *message) noexcept {
  try {
    t_message = message;
    t_last_error = t_message.c_str();
  } catch (...) {
    t_last_error = fallback;
  }
}

// Handles this library opened and has not closed. The eckid_plugin * a host holds is an
// opaque token, never an address: each eckid_open() gets a new one (a 64-bit counter, never
// reused in the process), so a closed handle stays closed even when the next handle's memory
// lands where the closed one was, and a stale or forged value is refused instead of touching
// freed memory.
class Registry {
 public:
  eckid_plugin *add(std::unique_ptr<PluginHandle> p) {
    std::lock_guard lock(mutex_);
    const std::uintptr_t token = kBase + (++opened_ << 4);
    live_.emplace(token, std::move(p));
    return reinterpret_cast<eckid_plugin *>(token);
  }
  // Takes the handle out (the caller destroys it outside the lock: its workers' callbacks
  // may call back into the registry); nullptr when the token is not live.
  std::unique_ptr<PluginHandle> remove(eckid_plugin *token) {
    std::lock_guard lock(mutex_);
    const auto it = live_.find(reinterpret_cast<std::uintptr_t>(token));
    if (it == live_.end()) return nullptr;
    auto p = std::move(it->second);
    live_.erase(it);
    return p;
  }
  PluginHandle *find(eckid_plugin *token) {
    std::lock_guard lock(mutex_);
    const auto it = live_.find(reinterpret_cast<std::uintptr_t>(token));
    return it == live_.end() ? nullptr : it->second.get();
  }

 private:
  // Tokens start far from NULL and small integers a host might pass by mistake.
  static constexpr std::uintptr_t kBase = 0x5ec10000;
  std::mutex mutex_;
  std::uintptr_t opened_ = 0;
  std::unordered_map<std::uintptr_t, std::unique_ptr<PluginHandle>> live_;
};

Registry &registry() {
  static Registry r;  // never destroyed before the last call: a function-local static
  return r;
}

// Runs body, mapping every exception to a status and the thread's last error.
template <class Body>
eckid_status guarded(Body &&body) noexcept {
  try {
    t_last_error = kNoError;
    t_has_fault = false;
    body();
    return ECKID_OK;
  } catch (const eckid::nv::ServiceFault &e) {
    set_last_error(eckid_strerror(e.status()), e.what());
    try {
      t_fault = e.detail();
      t_has_fault = true;
    } catch (...) {
    }
    return e.status();
  } catch (const eckid::Error &e) {
    set_last_error(eckid_strerror(e.status()), e.what());
    return e.status();
  } catch (const std::bad_alloc &) {
    t_last_error = "out of memory; free memory on the host (an HPgn needs about 128 MiB)";
    return ECKID_E_NOMEM;
  } catch (const std::exception &e) {
    set_last_error("internal error", (std::string("internal error: ") + e.what()).c_str());
    return ECKID_E_INTERNAL;
  } catch (...) {
    t_last_error = "internal error: unknown exception";
    return ECKID_E_INTERNAL;
  }
}

// Makes an event's kept SOAP fault the calling thread's eckid_last_fault() (none: unchanged).
void remember_fault(const eckid::OutboxEvent &e) noexcept {
  if (!e.fault) return;
  try {
    t_fault = *e.fault;
    t_has_fault = true;
  } catch (...) {
  }
}

[[noreturn]] void bad_argument(const std::string &what) {
  throw eckid::Error(ECKID_E_INVALID_ARGUMENT, what);
}

void require(const void *p, const char *name) {
  if (p == nullptr) bad_argument(std::string(name) + " is NULL");
}

PluginHandle &handle(eckid_plugin *plugin) {
  PluginHandle *p = plugin == nullptr ? nullptr : registry().find(plugin);
  if (p == nullptr) {
    throw eckid::Error(ECKID_E_INVALID_HANDLE,
                       "the plugin handle is NULL or already closed; open one with eckid_open()");
  }
  return *p;
}

eckid::Plugin &live(eckid_plugin *plugin) {
  return handle(plugin).core;
}

// The value of a C enum as the int the caller stored. A C caller may store any int in an
// enum; loading an out-of-range value as the C++ enum type is undefined behaviour, so the
// bytes are copied instead.
template <class Enum>
int enum_value(const Enum &e) noexcept {
  static_assert(sizeof(Enum) == sizeof(int), "C enums are int-sized on supported ABIs");
  int v = 0;
  std::memcpy(&v, &e, sizeof v);
  return v;
}

// A PGN kind read from the caller, checked before it is used as an eckid_pgn_kind.
eckid_pgn_kind pgn_kind(const eckid_pgn_kind &kind, const std::string &name) {
  const int v = enum_value(kind);
  if (v != ECKID_PGN_PUPIL && v != ECKID_PGN_STAFF) {
    bad_argument(name + " is " + std::to_string(v) +
                 "; expected ECKID_PGN_PUPIL (0) or ECKID_PGN_STAFF (1)");
  }
  return static_cast<eckid_pgn_kind>(v);
}

// Length of a caller's string, reading at most max + 1 bytes of it; throws `over` (naming the
// field and the limit, never the value) when it is longer than max bytes.
std::size_t bounded_length(const char *value, const std::string &name, std::size_t max,
                           const char *limit_name, eckid_status over = ECKID_E_INVALID_ARGUMENT) {
  const std::size_t n = strnlen(value, max + 1);
  if (n > max) {
    throw eckid::Error(over, name + " is longer than " + limit_name + " (" + std::to_string(max) +
                                 " bytes); nothing was stored or sent");
  }
  return n;
}

// A required PGN argument: not NULL, at most ECKID_MAX_PGN_BYTES.
std::string_view pgn_arg(const char *value, const std::string &name) {
  require(value, name.c_str());
  return {value, bounded_length(value, name, ECKID_MAX_PGN_BYTES, "ECKID_MAX_PGN_BYTES",
                                ECKID_E_INVALID_PGN)};
}

// A required key argument (school or pupil key): not NULL, not empty, at most
// ECKID_MAX_KEY_BYTES.
std::string_view key_arg(const char *value, const std::string &name) {
  require(value, name.c_str());
  if (*value == '\0') bad_argument(name + " is empty");
  return {value, bounded_length(value, name, ECKID_MAX_KEY_BYTES, "ECKID_MAX_KEY_BYTES")};
}

static_assert(ECKID_MAX_PGN_BYTES == eckid::kMaxStaffPgnBytes);
static_assert(ECKID_MAX_DATE_BYTES == eckid::kMaxDateTimeChars);

}  // namespace

ECKID_EXPORT unsigned int eckid_abi_version(void) {
  return ECKID_ABI_VERSION;
}

ECKID_EXPORT const char *eckid_version(void) {
  return ECKID_VERSION_STRING;
}

ECKID_EXPORT const char *eckid_strerror(int status) {
  switch (status) {
    case ECKID_OK:
      return "success";
    case ECKID_E_INVALID_ARGUMENT:
      return "invalid argument";
    case ECKID_E_VERSION:
      return "unsupported struct version";
    case ECKID_E_NOMEM:
      return "out of memory";
    case ECKID_E_CONFIG:
      return "configuration error";
    case ECKID_E_INVALID_PGN:
      return "invalid PGN";
    case ECKID_E_BUFFER_TOO_SMALL:
      return "buffer too small";
    case ECKID_E_UNKNOWN_SCHOOL:
      return "unknown school";
    case ECKID_E_NOT_ENABLED:
      return "school not enabled";
    case ECKID_E_CRYPTO:
      return "cryptographic failure";
    case ECKID_E_INVALID_HANDLE:
      return "invalid or closed plugin handle";
    case ECKID_E_INTERNAL:
      return "internal error";
    case ECKID_E_SOAP_FAULT:
      return "the service answered with a SOAP fault";
    case ECKID_E_HTTP:
      return "HTTP error from the service";
    case ECKID_E_TIMEOUT:
      return "the service did not answer in time";
    case ECKID_E_TLS:
      return "TLS failure";
    case ECKID_E_CONNECT:
      return "cannot connect to the service";
    case ECKID_E_NOT_AUTHORISED:
      return "not authorised by the service (certificate or OIN)";
    case ECKID_E_SERVICE_DOWN:
      return "the service reports itself unavailable";
    case ECKID_E_BAD_RESPONSE:
      return "unusable answer from the service";
    case ECKID_E_RESPONSE_TOO_LARGE:
      return "answer from the service too large";
    case ECKID_E_CREDENTIALS:
      return "client certificate or key unusable";
    case ECKID_E_PUPIL_CONFLICT:
      return "the pupil's record disagrees with the event";
    case ECKID_E_NOT_FOUND:
      return "not found";
    case ECKID_E_STATE:
      return "state database error";
    case ECKID_QUEUED:
      return "queued: the result follows through the callback or eckid_poll()";
    case ECKID_E_DUPLICATE_PGN:
      return "another pupil is recorded with the same PGN";
    default:
      return "unknown status";
  }
}

ECKID_EXPORT const char *eckid_last_error(void) {
  return t_last_error;
}

ECKID_EXPORT void eckid_free(void *ptr) {
  std::free(ptr);
}

ECKID_EXPORT eckid_status eckid_open_options_init(eckid_open_options *options,
                                                  unsigned int version) {
  return guarded([&] {
    require(options, "options");
    if (version == 0 || version > ECKID_OPEN_OPTIONS_VERSION) {
      throw eckid::Error(ECKID_E_VERSION, "eckid_open_options version " + std::to_string(version) +
                                              " is not supported; this library knows versions 1 "
                                              "to " +
                                              std::to_string(ECKID_OPEN_OPTIONS_VERSION));
    }
    const eckid_open_options defaults ECKID_OPEN_OPTIONS_INIT;
    // A version 1 struct ends before `delivery`: write only what the caller has.
    std::memcpy(options, &defaults,
                version == 1 ? offsetof(eckid_open_options, delivery) : sizeof defaults);
    options->version = version;
  });
}

namespace {

// A struct version the library knows: 1 to current (older structs are shorter: their callers
// are served with the fields they have).
void accept_version(unsigned int version, unsigned int current, const char *name) {
  if (version == 0 || version > current) {
    throw eckid::Error(ECKID_E_VERSION, std::string(name) + ".version is " +
                                            std::to_string(version) + "; this library knows 1 to " +
                                            std::to_string(current) +
                                            " (set it with the _INIT "
                                            "macro)");
  }
}

// Opens a handle on source with the caller's options (NULL: defaults) into *out.
void open_handle(const eckid::ConfigSource &source, const eckid_open_options *options,
                 eckid_plugin **out) {
  eckid_open_options opts ECKID_OPEN_OPTIONS_INIT;
  if (options != nullptr) {
    if (options->version == 0 || options->version > ECKID_OPEN_OPTIONS_VERSION) {
      throw eckid::Error(ECKID_E_VERSION, "eckid_open_options.version is " +
                                              std::to_string(options->version) +
                                              "; set it with ECKID_OPEN_OPTIONS_INIT (version " +
                                              std::to_string(ECKID_OPEN_OPTIONS_VERSION) + ")");
    }
    // Read only the fields the caller's version has.
    std::memcpy(&opts, options,
                options->version == 1 ? offsetof(eckid_open_options, delivery) : sizeof opts);
  }
  // Read as ints: an out-of-range enum value must not be loaded as the enum type.
  const int level = enum_value(opts.log_level);
  if (level < ECKID_LOG_DEBUG || level > ECKID_LOG_OFF) {
    bad_argument("eckid_open_options.log_level is " + std::to_string(level) +
                 "; expected ECKID_LOG_DEBUG (0) to ECKID_LOG_OFF (4)");
  }
  const int delivery = enum_value(opts.delivery);
  if (delivery != ECKID_DELIVERY_SYNC && delivery != ECKID_DELIVERY_ASYNC) {
    bad_argument("eckid_open_options.delivery is " + std::to_string(delivery) +
                 "; expected ECKID_DELIVERY_SYNC (0) or ECKID_DELIVERY_ASYNC (1)");
  }
  *out = registry().add(std::make_unique<PluginHandle>(source, opts));
}

}  // namespace

ECKID_EXPORT eckid_status eckid_open(eckid_plugin **out, const char *config_path,
                                     const eckid_open_options *options) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    require(config_path, "config_path");
    if (*config_path == '\0') bad_argument("config_path is empty");
    bounded_length(config_path, "config_path", ECKID_MAX_PATH_BYTES, "ECKID_MAX_PATH_BYTES");
    open_handle(eckid::ConfigSource::file(config_path), options, out);
  });
}

namespace {

// One malloc'd block, filled front to back: structs (each aligned) and strings. The caller of
// the C API releases it with one eckid_free(). Sized up front by the caller; taking more than
// that is a bug (ECKID_E_INTERNAL), never an overflow.
class Arena {
 public:
  explicit Arena(std::size_t bytes) : base_(static_cast<char *>(std::malloc(bytes))), size_(bytes) {
    if (base_ == nullptr) throw std::bad_alloc();
  }
  ~Arena() { std::free(base_); }
  Arena(const Arena &) = delete;
  Arena &operator=(const Arena &) = delete;

  // Room for n T's (zeroed), aligned for T.
  template <class T>
  T *take(std::size_t n = 1) {
    used_ = (used_ + alignof(T) - 1) / alignof(T) * alignof(T);
    void *at = reserve(n * sizeof(T));
    std::memset(at, 0, n * sizeof(T));
    return static_cast<T *>(at);
  }
  // A copy of s, NUL-terminated.
  const char *put(const std::string &s) {
    char *at = static_cast<char *>(reserve(s.size() + 1));
    std::memcpy(at, s.c_str(), s.size() + 1);
    return at;
  }
  // Hands the block to the caller.
  template <class T>
  T *release() noexcept {
    return reinterpret_cast<T *>(std::exchange(base_, nullptr));
  }
  // What one take<T>(n) may need at most, alignment included.
  template <class T>
  static constexpr std::size_t room(std::size_t n = 1) {
    return n * sizeof(T) + alignof(T);
  }

 private:
  void *reserve(std::size_t n) {
    if (n > size_ - used_) throw std::logic_error("arena too small");
    void *at = base_ + used_;
    used_ += n;
    return at;
  }
  char *base_;
  std::size_t size_;
  std::size_t used_ = 0;
};

eckid_check_report *pack_check(const eckid::CheckReport &r) {
  using Finding = eckid::Finding;
  std::size_t bytes = Arena::room<eckid_check_report>() +
                      Arena::room<const eckid_check_finding *>(r.findings.size()) +
                      Arena::room<const eckid_check_school *>(r.schools.size());
  for (const auto &f : r.findings) {
    bytes += Arena::room<eckid_check_finding>() + f.check.size() + f.file.size() + f.key.size() +
             f.message.size() + 4;
  }
  for (const auto &s : r.schools) {
    // start_date: "YYYY-MM-DD" (a TOML date has a 4-digit year) and its NUL.
    bytes += Arena::room<eckid_check_school>() + Arena::room<const char *>(s.chains.size()) +
             s.key.size() + s.oin.size() + s.sector.size() + 11 + 3;
    for (const auto &c : s.chains) bytes += c.size() + 1;
  }
  Arena arena(bytes);
  auto *report = arena.take<eckid_check_report>();
  report->version = ECKID_CHECK_REPORT_VERSION;
  report->finding_count = r.findings.size();
  auto **findings = arena.take<const eckid_check_finding *>(r.findings.size());
  report->findings = findings;
  for (std::size_t i = 0; i < r.findings.size(); ++i) {
    const Finding &f = r.findings[i];
    auto *out = arena.take<eckid_check_finding>();
    out->verdict = f.verdict == Finding::Verdict::fail   ? ECKID_VERDICT_FAIL
                   : f.verdict == Finding::Verdict::warn ? ECKID_VERDICT_WARN
                                                         : ECKID_VERDICT_OK;
    out->check = arena.put(f.check);
    out->file = arena.put(f.file);
    out->line = f.line;
    out->key = arena.put(f.key);
    out->message = arena.put(f.message);
    if (out->verdict == ECKID_VERDICT_FAIL) ++report->failures;
    if (out->verdict == ECKID_VERDICT_WARN) ++report->warnings;
    findings[i] = out;
  }
  report->school_count = r.schools.size();
  auto **schools = arena.take<const eckid_check_school *>(r.schools.size());
  report->schools = schools;
  const eckid::Date today = eckid::today_local();
  for (std::size_t i = 0; i < r.schools.size(); ++i) {
    const eckid::SchoolConfig &s = r.schools[i];
    auto *out = arena.take<eckid_check_school>();
    out->key = arena.put(s.key);
    out->oin = arena.put(s.oin);
    out->sector = arena.put(s.sector);
    auto **chains = arena.take<const char *>(s.chains.size());
    for (std::size_t c = 0; c < s.chains.size(); ++c) chains[c] = arena.put(s.chains[c]);
    out->chains = chains;
    out->chain_count = s.chains.size();
    out->enabled = s.enabled ? 1 : 0;
    std::string date;
    if (s.start_date) {
      const auto two = [](int n) { return (n < 10 ? "0" : "") + std::to_string(n); };
      date = std::to_string(s.start_date->year) + "-" + two(s.start_date->month) + "-" +
             two(s.start_date->day);
    }
    out->start_date = arena.put(date);
    out->active = s.active_on(today) ? 1 : 0;
    schools[i] = out;
  }
  return arena.release<eckid_check_report>();
}

// A required, non-empty string of at most max bytes.
std::string bounded_string(const char *value, const std::string &name, std::size_t max,
                           const char *limit_name) {
  require(value, name.c_str());
  return {value, bounded_length(value, name, max, limit_name)};
}

// An optional string (NULL: ""), of at most max bytes.
std::string optional_string(const char *value, const std::string &name, std::size_t max,
                            const char *limit_name) {
  return value == nullptr ? std::string() : bounded_string(value, name, max, limit_name);
}

// A caller's school as the core's SchoolSettings, every string bounded.
eckid::SchoolSettings school_settings(const eckid_school_settings *s, const std::string &at) {
  require(s, at.c_str());
  accept_version(s->version, ECKID_SCHOOL_SETTINGS_VERSION, "eckid_school_settings");
  eckid::SchoolSettings out;
  const auto key = [&](const char *value, const char *field) {
    return optional_string(value, at + "." + field, ECKID_MAX_KEY_BYTES, "ECKID_MAX_KEY_BYTES");
  };
  out.key = key(s->key, "key");
  out.oin = key(s->oin, "oin");
  out.sector = key(s->sector, "sector");
  if (s->chain_count > ECKID_MAX_SCHOOL_CHAINS) {
    bad_argument(at + ".chain_count is " + std::to_string(s->chain_count) +
                 ", more than ECKID_MAX_SCHOOL_CHAINS (" + std::to_string(ECKID_MAX_SCHOOL_CHAINS) +
                 ")");
  }
  if (s->chain_count > 0) require(s->chains, (at + ".chains").c_str());
  for (std::size_t c = 0; c < s->chain_count; ++c) {
    out.chains.push_back(bounded_string(s->chains[c], at + ".chains[" + std::to_string(c) + "]",
                                        ECKID_MAX_KEY_BYTES, "ECKID_MAX_KEY_BYTES"));
  }
  if (s->enabled != 0 && s->enabled != 1) {
    bad_argument(at + ".enabled is " + std::to_string(s->enabled) + "; expected 0 or 1");
  }
  out.enabled = s->enabled == 1;
  out.start_date = optional_string(s->start_date, at + ".start_date", ECKID_MAX_DATE_BYTES,
                                   "ECKID_MAX_DATE_BYTES");
  return out;
}

// A caller's eckid_config_source as the core's ConfigSource, every string bounded.
eckid::ConfigSource config_source(const eckid_config_source *source) {
  require(source, "source");
  accept_version(source->version, ECKID_CONFIG_SOURCE_VERSION, "eckid_config_source");
  eckid::ConfigSource out;
  out.path =
      bounded_string(source->path, "source.path", ECKID_MAX_PATH_BYTES, "ECKID_MAX_PATH_BYTES");
  if (out.path.empty()) bad_argument("source.path is empty");
  if (source->text != nullptr) {
    out.text = bounded_string(source->text, "source.text", ECKID_MAX_CONFIG_BYTES,
                              "ECKID_MAX_CONFIG_BYTES");
  }
  out.defaults = optional_string(source->defaults, "source.defaults", ECKID_MAX_CONFIG_BYTES,
                                 "ECKID_MAX_CONFIG_BYTES");
  if (source->school_count > ECKID_MAX_SCHOOLS) {
    bad_argument("source.school_count is " + std::to_string(source->school_count) +
                 ", more than ECKID_MAX_SCHOOLS (" + std::to_string(ECKID_MAX_SCHOOLS) + ")");
  }
  if (source->school_count > 0) require(source->schools, "source.schools");
  for (std::size_t i = 0; i < source->school_count; ++i) {
    out.schools.push_back(
        school_settings(source->schools[i], "source.schools[" + std::to_string(i) + "]"));
  }
  return out;
}

}  // namespace

ECKID_EXPORT eckid_status eckid_open_source(const eckid_config_source *source,
                                            const eckid_open_options *options, eckid_plugin **out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    const eckid::ConfigSource s = config_source(source);
    open_handle(s, options, out);
  });
}

ECKID_EXPORT eckid_status eckid_check(const eckid_config_source *source, eckid_check_report **out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    *out = pack_check(eckid::check_configuration(config_source(source)));
  });
}

ECKID_EXPORT eckid_status eckid_close(eckid_plugin *plugin) {
  return guarded([&] {
    if (plugin == nullptr) return;
    std::unique_ptr<PluginHandle> p = registry().remove(plugin);
    if (!p) {
      throw eckid::Error(ECKID_E_INVALID_HANDLE,
                         "eckid_close: the handle is already closed or was not opened by "
                         "eckid_open()");
    }
    p.reset();  // stops the workers, outside the registry's lock
  });
}

ECKID_EXPORT eckid_status eckid_pgn_validate(const char *pgn, eckid_pgn_kind kind,
                                             eckid_pgn_type *type) {
  return guarded([&] {
    const eckid_pgn_kind k = pgn_kind(kind, "kind");
    const eckid_pgn_type t = eckid::validate_pgn(pgn_arg(pgn, "pgn"), k);
    if (type != nullptr) *type = t;
  });
}

ECKID_EXPORT eckid_status eckid_hpgn(eckid_plugin *plugin, const char *pgn, eckid_pgn_kind kind,
                                     char *out, size_t out_size) {
  return guarded([&] {
    const eckid::Plugin &core = live(plugin);
    const eckid_pgn_kind k = pgn_kind(kind, "kind");
    const std::string_view p = pgn_arg(pgn, "pgn");
    require(out, "out");
    if (out_size < ECKID_HPGN_BUFFER_SIZE) {
      throw eckid::Error(ECKID_E_BUFFER_TOO_SMALL,
                         "eckid_hpgn needs an output buffer of ECKID_HPGN_BUFFER_SIZE (" +
                             std::to_string(ECKID_HPGN_BUFFER_SIZE) + ") bytes");
    }
    const std::string hpgn = core.hasher().hpgn(p, k);
    std::memcpy(out, hpgn.c_str(), hpgn.size() + 1);
    if (core.logger().sensitive_allowed()) core.logger().debug("computed HPgn " + hpgn);
  });
}

ECKID_EXPORT eckid_status eckid_last_fault(const char **code, const char **string,
                                           const char **actor) {
  const bool has = t_has_fault;
  if (code != nullptr) *code = has ? t_fault.code.c_str() : "";
  if (string != nullptr) *string = has ? t_fault.string.c_str() : "";
  if (actor != nullptr) *actor = has ? t_fault.actor.c_str() : "";
  return has ? ECKID_OK : ECKID_E_INVALID_ARGUMENT;
}

namespace {

// A copy of s in memory the caller releases with eckid_free().
char *malloc_string(const std::string &s) {
  char *p = static_cast<char *>(std::malloc(s.size() + 1));
  if (p == nullptr) throw std::bad_alloc();
  std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

// One malloc'd block the caller releases with a single eckid_free(): a Head, n Entry
// structs, then the NUL-terminated strings they point to. string_bytes counts every string's
// bytes including its NUL.
template <class Head, class Entry>
class Block {
 public:
  Block(std::size_t n, std::size_t string_bytes) {
    head_ = static_cast<Head *>(std::malloc(sizeof(Head) + n * sizeof(Entry) + string_bytes));
    if (head_ == nullptr) throw std::bad_alloc();
    entries_ = reinterpret_cast<Entry *>(head_ + 1);
    strings_ = reinterpret_cast<char *>(entries_ + n);
  }
  Head *head() const noexcept { return head_; }
  Entry *entries() const noexcept { return entries_; }
  // Copies s into the block; returns where it now lives.
  const char *put(const std::string &s) noexcept {
    const char *at = strings_;
    std::memcpy(strings_, s.c_str(), s.size() + 1);
    strings_ += s.size() + 1;
    return at;
  }

 private:
  Head *head_;
  Entry *entries_;
  char *strings_;
};

eckid_catalog *pack_catalog(const std::vector<eckid::nv::CatalogEntry> &entries) {
  std::size_t bytes = 0;
  for (const auto &e : entries) {
    bytes += e.id.size() + e.name.size() + e.description.size() + e.last_edited.size() + 4;
  }
  Block<eckid_catalog, eckid_catalog_entry> block(entries.size(), bytes);
  eckid_catalog *catalog = block.head();
  catalog->count = entries.size();
  catalog->entries = block.entries();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    catalog->entries[i] = {block.put(entries[i].id), block.put(entries[i].name),
                           block.put(entries[i].description), block.put(entries[i].last_edited)};
  }
  return catalog;
}

template <class Fetch>
eckid_status retrieve_catalog(eckid_plugin *plugin, const char *school_key, eckid_catalog **out,
                              Fetch fetch) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    const eckid::Plugin &core = live(plugin);
    const std::string school(key_arg(school_key, "school_key"));
    *out = pack_catalog(fetch(core.client(), core.config().school(school).oin));
  });
}

}  // namespace

ECKID_EXPORT eckid_status eckid_ping(eckid_plugin *plugin, const char *school_key,
                                     char **application_version) {
  return guarded([&] {
    if (application_version != nullptr) *application_version = nullptr;
    const eckid::Plugin &core = live(plugin);
    const std::string school(key_arg(school_key, "school_key"));
    const auto result = core.client().ping(core.config().school(school).oin);
    if (!result.available) {
      throw eckid::Error(ECKID_E_SERVICE_DOWN,
                         "the Nummervoorziening at " + core.client().endpoint() +
                             " reports itself unavailable (ping: available = false); try later");
    }
    if (application_version != nullptr) {
      *application_version = malloc_string(result.application_version);
    }
  });
}

ECKID_EXPORT eckid_status eckid_retrieve_chains(eckid_plugin *plugin, const char *school_key,
                                                eckid_catalog **out) {
  return retrieve_catalog(plugin, school_key, out, [](const auto &client, const auto &oin) {
    return client.retrieve_chains(oin);
  });
}

ECKID_EXPORT eckid_status eckid_retrieve_sectors(eckid_plugin *plugin, const char *school_key,
                                                 eckid_catalog **out) {
  return retrieve_catalog(plugin, school_key, out, [](const auto &client, const auto &oin) {
    return client.retrieve_sectors(oin);
  });
}

namespace {

// What a result says, before it is packed for the caller.
struct ResultView {
  eckid::PupilRecord record;  // school, pupil, sector, ECK iDs (empty unless done)
  std::int64_t event_id = 0;
  eckid_status status = ECKID_OK;
  std::string message;
};

// Packs a result into one Block.
eckid_result *pack_result(const ResultView &v) {
  const eckid::PupilRecord &r = v.record;
  std::size_t bytes =
      r.school_key.size() + r.pupil_key.size() + r.sector.size() + v.message.size() + 4;
  for (const auto &[chain, id] : r.eckids) bytes += chain.size() + id.size() + 2;
  Block<eckid_result, eckid_chain_eckid> block(r.eckids.size(), bytes);
  eckid_result *result = block.head();
  result->count = r.eckids.size();
  result->eckids = block.entries();
  result->school_key = block.put(r.school_key);
  result->pupil_key = block.put(r.pupil_key);
  result->sector = block.put(r.sector);
  for (std::size_t i = 0; i < r.eckids.size(); ++i) {
    result->eckids[i] = {block.put(r.eckids[i].first), block.put(r.eckids[i].second)};
  }
  result->event_id = static_cast<unsigned long long>(v.event_id);
  result->status = v.status;
  result->message = block.put(v.message);
  return result;
}

// The result of an outbox event: its outcome and, when done, the pupil's recorded ECK iDs.
ResultView view_of(eckid::Plugin &core, const eckid::OutboxEvent &e) {
  ResultView v;
  v.event_id = e.id;
  v.message = e.message;
  v.status = e.state == eckid::EventState::queued ? ECKID_QUEUED : e.status;
  v.record.school_key = e.school_key;
  v.record.pupil_key = e.pupil_key;
  if (const auto *school = core.config().find_school(e.school_key)) {
    v.record.sector = school->sector;
  }
  if (e.state == eckid::EventState::done) {
    v.record = core.engine().lookup(e.school_key, e.pupil_key);
  }
  return v;
}

// An optional date field of an event: nullopt when NULL or "", else at most
// ECKID_MAX_DATE_BYTES (its form is checked by the caller).
std::optional<std::string_view> optional_date_text(const char *value, const char *name) {
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string_view(
      value, bounded_length(value, name, ECKID_MAX_DATE_BYTES, "ECKID_MAX_DATE_BYTES"));
}

// An optional "YYYY-MM-DD" field of an event (NULL or "" when absent), checked in full.
void optional_date(const char *value, const char *name) {
  if (const auto text = optional_date_text(value, name)) eckid::check_calendar_date(name, *text);
}

template <class Event>
void check_version(const Event *event, unsigned int expected, const char *name) {
  require(event, "event");
  if (event->version != expected) {
    throw eckid::Error(ECKID_E_VERSION, std::string(name) + ".version is " +
                                            std::to_string(event->version) + "; set it with " +
                                            name + "_INIT (version " + std::to_string(expected) +
                                            ")");
  }
}

// Runs one event: checks the handle and out, queues it, and in synchronous delivery waits
// for the result up to the deadline.
template <class Queue>
eckid_status run_event(eckid_plugin *plugin, eckid_result **out, Queue queue) {
  eckid_status outcome = ECKID_OK;
  const eckid_status s = guarded([&] {
    require(out, "out");
    *out = nullptr;
    PluginHandle &h = handle(plugin);
    eckid::Plugin &core = h.core;
    const std::int64_t id = queue(core.intake());
    std::optional<eckid::OutboxEvent> done;
    if (h.delivery == ECKID_DELIVERY_SYNC) {
      done =
          core.dispatcher().wait(id, std::chrono::milliseconds(core.config().outbox.deadline_ms));
    }
    if (!done) done = core.outbox().get(id);
    if (!done) {
      throw eckid::Error(ECKID_E_NOT_FOUND,
                         "event " + std::to_string(id) +
                             " is no longer in the outbox: its pupil was forgotten at the school "
                             "(eckid_forget_pupil()) while it was queued, or another call with "
                             "the same event took its result; see eckid_pupil_lookup()");
    }
    ResultView v = view_of(core, *done);
    *out = pack_result(v);
    outcome = v.status;
    if (v.status != ECKID_OK && v.status != ECKID_QUEUED) {
      if (done->fault) throw eckid::nv::ServiceFault(v.status, v.message, *done->fault);
      throw eckid::Error(v.status, v.message);
    }
    remember_fault(*done);  // queued after a fault: retried, the fault stays readable
  });
  if (s == ECKID_OK) return outcome;
  return s;
}

}  // namespace

ECKID_EXPORT eckid_status eckid_pupil_created(eckid_plugin *plugin,
                                              const eckid_pupil_created_event *event,
                                              eckid_result **out) {
  return run_event(plugin, out, [&](eckid::Intake &intake) {
    check_version(event, ECKID_PUPIL_CREATED_EVENT_VERSION, "eckid_pupil_created_event");
    optional_date(event->enrolment_date, "enrolment_date");
    return intake.created({key_arg(event->school_key, "school_key"),
                           key_arg(event->pupil_key, "pupil_key"), pgn_arg(event->pgn, "pgn"),
                           pgn_kind(event->kind, "eckid_pupil_created_event.kind")});
  });
}

ECKID_EXPORT eckid_status eckid_pupil_transferred(eckid_plugin *plugin,
                                                  const eckid_pupil_transferred_event *event,
                                                  eckid_result **out) {
  return run_event(plugin, out, [&](eckid::Intake &intake) {
    check_version(event, ECKID_PUPIL_TRANSFERRED_EVENT_VERSION, "eckid_pupil_transferred_event");
    optional_date(event->date, "date");
    return intake.transferred(
        {key_arg(event->pupil_key, "pupil_key"), key_arg(event->from_school_key, "from_school_key"),
         key_arg(event->to_school_key, "to_school_key"), pgn_arg(event->pgn, "pgn"),
         pgn_kind(event->kind, "eckid_pupil_transferred_event.kind")});
  });
}

ECKID_EXPORT eckid_status eckid_pgn_changed(eckid_plugin *plugin,
                                            const eckid_pgn_changed_event *event,
                                            eckid_result **out) {
  return run_event(plugin, out, [&](eckid::Intake &intake) {
    check_version(event, ECKID_PGN_CHANGED_EVENT_VERSION, "eckid_pgn_changed_event");
    const auto date = optional_date_text(event->effective_date, "effective_date");
    return intake.pgn_changed(
        {key_arg(event->school_key, "school_key"), key_arg(event->pupil_key, "pupil_key"),
         pgn_arg(event->old_pgn, "old_pgn"), pgn_arg(event->new_pgn, "new_pgn"),
         pgn_kind(event->kind, "eckid_pgn_changed_event.kind"), date});
  });
}

ECKID_EXPORT eckid_status eckid_pupil_lookup(eckid_plugin *plugin, const char *school_key,
                                             const char *pupil_key, eckid_result **out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    eckid::Plugin &core = live(plugin);
    ResultView v;
    v.record =
        core.engine().lookup(key_arg(school_key, "school_key"), key_arg(pupil_key, "pupil_key"));
    *out = pack_result(v);
  });
}

ECKID_EXPORT eckid_status eckid_forget_pupil(eckid_plugin *plugin, const char *school_key,
                                             const char *pupil_key) {
  return guarded([&] {
    eckid::Plugin &core = live(plugin);
    core.engine().forget(key_arg(school_key, "school_key"), key_arg(pupil_key, "pupil_key"));
  });
}

ECKID_EXPORT eckid_status eckid_poll(eckid_plugin *plugin, eckid_result **out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    PluginHandle &h = handle(plugin);
    eckid::Plugin &core = h.core;
    std::lock_guard lock(h.poll_mutex);
    // Events finish out of id order: skip those already handed out, not everything below.
    std::int64_t after = 0;
    for (auto batch = core.outbox().unacknowledged(0, 64); !batch.empty();
         batch = core.outbox().unacknowledged(after, 64)) {
      for (const auto &e : batch) {
        if (h.handed_out.contains(e.id)) continue;
        *out = pack_result(view_of(core, e));
        h.handed_out.insert(e.id);
        remember_fault(e);
        return;
      }
      after = batch.back().id;
    }
    throw eckid::Error(ECKID_E_NOT_FOUND, "no result waiting");
  });
}

ECKID_EXPORT eckid_status eckid_ack(eckid_plugin *plugin, unsigned long long event_id) {
  return guarded([&] {
    PluginHandle &h = handle(plugin);
    eckid::Plugin &core = h.core;
    {
      std::lock_guard lock(h.poll_mutex);
      h.handed_out.erase(static_cast<std::int64_t>(event_id));
    }
    if (!core.outbox().acknowledge(static_cast<std::int64_t>(event_id))) {
      throw eckid::Error(ECKID_E_NOT_FOUND,
                         "no finished event " + std::to_string(event_id) + " to acknowledge");
    }
  });
}

ECKID_EXPORT eckid_status eckid_event_result(eckid_plugin *plugin, unsigned long long event_id,
                                             eckid_result **out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    eckid::Plugin &core = live(plugin);
    const auto e = core.outbox().get(static_cast<std::int64_t>(event_id));
    if (!e) {
      throw eckid::Error(ECKID_E_NOT_FOUND, "no event " + std::to_string(event_id) +
                                                " in the outbox (unknown, or done and "
                                                "acknowledged: see eckid_pupil_lookup())");
    }
    *out = pack_result(view_of(core, *e));
    remember_fault(*e);
  });
}

ECKID_EXPORT eckid_status eckid_queue_status(eckid_plugin *plugin, eckid_queue_info *info) {
  return guarded([&] {
    eckid::Plugin &core = live(plugin);
    require(info, "info");
    if (info->version != ECKID_QUEUE_INFO_VERSION) {
      throw eckid::Error(ECKID_E_VERSION,
                         "eckid_queue_info.version must be "
                         "ECKID_QUEUE_INFO_VERSION (use ECKID_QUEUE_INFO_INIT)");
    }
    const auto stats = core.outbox().stats();
    const std::int64_t now = eckid::unix_ms();
    info->queued = static_cast<unsigned long long>(stats.queued);
    info->failed = static_cast<unsigned long long>(stats.failed);
    info->undelivered = static_cast<unsigned long long>(stats.unacknowledged);
    info->oldest_queued_age_ms = stats.oldest_queued_ms ? now - stats.oldest_queued_ms : 0;
    info->service_paused = core.dispatcher().breaker_open() ? 1 : 0;
  });
}

ECKID_EXPORT eckid_status eckid_list_failed(eckid_plugin *plugin, unsigned long long *ids,
                                            size_t capacity, size_t *count) {
  return guarded([&] {
    require(count, "count");
    *count = 0;
    eckid::Plugin &core = live(plugin);
    if (capacity > 0) require(ids, "ids");
    const auto failed = core.outbox().failed_ids();
    for (std::size_t i = 0; i < failed.size() && i < capacity; ++i) {
      ids[i] = static_cast<unsigned long long>(failed[i]);
    }
    *count = failed.size();
  });
}

ECKID_EXPORT eckid_status eckid_retry_failed(eckid_plugin *plugin, unsigned long long event_id,
                                             unsigned long long *count) {
  return guarded([&] {
    if (count != nullptr) *count = 0;
    eckid::Plugin &core = live(plugin);
    const std::int64_t now = eckid::unix_ms();
    const std::int64_t n = core.outbox().retry_failed(static_cast<std::int64_t>(event_id), now);
    if (n == 0 && event_id != 0) {
      throw eckid::Error(ECKID_E_NOT_FOUND,
                         "no failed event " + std::to_string(event_id) + " to retry");
    }
    if (n > 0) {
      core.dispatcher().notify();
      core.onboarder().notify();
    }
    if (count != nullptr) *count = static_cast<unsigned long long>(n);
  });
}

ECKID_EXPORT eckid_status eckid_onboard(eckid_plugin *plugin, const char *school_key,
                                        const eckid_onboard_pupil *pupils, size_t count,
                                        eckid_onboard_receipts **out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    eckid::Plugin &core = live(plugin);
    if (count > ECKID_MAX_ONBOARD_PUPILS) {
      bad_argument("eckid_onboard: count is " + std::to_string(count) +
                   ", more than ECKID_MAX_ONBOARD_PUPILS (" +
                   std::to_string(ECKID_MAX_ONBOARD_PUPILS) +
                   ") pupils per call; send the list in parts (calling again is safe)");
    }
    if (count > 0) require(pupils, "pupils");
    const std::string_view school = key_arg(school_key, "school_key");
    // Entries whose kind or lengths are out of bounds are refused here, at their position;
    // the rest go to the onboarder.
    std::vector<eckid::OnboardReceipt> receipts(count);
    std::vector<eckid::OnboardPupil> list;
    std::vector<std::size_t> positions;  // list entry -> input position
    list.reserve(count);
    positions.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      const eckid_onboard_pupil &p = pupils[i];
      const std::string at = "pupils[" + std::to_string(i) + "]";
      try {
        const eckid_pgn_kind kind = pgn_kind(p.kind, at + ".kind");
        const char *key = p.pupil_key ? p.pupil_key : "";
        const char *pgn = p.pgn ? p.pgn : "";
        list.push_back({{key, bounded_length(key, at + ".pupil_key", ECKID_MAX_KEY_BYTES,
                                             "ECKID_MAX_KEY_BYTES")},
                        {pgn, bounded_length(pgn, at + ".pgn", ECKID_MAX_PGN_BYTES,
                                             "ECKID_MAX_PGN_BYTES", ECKID_E_INVALID_PGN)},
                        kind});
        positions.push_back(i);
      } catch (const eckid::Error &e) {
        receipts[i] = {0, e.status(), e.what()};
      }
    }
    const auto accepted = core.onboarder().accept(school, list);
    for (std::size_t e = 0; e < accepted.size() && e < positions.size(); ++e) {
      receipts[positions[e]] = accepted[e];  // one receipt per list entry, in order
    }
    std::size_t bytes = 0;
    for (const auto &r : receipts) bytes += r.message.size() + 1;
    Block<eckid_onboard_receipts, eckid_onboard_receipt> block(receipts.size(), bytes);
    eckid_onboard_receipts *head = block.head();
    head->count = receipts.size();
    head->receipts = block.entries();
    head->accepted = 0;
    for (std::size_t i = 0; i < receipts.size(); ++i) {
      head->receipts[i] = {static_cast<unsigned long long>(receipts[i].event_id),
                           receipts[i].status, block.put(receipts[i].message)};
      if (receipts[i].event_id != 0) ++head->accepted;
    }
    head->refused = head->count - head->accepted;
    *out = head;
  });
}

ECKID_EXPORT eckid_status eckid_onboard_status(eckid_plugin *plugin, const char *school_key,
                                               eckid_onboard_info *info) {
  return guarded([&] {
    eckid::Plugin &core = live(plugin);
    require(info, "info");
    if (info->version != ECKID_ONBOARD_INFO_VERSION) {
      throw eckid::Error(ECKID_E_VERSION,
                         "eckid_onboard_info.version must be ECKID_ONBOARD_INFO_VERSION (use "
                         "ECKID_ONBOARD_INFO_INIT)");
    }
    const eckid::OnboardCounts c = core.onboarder().counts(key_arg(school_key, "school_key"));
    info->waiting = static_cast<unsigned long long>(c.waiting);
    info->hashed = static_cast<unsigned long long>(c.hashed);
    info->in_batch = static_cast<unsigned long long>(c.in_batch);
    info->deferred = static_cast<unsigned long long>(c.deferred);
    info->deferred_until_ms = c.deferred_until_ms;
  });
}

PluginHandle::PluginHandle(const eckid::ConfigSource &source, const eckid_open_options &options)
    : delivery(options.delivery),
      on_result(options.on_result),
      result_payload(options.result_payload),
      core(
          source, eckid::Logger(options.log, options.log_payload, options.log_level),
          options.on_result == nullptr ? eckid::Dispatcher::Deliver()
                                       : [this](const eckid::OutboxEvent &e) {
                                           eckid_result *r = pack_result(view_of(core, e));
                                           t_has_fault = false;
                                           remember_fault(e);
                                           on_result(r, result_payload);
                                           t_has_fault = false;
                                           std::free(r);
                                         }) {}
