// Old headers proven by the state (issue 15's target for a typical proof):
// a block whose parent carries a custody hop writes the parent's hash
// under 'B' || height,
// so a custody hop's block below the proven height comes in a proof
// without a certificate, its hash one more entry of the state multiproof.
// A proof must use this form and no other (it is canonical), and every
// header so proven must be the one the state names.
#include <doctest/doctest.h>

#include <string>

#include "ledger/chain.h"
#include "ledger/control_proof.h"
#include "ledger/state_keys.h"
#include "support/chain_fixture.h"
#include "support/fixtures.h"
#include "support/proof_edit.h"

using namespace nl;
using namespace nl::ledger;

namespace {

constexpr auto& acct = test::seeded_account;
using test::signed_as;
Resource res(const char* text) { return Resource::parse(text).value(); }
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

struct Fx : test::ChainFixture {
  Fx() : ChainFixture("nl-proof-history") {}
  void next(const std::vector<Transaction>& txs) {
    auto p = commit_next(txs);
    REQUIRE(p.rejected.empty());
  }
  // 10.1.0.0/16: delegated to 2, transferred to 3, then to 4, each in its
  // own block; an empty block on top.
  ControlProof depth_three() {
    next({test::delegate("10.1.0.0/16", 1, 2, 1)});
    next({signed_as(TransferBody{res("10.1.0.0/16"), acct(3)}, 2, 2, 1, {3})});
    next({signed_as(TransferBody{res("10.1.0.0/16"), acct(4)}, 3, 3, 1, {4})});
    next({});
    auto p = chain->prove_control(res("10.1.0.0/16"));
    REQUIRE_MESSAGE(p.ok(), p.error());
    return *p;
  }
  Status verify(const ControlProof& p) {
    auto back = ControlProof::decode(p.encode());
    if (!back) return back.take_error();
    auto v = verify_control_proof(*back, g);
    if (!v) return v.take_error();
    return {};
  }
};

Bytes hash_bytes(const crypto::Hash32& h) { return Bytes(h.b.begin(), h.b.end()); }

}  // namespace

TEST_CASE_FIXTURE(Fx, "history: a hop block's hash goes into the state with the next block; an empty block's does not") {
  auto has = [&](uint64_t h) { return chain->store().state_value(keys::block_hash(h)).value().has_value(); };
  next({test::delegate("10.1.0.0/16", 1, 2, 1)});  // 1: a hop
  const crypto::Hash32 one = chain->tip_hash();
  CHECK(!has(1));  // not before block 2
  next({});  // 2: empty
  auto stored = chain->store().state_value(keys::block_hash(1));
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  CHECK(**stored == hash_bytes(one));
  next({signed_as(TransferBody{res("10.1.0.0/16"), acct(3)}, 2, 2, 1, {3})});  // 3: a hop
  CHECK(!has(2));  // block 2 carried nothing
  const crypto::Hash32 root = chain->tip_header().state_root;
  open();  // a restart rebuilds the state of height 3, and knows its tip carries a hop
  CHECK(chain->tip_header().state_root == root);
  next({});  // 4
  CHECK(has(3));
  next({});  // 5
  CHECK(!has(4));
}

TEST_CASE_FIXTURE(Fx, "history: a depth-3 proof carries one certificate, the tip's") {
  const ControlProof p = depth_three();
  REQUIRE(p.custody.size() == 3);
  REQUIRE(p.headers.size() == 4);  // blocks 1, 2 and 3, and the tip at 4
  for (size_t i = 0; i + 1 < p.headers.size(); ++i) CHECK(!p.headers[i].cert.has_value());
  CHECK(p.state_header().cert.has_value());
  size_t hash_entries = 0;
  for (const auto& e : p.state.entries) hash_entries += e.key[0] == keys::kBlockHash;
  CHECK(hash_entries == 3);
  auto ans = verify_control_proof(p, g);
  REQUIRE_MESSAGE(ans.ok(), ans.error());
  CHECK(ans->custody->hops == 3);
  CHECK(ans->parts[0].holding.holder == acct(4));
  // The first hop's block certified as before is not this proof's form.
  ControlProof certified = p;
  certified.headers[0].cert = test::certify(Block{p.headers[0].header, {}, {}, {}}, {100, 101, 102});
  auto r = verify(certified);
  REQUIRE(!r.ok());
  CHECK_MESSAGE(contains(r.error(), "proof header at height 1 carries a certificate, but only custody hops use it"),
                r.error());
}

TEST_CASE_FIXTURE(Fx, "history: a header the state does not name is refused") {
  const ControlProof p = depth_three();
  SUBCASE("another block at height 2") {
    ControlProof q = p;
    q.headers[1].header.time += 1;
    auto r = verify(q);
    REQUIRE(!r.ok());
    CHECK_MESSAGE(contains(r.error(), "proof header at height 2 is not the block the proven state names"), r.error());
  }
  SUBCASE("the state's entry for it left out") {
    ControlProof q = p;
    const Bytes key = keys::block_hash(2);
    q.state = p.state.keep_only([&](const StateMultiproof::Entry& e) { return e.key != key; }).value();
    auto r = verify(q);
    REQUIRE(!r.ok());
    CHECK_MESSAGE(contains(r.error(), "proof header at height 2 has no certificate, and the proof's state does not hold "
                                      "its hash"),
                  r.error());
  }
  SUBCASE("a block hash entry no header needs") {
    // The hop at height 2 and its header left out, the state's entry kept.
    ControlProof q = p;
    q.custody.erase(q.custody.begin() + 1);
    q.headers.erase(q.headers.begin() + 1);
    for (auto& t : q.custody)
      if (t.header > 1) --t.header;
    auto r = verify(q);
    REQUIRE(!r.ok());
    CHECK_MESSAGE(contains(r.error(), "lists a block hash entry that no header without a certificate needs"),
                  r.error());
    // Left out with its entry as well, the hop's absence is what is refused.
    auto honest_edit = verify(test::without_hop(p, 1));
    REQUIRE(!honest_edit.ok());
    CHECK_MESSAGE(contains(honest_edit.error(), "custody hop 1 (transfer at height 3"), honest_edit.error());
  }
  SUBCASE("the tip without its certificate") {
    ControlProof q = p;
    q.headers.back().cert.reset();
    auto r = verify(q);
    REQUIRE(!r.ok());
    CHECK_MESSAGE(contains(r.error(), "proof header at height 4 has no certificate"), r.error());
  }
}

TEST_CASE_FIXTURE(Fx, "history: the header flag is 0 or 1") {
  const ControlProof p = depth_three();
  Bytes bytes = p.encode();
  // The first header follows the magic, the version and the resource; its
  // flag byte follows its encoding.
  Writer w;
  p.resource.encode(w);
  p.headers[0].header.encode(w);
  const size_t flag_at = 4 + 1 + w.data().size() + 4;  // + the header count
  REQUIRE(bytes.at(flag_at) == 0);
  bytes[flag_at] = 2;
  auto r = ControlProof::decode(bytes);
  REQUIRE(!r.ok());
  CHECK_MESSAGE(contains(r.error(), "proof header flag 2 is neither 0 nor 1"), r.error());
}
