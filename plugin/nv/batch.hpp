// The batch protocol of the Nummervoorziening (spec "Operations", WSDL operations
// submitStampseudonymBatch, submitEckIdBatch and retrieveBatch) on top of Client::call():
// the three requests, and a driver that polls a batch until its result arrives, following
// the batch states the service signals in the SOAP faultactor (spec "Transport";
// tests/emulator/README.md "Faults").
//
// Thread-safety: every function here is stateless and may run on any thread at the same
// time as others (Client is thread-safe). A BatchPolicy is only read; its sleep function must
// be safe to call from every thread that uses the policy.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "nv/client.hpp"
#include "nv/fault.hpp"
#include "util/error.hpp"

namespace eckid::nv {

/// An item's index as the WSDL types it (ListedHpgn/ListedStampseudonym/ListedEntity*
/// "index": xsd:int). The service reuses the submitted indices in its results.
using BatchIndex = std::int32_t;

/// One HPgn to resolve (WSDL ListedHpgn: index, hPgn). hpgn: 64 lowercase hex characters.
struct HpgnItem {
  BatchIndex index = 0;
  std::string hpgn;
};

/// One stampseudonym to turn into an ECK iD (WSDL ListedStampseudonym: index, stampseudonym).
struct StampseudonymItem {
  BatchIndex index = 0;
  std::string stampseudonym;
};

/// A resolved item (WSDL ListedEntitySuccess: index, value). value is a stampseudonym or an
/// ECK iD URI, checked with is_pseudonym_uri().
struct BatchSuccess {
  BatchIndex index = 0;
  std::string value;
};

/// An item the service could not resolve (WSDL ListedEntityFailure: index, errorMessage), or
/// whose value this client refused; message is the service's errorMessage or the refusal.
struct BatchFailure {
  BatchIndex index = 0;
  std::string message;
};

/// The content of a retrieveBatchResponse, in the service's order.
struct BatchResult {
  std::vector<BatchSuccess> successes;
  std::vector<BatchFailure> failures;
};

/// True when the fault's actor or string names a daily limit (spec "Transport": the actor text
/// of the daily batch submission limit is not published, so a fault on submit...Batch that
/// names one is that limit). Case-insensitive; spaces, '_' and '-' between the words are
/// ignored, and words in between are allowed ("daily limit", "DailyLimitReached",
/// "daily_limit", "daily batch submission limit"); the Dutch "daglimiet"/"dagelijkse limiet"
/// count too. Pure; thread-safe.
bool names_daily_limit(const FaultDetail &fault);

/// The bodies of the three requests, as the functions below send them (public for the WSDL
/// tests): <hpgnList><index/><hPgn/></hpgnList> per item; <stampseudonymList><index/>
/// <stampseudonym/></stampseudonymList> per item, then chainId, sectorId; batchIdentifier.
/// Items in the given order; no checks here.
void fill_stampseudonym_batch(Request &request, const std::vector<HpgnItem> &items);
void fill_eckid_batch(Request &request, const std::vector<StampseudonymItem> &items,
                      std::string_view chain, std::string_view sector);
void fill_retrieve_batch(Request &request, std::string_view batch_id);

/// submitStampseudonymBatch(hpgnList × n): the batch identifier. Before sending, refuses an
/// empty list and negative or repeated indices (ECKID_E_INVALID_ARGUMENT; the service faults
/// them too). The HPgn values are checked by the service, which reports bad ones per index
/// in the batch result. Other errors as Client::call(); batch states are ServiceFaults whose
/// detail().actor is one of the constants of nv/fault.hpp.
std::string submit_stampseudonym_batch(const Client &client, std::string_view oin,
                                       const std::vector<HpgnItem> &items);

/// submitEckIdBatch(stampseudonymList × n, chainId, sectorId) — WSDL order: the list first.
/// Checks and errors as submit_stampseudonym_batch().
std::string submit_eckid_batch(const Client &client, std::string_view oin,
                               const std::vector<StampseudonymItem> &items, std::string_view chain,
                               std::string_view sector);

/// retrieveBatch(batchIdentifier): one poll. A success value that is not a pseudonym URI
/// becomes a failure of its index (nothing is dropped silently). An index that is not an
/// integer is ECKID_E_BAD_RESPONSE. Batch states throw ServiceFault (see the constants).
BatchResult retrieve_batch(const Client &client, std::string_view oin, std::string_view batch_id);

/// What poll_batch() throws when a batch is still not finished after max_polls polls
/// (ECKID_E_TIMEOUT), as opposed to a request that timed out.
class BatchNotFinished : public Error {
 public:
  using Error::Error;
};

/// How the driver waits. Durations in milliseconds; the defaults suit the real service.
struct BatchPolicy {
  /// Delay between polls while the batch is not finished (kNotFinished).
  std::chrono::milliseconds poll_delay{30'000};
  /// retrieveBatch calls per batch, not finished ones included; then ECKID_E_TIMEOUT.
  int max_polls = 40;
  /// First back-off after kTemporaryBlocked; doubled each time up to blocked_delay_max.
  std::chrono::milliseconds blocked_delay{60'000};
  std::chrono::milliseconds blocked_delay_max{15 * 60'000};
  /// kTemporaryBlocked answers in a row per request before giving up (the last fault is
  /// rethrown).
  int max_blocked = 6;
  /// Waits the given time; empty: std::this_thread::sleep_for. Injectable for tests.
  std::function<void(std::chrono::milliseconds)> sleep;
};

/// How a batch ended.
enum class BatchOutcome {
  kComplete,  ///< result holds what the service returned
  kLost,      ///< kContentAlreadyRetrieved/kContentRemoved: the service no longer has the result
  kDeferred,  ///< the daily limit at submission: nothing was submitted; try the next UTC day
};

/// What the driver reports.
struct BatchRun {
  BatchOutcome outcome = BatchOutcome::kComplete;
  std::string batch_id;  ///< empty when nothing was submitted (kDeferred)
  BatchResult result;    ///< kComplete only
  /// Submitted indices without a result: for kLost and kDeferred those the caller has not
  /// recorded (resubmit only these); for kComplete those the service left out. Ascending.
  std::vector<BatchIndex> unresolved;
  std::string message;  ///< for kLost/kDeferred: the service's faultstring
  int polls = 0;        ///< polls made (retries while blocked not counted)
};

/// Polls batch_id until its result arrives (kNotFinished: wait poll_delay; kTemporaryBlocked:
/// back off). submitted: the indices sent in the batch; recorded: those whose result the
/// caller already recorded (after a crash between retrieving and finishing, say). Results
/// must refer to submitted indices, each at most once (else ECKID_E_BAD_RESPONSE). Throws
/// eckid::Error ECKID_E_TIMEOUT after max_polls kNotFinished answers (the message names the
/// batch identifier, so polling can resume later; type BatchNotFinished), the last ServiceFault
/// after max_blocked blocked answers in a row, any other fault as it came (final: its code,
/// string and actor are in the message and detail()), and other errors as retrieve_batch().
BatchRun poll_batch(const Client &client, std::string_view oin, std::string_view batch_id,
                    const std::vector<BatchIndex> &submitted, const BatchPolicy &policy,
                    const std::vector<BatchIndex> &recorded = {});

/// Called with the batchIdentifier as soon as the service accepted a batch, before the first
/// poll: the moment to record it, so polling can resume after a restart.
using OnSubmitted = std::function<void(const std::string &batch_id)>;

/// Submits (backing off while kTemporaryBlocked) and polls with poll_batch(). A submit fault
/// for which names_daily_limit() holds is kDeferred at once, with every index unresolved: no
/// retry. Any other submit fault is thrown as it came (final for the caller).
BatchRun run_stampseudonym_batch(const Client &client, std::string_view oin,
                                 const std::vector<HpgnItem> &items, const BatchPolicy &policy,
                                 const OnSubmitted &on_submitted = {});
BatchRun run_eckid_batch(const Client &client, std::string_view oin,
                         const std::vector<StampseudonymItem> &items, std::string_view chain,
                         std::string_view sector, const BatchPolicy &policy,
                         const OnSubmitted &on_submitted = {});

}  // namespace eckid::nv
