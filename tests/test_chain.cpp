// The chain: blocks built from transactions, committed, reopened; the
// state root checked on open; proofs of control from one validator and
// from several.
#include <doctest/doctest.h>

#include <algorithm>

#include "ledger/chain.h"
#include "ledger/control_proof.h"
#include "ledger/state_keys.h"
#include "support/fixtures.h"
#include "support/process.h"

using namespace nl;
using namespace nl::ledger;

namespace {

crypto::SecretKey key(uint8_t fill) { return test::seeded_key(fill); }
AccountId acct(uint8_t fill) { return test::seeded_account(fill); }
Genesis genesis(size_t validators) { return test::test_genesis(validators); }
// Most tests here run on genesis(1), whose hash transactions and votes bind.
CommitCertificate certify(const Block& b, const std::vector<uint8_t>& signers,
                          const crypto::Hash32& genesis = test::test_genesis_hash(1)) {
  return test::certify(b, signers, genesis);
}
Transaction delegate(const char* range, uint8_t from, uint8_t to, uint64_t nonce,
                     const crypto::Hash32& genesis = test::test_genesis_hash(1)) {
  return test::delegate(range, from, to, nonce, genesis);
}

}  // namespace

TEST_CASE("chain: propose, commit, reopen and prove") {
  test::TempDir dir("nl-chain");
  auto g = genesis(1);
  crypto::Hash32 root_after;
  {
    auto chain = Chain::open(dir / "ledger", g);
    REQUIRE_MESSAGE(chain.ok(), chain.error());
    auto& c = **chain;
    CHECK(c.height() == 0);
    CHECK(!c.prove_control(Resource::parse("10.0.0.0/8").value()).ok());  // nothing certified yet
    auto p = c.propose({delegate("10.1.0.0/16", 1, 2, 1), delegate("10.1.0.0/17", 1, 3, 2)}, 1700000100,
                       key(100).public_key(), SignatureCheck::verify);
    CHECK(p.block.txs.size() == 1);  // the second overlaps the first
    REQUIRE(p.rejected.size() == 1);
    CHECK(p.rejected[0].reason.find("overlaps") != std::string::npos);
    CHECK(p.block.header.prev_hash == g.hash());
    REQUIRE(c.commit(p, certify(p.block, {100})).ok());
    auto p2 = c.propose({}, 1700000000, key(100).public_key(), SignatureCheck::verify);
    CHECK(p2.block.header.time == 1700000100);  // time never goes backwards
    CHECK(p2.block.header.prev_hash == p.block.header.hash());
    CHECK(p2.block.last_commit.has_value());
    CHECK(!c.commit(p2, certify(p2.block, {101})).ok());  // not a validator
    REQUIRE(c.commit(p2, certify(p2.block, {100})).ok());
    root_after = c.state_root();

    auto proof = c.prove_control(Resource::parse("10.1.2.0/24").value());
    REQUIRE(proof.ok());
    auto file = proof->encode();
    auto back = ControlProof::decode(file);
    REQUIRE(back.ok());
    auto ans = verify_control_proof(*back, g);
    REQUIRE_MESSAGE(ans.ok(), ans.error());
    REQUIRE(ans->parts.size() == 1);
    CHECK(ans->parts[0].holding.holder == acct(2));
    CHECK(ans->height == 2);

    // Against another genesis, the same proof fails.
    auto other = g;
    other.chain_id = "other";
    CHECK(!verify_control_proof(*back, other).ok());
    // Every single-byte flip is caught, except in the queried resource
    // (bytes 5-37): that is the question, not evidence; a changed question
    // is still answered truthfully or refused.
    for (size_t i = 0; i < file.size(); i += 7) {
      if (i >= 5 && i < 38) continue;
      auto t = file;
      t[i] ^= 0x20;
      auto d = ControlProof::decode(t);
      CHECK_MESSAGE((!d.ok() || !verify_control_proof(*d, g).ok()), "flip at byte " << i);
    }
  }
  auto again = Chain::open(dir / "ledger", g);
  REQUIRE_MESSAGE(again.ok(), again.error());
  CHECK((*again)->height() == 2);
  CHECK((*again)->state_root() == root_after);
  CHECK((*again)->registry().chain(Resource::parse("10.1.0.1").value()).back().holder == acct(2));
}

TEST_CASE("chain: a node refuses to start when stored state disagrees with the last state root") {
  test::TempDir dir("nl-chain-state");
  auto g = genesis(1);
  {
    auto chain = Chain::open(dir / "ledger", g);
    REQUIRE(chain.ok());
    auto p = (*chain)->propose({delegate("10.1.0.0/16", 1, 2, 1)}, 1700000100, key(100).public_key(),
                               SignatureCheck::verify);
    REQUIRE((*chain)->commit(p, certify(p.block, {100})).ok());
    // A later block whose state writes do not match its header's root:
    // simulate a store that lost a write by appending one with a doctored entry.
    auto p2 = (*chain)->propose({delegate("10.2.0.0/16", 1, 3, 2)}, 1700000200, key(100).public_key(),
                                SignatureCheck::verify);
    p2.writes.push_back({keys::next_holding_id(), Bytes{0, 0, 0, 0, 0, 0, 0, 99}});
    REQUIRE((*chain)->commit(p2, certify(p2.block, {100})).ok());
  }
  // The entries and the tree are stored in one batch, so a start checks the
  // tree's root against the header; the entries themselves are hashed
  // again only when asked (numledgerd --verify-state).
  ChainOptions every_entry;
  every_entry.check = StateCheck::every_entry;
  auto again = Chain::open(dir / "ledger", g, every_entry);
  REQUIRE(!again.ok());
  CHECK(again.error().find("height 2") != std::string::npos);
  CHECK(again.error().find("refusing to start") != std::string::npos);
}

TEST_CASE("chain: proofs verify with several validators and need more than 2/3 of them") {
  test::TempDir dir("nl-chain-multi");
  auto g = genesis(4);
  auto chain = Chain::open(dir / "ledger", g);
  REQUIRE(chain.ok());
  auto p = (*chain)->propose({delegate("10.9.0.0/16", 1, 5, 1, g.hash())}, 1700000100, key(100).public_key(),
                             SignatureCheck::verify);
  CHECK(!(*chain)->commit(p, certify(p.block, {100, 101}, g.hash())).ok());  // 2 of 4 is not enough
  REQUIRE((*chain)->commit(p, certify(p.block, {100, 101, 103}, g.hash())).ok());
  auto proof = (*chain)->prove_control(Resource::parse("10.9.9.9").value());
  REQUIRE(proof.ok());
  CHECK(proof->state_header().cert->votes.size() == 3);
  auto ans = verify_control_proof(*proof, g);
  REQUIRE_MESSAGE(ans.ok(), ans.error());
  CHECK(ans->parts[0].holding.holder == acct(5));
  // Drop a signature: 2 of 4 no longer certifies the header.
  auto weak = *proof;
  weak.headers.back().cert->votes.pop_back();
  auto r = verify_control_proof(weak, g);
  REQUIRE(!r.ok());
  CHECK(r.error().find("2/3") != std::string::npos);
  // A proof for space nobody holds is refused at the source.
  CHECK(!(*chain)->prove_control(Resource::parse("11.0.0.0/8").value()).ok());
}

TEST_CASE("chain: stored transactions that don't match the tx root stop the node, naming the height") {
  test::TempDir dir("nl-chain-txroot");
  auto g = genesis(1);
  {
    auto chain = Chain::open(dir / "ledger", g);
    REQUIRE(chain.ok());
    auto p = (*chain)->propose({delegate("10.1.0.0/16", 1, 2, 1)}, 1700000100, key(100).public_key(),
                               SignatureCheck::verify);
    // Swap in another transaction after the header was made, as a corrupted
    // write would; the store itself does not re-derive roots.
    p.block.txs[0] = delegate("10.7.0.0/16", 1, 2, 1);
    REQUIRE((*chain)->commit(p, certify(p.block, {100})).ok());
  }
  auto again = Chain::open(dir / "ledger", g);
  REQUIRE(!again.ok());
  CHECK(again.error().find("height 1") != std::string::npos);
  CHECK(again.error().find("tx root") != std::string::npos);
}

TEST_CASE("chain: a first start stores the genesis state at height 0, and a restart before block 1 opens it") {
  test::TempDir dir("nl-chain-first");
  auto g = genesis(1);
  auto count_entries = [](const Chain& c) {
    size_t n = 0;
    REQUIRE(c.store().for_each_state([&n](ByteView, ByteView) -> Status { ++n; return Status::success(); }).ok());
    return n;
  };
  crypto::Hash32 root0;
  size_t entries0 = 0, holdings0 = 0;
  {
    auto chain = Chain::open(dir / "ledger", g);
    REQUIRE_MESSAGE(chain.ok(), chain.error());
    CHECK((*chain)->height() == 0);
    root0 = (*chain)->state_root();
    entries0 = count_entries(**chain);
    holdings0 = (*chain)->registry().holding_count();
    CHECK(entries0 > holdings0);  // holdings, segments, accounts, the validator set, ...
    // Of the genesis the chain keeps what it needs, not the imports.
    CHECK((*chain)->genesis().chain_id == g.chain_id);
    CHECK((*chain)->genesis().holdings.empty());
  }
  auto chain = Chain::open(dir / "ledger", g);
  REQUIRE_MESSAGE(chain.ok(), chain.error());
  auto& c = **chain;
  CHECK(c.height() == 0);
  CHECK(c.state_root() == root0);
  CHECK(count_entries(c) == entries0);
  CHECK(c.registry().holding_count() == holdings0);
  REQUIRE(c.registry().check_invariants().ok());
  auto p = c.propose({delegate("10.1.0.0/16", 1, 2, 1)}, 1700000100, key(100).public_key(), SignatureCheck::verify);
  REQUIRE(p.block.txs.size() == 1);
  // Block 1's batch holds its own changes only: each differs from the stored genesis entry.
  for (const auto& w : p.writes) {
    auto stored = c.store().state_value(w.key);
    REQUIRE(stored.ok());
    CHECK(*stored != w.value);
  }
  REQUIRE(c.commit(p, certify(p.block, {100})).ok());
  const crypto::Hash32 root1 = c.state_root();
  CHECK(root1 != root0);
  chain->reset();
  auto again = Chain::open(dir / "ledger", g);
  REQUIRE_MESSAGE(again.ok(), again.error());
  CHECK((*again)->height() == 1);
  CHECK((*again)->state_root() == root1);
  CHECK((*again)->registry().holding_count() == holdings0 + 1);
}

TEST_CASE("chain: a certificate signed by a non-validator stops the node") {
  test::TempDir dir("nl-chain-cert");
  auto g = genesis(1);
  REQUIRE(Chain::open(dir / "ledger", g).ok());  // the genesis state, at height 0
  {
    auto store = BlockStore::open(dir / "ledger", g.hash());
    REQUIRE(store.ok());
    auto chain_for_roots = Chain::open(dir / "other", g);
    REQUIRE(chain_for_roots.ok());
    auto p = (*chain_for_roots)->propose({}, 1700000100, key(100).public_key(), SignatureCheck::verify);
    REQUIRE((*store)->append(p.block, certify(p.block, {77}), p.writes).ok());
  }
  auto again = Chain::open(dir / "ledger", g);
  REQUIRE(!again.ok());
  CHECK(again.error().find("height 1") != std::string::npos);
  CHECK(again.error().find("not a validator") != std::string::npos);
}

TEST_CASE("chain: proofs are refused for partly held space and genesis metadata is checked") {
  test::TempDir dir("nl-chain-partial");
  auto g = genesis(1);
  auto chain = Chain::open(dir / "ledger", g);
  REQUIRE(chain.ok());
  auto p = (*chain)->propose({}, 1700000100, key(100).public_key(), SignatureCheck::verify);
  REQUIRE((*chain)->commit(p, certify(p.block, {100})).ok());
  CHECK((*chain)->prove_control(Resource::parse("10.0.0.0/8").value()).ok());
  auto partial = (*chain)->prove_control(Resource::parse("0.0.0.0/0").value());
  REQUIRE(!partial.ok());
  CHECK(partial.error().find("not held") != std::string::npos);

  auto bad = genesis(1);
  bad.roots[0].meta.name = std::string(300, 'x');
  auto parsed = Genesis::from_json(bad.to_json());
  REQUIRE(!parsed.ok());
  CHECK(parsed.error().find("cap is 256") != std::string::npos);
  bad.roots[0].meta.name = "tab\there";
  CHECK(Genesis::from_json(bad.to_json()).error().find("control character") != std::string::npos);
  auto weird = genesis(1);
  weird.chain_id = "has space";
  CHECK(Genesis::from_json(weird.to_json()).error().find("printable") != std::string::npos);
}
