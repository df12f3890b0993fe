#include "schools.hpp"

#include <stdexcept>

namespace eckid_cli {

std::vector<School> read_schools(const toml::table &config) {
  std::vector<School> out;
  const auto *schools = config["school"].as_array();
  if (schools == nullptr) return out;
  for (const auto &node : *schools) {
    const auto *t = node.as_table();
    if (t == nullptr || !(*t)["key"].is_string()) continue;
    School s{(*t)["key"].value_or(std::string()),
             (*t)["sector"].value_or(std::string()),
             {},
             (*t)["enabled"].value_or(false)};
    if (const auto *chains = (*t)["chains"].as_array()) {
      for (const auto &c : *chains) s.chains.push_back(c.value_or(std::string()));
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<School> load_schools(const std::string &config_path) {
  try {
    return read_schools(toml::parse_file(config_path));
  } catch (const toml::parse_error &e) {
    throw std::runtime_error(config_path + " is not valid TOML (line " +
                             std::to_string(e.source().begin.line) +
                             "): " + std::string(e.description()));
  }
}

}  // namespace eckid_cli
