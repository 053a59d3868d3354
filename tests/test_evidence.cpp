// Equivocation evidence in blocks: committed and queryable (registry and
// HTTP API on 127.0.0.1, blocks made by the consensus driver), refused when duplicate, not an equivocation,
// forged, against a non-validator, too old or not yet due; an evidence
// root that does not match is caught when the chain is reopened.
#include <doctest/doctest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>
#include <shared_mutex>
#include <thread>

#include "ledger/chain.h"
#include "ledger/state_keys.h"
#include "node/http/api.h"
#include "node/driver/consensus_driver.h"
#include "node/client/http_client.h"
#include "node/net/http_server.h"
#include "support/chain_fixture.h"
#include "support/fixtures.h"
#include "support/process.h"

using namespace nl;
using namespace nl::ledger;
using nlohmann::json;
using test::certify;

namespace {

crypto::SecretKey key(uint8_t fill) { return test::seeded_key(fill); }
crypto::PublicKey pub(uint8_t fill) { return key(fill).public_key(); }

SignedVote vote(uint8_t signer, uint64_t height, const char* block, uint32_t round = 0,
                VoteType type = VoteType::precommit) {
  return SignedVote::make(test::test_genesis_hash(), height, round, type, crypto::sha256(as_bytes(block)), key(signer));
}

VoteEvidence double_vote(uint8_t signer, uint64_t height, const char* a = "block-a", const char* b = "block-b") {
  return VoteEvidence::make(vote(signer, height, a), vote(signer, height, b)).value();
}

// The same, signed for the chain of genesis hash `genesis`.
VoteEvidence double_vote_for(const crypto::Hash32& genesis, uint8_t signer, uint64_t height) {
  auto v = [&](const char* block) {
    return SignedVote::make(genesis, height, 0, VoteType::precommit, crypto::sha256(as_bytes(block)), key(signer));
  };
  return VoteEvidence::make(v("block-a"), v("block-b")).value();
}

struct Fx : test::EvidenceChainFixture {
  Fx() : EvidenceChainFixture("nl-evidence") {}
};

}  // namespace

TEST_CASE_FIXTURE(Fx, "evidence: committed in a later block, queryable, under the state root, kept on reopen") {
  next();
  Evidence ev = double_vote(101, 1);
  auto p = next({ev});
  REQUIRE(p.rejected_evidence.empty());
  REQUIRE(p.block.evidence.size() == 1);
  CHECK(p.block.header.evidence_root == evidence_root({ev}));
  CHECK(p.block.header.evidence_root != crypto::Hash32{});
  auto all = chain->registry().evidence();
  REQUIRE(all.size() == 1);
  CHECK(all[0].evidence == ev);
  CHECK(all[0].committed_height == 2);
  CHECK(chain->registry().evidence_of(pub(101)).size() == 1);
  CHECK(chain->registry().evidence_of(pub(102)).empty());
  // The stored block carries it, and it is a state entry (in the state root).
  auto stored = chain->store().block(2);
  REQUIRE(stored.ok());
  CHECK(stored->evidence == std::vector<Evidence>{ev});
  auto entry = chain->store().state_value(keys::evidence(pub(101), 1, 0, uint8_t(VoteType::precommit)));
  REQUIRE(entry.ok());
  REQUIRE(entry->has_value());

  open();  // reopen checks the evidence root of every block and the state root
  CHECK(chain->registry().evidence().size() == 1);
  CHECK(chain->registry().evidence_of(pub(101))[0].committed_height == 2);
}

TEST_CASE_FIXTURE(Fx, "evidence: duplicates, non-equivocations, forgeries and non-validators are dropped with the reason") {
  next();
  next({double_vote(101, 1)});
  // The same pair again, or another pair proving the same equivocation.
  CHECK(refusal(double_vote(101, 1)).find("already committed at height 2") != std::string::npos);
  CHECK(refusal(double_vote(101, 1, "block-a", "block-c")).find("already committed") != std::string::npos);
  // Two copies of one vote prove nothing.
  auto v = vote(102, 1, "block-a");
  CHECK(refusal(VoteEvidence{v, v}).find("same block") != std::string::npos);
  // Votes of different heights or rounds are not an equivocation.
  CHECK(refusal(VoteEvidence{vote(102, 1, "block-a"), vote(102, 2, "block-b")}).find("different heights") !=
        std::string::npos);
  // A forged signature.
  auto forged = double_vote(102, 1);
  forged.b.sig.b[5] ^= 1;
  CHECK(refusal(forged).find("does not verify") != std::string::npos);
  // Key 77 never was a validator.
  CHECK(refusal(double_vote(77, 1)).find("not a validator at height 1") != std::string::npos);
  // Evidence of the block's own height (or later) is not due yet.
  CHECK(refusal(double_vote(102, chain->height() + 1)).find("earlier heights") != std::string::npos);
  // Only the first equivocation is on record.
  CHECK(chain->registry().evidence().size() == 1);
  // Two pieces in one block: the second is the duplicate of the first.
  auto p = next({double_vote(103, 2), double_vote(103, 2, "block-x", "block-y")});
  CHECK(p.block.evidence.size() == 1);
  REQUIRE(p.rejected_evidence.size() == 1);
  CHECK(p.rejected_evidence[0].reason.find("already committed") != std::string::npos);
}

TEST_CASE("evidence: older than kEvidenceMaxAge heights is refused and exactly that old is accepted") {
  Registry reg(test::kTestChain, test::test_genesis_hash());
  REQUIRE(reg.set_genesis_validators(test::test_genesis(4).validators).ok());
  auto old = reg.apply_evidence(double_vote(101, 1), BlockContext{kEvidenceMaxAge + 2, 0});
  REQUIRE(!old.ok());
  CHECK(old.error().find("too old") != std::string::npos);
  CHECK(reg.apply_evidence(double_vote(101, 1), BlockContext{kEvidenceMaxAge + 1, 0}).ok());
  CHECK(reg.evidence().size() == 1);
  CHECK(reg.check_invariants().ok());
}

TEST_CASE_FIXTURE(Fx, "evidence: a stored block whose evidence does not match its evidence root stops the node") {
  next();
  auto p = chain->propose({}, time += 10, pub(100), SignatureCheck::verify, {double_vote(101, 1)});
  REQUIRE(p.block.evidence.size() == 1);
  // As a corrupted write would: other evidence under the same header.
  p.block.evidence[0] = double_vote(102, 1);
  REQUIRE(chain->commit(p, certify(p.block, {100, 101, 102})).ok());
  chain.reset();
  auto again = Chain::open(dir / "ledger", g);
  REQUIRE(!again.ok());
  CHECK(again.error().find("height 2") != std::string::npos);
  CHECK(again.error().find("evidence root") != std::string::npos);
}

namespace {

// Chain, consensus driver (validator 100 alone) and API on a real socket,
// io_context on one thread.
struct Node {
  test::TempDir dir{"nl-evidence-api"};
  std::unique_ptr<Chain> chain;
  std::unique_ptr<node::SharedChain> shared;
  boost::asio::io_context ioc;
  std::unique_ptr<node::ConsensusDriver> driver;
  std::unique_ptr<node::Api> api;
  std::unique_ptr<node::HttpServer> server;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{ioc.get_executor()};
  std::thread thread;
  std::string url;

  // Validator 100 holds 10 of 13: it decides alone; 101..103 can equivocate.
  explicit Node() {
    Genesis g = test::test_genesis(4);
    for (auto& v : g.validators.validators)
      if (v.key == pub(100)) v.power = 10;
    auto c = Chain::open(dir / "ledger", g);
    REQUIRE_MESSAGE(c.ok(), c.error());
    chain = std::move(*c);
    node::DriverOptions o;
    o.wal_path = dir / "consensus.wal";
    o.validator_key = key(100);
    o.node_key = pub(100);
    o.block_interval = std::chrono::milliseconds(20);
    shared = std::make_unique<node::SharedChain>(*chain);
    auto d = node::ConsensusDriver::open(ioc, *shared, o);
    REQUIRE_MESSAGE(d.ok(), d.error());
    driver = std::move(*d);
    api = std::make_unique<node::Api>(*shared, *driver);
    server = std::make_unique<node::HttpServer>(ioc, [this](node::HttpRequest r, node::Responder respond) {
      api->handle(std::move(r), std::move(respond));
    });
    auto port = server->listen("127.0.0.1:0");
    REQUIRE(port.ok());
    url = "http://127.0.0.1:" + std::to_string(*port);
    thread = std::thread([this] { ioc.run(); });
    driver->start();
  }
  ~Node() {
    driver->stop();
    server->stop();
    work.reset();
    ioc.stop();
    thread.join();
  }
  uint64_t height() {
    auto lk = shared->read_lock();
    return chain->height();
  }
  std::pair<unsigned, json> request(const std::string& method, const std::string& target, const std::string& body = "") {
    auto r = node::http_request(url, method, target, body, std::chrono::seconds(10));
    REQUIRE_MESSAGE(r.ok(), r.error());
    return {r->status, json::parse(r->body, nullptr, false)};
  }
  std::pair<unsigned, json> post_evidence(const Evidence& ev) {
    return request("POST", "/api/v1/evidence", json{{"evidence", to_hex(ev.encode())}}.dump());
  }
  // Waits until `n` pieces of evidence are committed; the list.
  json committed_evidence(size_t n) {
    for (int i = 0; i < 500; ++i) {
      auto [status, list] = request("GET", "/api/v1/evidence");
      REQUIRE(status == 200);
      if (list["evidence"].size() >= n) return list;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL("evidence was not committed within 5 s");
    return {};
  }
};

}  // namespace

TEST_CASE("evidence over HTTP: submitted, committed in a later block and listed, and bad input gets a 4xx with the reason") {
  Node n;
  for (int i = 0; i < 500 && n.height() < 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(n.height() >= 1);
  auto votes = double_vote_for(n.chain->genesis_hash(), 101, 1);
  Evidence ev = votes;
  auto [status, body] = n.post_evidence(ev);
  REQUIRE(status == 202);
  CHECK(body["status"] == "pending");
  CHECK(body["id"] == ev.id().hex());
  // Evidence of the height being decided waits for a block above it.
  const uint64_t next = n.height() + 1;
  auto current = double_vote_for(n.chain->genesis_hash(), 102, next);
  CHECK(n.post_evidence(current).first == 202);
  json list = n.committed_evidence(2);
  n.driver->stop();  // the chain stands still for the checks below
  CHECK(n.driver->mempool().evidence_pending() == 0);

  REQUIRE(list["evidence"].size() == 2);
  // Listed in key order (validator, height, round, kind).
  const bool first_is_101 = list["evidence"][0]["validator_key"] == pub(101).hex();
  const json& e = list["evidence"][first_is_101 ? 0 : 1];
  const json& e2 = list["evidence"][first_is_101 ? 1 : 0];
  CHECK(e["validator"] == AccountId{pub(101)}.to_string());
  CHECK(e["height"] == 1);
  CHECK(e["round"] == 0);
  CHECK(e["kind"] == "precommit");
  CHECK(e["type"] == "precommit");
  CHECK(e["block_hash_a"] == votes.a.block_hash.hex());
  CHECK(e["block_hash_b"] == votes.b.block_hash.hex());
  const uint64_t at = e["committed_height"].get<uint64_t>();
  CHECK(at > 1);
  CHECK(e2["height"] == next);
  CHECK(e2["committed_height"].get<uint64_t>() > next);
  auto [bs, block] = n.request("GET", "/api/v1/block/" + std::to_string(at));
  REQUIRE(bs == 200);
  bool carried = false;
  for (const auto& be : block["evidence"]) carried = carried || be["block_hash_a"] == votes.a.block_hash.hex();
  CHECK(carried);
  if (block["evidence"].size() == 1) CHECK(block["header"]["evidence_root"] == evidence_root({ev}).hex());

  // Already committed: 409. Garbage, forgeries, non-validators: 400 with the reason.
  auto dup = n.post_evidence(ev);
  CHECK(dup.first == 409);
  CHECK(dup.second["error"].get<std::string>().find("already committed at height " + std::to_string(at)) !=
        std::string::npos);
  auto bad_hex = n.request("POST", "/api/v1/evidence", R"({"evidence": "zz"})");
  CHECK(bad_hex.first == 400);
  CHECK(n.request("POST", "/api/v1/evidence", "not json").first == 400);
  auto truncated = n.request("POST", "/api/v1/evidence", json{{"evidence", to_hex(ev.encode()).substr(0, 100)}}.dump());
  CHECK(truncated.first == 400);
  CHECK(truncated.second["error"].get<std::string>().find("evidence") != std::string::npos);
  auto forged = double_vote(103, 1);
  forged.a.sig.b[0] ^= 1;
  auto f = n.post_evidence(forged);
  CHECK(f.first == 400);
  CHECK(f.second["error"].get<std::string>().find("does not verify") != std::string::npos);
  auto outsider = n.post_evidence(double_vote(77, 1));
  CHECK(outsider.first == 400);
  CHECK(outsider.second["error"].get<std::string>().find("not a validator") != std::string::npos);
  CHECK(n.post_evidence(double_vote(103, n.height() + 5)).first == 400);  // beyond the next height

  // The validator set by height.
  const uint64_t h = n.height();
  auto [vs, set] = n.request("GET", "/api/v1/validators");
  REQUIRE(vs == 200);
  CHECK(set["height"] == h + 1);
  CHECK(set["from_height"] == 1);
  CHECK(set["total_power"] == 13);
  CHECK(set["validators"].size() == 4);
  CHECK(set["hash"] == n.chain->validators_at(h + 1).hash().hex());
  CHECK(set["history"].size() == 1);
  CHECK(n.request("GET", "/api/v1/validators?height=1").first == 200);
  CHECK(n.request("GET", "/api/v1/validators?height=0").first == 400);
  CHECK(n.request("GET", "/api/v1/validators?height=abc").first == 400);
  auto future = n.request("GET", "/api/v1/validators?height=" + std::to_string(h + 99));
  CHECK(future.first == 404);
  CHECK(future.second["error"].get<std::string>().find("not known yet") != std::string::npos);
}
