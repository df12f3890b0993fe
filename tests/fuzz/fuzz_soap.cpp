// libFuzzer target: SOAP answers through the real client (plugin/nv: Client, Response, the
// batch driver) with a stand-in transport that answers from the fuzz input. Input: one
// operation digit, then the answers in order, separated by "\n====\n"; an answer that starts
// with three digits and a newline has that HTTP status, any other has 200. When the answers
// run out, the transport fails as a dropped connection would. Every input must end in a
// result or an eckid::Error; another exception, a crash or a sanitizer report is a finding;
// a returned pseudonym must have the shape the client promises (is_pseudonym_uri).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "log/logger.hpp"
#include "nv/batch.hpp"
#include "nv/client.hpp"
#include "util/error.hpp"

namespace {

using namespace eckid::nv;

constexpr std::string_view kSeparator = "\n====\n";
constexpr std::string_view kOin = "00000001234567890000";
const std::string kHpgn(64, 'a');
const std::string kStamp = "https://ketenid.nl/sppilot/" + std::string(128, 'b');
constexpr std::string_view kChain = "http://purl.edustandaard.nl/begrippenkader/c";
constexpr std::string_view kSector = "http://purl.edustandaard.nl/begrippenkader/s";

class ScriptedPoster final : public Poster {
 public:
  explicit ScriptedPoster(std::string_view script) {
    for (;;) {
      const auto end = script.find(kSeparator);
      answers_.push_back(answer(script.substr(0, end)));
      if (end == std::string_view::npos) break;
      script.remove_prefix(end + kSeparator.size());
    }
  }
  HttpAnswer post(std::string_view, const std::string &) const override {
    if (next_ == answers_.size()) throw eckid::Error(ECKID_E_CONNECT, "fuzz: no more answers");
    return answers_[next_++];
  }
  const std::string &endpoint() const noexcept override { return endpoint_; }

 private:
  static HttpAnswer answer(std::string_view text) {
    HttpAnswer a{200, {}};
    if (text.size() >= 4 && text[3] == '\n' && text.find_first_not_of("0123456789") == 3) {
      a.status = std::stol(std::string(text.substr(0, 3)));
      text.remove_prefix(4);
    }
    a.body = std::string(text);
    return a;
  }
  std::vector<HttpAnswer> answers_;
  mutable std::size_t next_ = 0;
  std::string endpoint_ = "https://nv.invalid/eck";
};

void check_pseudonym(const std::string &value) {
  if (!is_pseudonym_uri(value)) std::abort();
}

void check_run(const BatchRun &run, const std::set<BatchIndex> &submitted) {
  for (const auto &s : run.result.successes) {
    if (!submitted.contains(s.index)) std::abort();
    check_pseudonym(s.value);
  }
  for (const auto &f : run.result.failures) {
    if (!submitted.contains(f.index)) std::abort();
  }
  for (const auto index : run.unresolved) {
    if (!submitted.contains(index)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size == 0) return 0;
  const int operation = static_cast<unsigned char>(data[0] - '0') % 10;
  const std::string_view script(reinterpret_cast<const char *>(data) + 1, size - 1);
  const Client client(std::make_unique<ScriptedPoster>(script), eckid::Logger());
  BatchPolicy policy;
  policy.max_polls = 3;
  policy.max_blocked = 2;
  policy.sleep = [](std::chrono::milliseconds) {};
  const std::set<BatchIndex> submitted{0, 1, 2};
  try {
    switch (operation) {
      case 0:
        client.ping(kOin);
        break;
      case 1:
        check_pseudonym(client.retrieve_stampseudonym(kOin, kHpgn));
        break;
      case 2:
        check_pseudonym(client.retrieve_eckid(kOin, kStamp, kChain, kSector));
        break;
      case 3:
        check_pseudonym(client.replace_stampseudonym(kOin, kHpgn, std::string(64, 'c'),
                                                     "2030-01-01T00:00:00Z"));
        break;
      case 4:
        client.retrieve_chains(kOin);
        break;
      case 5:
        client.retrieve_sectors(kOin);
        break;
      case 6: {
        const BatchResult result = retrieve_batch(client, kOin, "batch-1");
        for (const auto &s : result.successes) check_pseudonym(s.value);
        break;
      }
      case 7:
        check_run(
            run_stampseudonym_batch(client, kOin, {{0, kHpgn}, {1, kHpgn}, {2, kHpgn}}, policy),
            submitted);
        break;
      case 8:
        check_run(run_eckid_batch(client, kOin, {{0, kStamp}, {1, kStamp}, {2, kStamp}}, kChain,
                                  kSector, policy),
                  submitted);
        break;
      default:
        check_run(poll_batch(client, kOin, "batch-1", {0, 1, 2}, policy, {1}), submitted);
        break;
    }
  } catch (const eckid::Error &) {
    // Refused answers, faults, the end of the script: the documented outcomes.
  }
  return 0;
}
