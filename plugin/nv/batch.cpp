#include "nv/batch.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <thread>

#include "nv/fault.hpp"
#include "util/error.hpp"

namespace eckid::nv {

namespace {

// Non-empty, indices non-negative and unique (WSDL minOccurs="1"; spec "Operations": batch
// results reuse the submitted indices, so each must name one item).
template <typename Item>
std::vector<BatchIndex> checked_indices(const std::vector<Item> &items, const char *operation) {
  if (items.empty()) {
    throw Error(ECKID_E_INVALID_ARGUMENT,
                std::string(operation) + ": an empty batch is never sent; give at least one item");
  }
  std::vector<BatchIndex> indices;
  indices.reserve(items.size());
  for (const auto &item : items) {
    if (item.index < 0) {
      throw Error(ECKID_E_INVALID_ARGUMENT, std::string(operation) + ": index " +
                                                std::to_string(item.index) +
                                                " is negative; indices must be 0 or more");
    }
    indices.push_back(item.index);
  }
  std::sort(indices.begin(), indices.end());
  const auto dup = std::adjacent_find(indices.begin(), indices.end());
  if (dup != indices.end()) {
    throw Error(ECKID_E_INVALID_ARGUMENT, std::string(operation) + ": index " +
                                              std::to_string(*dup) +
                                              " appears more than once; indices must be unique");
  }
  return indices;
}

BatchIndex parse_index(const std::string &text) {
  BatchIndex value = 0;
  const char *end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) {
    throw Error(ECKID_E_BAD_RESPONSE,
                "the Nummervoorziening returned a batch index that is not an xsd:int; refused");
  }
  return value;
}

std::string submitted_id(const Client &client, const Request &request) {
  const Response response = client.call(request, "submitBatchResponse");
  std::string id = response.text(response.payload(), "batchIdentifier");
  if (id.empty()) {
    throw Error(ECKID_E_BAD_RESPONSE, "the Nummervoorziening returned an empty batchIdentifier");
  }
  return id;
}

void wait(const BatchPolicy &policy, std::chrono::milliseconds delay) {
  if (policy.sleep) {
    policy.sleep(delay);
  } else {
    std::this_thread::sleep_for(delay);
  }
}

// Runs `call`, backing off while the service answers TemporaryBlockedException.
template <typename Call>
auto with_backoff(const BatchPolicy &policy, Call &&call) {
  std::chrono::milliseconds delay = policy.blocked_delay;
  for (int blocked = 1;; ++blocked) {
    try {
      return call();
    } catch (const ServiceFault &fault) {
      if (fault.detail().actor != kTemporaryBlocked) throw;
      if (blocked >= policy.max_blocked) {
        throw ServiceFault(fault.status(),
                           "the Nummervoorziening kept batch requests temporarily blocked (" +
                               std::to_string(blocked) + " answers in a row); try again later",
                           fault.detail());
      }
    }
    wait(policy, delay);
    delay = std::min(delay * 2, policy.blocked_delay_max);
  }
}

std::vector<BatchIndex> without(const std::vector<BatchIndex> &all,
                                const std::vector<BatchIndex> &done) {
  const std::set<BatchIndex> skip(done.begin(), done.end());
  std::vector<BatchIndex> out;
  for (BatchIndex i : all) {
    if (!skip.contains(i)) out.push_back(i);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The list elements of a submit request: <list><index/><field/></list> per item, in order.
template <typename Item>
void add_list(Request &request, const char *list, const char *field, const std::vector<Item> &items,
              std::string Item::*value) {
  for (const auto &item : items) {
    auto listed = request.add(request.payload(), list);
    request.add(listed, "index", std::to_string(item.index));
    request.add(listed, field, item.*value);
  }
}

// Lowercase ASCII letters and digits of `text`, without spaces, '_', '-' or other marks.
std::string squeezed(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0) out += static_cast<char>(std::tolower(u));
  }
  return out;
}

// `first`, then `second` starting at most `gap` characters after it.
bool word_then(const std::string &text, std::string_view first, std::string_view second,
               std::size_t gap) {
  for (auto at = text.find(first); at != std::string::npos; at = text.find(first, at + 1)) {
    const auto next = text.find(second, at + first.size());
    if (next != std::string::npos && next - (at + first.size()) <= gap) return true;
  }
  return false;
}

}  // namespace

bool names_daily_limit(const FaultDetail &fault) {
  for (const std::string *field : {&fault.actor, &fault.string}) {
    const std::string text = squeezed(*field);
    // "daily [batch submission] limit", "daglimiet", "dagelijkse [batch] limiet"
    if (word_then(text, "daily", "limit", 24) || word_then(text, "dagelijks", "limiet", 24) ||
        text.find("daglimiet") != std::string::npos) {
      return true;
    }
  }
  return false;
}

void fill_stampseudonym_batch(Request &request, const std::vector<HpgnItem> &items) {
  add_list(request, "hpgnList", "hPgn", items, &HpgnItem::hpgn);
}

void fill_eckid_batch(Request &request, const std::vector<StampseudonymItem> &items,
                      std::string_view chain, std::string_view sector) {
  add_list(request, "stampseudonymList", "stampseudonym", items, &StampseudonymItem::stampseudonym);
  request.add(request.payload(), "chainId", chain);
  request.add(request.payload(), "sectorId", sector);
}

void fill_retrieve_batch(Request &request, std::string_view batch_id) {
  request.add(request.payload(), "batchIdentifier", batch_id);
}

std::string submit_stampseudonym_batch(const Client &client, std::string_view oin,
                                       const std::vector<HpgnItem> &items) {
  checked_indices(items, "submitStampseudonymBatch");
  Request request("submitStampseudonymBatch", client.endpoint(), oin);
  fill_stampseudonym_batch(request, items);
  return submitted_id(client, request);
}

std::string submit_eckid_batch(const Client &client, std::string_view oin,
                               const std::vector<StampseudonymItem> &items, std::string_view chain,
                               std::string_view sector) {
  checked_indices(items, "submitEckIdBatch");
  Request request("submitEckIdBatch", client.endpoint(), oin);
  fill_eckid_batch(request, items, chain, sector);
  return submitted_id(client, request);
}

BatchResult retrieve_batch(const Client &client, std::string_view oin, std::string_view batch_id) {
  Request request("retrieveBatch", client.endpoint(), oin);
  fill_retrieve_batch(request, batch_id);
  const Response response = client.call(request, "retrieveBatchResponse");
  BatchResult result;
  for (pugi::xml_node n = response.payload().first_child(); n; n = n.next_sibling()) {
    if (n.type() != pugi::node_element) continue;
    const std::string_view name = xml::local_name(n);
    if (name == "success") {
      const BatchIndex index = parse_index(response.text(n, "index"));
      std::string value = response.text(n, "value");
      if (is_pseudonym_uri(value)) {
        result.successes.push_back({index, std::move(value)});
      } else {
        result.failures.push_back({index,
                                   "the Nummervoorziening returned a value that is not "
                                   "https://ketenid.nl/<segment>/<128 lowercase hex>; refused"});
      }
    } else if (name == "failed") {
      result.failures.push_back(
          {parse_index(response.text(n, "index")), response.text(n, "errorMessage")});
    }
  }
  return result;
}

BatchRun poll_batch(const Client &client, std::string_view oin, std::string_view batch_id,
                    const std::vector<BatchIndex> &submitted, const BatchPolicy &policy,
                    const std::vector<BatchIndex> &recorded) {
  BatchRun run;
  run.batch_id = batch_id;
  const std::set<BatchIndex> expected(submitted.begin(), submitted.end());
  for (;;) {
    ++run.polls;
    try {
      run.result = with_backoff(policy, [&] { return retrieve_batch(client, oin, batch_id); });
      break;
    } catch (const ServiceFault &fault) {
      const std::string &actor = fault.detail().actor;
      if (actor == kContentAlreadyRetrieved || actor == kContentRemoved) {
        run.outcome = BatchOutcome::kLost;
        run.unresolved = without(submitted, recorded);
        run.message = fault.detail().string;
        return run;
      }
      if (actor != kNotFinished) throw;
      if (run.polls >= policy.max_polls) {
        throw BatchNotFinished(ECKID_E_TIMEOUT,
                               "batch " + std::string(batch_id) + " was not finished after " +
                                   std::to_string(run.polls) + " polls; poll it again later");
      }
    }
    wait(policy, policy.poll_delay);
  }
  std::set<BatchIndex> seen;
  const auto note = [&](BatchIndex index) {
    if (!expected.contains(index) || !seen.insert(index).second) {
      throw Error(ECKID_E_BAD_RESPONSE, "batch " + std::string(batch_id) +
                                            ": the result names index " + std::to_string(index) +
                                            ", which was not submitted or appears twice; refused");
    }
  };
  for (const auto &s : run.result.successes) note(s.index);
  for (const auto &f : run.result.failures) note(f.index);
  run.unresolved = without(submitted, std::vector<BatchIndex>(seen.begin(), seen.end()));
  return run;
}

namespace {

// Submits with back-off, then polls; a fault naming the daily limit is kDeferred without a
// retry. Any other fault is rethrown whole (code, string and actor in its message).
template <typename Submit>
BatchRun run_batch(const Client &client, std::string_view oin,
                   const std::vector<BatchIndex> &indices, const BatchPolicy &policy,
                   const OnSubmitted &on_submitted, Submit &&submit) {
  std::string id;
  try {
    id = with_backoff(policy, submit);
  } catch (const ServiceFault &fault) {
    if (!names_daily_limit(fault.detail())) throw;
    BatchRun run;
    run.outcome = BatchOutcome::kDeferred;
    run.unresolved = indices;
    run.message = fault.detail().string;
    return run;
  }
  if (on_submitted) on_submitted(id);
  return poll_batch(client, oin, id, indices, policy);
}

}  // namespace

BatchRun run_stampseudonym_batch(const Client &client, std::string_view oin,
                                 const std::vector<HpgnItem> &items, const BatchPolicy &policy,
                                 const OnSubmitted &on_submitted) {
  return run_batch(client, oin, checked_indices(items, "submitStampseudonymBatch"), policy,
                   on_submitted, [&] { return submit_stampseudonym_batch(client, oin, items); });
}

BatchRun run_eckid_batch(const Client &client, std::string_view oin,
                         const std::vector<StampseudonymItem> &items, std::string_view chain,
                         std::string_view sector, const BatchPolicy &policy,
                         const OnSubmitted &on_submitted) {
  return run_batch(client, oin, checked_indices(items, "submitEckIdBatch"), policy, on_submitted,
                   [&] { return submit_eckid_batch(client, oin, items, chain, sector); });
}

}  // namespace eckid::nv
