#include "pupil_table.hpp"

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace eckid_host {
namespace {

constexpr const char *kHeader = "school,pupil_key,chain,eckid";

}  // namespace

void PupilTable::load(const std::filesystem::path &path) {
  if (!std::filesystem::exists(path)) return;
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line) || line != kHeader) {
    throw std::runtime_error(path.string() + ": not a pupil table (expected the header " + kHeader +
                             ")");
  }
  for (std::size_t number = 2; std::getline(in, line); ++number) {
    std::istringstream fields(line);
    std::string school, pupil, chain, eckid, extra;
    if (!std::getline(fields, school, ',') || !std::getline(fields, pupil, ',') ||
        !std::getline(fields, chain, ',') || !std::getline(fields, eckid, ',') ||
        std::getline(fields, extra)) {
      throw std::runtime_error(path.string() + ":" + std::to_string(number) +
                               ": expected 4 columns");
    }
    records_[{school, pupil}].push_back({chain, eckid});
  }
}

void PupilTable::save(const std::filesystem::path &path) const {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << kHeader << '\n';
    for (const auto &[key, eckids] : records_) {
      for (const auto &e : eckids) {
        out << key.first << ',' << key.second << ',' << e.chain << ',' << e.eckid << '\n';
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
