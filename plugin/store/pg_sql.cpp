#include "store/pg_sql.hpp"

#include <charconv>
#include <memory>
#include <new>

#include "util/error.hpp"

namespace eckid::pg {

namespace {
constexpr Oid kBool = 16;
constexpr Oid kBytea = 17;
}  // namespace

std::string dollar_parameters(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  char quote = 0;  // the open quote ('\'' or '"'), or 0 outside quotes
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      if (c == quote) quote = 0;  // a doubled quote closes and reopens: same result
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '?' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      out += '$';
      continue;
    }
    out += c;
  }
  return out;
}

void Params::text(int i, std::string_view v) {
  if (v.find('\0') != std::string_view::npos) {
    throw Error(ECKID_E_INTERNAL,
                "text parameter ?" + std::to_string(i) + " holds a NUL byte; bind it as bytes");
  }
  set(i, 25, std::string(v), 0);
}

void Params::resize(int i) {
  if (i < 1 || i > 65'535) {
    throw Error(ECKID_E_INTERNAL, "statement parameter ?" + std::to_string(i) + " out of range");
  }
  const auto n = static_cast<std::size_t>(i);
  if (values_.size() < n) {
    values_.resize(n);
    null_.resize(n, true);
    types_.resize(n, 0);
    lengths_.resize(n, 0);
    formats_.resize(n, 0);
  }
}

void Params::set(int i, Oid type, std::string value, int format) {
  resize(i);
  const auto k = static_cast<std::size_t>(i - 1);
  values_[k] = std::move(value);
  null_[k] = false;
  types_[k] = type;
  lengths_[k] = static_cast<int>(values_[k].size());
  formats_[k] = format;
}

void Params::null(int i) {
  resize(i);
  const auto k = static_cast<std::size_t>(i - 1);
  values_[k].clear();
  null_[k] = true;
  types_[k] = 0;
  lengths_[k] = 0;
  formats_[k] = 0;
}

const char *const *Params::values() const {
  // Taken now, not at bind: a growing vector moves its strings (and short strings' bytes).
  pointers_.resize(values_.size());
  for (std::size_t j = 0; j < values_.size(); ++j) {
    pointers_[j] = null_[j] ? nullptr : values_[j].data();
  }
  return pointers_.data();
}

std::int64_t integer_value(const PGresult *r, int row, int col) {
  if (PQgetisnull(r, row, col)) return 0;
  const char *v = PQgetvalue(r, row, col);
  if (PQftype(r, col) == kBool) return v[0] == 't' ? 1 : 0;
  std::int64_t n = 0;
  std::from_chars(v, v + PQgetlength(r, row, col), n);
  return n;
}

std::string bytes_value(const PGresult *r, int row, int col) {
  if (PQgetisnull(r, row, col)) return {};
  const char *v = PQgetvalue(r, row, col);
  if (PQftype(r, col) != kBytea)
    return std::string(v, static_cast<std::size_t>(PQgetlength(r, row, col)));
  std::size_t size = 0;
  const std::unique_ptr<unsigned char, decltype(&PQfreemem)> bytes(
      PQunescapeBytea(reinterpret_cast<const unsigned char *>(v), &size), &PQfreemem);
  if (!bytes) throw std::bad_alloc();
  return std::string(reinterpret_cast<const char *>(bytes.get()), size);
}

}  // namespace eckid::pg
