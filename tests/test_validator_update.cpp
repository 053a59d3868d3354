// validator-update on a real chain (RocksDB in a temp dir) with four
// validators: the > 2/3 co-signature rule, the two-height delay, composing
// updates, the sets that the rules refuse, certificates across a change
// (live and on reopen), proofs of control across a change, and the CLI
// building, co-signing and submitting one to a real numledgerd.
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "ledger/chain.h"
#include "ledger/control_proof.h"
#include "node/client/http_client.h"
#include "support/chain_fixture.h"
#include "support/fixtures.h"
#include "support/process.h"

using namespace nl;
using namespace nl::ledger;
using test::certify;
using test::delegate;

namespace {

crypto::SecretKey key(uint8_t fill) { return test::seeded_key(fill); }
crypto::PublicKey pub(uint8_t fill) { return key(fill).public_key(); }

// Sets `changes` (seed -> power); signed by the submitter and `cosigners`.
Transaction update(std::vector<std::pair<uint8_t, uint64_t>> changes, uint8_t submitter, uint64_t nonce,
                   const std::vector<uint8_t>& cosigners, const crypto::Hash32& genesis = test::test_genesis_hash()) {
  ValidatorUpdateBody b;
  for (auto [seed, power] : changes) b.changes.push_back({pub(seed), power});
  std::sort(b.changes.begin(), b.changes.end());
  Transaction tx = test::signed_tx(b, submitter, nonce, genesis);
  for (uint8_t c : cosigners) tx.sign(key(c));
  return tx;
}

ValidatorSet set_of(std::vector<std::pair<uint8_t, uint64_t>> vs) {
  ValidatorSet s;
  for (auto [seed, power] : vs) s.validators.push_back({pub(seed), power});
  std::sort(s.validators.begin(), s.validators.end());
  return s;
}

struct Fx : test::ChainFixture {
  Fx() : ChainFixture("nl-vupdate") {}
  // Proposes `txs` and commits with the signatures of `signers`.
  PreparedBlock next(const std::vector<Transaction>& txs, const std::vector<uint8_t>& signers) {
    return commit_next(txs, signers);
  }
  // The reason `tx` is refused; the (empty) block is committed by `signers`.
  std::string refusal(const Transaction& tx, const std::vector<uint8_t>& signers = {100, 101, 102}) {
    auto p = commit_next({tx}, signers);
    REQUIRE(p.rejected.size() == 1);
    return p.rejected[0].reason;
  }
};

}  // namespace

TEST_CASE_FIXTURE(Fx, "validator-update: signed by 3 of 4, it sets the validators of h + 2, not h + 1") {
  const ValidatorSet genesis_set = g.validators;
  // Remove 103, add 104 with power 2.
  auto p = next({update({{103, 0}, {104, 2}}, 1, 1, {100, 101, 102})}, {100, 101, 102});
  REQUIRE(p.rejected.empty());
  REQUIRE(p.block.txs.size() == 1);
  const ValidatorSet changed = set_of({{100, 1}, {101, 1}, {102, 1}, {104, 2}});
  CHECK(p.block.header.validator_set_hash == genesis_set.hash());
  CHECK(chain->validators_at(1) == genesis_set);
  CHECK(chain->validators_at(2) == genesis_set);
  CHECK(chain->validators_at(3) == changed);
  REQUIRE(chain->registry().validator_sets().size() == 2);
  CHECK(chain->registry().validator_sets().rbegin()->first == 3);

  // Height 2 is still the genesis set's: 103 signs, 104 can't.
  auto p2 = chain->propose({}, time += 10, pub(100), SignatureCheck::verify);
  CHECK(p2.block.header.validator_set_hash == genesis_set.hash());
  CHECK(chain->commit(p2, certify(p2.block, {101, 102, 104})).error().find("not a validator") != std::string::npos);
  REQUIRE(chain->commit(p2, certify(p2.block, {100, 101, 103})).ok());
  // A proof made now is certified by the genesis set and verifies offline.
  auto proof = chain->prove_control(Resource::parse("10.0.0.0/8").value());
  REQUIRE_MESSAGE(proof.ok(), proof.error());
  CHECK(verify_control_proof(*proof, g).ok());

  // Height 3 belongs to the new set: 103 is out, 104 has 2 of 5.
  auto p3 = chain->propose({}, time += 10, pub(100), SignatureCheck::verify);
  CHECK(p3.block.header.validator_set_hash == changed.hash());
  CHECK(chain->commit(p3, certify(p3.block, {100, 101, 103})).error().find("not a validator") != std::string::npos);
  CHECK(chain->commit(p3, certify(p3.block, {100, 104})).error().find("3 of 5 voting power") != std::string::npos);
  REQUIRE(chain->commit(p3, certify(p3.block, {101, 102, 104})).ok());

  // A proof made now carries the change, and still verifies from the genesis.
  auto after = chain->prove_control(Resource::parse("10.0.0.0/8").value());
  REQUIRE_MESSAGE(after.ok(), after.error());
  CHECK(after->set_changes.size() == 1);
  auto ans = verify_control_proof(*after, g);
  REQUIRE_MESSAGE(ans.ok(), ans.error());
  CHECK(ans->set_changes_checked == 1);
  // Without the change, the verifier sees the gap.
  auto gap = *after;
  gap.set_changes.clear();
  gap.headers.erase(gap.headers.begin());
  CHECK(verify_control_proof(gap, g).error().find("a set change is missing") != std::string::npos);

  // Reopen: the history survives and every certificate checks with the set of its height.
  open();
  CHECK(chain->height() == 3);
  CHECK(chain->validators_at(2) == genesis_set);
  CHECK(chain->validators_at(3) == changed);
  CHECK(chain->validators_at(4) == changed);
  CHECK(chain->registry().validator_sets().size() == 2);
  auto p4 = chain->propose({}, time += 10, pub(100), SignatureCheck::verify);
  REQUIRE(chain->commit(p4, certify(p4.block, {100, 102, 104})).ok());
  open();
  CHECK(chain->height() == 4);
}

TEST_CASE_FIXTURE(Fx, "validator-update: 2 of 4 is refused, and a non-validator's signature is refused outright") {
  auto r = refusal(update({{104, 1}}, 1, 1, {100, 101}));
  CHECK(r.find("validator-update carries 2 of 4 voting power; more than 2/3 is needed") != std::string::npos);
  // Account 1 (the submitter) and key 77 sign too; 77 is neither the
  // submitter nor a validator, so its signature pads the transaction.
  r = refusal(update({{104, 1}}, 1, 1, {100, 101, 77}));
  CHECK_MESSAGE(r.find("signature by key " + pub(77).hex() + " is not one a validator-update needs") !=
                    std::string::npos,
                r);
  CHECK(chain->registry().validator_sets().size() == 1);  // nothing changed
  // A validator may itself submit: its own signature counts.
  auto p = next({update({{104, 1}}, 100, 1, {101, 102})}, {100, 101, 102});
  CHECK(p.rejected.empty());
  CHECK(chain->validators_at(chain->height() + 2).validators.size() == 5);
}

TEST_CASE_FIXTURE(Fx, "validator-update: sets the rules refuse, each with its reason") {
  const std::vector<uint8_t> three = {100, 101, 102};
  CHECK(refusal(update({{100, 0}, {101, 0}, {102, 0}, {103, 0}}, 1, 1, three)).find("validator set is empty") !=
        std::string::npos);
  CHECK(refusal(update({{100, kMaxTotalPower}}, 1, 1, three)).find("total power exceeds 10000") !=
        std::string::npos);
  CHECK(refusal(update({{104, 0}}, 1, 1, three)).find("removes") != std::string::npos);
  CHECK(refusal(update({{100, 1}}, 1, 1, three)).find("changes nothing") != std::string::npos);
  // An unsorted change list built in memory is refused by the rule too.
  auto tx = update({{104, 1}, {105, 1}}, 1, 1, {});
  auto& c = std::get<ValidatorUpdateBody>(tx.body).changes;
  std::swap(c[0], c[1]);
  tx.signatures.clear();
  tx.sign(key(1));
  for (uint8_t v : three) tx.sign(key(v));
  CHECK(refusal(tx).find("not sorted") != std::string::npos);
  // Nothing changed, and the submitter's nonce was never used.
  CHECK(chain->registry().validator_sets().size() == 1);
  CHECK(chain->registry().next_nonce(test::seeded_account(1)) == 1);
}

TEST_CASE_FIXTURE(Fx, "validator-update: updates in one block compose in order and a later block composes onto the pending set") {
  auto p = next({update({{104, 1}}, 1, 1, {100, 101, 102}), update({{104, 3}, {100, 2}}, 1, 2, {100, 101, 102})},
                {100, 101, 102});
  REQUIRE(p.rejected.empty());
  CHECK(chain->registry().validator_sets().size() == 2);  // one entry for height 3
  CHECK(chain->validators_at(3) == set_of({{100, 2}, {101, 1}, {102, 1}, {103, 1}, {104, 3}}));
  // Committed at 2, for height 4: signed under the (unchanged) set of 2, built on the set of 3.
  p = next({update({{103, 0}}, 1, 3, {101, 102, 103})}, {100, 101, 102});
  REQUIRE(p.rejected.empty());
  CHECK(chain->validators_at(3) == set_of({{100, 2}, {101, 1}, {102, 1}, {103, 1}, {104, 3}}));
  CHECK(chain->validators_at(4) == set_of({{100, 2}, {101, 1}, {102, 1}, {104, 3}}));
  // At height 3, 101+102+103 hold 3 of 8: no longer enough.
  auto r = refusal(update({{105, 1}}, 1, 4, {101, 102, 103}), {100, 101, 104});
  CHECK(r.find("3 of 8 voting power") != std::string::npos);
}

TEST_CASE("validator-update: exactly 2/3 of the power is not enough") {
  test::TempDir dir("nl-vupdate-third");
  auto chain = Chain::open(dir / "ledger", test::test_genesis(3));
  REQUIRE(chain.ok());
  auto p = (*chain)->propose({update({{104, 1}}, 1, 1, {100, 101}, test::test_genesis_hash(3))}, 1700000100, pub(100), SignatureCheck::verify);
  REQUIRE(p.rejected.size() == 1);
  CHECK(p.rejected[0].reason.find("carries 2 of 3 voting power; more than 2/3 is needed") != std::string::npos);
}

// The CLI builds the file, a validator co-signs with its key file (a key,
// not an account), the node commits it, and query validators shows the set.
TEST_CASE("validator-update through the CLI and a real node") {
  const std::string cli = NL_BIN_DIR "/numledger", daemon = NL_BIN_DIR "/numledgerd";
  test::TempDir dir("nl-vupdate-e2e");
  int port = test::free_port();
  std::string url = "http://127.0.0.1:" + std::to_string(port);
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), cli);
    return test::run(args, {"NUMLEDGER_NODE=" + url});
  };
  auto account_of = [&](const std::string& k) {
    auto r = run({"key", "show", dir / k});
    REQUIRE(r.code == 0);
    return r.out.substr(0, r.out.find('\n'));
  };
  for (auto k : {"v.key", "w.key", "root.key"})
    REQUIRE(run({"key", "new", "--out", dir / k, "--no-passphrase"}).code == 0);
  const std::string v = account_of("v.key"), w = account_of("w.key"), root = account_of("root.key");
  REQUIRE(run({"genesis", "new", "--chain-id", "vu-test", "--validator", v, "--root", "10.0.0.0/8=" + root, "--out",
               dir / "genesis.json"})
              .code == 0);

  // Offline: v goes to power 3, w joins with 1 (v keeps 3 of 4 and can still certify alone).
  auto built = run({"tx", "validator-update", "--signer", root, "--set", v + "=3", "--set", w + "=1", "--key",
                    dir / "root.key", "--genesis", dir / "genesis.json", "--nonce", "1", "--out", dir / "u.tx"});
  REQUIRE_MESSAGE(built.code == 0, built.err);
  CHECK(built.out.find("must co-sign") != std::string::npos);
  auto bad = run({"tx", "validator-update", "--signer", root, "--set", v + "=x", "--chain-id", "vu-test", "--nonce",
                  "1", "--out", dir / "bad.tx"});
  CHECK(bad.code == 2);
  CHECK(bad.err.find("POWER") != std::string::npos);
  auto signed_by_v = run({"tx", "sign", dir / "u.tx", "--key", dir / "v.key"});
  REQUIRE_MESSAGE(signed_by_v.code == 0, signed_by_v.err);
  CHECK(signed_by_v.out.find("signed as a validator") != std::string::npos);
  auto shown = run({"tx", "show", dir / "u.tx", "--json"});
  REQUIRE(shown.code == 0);
  auto j = nlohmann::json::parse(shown.out);
  CHECK(j["kind"] == "validator-update");
  CHECK(j["changes"].size() == 2);
  CHECK(j["signatures"].size() == 2);

  test::Daemon node;
  node.start({daemon, "--home", dir / "home", "--genesis", dir / "genesis.json", "--validator-key", dir / "v.key",
              "--listen", "127.0.0.1:" + std::to_string(port), "--block-interval", "0.2"},
             dir / "node.log");
  bool up = false;
  for (int i = 0; i < 200 && !up; ++i) {
    auto r = node::http_request(url, "GET", "/api/v1/status", "", std::chrono::seconds(2));
    up = r.ok() && r->status == 200;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE_MESSAGE(up, node.log());
  auto sub = run({"tx", "submit", dir / "u.tx"});
  REQUIRE_MESSAGE(sub.code == 0, sub.err);
  auto at = sub.out.find("at height ");
  REQUIRE(at != std::string::npos);
  const uint64_t h = std::stoull(sub.out.substr(at + 10));

  auto q = run({"query", "validators", "--height", std::to_string(h + 2), "--json"});
  REQUIRE_MESSAGE(q.code == 0, q.err);
  auto vs = nlohmann::json::parse(q.out);
  CHECK(vs["total_power"] == 4);
  CHECK(vs["from_height"] == h + 2);
  CHECK(vs["validators"].size() == 2);
  auto before = run({"query", "validators", "--height", std::to_string(h + 1)});
  REQUIRE(before.code == 0);
  CHECK(before.out.find("total power 1,") != std::string::npos);
  CHECK(run({"query", "validators", "--height", "999999"}).code == 1);  // not known yet
  auto ev = run({"query", "evidence"});
  REQUIRE(ev.code == 0);
  CHECK(ev.out.find("0 committed") != std::string::npos);
  // The node goes on making blocks under the new set, certified by v's 3 of 4.
  for (int i = 0; i < 100; ++i) {
    auto s = node::http_request(url, "GET", "/api/v1/status", "", std::chrono::seconds(2));
    if (s.ok() && nlohmann::json::parse(s->body)["height"].get<uint64_t>() >= h + 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto st = nlohmann::json::parse(node::http_request(url, "GET", "/api/v1/status", "")->body);
  CHECK(st["height"].get<uint64_t>() >= h + 3);
  CHECK(st["validators"] == 2);
  CHECK(node.kill(SIGTERM) == 0);
}
