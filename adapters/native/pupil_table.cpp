#include "pupil_table.hpp"

#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>

#include "csv.hpp"

namespace eckid_host {
namespace {

constexpr const char *kHeader = "school,pupil_key,chain,eckid";

}  // namespace

void PupilTable::load(const std::filesystem::path &path) {
  if (!std::filesystem::exists(path)) return;
  std::ifstream in(path);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const eckid::CsvText csv = eckid::parse_csv(text);
  const auto &records = csv.records;
  if (!in || records.empty() || records[0].line != 1 ||
      records[0].fields != std::vector<std::string>{"school", "pupil_key", "chain", "eckid"}) {
    throw std::runtime_error(path.string() + ": not a pupil table (expected the header " + kHeader +
                             ")");
  }
  if (!csv.problems.empty()) {
    throw std::runtime_error(path.string() + ":" + std::to_string(csv.problems[0].line) + ": " +
                             csv.problems[0].what);
  }
  for (std::size_t r = 1; r < records.size(); ++r) {
    const auto &f = records[r].fields;
    if (f.size() != 4) {
      throw std::runtime_error(path.string() + ":" + std::to_string(records[r].line) +
                               ": expected 4 columns");
    }
    records_[{f[0], f[1]}].push_back({f[2], f[3]});
  }
}

void PupilTable::save(const std::filesystem::path &path) const {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << kHeader << '\n';
    for (const auto &[key, eckids] : records_) {
      for (const auto &e : eckids) {
        out << eckid::csv_field(key.first) << ',' << eckid::csv_field(key.second) << ','
            << eckid::csv_field(e.chain) << ',' << eckid::csv_field(e.eckid) << '\n';
      }
    }
    if (!out.flush()) throw std::runtime_error("cannot write " + tmp.string());
  }
  std::filesystem::rename(tmp, path);
}

const std::vector<ChainEckid> *PupilTable::find(const Key &key) const {
  const auto it = records_.find(key);
  return it == records_.end() ? nullptr : &it->second;
}

std::size_t PupilTable::rows() const {
  std::size_t n = 0;
  for (const auto &[key, eckids] : records_) n += eckids.size();
  return n;
}

std::size_t PupilTable::distinct_eckids() const {
  std::set<std::string> seen;
  for (const auto &[key, eckids] : records_) {
    for (const auto &e : eckids) seen.insert(e.eckid);
  }
  return seen.size();
}

}  // namespace eckid_host
