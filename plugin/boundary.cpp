// The C boundary: every exported eckid_* function, and nothing else. Each one is noexcept,
// checks its arguments (NULL, bounded lengths, enum ranges, struct versions), calls one
// operation of the core (eckid::Plugin, plugin/core) and packs what it returns into memory the
// caller releases with eckid_free(); every C++ failure becomes a status plus the thread's last
// error (and last fault). Nothing throws across, nothing aborts. No orchestration lives here.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
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
#include "util/status.hpp"

#define ECKID_EXPORT extern "C" ECKID_API

// What an eckid_plugin * stands for: the core and the host's result callback. The host never
// holds its address: it holds a token the Registry maps to it (see there).
struct PluginHandle {
  PluginHandle(const eckid::ConfigSource &source, const eckid_open_options &options);
  eckid_result_fn on_result;
  void *result_payload;
  eckid::Plugin core;  // last: its workers stop before the fields above go
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

// Makes a kept SOAP fault the calling thread's eckid_last_fault() (none: unchanged).
void remember_fault(const std::optional<eckid::nv::FaultDetail> &fault) noexcept {
  if (!fault) return;
  try {
    t_fault = *fault;
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

// ---- Versioned structs -------------------------------------------------------------------
// eckid.h: "structs only ever grow at the end". A caller built against an older header passes
// an older, smaller struct: every versioned struct is read (in-structs) or written
// (out-structs) through accept_struct(), which accepts versions 1 to the current one and
// touches only the bytes the caller's version has.

// Per struct: its name, its _INIT macro, its current version, its defaults and its size in
// each version (size[v - 1]), all from the struct's name and its macros' prefix.
template <class T>
struct Versioned;

#define ECKID_VERSIONED(T, MACRO, ...)                         \
  template <>                                                  \
  struct Versioned<T> {                                        \
    static constexpr const char *name = #T;                    \
    static constexpr const char *init = #MACRO "_INIT";        \
    static constexpr unsigned current = MACRO##_VERSION;       \
    [[maybe_unused]] static constexpr T defaults MACRO##_INIT; \
    static constexpr std::size_t size[] = {__VA_ARGS__};       \
  }
// Version 1 ends before `delivery`.
ECKID_VERSIONED(eckid_open_options, ECKID_OPEN_OPTIONS, offsetof(eckid_open_options, delivery),
                sizeof(eckid_open_options));
ECKID_VERSIONED(eckid_pupil_created_event, ECKID_PUPIL_CREATED_EVENT,
                sizeof(eckid_pupil_created_event));
ECKID_VERSIONED(eckid_pupil_transferred_event, ECKID_PUPIL_TRANSFERRED_EVENT,
                sizeof(eckid_pupil_transferred_event));
ECKID_VERSIONED(eckid_pgn_changed_event, ECKID_PGN_CHANGED_EVENT, sizeof(eckid_pgn_changed_event));
// Version 1 ends before `due`.
ECKID_VERSIONED(eckid_queue_info, ECKID_QUEUE_INFO, offsetof(eckid_queue_info, due),
                sizeof(eckid_queue_info));
ECKID_VERSIONED(eckid_onboard_info, ECKID_ONBOARD_INFO, sizeof(eckid_onboard_info));
ECKID_VERSIONED(eckid_config_source, ECKID_CONFIG_SOURCE, sizeof(eckid_config_source));
ECKID_VERSIONED(eckid_school_settings, ECKID_SCHOOL_SETTINGS, sizeof(eckid_school_settings));
ECKID_VERSIONED(eckid_onboard_pupil, ECKID_ONBOARD_PUPIL, sizeof(eckid_onboard_pupil));
#undef ECKID_VERSIONED

// The bytes a struct of `version` has; ECKID_E_VERSION (naming the struct and its _INIT
// macro) for 0 (not set) or a version newer than this library knows.
template <class T>
std::size_t struct_bytes(unsigned int version) {
  using V = Versioned<T>;
  static_assert(std::size(V::size) == V::current, "one size per version");
  static_assert(V::size[V::current - 1] == sizeof(T), "the current version is the whole struct");
  if (version == 0 || version > V::current) {
    throw eckid::Error(ECKID_E_VERSION, std::string(V::name) + ".version is " +
                                            std::to_string(version) + "; set it with " + V::init +
                                            " (this library knows versions 1 to " +
                                            std::to_string(V::current) + ")");
  }
  return V::size[version - 1];
}

// Checks a caller's versioned struct (not NULL, a known version); returns the bytes its
// version has. `arg`: the parameter's name for the NULL message.
template <class T>
std::size_t accept_struct(const T *p, const char *arg) {
  require(p, arg);
  unsigned int version = 0;
  std::memcpy(&version, p, sizeof version);  // first field of every versioned struct
  return struct_bytes<T>(version);
}

// An in-struct as this library's version: the caller's fields, the defaults for the fields
// its version does not have.
template <class T>
T read_struct(const T *p, const char *arg) {
  const std::size_t n = accept_struct(p, arg);
  T value = Versioned<T>::defaults;
  std::memcpy(static_cast<void *>(&value), p, n);
  return value;
}

// Fills an out-struct: only the fields the caller's version has; its version stays.
template <class T>
void write_struct(T *p, const T &value, const char *arg) {
  const std::size_t n = accept_struct(p, arg);
  const unsigned int version = p->version;
  std::memcpy(static_cast<void *>(p), &value, n);
  p->version = version;
}

// ---- Packing -----------------------------------------------------------------------------

// A copy of s in memory the caller releases with eckid_free().
char *malloc_string(const std::string &s) {
  char *p = static_cast<char *>(std::malloc(s.size() + 1));
  if (p == nullptr) throw std::bad_alloc();
  std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

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
  // An array of n pointers, each to a zeroed T taken after it and filled by fill(i, T&): the
  // form of every element array handed out, so that elements may grow (abi/README.md).
  template <class T, class Fill>
  const T *const *take_pointed(std::size_t n, Fill &&fill) {
    auto **list = take<const T *>(n);
    for (std::size_t i = 0; i < n; ++i) {
      T *element = take<T>();
      fill(i, *element);
      list[i] = element;
    }
    return list;
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
  // What take_pointed<T>(n) takes, the elements' strings not included.
  template <class T>
  static constexpr std::size_t pointed_room(std::size_t n) {
    return room<const T *>(n) + n * room<T>();
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

eckid_catalog *pack_catalog(const std::vector<eckid::nv::CatalogEntry> &entries) {
  std::size_t bytes =
      Arena::room<eckid_catalog>() + Arena::pointed_room<eckid_catalog_entry>(entries.size());
  for (const auto &e : entries) {
    bytes += e.id.size() + e.name.size() + e.description.size() + e.last_edited.size() + 4;
  }
  Arena block(bytes);
  eckid_catalog *catalog = block.take<eckid_catalog>();
  catalog->count = entries.size();
  catalog->entries = block.take_pointed<eckid_catalog_entry>(
      entries.size(), [&](std::size_t i, eckid_catalog_entry &entry) {
        entry = {block.put(entries[i].id), block.put(entries[i].name),
                 block.put(entries[i].description), block.put(entries[i].last_edited)};
      });
  return block.release<eckid_catalog>();
}

// Packs an event's outcome into one block.
eckid_result *pack_result(const eckid::EventOutcome &v) {
  const eckid::PupilRecord &r = v.record;
  std::size_t bytes =
      Arena::room<eckid_result>() + Arena::pointed_room<eckid_chain_eckid>(r.eckids.size()) +
      r.school_key.size() + r.pupil_key.size() + r.sector.size() + v.message.size() + 4;
  for (const auto &[chain, id] : r.eckids) bytes += chain.size() + id.size() + 2;
  Arena block(bytes);
  eckid_result *result = block.take<eckid_result>();
  result->count = r.eckids.size();
  result->school_key = block.put(r.school_key);
  result->pupil_key = block.put(r.pupil_key);
  result->sector = block.put(r.sector);
  result->eckids = block.take_pointed<eckid_chain_eckid>(
      r.eckids.size(), [&](std::size_t i, eckid_chain_eckid &eckid) {
        eckid = {block.put(r.eckids[i].first), block.put(r.eckids[i].second)};
      });
  result->event_id = static_cast<unsigned long long>(v.event_id);
  result->status = v.status;
  result->message = block.put(v.message);
  return block.release<eckid_result>();
}

// Packs the receipts of an eckid_onboard() call, one per input position, into one block.
eckid_onboard_receipts *pack_receipts(const std::vector<eckid::OnboardReceipt> &receipts) {
  std::size_t bytes = Arena::room<eckid_onboard_receipts>() +
                      Arena::pointed_room<eckid_onboard_receipt>(receipts.size());
  for (const auto &r : receipts) bytes += r.message.size() + 1;
  Arena block(bytes);
  eckid_onboard_receipts *head = block.take<eckid_onboard_receipts>();
  head->count = receipts.size();
  head->accepted = 0;
  head->receipts = block.take_pointed<eckid_onboard_receipt>(
      receipts.size(), [&](std::size_t i, eckid_onboard_receipt &receipt) {
        receipt = {static_cast<unsigned long long>(receipts[i].event_id), receipts[i].status,
                   block.put(receipts[i].message)};
        if (receipts[i].event_id != 0) ++head->accepted;
      });
  head->refused = head->count - head->accepted;
  return block.release<eckid_onboard_receipts>();
}

// An event call's result: packed into *out (also when the event failed), the event's status
// returned; a failure also becomes the last error (and last fault).
template <class Submit>
eckid_status event_call(eckid_plugin *plugin, eckid_result **out, Submit submit) {
  eckid_status outcome = ECKID_OK;
  const eckid_status s = guarded([&] {
    require(out, "out");
    *out = nullptr;
    const eckid::EventOutcome v = submit(live(plugin));
    *out = pack_result(v);
    outcome = v.status;
    if (v.status != ECKID_OK && v.status != ECKID_QUEUED) {
      if (v.fault) throw eckid::nv::ServiceFault(v.status, v.message, *v.fault);
      throw eckid::Error(v.status, v.message);
    }
    remember_fault(v.fault);  // queued after a fault: retried, the fault stays readable
  });
  return s == ECKID_OK ? outcome : s;
}

}  // namespace

ECKID_EXPORT unsigned int eckid_abi_version(void) {
  return ECKID_ABI_VERSION;
}

ECKID_EXPORT const char *eckid_version(void) {
  return ECKID_VERSION_STRING;
}

ECKID_EXPORT unsigned long eckid_version_number(void) {
  return (ECKID_VERSION_MAJOR << 16) | (ECKID_VERSION_MINOR << 8) | ECKID_VERSION_PATCH;
}

ECKID_EXPORT unsigned long long eckid_features(void) {
  return ECKID_FEATURE_ONBOARD | ECKID_FEATURE_FORGET | ECKID_FEATURE_STATUS_NAME |
         ECKID_FEATURE_CONFIG_SOURCE;
}

ECKID_EXPORT const char *eckid_strerror(eckid_status status) {
  const eckid::StatusText *s = eckid::status_text(enum_value(status));
  return s != nullptr ? s->description : "unknown status";
}

ECKID_EXPORT const char *eckid_status_name(eckid_status status) {
  const eckid::StatusText *s = eckid::status_text(enum_value(status));
  return s != nullptr ? s->name : "unknown";
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
    // Only what a struct of that version has.
    std::memcpy(static_cast<void *>(options), &Versioned<eckid_open_options>::defaults,
                struct_bytes<eckid_open_options>(version));
    options->version = version;
  });
}

namespace {

// Opens a handle on source with the caller's options (NULL: the defaults) into *out.
void open_handle(const eckid::ConfigSource &source, const eckid_open_options *options,
                 eckid_plugin **out) {
  const eckid_open_options opts = options == nullptr ? Versioned<eckid_open_options>::defaults
                                                     : read_struct(options, "options");
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

ECKID_EXPORT eckid_status eckid_open(const char *config_path, const eckid_open_options *options,
                                     eckid_plugin **out) {
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

eckid_check_report *pack_check(const eckid::CheckReport &r) {
  using Finding = eckid::Finding;
  std::size_t bytes = Arena::room<eckid_check_report>() +
                      Arena::pointed_room<eckid_check_finding>(r.findings.size()) +
                      Arena::pointed_room<eckid_check_school>(r.schools.size());
  for (const auto &f : r.findings) {
    bytes += f.check.size() + f.file.size() + f.key.size() + f.message.size() + 4;
  }
  for (const auto &s : r.schools) {
    bytes += Arena::room<const char *>(s.chains.size()) + s.key.size() + s.oin.size() +
             s.sector.size() + 11 + 3;  // date "YYYY-MM-DD"
    for (const auto &c : s.chains) bytes += c.size() + 1;
  }
  Arena arena(bytes);
  auto *report = arena.take<eckid_check_report>();
  report->version = ECKID_CHECK_REPORT_VERSION;
  report->finding_count = r.findings.size();
  report->findings = arena.take_pointed<eckid_check_finding>(
      r.findings.size(), [&](std::size_t i, eckid_check_finding &out) {
        const Finding &f = r.findings[i];
        out.verdict = f.verdict == Finding::Verdict::fail   ? ECKID_VERDICT_FAIL
                      : f.verdict == Finding::Verdict::warn ? ECKID_VERDICT_WARN
                                                            : ECKID_VERDICT_OK;
        out.check = arena.put(f.check);
        out.file = arena.put(f.file);
        out.line = f.line;
        out.key = arena.put(f.key);
        out.message = arena.put(f.message);
        if (out.verdict == ECKID_VERDICT_FAIL) ++report->failures;
        if (out.verdict == ECKID_VERDICT_WARN) ++report->warnings;
      });
  report->school_count = r.schools.size();
  const eckid::Date today = eckid::today_local();
  report->schools = arena.take_pointed<eckid_check_school>(
      r.schools.size(), [&](std::size_t i, eckid_check_school &out) {
        const eckid::SchoolConfig &s = r.schools[i];
        out.key = arena.put(s.key);
        out.oin = arena.put(s.oin);
        out.sector = arena.put(s.sector);
        auto **chains = arena.take<const char *>(s.chains.size());
        for (std::size_t c = 0; c < s.chains.size(); ++c) chains[c] = arena.put(s.chains[c]);
        out.chains = chains;
        out.chain_count = s.chains.size();
        out.enabled = s.enabled ? 1 : 0;
        std::string date;
        if (s.start_date) {
          const auto two = [](int n) { return (n < 10 ? "0" : "") + std::to_string(n); };
          date = std::to_string(s.start_date->year) + "-" + two(s.start_date->month) + "-" +
                 two(s.start_date->day);
        }
        out.start_date = arena.put(date);
        out.active = s.active_on(today) ? 1 : 0;
      });
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
  const eckid_school_settings settings = read_struct(s, at.c_str());
  s = &settings;
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
  const eckid_config_source caller = read_struct(source, "source");
  source = &caller;
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
    const std::string hpgn = core.hpgn(p, k);
    std::memcpy(out, hpgn.c_str(), hpgn.size() + 1);
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

ECKID_EXPORT eckid_status eckid_ping(eckid_plugin *plugin, const char *school_key,
                                     char **application_version) {
  return guarded([&] {
    if (application_version != nullptr) *application_version = nullptr;
    const eckid::Plugin &core = live(plugin);
    const std::string version = core.ping(key_arg(school_key, "school_key"));
    if (application_version != nullptr) *application_version = malloc_string(version);
  });
}

ECKID_EXPORT eckid_status eckid_retrieve_chains(eckid_plugin *plugin, const char *school_key,
                                                eckid_catalog **out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    const eckid::Plugin &core = live(plugin);
    *out = pack_catalog(core.chains(key_arg(school_key, "school_key")));
  });
}

ECKID_EXPORT eckid_status eckid_retrieve_sectors(eckid_plugin *plugin, const char *school_key,
                                                 eckid_catalog **out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    const eckid::Plugin &core = live(plugin);
    *out = pack_catalog(core.sectors(key_arg(school_key, "school_key")));
  });
}

namespace {

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

}  // namespace

ECKID_EXPORT eckid_status eckid_pupil_created(eckid_plugin *plugin,
                                              const eckid_pupil_created_event *event,
                                              eckid_result **out) {
  return event_call(plugin, out, [&](eckid::Plugin &core) {
    const auto e = read_struct(event, "event");
    optional_date(e.enrolment_date, "enrolment_date");
    return core.created({key_arg(e.school_key, "school_key"), key_arg(e.pupil_key, "pupil_key"),
                         pgn_arg(e.pgn, "pgn"),
                         pgn_kind(e.kind, "eckid_pupil_created_event.kind")});
  });
}

ECKID_EXPORT eckid_status eckid_pupil_transferred(eckid_plugin *plugin,
                                                  const eckid_pupil_transferred_event *event,
                                                  eckid_result **out) {
  return event_call(plugin, out, [&](eckid::Plugin &core) {
    const auto e = read_struct(event, "event");
    optional_date(e.date, "date");
    return core.transferred({key_arg(e.pupil_key, "pupil_key"),
                             key_arg(e.from_school_key, "from_school_key"),
                             key_arg(e.to_school_key, "to_school_key"), pgn_arg(e.pgn, "pgn"),
                             pgn_kind(e.kind, "eckid_pupil_transferred_event.kind")});
  });
}

ECKID_EXPORT eckid_status eckid_pgn_changed(eckid_plugin *plugin,
                                            const eckid_pgn_changed_event *event,
                                            eckid_result **out) {
  return event_call(plugin, out, [&](eckid::Plugin &core) {
    const auto e = read_struct(event, "event");
    const auto date = optional_date_text(e.effective_date, "effective_date");
    return core.pgn_changed({key_arg(e.school_key, "school_key"), key_arg(e.pupil_key, "pupil_key"),
                             pgn_arg(e.old_pgn, "old_pgn"), pgn_arg(e.new_pgn, "new_pgn"),
                             pgn_kind(e.kind, "eckid_pgn_changed_event.kind"), date});
  });
}

ECKID_EXPORT eckid_status eckid_pupil_lookup(eckid_plugin *plugin, const char *school_key,
                                             const char *pupil_key, eckid_result **out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    eckid::Plugin &core = live(plugin);
    eckid::EventOutcome v;
    v.record = core.lookup(key_arg(school_key, "school_key"), key_arg(pupil_key, "pupil_key"));
    *out = pack_result(v);
  });
}

ECKID_EXPORT eckid_status eckid_forget_pupil(eckid_plugin *plugin, const char *school_key,
                                             const char *pupil_key) {
  return guarded([&] {
    eckid::Plugin &core = live(plugin);
    core.forget(key_arg(school_key, "school_key"), key_arg(pupil_key, "pupil_key"));
  });
}

ECKID_EXPORT eckid_status eckid_poll(eckid_plugin *plugin, eckid_result **out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    const bool given = live(plugin).poll([&](const eckid::EventOutcome &v) {
      *out = pack_result(v);
      remember_fault(v.fault);
    });
    if (!given) throw eckid::Error(ECKID_E_NOT_FOUND, "no result waiting");
  });
}

ECKID_EXPORT eckid_status eckid_ack(eckid_plugin *plugin, unsigned long long event_id) {
  return guarded([&] { live(plugin).ack(static_cast<std::int64_t>(event_id)); });
}

ECKID_EXPORT eckid_status eckid_event_result(eckid_plugin *plugin, unsigned long long event_id,
                                             eckid_result **out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    const eckid::EventOutcome v = live(plugin).event_result(static_cast<std::int64_t>(event_id));
    *out = pack_result(v);
    remember_fault(v.fault);
  });
}

ECKID_EXPORT eckid_status eckid_queue_status(eckid_plugin *plugin, eckid_queue_info *info) {
  return guarded([&] {
    eckid::Plugin &core = live(plugin);
    accept_struct(info, "info");
    const eckid::QueueStats s = core.queue_stats();
    eckid_queue_info filled ECKID_QUEUE_INFO_INIT;
    filled.queued = static_cast<unsigned long long>(s.queued);
    filled.failed = static_cast<unsigned long long>(s.failed);
    filled.undelivered = static_cast<unsigned long long>(s.undelivered);
    filled.oldest_queued_age_ms = s.oldest_queued_age_ms;
    filled.service_paused = s.service_paused ? 1 : 0;
    filled.due = static_cast<unsigned long long>(s.due);
    filled.next_due_in_ms = s.next_due_in_ms;
    write_struct(info, filled, "info");
  });
}

ECKID_EXPORT eckid_status eckid_list_failed(eckid_plugin *plugin, unsigned long long *ids,
                                            size_t capacity, size_t *count) {
  return guarded([&] {
    require(count, "count");
    *count = 0;
    eckid::Plugin &core = live(plugin);
    if (capacity > 0) require(ids, "ids");
    const auto failed = core.failed_events();
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
    const std::int64_t n = live(plugin).retry_failed(static_cast<std::int64_t>(event_id));
    if (count != nullptr) *count = static_cast<unsigned long long>(n);
  });
}

ECKID_EXPORT eckid_status eckid_onboard(eckid_plugin *plugin, const char *school_key,
                                        const eckid_onboard_pupil *const *pupils, size_t count,
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
    // Entries that are NULL, of an unknown version, or whose kind or lengths are out of bounds
    // are refused here, at their position; the rest go to the onboarder.
    std::vector<eckid::OnboardReceipt> receipts(count);
    std::vector<eckid::OnboardPupil> list;
    std::vector<std::size_t> positions;  // list entry -> input position
    list.reserve(count);
    positions.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      const std::string at = "pupils[" + std::to_string(i) + "]";
      try {
        const eckid_onboard_pupil p = read_struct(pupils[i], at.c_str());
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
    const auto accepted = core.onboard(school, list);
    for (std::size_t e = 0; e < accepted.size() && e < positions.size(); ++e) {
      receipts[positions[e]] = accepted[e];  // one receipt per list entry, in order
    }
    *out = pack_receipts(receipts);
  });
}

ECKID_EXPORT eckid_status eckid_onboard_status(eckid_plugin *plugin, const char *school_key,
                                               eckid_onboard_info *info) {
  return guarded([&] {
    eckid::Plugin &core = live(plugin);
    accept_struct(info, "info");
    const eckid::OnboardCounts c = core.onboard_counts(key_arg(school_key, "school_key"));
    eckid_onboard_info filled ECKID_ONBOARD_INFO_INIT;
    filled.waiting = static_cast<unsigned long long>(c.waiting);
    filled.hashed = static_cast<unsigned long long>(c.hashed);
    filled.in_batch = static_cast<unsigned long long>(c.in_batch);
    filled.deferred = static_cast<unsigned long long>(c.deferred);
    filled.deferred_until_ms = c.deferred_until_ms;
    write_struct(info, filled, "info");
  });
}

PluginHandle::PluginHandle(const eckid::ConfigSource &source, const eckid_open_options &options)
    : on_result(options.on_result),
      result_payload(options.result_payload),
      core(source, eckid::Logger(options.log, options.log_payload, options.log_level),
           options.on_result == nullptr ? eckid::Plugin::ResultCallback()
                                        : [this](const eckid::EventOutcome &v) {
                                            eckid_result *r = pack_result(v);
                                            t_has_fault = false;
                                            remember_fault(v.fault);
                                            on_result(r, result_payload);
                                            t_has_fault = false;
                                            std::free(r);
                                          },
           options.delivery) {}
