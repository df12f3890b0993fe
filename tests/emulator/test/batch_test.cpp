// Batch submission and retrieval, and the batch states signalled in faultactor.
#include <catch2/catch.hpp>

#include <map>

#include "emulator_process.hpp"
#include "soap_client.hpp"

using namespace eckid::emulator_test;

namespace {

using Items = std::vector<std::pair<int, std::string>>;

Response submit_hpgns(Client &client, const Items &items, const Tweaks &tweaks = {}) {
  return client.call(
      "submitStampseudonymBatch",
      [&](pugi::xml_node request) {
        for (const auto &[index, hpgn] : items) {
          auto item = add(request, "hpgnList");
          add(item, "index", std::to_string(index));
          add(item, "hPgn", hpgn);
        }
      },
      tweaks);
}

Response retrieve(Client &client, const std::string &id, const Tweaks &tweaks = {}) {
  return client.call(
      "retrieveBatch", [&](pugi::xml_node request) { add(request, "batchIdentifier", id); },
      tweaks);
}

std::string batch_id(const Response &response) {
  REQUIRE(response.ok());
  auto id = response.text("batchIdentifier");
  REQUIRE_FALSE(id.empty());
  return id;
}

// index -> value (success) or errorMessage (failed)
std::map<int, std::string> entries(const Response &response, std::string_view kind) {
  std::map<int, std::string> result;
  for (const auto &node : children_named(response.payload(), kind)) {
    result[std::stoi(child_text(node, "index"))] =
        child_text(node, kind == "success" ? "value" : "errorMessage");
  }
  return result;
}

}  // namespace

TEST_CASE("stampseudonym batch: indices reused, invalid items fail, fetched once") {
  Emulator emulator;
  Client client(emulator.url());
  const auto id =
      batch_id(submit_hpgns(client, {{3, make_hpgn(30)}, {7, "not-a-hash"}, {9, make_hpgn(90)}}));
  const auto result = retrieve(client, id);
  REQUIRE(result.ok());
  const auto success = entries(result, "success");
  REQUIRE(success.size() == 2);
  CHECK(success.at(3) == stampseudonym_of(client, make_hpgn(30)));
  CHECK(success.at(9) == stampseudonym_of(client, make_hpgn(90)));
  const auto failed = entries(result, "failed");
  REQUIRE(failed.size() == 1);
  CHECK_FALSE(failed.at(7).empty());

  const auto again = retrieve(client, id);
  CHECK(again.status == 500);
  CHECK(again.fault_actor() == "ContentAlreadyRetrievedException");
  CHECK(again.fault_code() == "soapenv:Client");

  const auto unknown = retrieve(client, "00000000-0000-4000-8000-000000000000");
  CHECK(unknown.fault_actor() == "ContentRemovedException");

  Tweaks other_school;
  other_school.oin = "00000009999999990000";
  const auto id2 = batch_id(submit_hpgns(client, {{1, make_hpgn(1)}}));
  CHECK(retrieve(client, id2, other_school).fault_actor() == "ContentRemovedException");
  CHECK(retrieve(client, id2).ok());
}

TEST_CASE("an empty batch, a bad index and a duplicate index are faults") {
  Emulator emulator;
  Client client(emulator.url());
  const auto empty = submit_hpgns(client, {});
  CHECK(empty.is_fault());
  CHECK(empty.fault_code() == "soapenv:Client");
  CHECK(empty.fault_actor().empty());
  CHECK(submit_hpgns(client, {{1, make_hpgn(1)}, {1, make_hpgn(2)}}).is_fault());
  const auto bad_index = client.call("submitStampseudonymBatch", [](pugi::xml_node request) {
    auto item = add(request, "hpgnList");
    add(item, "index", "one");
    add(item, "hPgn", make_hpgn(1));
  });
  CHECK(bad_index.is_fault());
  CHECK(client
            .call("submitEckIdBatch",
                  [](pugi::xml_node request) {
                    add(request, "chainId", kChain);
                    add(request, "sectorId", kSector);
                  })
            .is_fault());
}

TEST_CASE("ECK iD batch matches the single calls; unknown chain is a fault") {
  Emulator emulator;
  Client client(emulator.url());
  const auto sp1 = stampseudonym_of(client, make_hpgn(11));
  const auto sp2 = stampseudonym_of(client, make_hpgn(12));
  const auto submit = [&](const std::string &chain, const std::string &sector) {
    return client.call("submitEckIdBatch", [&](pugi::xml_node request) {
      const Items items = {{0, sp1}, {1, "https://example.org/not-a-stampseudonym"}, {2, sp2}};
      for (const auto &[index, sp] : items) {
        auto item = add(request, "stampseudonymList");
        add(item, "index", std::to_string(index));
        add(item, "stampseudonym", sp);
      }
      add(request, "chainId", chain);
      add(request, "sectorId", sector);
    });
  };
  const auto result = retrieve(client, batch_id(submit(kChain, kSecondSector)));
  REQUIRE(result.ok());
  const auto success = entries(result, "success");
  REQUIRE(success.size() == 2);
  CHECK(success.at(0) == eckid_of(client, sp1, kSecondSector));
  CHECK(success.at(2) == eckid_of(client, sp2, kSecondSector));
  CHECK(entries(result, "failed").count(1) == 1);

  const auto unknown = submit("http://purl.edustandaard.nl/begrippenkader/nope", kSector);
  CHECK(unknown.is_fault());
  CHECK(unknown.fault_string().find("unknown chain") != std::string::npos);
}

TEST_CASE("retrieveBatch reports NotFinishedException for the first k polls") {
  Emulator emulator({"--not-finished-polls", "2"});
  Client client(emulator.url());
  const auto id = batch_id(submit_hpgns(client, {{5, make_hpgn(5)}}));
  for (int poll = 0; poll < 2; ++poll) {
    const auto pending = retrieve(client, id);
    CHECK(pending.status == 500);
    CHECK(pending.fault_actor() == "NotFinishedException");
  }
  const auto done = retrieve(client, id);
  REQUIRE(done.ok());
  CHECK(entries(done, "success").count(5) == 1);
  CHECK(retrieve(client, id).fault_actor() == "ContentAlreadyRetrievedException");
}

TEST_CASE("daily limit and temporary blocking of batches") {
  SECTION("after M submissions") {
    Emulator emulator({"--daily-limit", "1"});
    Client client(emulator.url());
    CHECK(submit_hpgns(client, {{1, make_hpgn(1)}}).ok());
    const auto limited = submit_hpgns(client, {{1, make_hpgn(1)}});
    CHECK(limited.fault_code() == "soapenv:Client");
    CHECK(limited.fault_actor().empty());  // not published (spec "Transport"): none invented
    CHECK(limited.fault_string().find("daily limit") != std::string::npos);
    Tweaks other_school;
    other_school.oin = "00000009999999990000";
    CHECK(submit_hpgns(client, {{1, make_hpgn(1)}}, other_school).ok());
  }
  SECTION("always") {
    Emulator emulator({"--daily-limit", "0"});
    Client client(emulator.url());
    const auto limited = submit_hpgns(client, {{1, make_hpgn(1)}});
    CHECK(limited.is_fault());
    CHECK(limited.fault_actor().empty());
    CHECK(emulator.log_lines().back().ends_with(" fault:DailyLimit"));
  }
  SECTION("temporarily blocked") {
    Emulator emulator({"--blocked-share", "1"});
    Client client(emulator.url());
    const auto blocked = submit_hpgns(client, {{1, make_hpgn(1)}});
    CHECK(blocked.fault_actor() == "TemporaryBlockedException");
    CHECK(blocked.fault_code() == "soapenv:Server");
    CHECK(client.call("ping").ok());
  }
}
