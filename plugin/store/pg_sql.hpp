// PostgreSQL engine (store/pg_database.cpp): the pieces of a statement that need no server:
// the common SQL's parameter markers in PostgreSQL's spelling, bound values as libpq takes
// them (PQexecParams), and result values as the Database::Cursor reads them.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace eckid::pg {

struct ResultDeleter {
  void operator()(PGresult *r) const noexcept { PQclear(r); }
};
/// A result of PQexec and its kin, cleared on scope exit.
using Result = std::unique_ptr<PGresult, ResultDeleter>;

/// `sql` with every parameter marker ?N written $N, except inside '…' literals and "…"
/// identifiers. A '?' without digits stays as it is.
std::string dollar_parameters(std::string_view sql);

/// The parameters of one statement, bound by number (1-based): text and 64-bit integers as
/// text (types text, int8), byte strings in binary format (type bytea), NULL untyped (the
/// server infers its type). A number never bound is NULL. Not thread-safe.
class Params {
 public:
  /// Throws Error(ECKID_E_INTERNAL) for text with a NUL byte, which libpq would cut off there
  /// (bytes go through bytes()).
  void text(int i, std::string_view v);
  void integer(int i, std::int64_t v) { set(i, 20, std::to_string(v), 0); }
  void bytes(int i, const void *data, std::size_t size) {
    set(i, 17, std::string(static_cast<const char *>(data), size), 1);
  }
  void null(int i);

  /// For PQexecParams: count, types, values (nullptr: NULL), lengths and formats; valid until
  /// the next bind.
  int count() const noexcept { return static_cast<int>(values_.size()); }
  const Oid *types() const noexcept { return types_.data(); }
  const char *const *values() const;
  const int *lengths() const noexcept { return lengths_.data(); }
  const int *formats() const noexcept { return formats_.data(); }

 private:
  void set(int i, Oid type, std::string value, int format);
  void resize(int i);

  std::vector<std::string> values_;
  std::vector<bool> null_;
  std::vector<Oid> types_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  mutable std::vector<const char *> pointers_;
};

/// A result value (text format) as an integer: int2/int4/int8/numeric digits (a fraction is
/// cut off), bool 't' as 1; NULL or anything else 0.
std::int64_t integer_value(const PGresult *r, int row, int col);
/// A result value's bytes: a bytea's (decoded from its text form, PQunescapeBytea), other
/// types' text; NULL "".
std::string bytes_value(const PGresult *r, int row, int col);

}  // namespace eckid::pg
