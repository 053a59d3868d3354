// Custody chains (issue 15, item 2) on a real chain: a proof carries the
// signed hops that brought the resource from its genesis holder to its
// holder now, and the verifier checks every hop against the key in
// control at its moment. A block certified by 3 of 4 validators that moves
// a holding without its holder's signature is refused, and the refusal
// names the hop.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "ledger/chain.h"
#include "ledger/control_proof.h"
#include "ledger/proof_compare.h"
#include "ledger/state_commitment.h"
#include "ledger/state_keys.h"
#include "support/chain_fixture.h"
#include "support/fixtures.h"
#include "support/process.h"
#include "support/proof_edit.h"

using namespace nl;
using namespace nl::ledger;
using test::certify;

namespace {

constexpr auto& key = test::seeded_key;
constexpr auto& pub = test::seeded_pub;
constexpr auto& acct = test::seeded_account;
using test::signed_as;
Resource res(const char* text) { return Resource::parse(text).value(); }
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

struct Fx : test::ChainFixture {
  Fx() : ChainFixture("nl-proof-custody") {}
  void next(const std::vector<Transaction>& txs) {
    auto p = commit_next(txs);
    for (const auto& r : p.rejected) FAIL_CHECK(r.reason);
    REQUIRE(p.rejected.empty());
  }
  ControlProof prove(const char* r) {
    auto p = chain->prove_control(res(r));
    REQUIRE_MESSAGE(p.ok(), p.error());
    return *p;
  }
  // 10.1.0.0/16: 1 (root) delegates to 2, 2 transfers to 3, 3 rotates to
  // key 33, 3 leases 10.1.5.0/24 to 4.
  void story() {
    next({test::delegate("10.1.0.0/16", 1, 2, 1)});
    next({signed_as(TransferBody{res("10.1.0.0/16"), acct(3)}, 2, 2, 1, {3})});
    next({signed_as(RotateKeyBody{pub(33)}, 3, 3, 1, {33})});
    next({signed_as(DelegateBody{res("10.1.5.0/24"), acct(4), HoldingKind::lease, time + 1000000}, 3, 33, 2)});
  }
  // The committed state with `key` set to `value`: what a coalition would
  // certify; its root and a multiproof of `entries` from it.
  std::pair<crypto::Hash32, StateMultiproof> forged_state(const Bytes& key, const Bytes& value,
                                                          std::vector<StateMultiproof::Entry> entries) {
    return forged_state({{key, value}}, std::move(entries));
  }
  // The same with several entries set (a value) or erased (nullopt).
  std::pair<crypto::Hash32, StateMultiproof> forged_state(const std::vector<StateWrite>& writes,
                                                          std::vector<StateMultiproof::Entry> entries) {
    StateCommitment c;
    auto s = chain->store().for_each_state([&](ByteView k, ByteView v) -> Status {
      c.put(k, v);
      return {};
    });
    REQUIRE_MESSAGE(s.ok(), s.error());
    for (const auto& w : writes) w.value ? c.put(w.key, *w.value) : c.erase(w.key);
    c.flush();
    auto m = c.prove_many(std::move(entries));
    REQUIRE(m.has_value());
    return {c.root(), std::move(*m)};
  }
  // Before a forged header goes on top of `q`: its headers so far, now
  // below the tip and used by custody hops only, lose their certificates
  // and are proven by the forged state instead, as an honest chain proves
  // them (their hashes written, and added to what the state proves).
  static void history_from_state(ControlProof& q, std::vector<StateWrite>& writes,
                                 std::vector<StateMultiproof::Entry>& entries) {
    for (auto& h : q.headers) {
      h.cert.reset();
      const crypto::Hash32 hash = h.header.hash();
      const Bytes value(hash.b.begin(), hash.b.end());
      writes.push_back({keys::block_hash(h.header.height), value});
      entries.push_back({keys::block_hash(h.header.height), value});
    }
  }
  // A header after the tip's at `height`, `advance` seconds later, whose
  // block holds `txs` and whose state root is `root`, certified by 100,
  // 101 and 102 (3 of 4): what a coalition can make.
  ProofHeader coalition_header(uint64_t height, uint64_t advance, const std::vector<Transaction>& txs,
                               const crypto::Hash32& root) {
    Block b;
    b.header = chain->tip_header();
    b.header.height = height;
    b.header.prev_hash = chain->tip_hash();
    b.header.time = time + advance;
    b.header.tx_root = tx_root(txs);
    b.header.state_root = root;
    b.txs = txs;
    return {b.header, certify(b, {100, 101, 102})};
  }
};

}  // namespace

TEST_CASE_FIXTURE(Fx, "custody: delegate, transfer, key rotation and a lease verify from the genesis holder") {
  story();
  ControlProof p = prove("10.1.5.0/24");
  CHECK(p.custody.size() == 4);  // delegate, transfer, rotate-key, lease
  auto back = ControlProof::decode(p.encode());
  REQUIRE_MESSAGE(back.ok(), back.error());
  CHECK(back->encode() == p.encode());
  auto ans = verify_control_proof(*back, g);
  REQUIRE_MESSAGE(ans.ok(), ans.error());
  REQUIRE(ans->custody.has_value());
  CHECK(ans->custody->hops == 3);
  CHECK(ans->custody->key_changes == 1);
  CHECK(ans->custody->max_depth == 3);
  CHECK(ans->parts[0].holding.holder == acct(4));

  // The whole /16: three segments, two holders, one chain.
  auto whole = verify_control_proof(prove("10.1.0.0/16"), g);
  REQUIRE_MESSAGE(whole.ok(), whole.error());
  CHECK(whole->parts.size() == 3);
  // The root's untouched space has no hop at all.
  ControlProof root = prove("10.2.0.0/16");
  CHECK(root.custody.empty());
  auto r = verify_control_proof(root, g);
  REQUIRE_MESSAGE(r.ok(), r.error());
  CHECK(r->custody->max_depth == 0);
  // A trusted set says nothing of holders: custody goes unchecked.
  auto trusted = verify_control_proof(p, TrustedSet::from_genesis(g));
  REQUIRE(trusted.ok());
  CHECK(!trusted->custody.has_value());
}

TEST_CASE_FIXTURE(Fx, "custody: a hop left out or reordered is refused") {
  story();
  const ControlProof p = prove("10.1.5.0/24");
  SUBCASE("the transfer left out: the chain ends at the wrong holder") {
    auto r = verify_control_proof(test::without_hop(p, 1), g);
    REQUIRE(!r.ok());
    // Without the transfer, 3's lease is signed by someone holding nothing there.
    CHECK_MESSAGE(contains(r.error(), "custody hop 2 (delegate at height 4"), r.error());
  }
  SUBCASE("the rotation left out: the lease is not signed by 3's key of that moment") {
    auto r = verify_control_proof(test::without_hop(p, 2), g);
    REQUIRE(!r.ok());
    CHECK_MESSAGE(contains(r.error(), "is not signed by the key of " + acct(3).to_string()), r.error());
  }
  SUBCASE("hops out of order") {
    ControlProof q = p;
    std::swap(q.custody[0], q.custody[1]);
    auto r = verify_control_proof(q, g);
    REQUIRE(!r.ok());
    CHECK_MESSAGE(contains(r.error(), "custody hops are not in strictly ascending"), r.error());
  }
}

TEST_CASE_FIXTURE(Fx, "custody: a holding moved by 3 of 4 validators without its holder's signature is refused, "
                      "naming the hop") {
  next({test::delegate("10.1.0.0/16", 1, 2, 1)});
  const ControlProof honest = prove("10.1.0.0/16");
  REQUIRE(verify_control_proof(honest, g).ok());
  const std::optional<Holding> h =
      chain->registry().segments_covering(res("10.1.0.0/16")).empty()
          ? std::nullopt
          : chain->registry().holding(chain->registry().segments_covering(res("10.1.0.0/16"))[0].holding);
  REQUIRE(h.has_value());
  Holding stolen = *h;
  stolen.holder = acct(66);  // Mallory
  Writer hw;
  stolen.encode(hw);
  const Bytes stolen_value = hw.take();
  Segment seg = chain->registry().segments_covering(res("10.1.0.0/16"))[0];
  Writer sw;
  seg.encode(sw);
  std::vector<StateMultiproof::Entry> entries = {{keys::segment(seg.range.family, seg.range.first), sw.take()},
                                                 {keys::holding(stolen.id), stolen_value}};

  // Block 2, certified by 100, 101 and 102 (3 of 4), whose state gives the
  // /16 to Mallory, carrying `txs`.
  auto forge = [&](const std::vector<Transaction>& txs) {
    ControlProof q = honest;
    std::vector<StateWrite> writes = {{keys::holding(stolen.id), stolen_value}};
    auto proven = entries;
    history_from_state(q, writes, proven);
    auto [root, multiproof] = forged_state(writes, proven);
    q.headers.push_back(coalition_header(2, 10, txs, root));
    for (uint32_t i = 0; i < txs.size(); ++i) q.custody.push_back({1, txs[i], prove_tx_inclusion(txs, i)});
    q.state = std::move(multiproof);
    return q;
  };

  SUBCASE("Mallory signs a transfer of 2's holding with her own key") {
    ControlProof q = forge({signed_as(TransferBody{res("10.1.0.0/16"), acct(66)}, 2, 66, 1)});
    // The certificate and the state are good: a verifier that checks only
    // them accepts the theft.
    auto certified_only = verify_control_proof(q, TrustedSet::from_genesis(g));
    REQUIRE_MESSAGE(certified_only.ok(), certified_only.error());
    CHECK(certified_only->parts[0].holding.holder == acct(66));
    auto r = verify_control_proof(q, g);
    REQUIRE(!r.ok());
    CHECK_MESSAGE(contains(r.error(), "custody hop 1 (transfer at height 2, tx "), r.error());
    CHECK(contains(r.error(), "is not signed by the key of " + acct(2).to_string()));
    // numledger proof verify says the same and exits 1; from a trusted
    // set it accepts, and says custody went unchecked.
    test::TempDir files("nl-custody-cli");
    const std::string cli = NL_BIN_DIR "/numledger";
    const Bytes bytes = q.encode();
    std::ofstream(files / "forged.proof", std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(g.save(files / "genesis.json").ok());
    auto run = test::run({cli, "proof", "verify", files / "forged.proof", "--genesis", files / "genesis.json"});
    CHECK(run.code == 1);
    CHECK_MESSAGE(contains(run.err, "custody hop 1 (transfer at height 2"), run.err);
    auto saved = test::run({cli, "proof", "verify", files / "forged.proof", "--genesis", files / "genesis.json",
                            "--json"});
    CHECK(nlohmann::json::parse(saved.out)["valid"] == false);
    std::ofstream(files / "set.json") << TrustedSet::from_genesis(g).to_json();
    auto trusted = test::run({cli, "proof", "verify", files / "forged.proof", "--trusted-set", files / "set.json"});
    CHECK_MESSAGE(trusted.code == 0, trusted.err);
    CHECK(contains(trusted.out, "custody: not checked"));
  }
  SUBCASE("Mallory transfers it as herself") {
    ControlProof q = forge({signed_as(TransferBody{res("10.1.0.0/16"), acct(66)}, 66, 66, 1)});
    auto r = verify_control_proof(q, g);
    REQUIRE(!r.ok());
    CHECK_MESSAGE(contains(r.error(), "custody hop 1 (transfer at height 2"), r.error());
    CHECK(contains(r.error(), "is signed by " + acct(66).to_string() + ", who holds no holding over it"));
  }
  SUBCASE("no transaction at all: the state alone says Mallory") {
    ControlProof q = forge({});  // block 2's header certifies the state and carries no hop
    auto r = verify_control_proof(q, g);
    REQUIRE(!r.ok());
    CHECK_MESSAGE(contains(r.error(), "the certified state gives 10.1.0.0/16 to " + acct(66).to_string() +
                                          ", but the signed custody chain gives it to " + acct(2).to_string()),
                  r.error());
  }
}

TEST_CASE_FIXTURE(Fx, "custody: a lease revoked before its expiry, or shortened and then revoked, is refused") {
  next({signed_as(DelegateBody{res("10.1.0.0/16"), acct(2), HoldingKind::lease, time + 100000}, 1, 1, 1)});
  const ControlProof honest = prove("10.1.0.0/16");
  // The lessor's early revoke, certified by a coalition: the state shows
  // the space back with the root's holder. Either alone, or after a renew
  // that moves the expiry back to now.
  std::vector<Transaction> txs;
  std::string want;
  SUBCASE("revoked early") {
    txs = {signed_as(RevokeBody{res("10.1.0.0/16")}, 1, 1, 2)};
    want = "custody hop 1 (revoke at height 2";
  }
  SUBCASE("shortened, then revoked") {
    txs = {signed_as(RenewBody{res("10.1.0.0/16"), time + 10}, 1, 1, 2),
           signed_as(RevokeBody{res("10.1.0.0/16")}, 1, 1, 3)};
    want = "custody hop 1 (renew at height 2";
  }
  Segment seg{res("10.0.0.0/8"), 1};
  Writer sw;
  seg.encode(sw);
  const std::optional<Holding> root = chain->registry().holding(1);
  REQUIRE(root.has_value());
  Writer hw;
  root->encode(hw);
  // Whatever the forged root, the verifier reaches the custody check only
  // if the state verifies; so build the real post-revoke state: the /8's
  // one segment instead of the three around the lease.
  std::vector<StateWrite> writes;
  for (const auto& seg_now : chain->registry().segments_covering(res("10.0.0.0/8")))
    writes.push_back({keys::segment(seg_now.range.family, seg_now.range.first), std::nullopt});
  writes.push_back({keys::segment(seg.range.family, seg.range.first), sw.data()});
  ControlProof q = honest;
  std::vector<StateMultiproof::Entry> proven = {{keys::segment(seg.range.family, seg.range.first), sw.data()},
                                                {keys::holding(1), hw.data()}};
  history_from_state(q, writes, proven);
  auto [state_root, multiproof] = forged_state(writes, proven);
  q.headers.push_back(coalition_header(2, 10, txs, state_root));
  for (uint32_t i = 0; i < txs.size(); ++i) q.custody.push_back({1, txs[i], prove_tx_inclusion(txs, i)});
  q.state = std::move(multiproof);
  auto r = verify_control_proof(q, g);
  REQUIRE(!r.ok());
  CHECK_MESSAGE(contains(r.error(), want), r.error());
  CHECK(contains(r.error(), txs.size() == 1 ? "before its expiry" : "a renew must move it later"));
}

TEST_CASE_FIXTURE(Fx, "custody: a double delegation by an ancestor shows when two proofs are compared") {
  next({test::delegate("10.1.0.0/16", 1, 2, 1)});
  next({});
  const ControlProof honest = prove("10.1.0.0/16");  // 2's: block 1's delegate, tip at height 2
  // A coalition's block 3 in which the root delegates the same /16 again,
  // to 3, and a state that gives it to 3.
  const Transaction again = test::delegate("10.1.0.0/16", 1, 3, 2);
  const Segment seg = chain->registry().segments_covering(res("10.1.0.0/16"))[0];
  Holding h = *chain->registry().holding(seg.holding);
  h.holder = acct(3);
  Writer hw, sw;
  h.encode(hw);
  seg.encode(sw);
  auto [root, multiproof] = forged_state(keys::holding(h.id), hw.data(),
                                         {{keys::segment(seg.range.family, seg.range.first), sw.data()},
                                          {keys::holding(h.id), hw.data()}});
  ControlProof forged;
  forged.resource = res("10.1.0.0/16");
  forged.headers = {coalition_header(3, 20, {again}, root)};
  forged.custody = {{0, again, prove_tx_inclusion({again}, 0)}};
  forged.state = std::move(multiproof);
  // Alone, it verifies: its chain leaves out the first delegation.
  auto alone = verify_control_proof(forged, g);
  REQUIRE_MESSAGE(alone.ok(), alone.error());
  CHECK(alone->parts[0].holding.holder == acct(3));

  // No height in common, so headers can't show it; the custody chains do.
  const auto cmp = compare_proofs(honest, forged, &g);
  CHECK(cmp.common_heights == 0);
  CHECK(cmp.conflicts.empty());
  REQUIRE(cmp.omissions.size() == 1);
  const auto& o = cmp.omissions[0];
  CHECK(o.from_a);
  REQUIRE(o.hops.size() == 1);
  CHECK(o.hops[0].height == 1);
  CHECK(o.hops[0].kind == "delegate");
  REQUIRE(o.conflict());
  CHECK_MESSAGE(contains(o.refused, "custody hop 1 (delegate at height 3"), o.refused);
  CHECK(contains(o.refused, "is signed by " + acct(1).to_string() + ", but " + acct(2).to_string() + " controlled it"));

  // numledger proof compare says so and exits 1.
  test::TempDir files("nl-custody-compare");
  const std::string cli = NL_BIN_DIR "/numledger";
  for (const auto& [name, p] : {std::pair{"a.proof", &honest}, std::pair{"b.proof", static_cast<const ControlProof*>(&forged)}}) {
    const Bytes bytes = p->encode();
    std::ofstream(files / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  REQUIRE(g.save(files / "genesis.json").ok());
  auto run = test::run({cli, "proof", "compare", files / "a.proof", files / "b.proof", "--genesis", files / "genesis.json"});
  CHECK(run.code == 1);
  CHECK_MESSAGE(contains(run.out, "custody conflict: B leaves out hops over its resource that A carries"), run.out);
}

TEST_CASE_FIXTURE(Fx, "custody: a proof that leaves out a hop and the hop that undid it compares without conflict") {
  next({test::delegate("10.1.0.0/16", 1, 2, 1)});
  next({signed_as(TransferBody{res("10.1.0.0/16"), acct(3)}, 2, 2, 1, {3})});
  next({signed_as(TransferBody{res("10.1.0.0/16"), acct(2)}, 3, 3, 1, {2})});
  const ControlProof full = prove("10.1.0.0/16");
  REQUIRE(full.custody.size() == 3);
  const ControlProof shorter = test::without_hop(test::without_hop(full, 2), 1);
  REQUIRE(verify_control_proof(shorter, g).ok());  // the two transfers cancel out
  const auto cmp = compare_proofs(full, shorter, &g);
  CHECK(cmp.conflicts.empty());
  REQUIRE(cmp.omissions.size() == 1);
  CHECK(cmp.omissions[0].hops.size() == 2);
  CHECK(!cmp.omissions[0].conflict());
}
