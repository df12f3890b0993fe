#include "schools.hpp"

#include <eckid/eckid.h>

#include <memory>
#include <stdexcept>

#include "plugin.hpp"

namespace eckid_cli {

std::vector<School> load_schools(const std::string &config_path) {
  eckid_config_source source = ECKID_CONFIG_SOURCE_INIT;
  source.path = config_path.c_str();
  eckid_check_report *raw = nullptr;
  const eckid_status status = eckid_check(&source, &raw);
  if (status != ECKID_OK) throw std::runtime_error(failure(status));
  const std::unique_ptr<eckid_check_report, decltype(&eckid_free)> report(raw, &eckid_free);
  std::vector<School> out;
  for (std::size_t i = 0; i < report->school_count; ++i) {
    const eckid_check_school &s = *report->schools[i];
    School school{s.key, s.sector, {}, s.enabled != 0};
    for (std::size_t c = 0; c < s.chain_count; ++c) school.chains.emplace_back(s.chains[c]);
    out.push_back(std::move(school));
  }
  return out;
}

}  // namespace eckid_cli
