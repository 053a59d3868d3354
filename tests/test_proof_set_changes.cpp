// Proofs of control across validator-set changes (issue 15, item 1) on a
// real chain: the proof carries each validator-update with its inclusion
// proof and certified header; the verifier follows them from the genesis
// set, or from a later set it trusts, and refuses a gap, a wrong signer,
// too little power, a forged update and a non-canonical layout.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "crypto/domain_tags.h"
#include "crypto/merkle.h"
#include "ledger/chain.h"
#include "ledger/control_proof.h"
#include "ledger/proof_compare.h"
#include "support/chain_fixture.h"
#include "support/fixtures.h"
#include "support/process.h"

using namespace nl;
using namespace nl::ledger;
using test::certify;

namespace {

crypto::SecretKey key(uint8_t fill) { return test::seeded_key(fill); }
crypto::PublicKey pub(uint8_t fill) { return key(fill).public_key(); }
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

Transaction update(std::vector<std::pair<uint8_t, uint64_t>> changes, uint8_t submitter, uint64_t nonce,
                   const std::vector<uint8_t>& cosigners) {
  ValidatorUpdateBody b;
  for (auto [seed, power] : changes) b.changes.push_back({pub(seed), power});
  std::sort(b.changes.begin(), b.changes.end());
  Transaction tx = test::signed_tx(b, submitter, nonce);
  for (uint8_t c : cosigners) tx.sign(key(c));
  return tx;
}

struct Fx : test::ChainFixture {
  Fx() : ChainFixture("nl-proof-sets") {}
  void next(const std::vector<Transaction>& txs, const std::vector<uint8_t>& signers) {
    REQUIRE(commit_next(txs, signers).rejected.empty());
  }
  // 10.1.0.0/16 to account 2; then 103 leaves and 104 joins; then 100
  // leaves and 105 joins. The tip (height 7) is certified by {101, 102, 104, 105}.
  ControlProof two_changes() {
    next({test::delegate("10.1.0.0/16", 1, 2, 1)}, {100, 101, 102});
    next({update({{103, 0}, {104, 1}}, 100, 1, {101, 102})}, {100, 101, 102});  // height 2, in force at 4
    next({}, {100, 101, 102});
    next({}, {101, 102, 104});                                                  // height 4
    next({update({{100, 0}, {105, 1}}, 101, 1, {102, 104})}, {101, 102, 104});  // height 5, in force at 7
    next({}, {100, 101, 102});
    next({}, {101, 102, 105});  // height 7
    auto p = chain->prove_control(Resource::parse("10.1.0.0/16").value());
    REQUIRE_MESSAGE(p.ok(), p.error());
    return *p;
  }
};

// A certified header at `height` whose block holds exactly `txs`, signed
// by `signers`, as a coalition of validators could make one.
ProofHeader forged_header(uint64_t height, const std::vector<Transaction>& txs, const ValidatorSet& set,
                          const std::vector<uint8_t>& signers) {
  Block b;
  b.header.chain_id = test::kTestChain;
  b.header.height = height;
  b.header.time = 1700000000 + height;
  b.header.tx_root = tx_root(txs);
  b.header.validator_set_hash = set.hash();
  b.txs = txs;
  return {b.header, certify(b, signers)};
}

}  // namespace

TEST_CASE_FIXTURE(Fx, "proof across set changes: two changes, verified from the genesis alone") {
  ControlProof p = two_changes();
  CHECK(p.headers.size() == 4);  // the delegate's block, the two change blocks and the tip
  CHECK(p.set_changes.size() == 2);
  CHECK(p.custody.size() == 1);
  auto back = ControlProof::decode(p.encode());
  REQUIRE_MESSAGE(back.ok(), back.error());
  CHECK(back->encode() == p.encode());
  auto ans = verify_control_proof(*back, g);
  REQUIRE_MESSAGE(ans.ok(), ans.error());
  CHECK(ans->height == 7);
  CHECK(ans->set_changes_checked == 2);
  REQUIRE(ans->parts.size() == 1);
  CHECK(ans->parts[0].holding.holder == test::seeded_account(2));
  CHECK(ans->certified_by.set == chain->validators_at(7));
  CHECK(ans->certified_by.height == 7);
}

TEST_CASE_FIXTURE(Fx, "proof across set changes: a verifier that trusts a later set skips the changes before it") {
  ControlProof p = two_changes();
  // The set written by --save-trusted-set, read back.
  auto saved = TrustedSet::from_json(verify_control_proof(p, g)->certified_by.to_json());
  REQUIRE_MESSAGE(saved.ok(), saved.error());
  auto skip_all = verify_control_proof(p, *saved);
  REQUIRE_MESSAGE(skip_all.ok(), skip_all.error());
  CHECK(skip_all->set_changes_checked == 0);
  // Trusting the set of height 4 leaves one change to check.
  TrustedSet mid{g.chain_id, g.hash(), 4, chain->validators_at(4)};
  auto one = verify_control_proof(p, mid);
  REQUIRE_MESSAGE(one.ok(), one.error());
  CHECK(one->set_changes_checked == 1);
  // A wrong trusted set is no shortcut: the tip's certificate fails.
  TrustedSet wrong{g.chain_id, g.hash(), 4, g.validators};
  auto r = verify_control_proof(p, wrong);
  REQUIRE(!r.ok());
  CHECK_MESSAGE(contains(r.error(), "a set change is missing"), r.error());
}

TEST_CASE_FIXTURE(Fx, "proof across set changes: a gap, a wrong signer, a forged update are refused, each named") {
  const ControlProof p = two_changes();
  SUBCASE("a gap: the first change left out") {
    ControlProof gap = p;
    const uint32_t first = gap.set_changes[0].header;
    gap.set_changes.erase(gap.set_changes.begin());
    gap.headers.erase(gap.headers.begin() + first);
    for (auto* list : {&gap.set_changes, &gap.custody})
      for (auto& c : *list) c.header -= c.header > first ? 1 : 0;
    auto r = verify_control_proof(gap, g);
    REQUIRE(!r.ok());
    CHECK_MESSAGE(contains(r.error(), "the header at height 5 names validator set"), r.error());
    CHECK(contains(r.error(), "a set change is missing (a gap)"));
  }
  SUBCASE("a wrong signer: the tip certified by a validator that has left") {
    ControlProof wrong = p;
    Block b;
    b.header = wrong.headers.back().header;
    wrong.headers.back().cert = certify(b, {100, 101, 102});
    auto r = verify_control_proof(wrong, g);
    REQUIRE(!r.ok());
    CHECK_MESSAGE(contains(r.error(), "the certificate of the header at height 7 is invalid"), r.error());
    CHECK(contains(r.error(), "not a validator"));
  }
  SUBCASE("a forged update: another change than the block holds") {
    ControlProof forged = p;
    auto& body = std::get<ValidatorUpdateBody>(forged.set_changes[0].tx.body);
    body.changes.back().power = 50;
    auto r = verify_control_proof(forged, g);
    REQUIRE(!r.ok());
    CHECK_MESSAGE(contains(r.error(), "the set change at height 2: transaction"), r.error());
    CHECK(contains(r.error(), "is not in the block at height 2"));
  }
  SUBCASE("an update not in a validator-update") {
    ControlProof other = p;
    other.set_changes[0].tx = test::delegate("10.9.0.0/16", 1, 2, 9);
    auto r = verify_control_proof(other, g);
    REQUIRE(!r.ok());
    CHECK_MESSAGE(contains(r.error(), "is a delegate, not a validator-update"), r.error());
  }
  SUBCASE("layout: an unused header, headers out of order, a change after the proven height") {
    ControlProof extra = p;  // headers of heights 1, 2, 5, 7; one of height 3 goes in after 2
    extra.headers.insert(extra.headers.begin() + 2, p.headers[0]);
    extra.headers[2].header.height = 3;
    for (auto* list : {&extra.set_changes, &extra.custody})
      for (auto& c : *list) c.header += c.header >= 2 ? 1 : 0;
    CHECK(contains(verify_control_proof(extra, g).error(), "header at height 3 is used by nothing"));
    ControlProof order = p;
    std::swap(order.headers[0], order.headers[1]);
    CHECK(contains(verify_control_proof(order, g).error(), "not in strictly ascending height order"));
    ControlProof late = p;
    late.headers.back().header.height = 6;
    CHECK(contains(verify_control_proof(late, g).error(), "takes effect after the proven height 6"));
  }
}

TEST_CASE_FIXTURE(Fx, "proof across set changes: 3 of 4 validators certifying an update signed by 2 of 4 is refused") {
  next({test::delegate("10.1.0.0/16", 1, 2, 1)}, {100, 101, 102});
  next({}, {100, 101, 102});
  next({}, {100, 101, 102});
  next({}, {100, 101, 102});
  ControlProof p = chain->prove_control(Resource::parse("10.1.0.0/16").value()).value();
  REQUIRE(verify_control_proof(p, g).ok());
  // The coalition certifies a block at height 2 that adds 104 on the
  // signatures of two validators only.
  Transaction weak = update({{104, 1}}, 100, 7, {101});
  // Headers: the delegate's block 1, then this one, then the tip.
  p.headers.insert(p.headers.begin() + 1, forged_header(2, {weak}, g.validators, {100, 101, 102}));
  p.set_changes.push_back({1, weak, prove_tx_inclusion({weak}, 0)});
  auto r = verify_control_proof(p, g);
  REQUIRE(!r.ok());
  CHECK_MESSAGE(contains(r.error(), "the set change at height 2 is signed by 2 of 4 voting power"), r.error());
  // With a third signature the change is real, and then the tip (certified
  // by the old set) no longer names the set the changes give.
  Transaction strong = update({{104, 1}}, 100, 7, {101, 102});
  p.headers[1] = forged_header(2, {strong}, g.validators, {100, 101, 102});
  p.set_changes[0] = {1, strong, prove_tx_inclusion({strong}, 0)};
  r = verify_control_proof(p, g);
  REQUIRE(!r.ok());
  CHECK_MESSAGE(contains(r.error(), "the header at height 4 names validator set"), r.error());
}

TEST_CASE_FIXTURE(Fx, "proof: a header at height 0 is refused") {
  next({test::delegate("10.1.0.0/16", 1, 2, 1)}, {100, 101, 102});
  // The root's own space: no custody hop, so the tip is the one header.
  ControlProof p = chain->prove_control(Resource::parse("10.2.0.0/16").value()).value();
  p.headers.back().header.height = 0;
  auto r = verify_control_proof(p, g);
  REQUIRE(!r.ok());
  CHECK_MESSAGE(contains(r.error(), "height 0"), r.error());
}

TEST_CASE("tx inclusion paths: every position of blocks of 1 to 9 transactions, and nothing else") {
  for (uint32_t n = 1; n <= 9; ++n) {
    std::vector<Transaction> txs;
    for (uint32_t i = 0; i < n; ++i) txs.push_back(test::delegate("10.1.0.0/16", 1, 2, i + 1));
    BlockHeader h;
    h.tx_root = tx_root(txs);
    for (uint32_t i = 0; i < n; ++i) {
      TxInclusion at = prove_tx_inclusion(txs, i);
      CHECK_MESSAGE(check_tx_inclusion(txs[i], at, h).ok(), "n=" << n << " i=" << i);
      if (n > 1) CHECK(!check_tx_inclusion(txs[(i + 1) % n], at, h).ok());
      TxInclusion past = at;
      past.count = i;  // index >= count
      CHECK(!check_tx_inclusion(txs[i], past, h).ok());
      TxInclusion huge = at;
      huge.count = kMaxBlockTxs + 1;
      CHECK(!check_tx_inclusion(txs[i], huge, h).ok());
      if (!at.path.empty()) {
        TxInclusion shorter = at;
        shorter.path.pop_back();
        CHECK(!check_tx_inclusion(txs[i], shorter, h).ok());
      }
    }
  }
}

TEST_CASE("proof compare: two certified histories of one height name the validators who signed both") {
  // Two chains from one genesis; the same three validators certify a
  // different block 1 in each: 10.1.0.0/16 goes to account 2 in one, 3 in the other.
  Fx a, b;
  a.next({test::delegate("10.1.0.0/16", 1, 2, 1)}, {100, 101, 102});
  b.next({test::delegate("10.1.0.0/16", 1, 3, 1)}, {100, 101, 103});
  const Resource r = Resource::parse("10.1.0.0/16").value();
  ControlProof pa = a.chain->prove_control(r).value(), pb = b.chain->prove_control(r).value();
  REQUIRE(verify_control_proof(pa, a.g).ok());
  REQUIRE(verify_control_proof(pb, a.g).ok());  // each alone is valid

  auto same = compare_proofs(pa, pa);
  CHECK(same.common_heights == 1);
  CHECK(same.conflicts.empty());
  auto cmp = compare_proofs(pa, pb);
  REQUIRE(cmp.conflicts.size() == 1);
  const HeaderConflict& c = cmp.conflicts[0];
  CHECK(c.height == 1);
  REQUIRE(c.signers.size() == 2);  // 100 and 101; 102 and 103 signed one each
  for (const auto& s : c.signers) {
    CHECK(s.same_round());
    auto ev = VoteEvidence::make(s.in_a, s.in_b);
    REQUIRE_MESSAGE(ev.ok(), ev.error());
    CHECK(Evidence(*ev).check(a.g.hash(), a.g.validators).ok());  // evidence any node accepts
  }

  // The CLI says the same, and exits 1.
  test::TempDir dir("nl-proof-compare");
  const std::string cli = NL_BIN_DIR "/numledger";
  auto write = [&](const std::string& name, const Bytes& bytes) {
    std::ofstream(dir / name, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  };
  write("a.proof", pa.encode());
  write("b.proof", pb.encode());
  REQUIRE(a.g.save(dir / "genesis.json").ok());
  auto ok = test::run({cli, "proof", "compare", dir / "a.proof", dir / "a.proof", "--genesis", dir / "genesis.json"});
  CHECK_MESSAGE(ok.code == 0, ok.err);
  CHECK(contains(ok.out, "no conflict: both proofs are valid and agree at every height both certify (1)"));
  auto bad = test::run({cli, "proof", "compare", dir / "a.proof", dir / "b.proof", "--genesis", dir / "genesis.json"});
  CHECK(bad.code == 1);
  CHECK_MESSAGE(contains(bad.out, "conflict at height 1"), bad.out);
  CHECK(contains(bad.out, test::seeded_account(100).to_string() + " signed both (round 0: a double vote)"));
  CHECK(contains(bad.out, "evidence (POST /api/v1/evidence): "));
  auto j = test::run({cli, "proof", "compare", dir / "a.proof", dir / "b.proof", "--genesis", dir / "genesis.json",
                      "--json"});
  auto parsed = nlohmann::json::parse(j.out);
  CHECK(parsed["conflicts"][0]["signed_both"].size() == 2);
}

TEST_CASE_FIXTURE(Fx, "proof size: a sub-range's proof holds its own segment and holding, whatever else its holder holds") {
  std::vector<Transaction> many;
  for (int i = 0; i < 60; ++i)
    many.push_back(test::delegate(("10." + std::to_string(i) + ".0.0/16").c_str(), 1, 2, uint64_t(i) + 1));
  next(many, {100, 101, 102});
  ControlProof one = chain->prove_control(Resource::parse("10.7.3.0/24").value()).value();
  CHECK(one.state.entries.size() == 2);  // the segment of 10.7.0.0/16 and its holding
  auto ans = verify_control_proof(one, g);
  REQUIRE_MESSAGE(ans.ok(), ans.error());
  REQUIRE(ans->parts.size() == 1);
  CHECK(ans->parts[0].proven.to_string() == "10.7.3.0/24");  // the proven range is what was asked
  CHECK(ans->parts[0].segment.range.to_string() == "10.7.0.0/16");
  // A range over twenty of the holder's holdings: twenty segments, twenty holdings, one proof.
  ControlProof wide = chain->prove_control(Resource::parse("10.0.0.0-10.19.255.255").value()).value();
  CHECK(wide.state.entries.size() == 40);
  REQUIRE(verify_control_proof(wide, g).ok());
  CHECK(one.encode().size() < 2048);
  CHECK(one.encode().size() * 4 < wide.encode().size());
}
