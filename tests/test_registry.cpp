// Unit tests of the registry rules: each transaction kind's success and its
// rejections (with the names the reasons must carry), state writes and
// reloading from them.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "ledger/registry.h"
#include "ledger/state_keys.h"

using namespace nl;
using namespace nl::ledger;

namespace {

Resource R(const char* text) { return *Resource::parse(text); }

struct Party {
  crypto::SecretKey key;
  AccountId id;
};

Party party(uint8_t n) {
  crypto::init();
  std::array<uint8_t, 32> seed{};
  seed[0] = n;
  auto k = crypto::SecretKey::from_seed(seed);
  return Party{k, AccountId{k.public_key()}};
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

#define REJECTS(status, ...)                                               \
  do {                                                                     \
    Status s_ = (status);                                                  \
    REQUIRE_FALSE(s_.ok());                                                \
    for (const std::string& p_ : std::initializer_list<std::string>{__VA_ARGS__}) CHECK_MESSAGE(has(s_.error(), p_), s_.error()); \
  } while (0)

#define ACCEPTS(status)                                \
  do {                                                 \
    Status s_ = (status);                              \
    CHECK_MESSAGE(s_.ok(), (s_.ok() ? "" : s_.error())); \
  } while (0)

// Roots: #1 10.0.0.0/8 and #2 2001:db8::/32 held by alice, #3 AS64496-AS64511 by bob.
struct Fx {
  Party alice = party(1), bob = party(2), carol = party(3), dave = party(4);
  Registry reg{"test-chain", crypto::sha256(as_bytes("test-genesis"))};
  BlockContext ctx{1, 1000};

  Fx() {
    REQUIRE(reg.add_root(R("10.0.0.0/8"), alice.id, {}).ok());
    REQUIRE(reg.add_root(R("2001:db8::/32"), alice.id, {}).ok());
    REQUIRE(reg.add_root(R("AS64496-AS64511"), bob.id, {}).ok());
  }
  Transaction tx(const Party& by, TxBody body, std::initializer_list<const Party*> cosign = {}) {
    Transaction t;
    t.chain_id = reg.chain_id();
    t.genesis_hash = reg.genesis_hash();
    t.signer = by.id;
    t.nonce = reg.next_nonce(by.id);
    t.body = std::move(body);
    t.sign(by.key);
    for (const Party* c : cosign) t.sign(c->key);
    return t;
  }
  Status run(const Party& by, TxBody body, std::initializer_list<const Party*> cosign = {}) {
    ctx.height++;
    return reg.apply(tx(by, std::move(body), cosign), ctx);
  }
  Status delegate(const Party& by, const char* r, const Party& to,
                  HoldingKind k = HoldingKind::allocation, uint64_t until = 0) {
    return run(by, DelegateBody{R(r), to.id, k, until});
  }
  HoldingId controller(const char* point) {
    Resource p = R(point);
    auto s = reg.segment_at(p.family, p.first);
    return s ? s->holding : 0;
  }
  void invariants() {
    Status s = reg.check_invariants();
    CHECK_MESSAGE(s.ok(), (s.ok() ? "" : s.error()));
  }
};

}  // namespace

TEST_CASE_FIXTURE(Fx, "add_root refuses overlapping roots") {
  REJECTS(reg.add_root(R("10.1.0.0/16"), bob.id, {}), "overlaps root holding #1 (10.0.0.0/8)",
          alice.id.to_string());
  CHECK(reg.roots(Family::ipv4).size() == 1);
}

TEST_CASE_FIXTURE(Fx, "common checks: chain id, nonce, signer") {
  Transaction t = tx(alice, DelegateBody{R("10.1.0.0/16"), bob.id});
  t.chain_id = "other";
  t.sign(alice.key);
  REJECTS(reg.apply(t, ctx), "wrong chain id 'other' (this ledger is 'test-chain')");

  Transaction ok = tx(alice, DelegateBody{R("10.1.0.0/16"), bob.id});
  ACCEPTS(reg.apply(ok, ctx));
  CHECK(reg.next_nonce(alice.id) == 2);
  REJECTS(reg.apply(ok, ctx), "nonce 1 replayed or out of order", "expects 2");
  Transaction ahead = tx(alice, DelegateBody{R("10.2.0.0/16"), bob.id});
  ahead.nonce = 5;
  ahead.sign(alice.key);
  REJECTS(reg.apply(ahead, ctx), "nonce 5 replayed or out of order", "expects 2");

  // Signed by bob on alice's behalf.
  Transaction forged = tx(alice, DelegateBody{R("10.2.0.0/16"), bob.id});
  forged.signatures.clear();
  forged.sign(bob.key);
  REJECTS(reg.apply(forged, ctx), "not signed by the current key of " + alice.id.to_string());

  // A corrupted signature: caught when verifying, trusted when the caller vouches.
  Transaction bad = tx(alice, DelegateBody{R("10.2.0.0/16"), bob.id});
  bad.signatures[0].sig.b[3] ^= 1;
  REJECTS(reg.apply(bad, ctx), "bad signature");
  ACCEPTS(reg.apply(bad, ctx, SignatureCheck::already_verified));
  CHECK(reg.next_nonce(alice.id) == 3);
  CHECK(reg.next_nonce(carol.id) == 1);
  CHECK_FALSE(reg.account(carol.id).has_value());
}

TEST_CASE_FIXTURE(Fx, "delegate") {
  ctx.height = 7;
  ACCEPTS(run(alice, DelegateBody{R("10.1.0.0/16"), bob.id, HoldingKind::assignment, 0}));
  const std::optional<Holding> h = reg.holding(4);
  REQUIRE(h);
  CHECK(h->range == R("10.1.0.0/16"));
  CHECK(h->holder == bob.id);
  CHECK(h->parent == 1);
  CHECK(h->kind == HoldingKind::assignment);
  CHECK(h->created_height == 8);
  CHECK(reg.chain(R("10.1.2.0/24")).size() == 2);
  CHECK(controller("10.1.2.3") == 4);
  CHECK(controller("10.2.0.0") == 1);
  CHECK(reg.segments_covering(R("10.0.0.0/8")).size() == 3);
  CHECK(reg.account(alice.id)->next_nonce == 2);

  REJECTS(delegate(alice, "10.1.128.0/17", carol), "10.1.128.0/17 overlaps holding #4 (10.1.0.0/16) held by " + bob.id.to_string());
  REJECTS(delegate(alice, "10.0.0.0/15", carol), "overlaps holding #4");
  REJECTS(delegate(alice, "10.3.0.0/16", alice), "to the signer itself");
  REJECTS(delegate(alice, "10.3.0.0/16", bob, HoldingKind::lease, 1000), "not after the block time 1970-01-01T00:16:40Z");
  REJECTS(delegate(alice, "10.3.0.0/16", bob, HoldingKind::allocation, 5000), "only for leases");
  REJECTS(delegate(carol, "10.3.0.0/16", dave), "signer " + carol.id.to_string() + " holds no holding containing 10.3.0.0/16",
          "its effective controller is holding #1 (10.0.0.0/8) held by " + alice.id.to_string());
  REJECTS(delegate(alice, "12.0.0.0/16", bob), "12.0.0.0/16 is not held by anyone");
  REJECTS(delegate(alice, "9.255.0.0-10.0.0.255", bob), "no holding contains all of", "holding #1");
  // The holder of a child acts on its own holding: bob sub-delegates.
  ACCEPTS(delegate(bob, "10.1.1.0/24", carol));
  CHECK(reg.holding(5)->parent == 4);
  CHECK(controller("10.1.1.9") == 5);
  invariants();
}

TEST_CASE_FIXTURE(Fx, "full transfer keeps ids and children") {
  ACCEPTS(delegate(alice, "10.1.0.0/16", bob));
  ACCEPTS(delegate(bob, "10.1.1.0/24", carol));
  REJECTS(run(bob, TransferBody{R("10.1.0.0/16"), dave.id}), "transfer needs the recipient's co-signature (" + dave.id.to_string() + ")");
  REJECTS(run(bob, TransferBody{R("10.1.0.0/16"), bob.id}, {&bob}), "to the signer itself");
  ACCEPTS(run(bob, TransferBody{R("10.1.0.0/16"), dave.id}, {&dave}));
  CHECK(reg.holding(4)->holder == dave.id);
  CHECK(reg.holding(5)->parent == 4);
  CHECK(reg.holdings_of(bob.id).size() == 1);  // only the AS root
  CHECK(reg.holdings_of(dave.id).size() == 1);
  invariants();
}

TEST_CASE_FIXTURE(Fx, "partial transfer splits and re-parents children") {
  ACCEPTS(delegate(alice, "10.1.0.0/16", bob));     // #4 stays left
  ACCEPTS(delegate(alice, "10.200.0.0/16", carol));  // #5 ends in the right remainder
  ACCEPTS(delegate(alice, "10.128.5.0/24", dave));   // #6 ends in the transferred piece
  ctx.height = 40;
  ACCEPTS(run(alice, TransferBody{R("10.128.0.0/10"), bob.id}, {&bob}));
  const std::optional<Holding> left = reg.holding(1);
  const std::optional<Holding> right = reg.holding(7);
  const std::optional<Holding> piece = reg.holding(8);
  REQUIRE((left && right && piece));
  CHECK(left->range == R("10.0.0.0-10.127.255.255"));
  CHECK(left->created_height == 0);
  CHECK(right->range == R("10.192.0.0/10"));
  CHECK(right->holder == alice.id);
  CHECK(right->parent == 0);
  CHECK(right->created_height == 41);
  CHECK(piece->range == R("10.128.0.0/10"));
  CHECK(piece->holder == bob.id);
  CHECK(piece->parent == 0);
  CHECK(reg.holding(4)->parent == 1);
  CHECK(reg.holding(5)->parent == 7);
  CHECK(reg.holding(6)->parent == 8);
  CHECK(controller("10.0.0.1") == 1);
  CHECK(controller("10.128.0.1") == 8);
  CHECK(controller("10.128.5.1") == 6);
  CHECK(controller("10.250.0.1") == 7);
  CHECK(reg.roots(Family::ipv4).size() == 3);
  invariants();

  // A range cutting across a child is refused, naming the child and its holder.
  REJECTS(run(alice, TransferBody{R("10.1.128.0-10.2.0.255"), carol.id}, {&carol}),
          "cuts across child holding #4 (10.1.0.0/16) held by " + bob.id.to_string());
  REJECTS(run(alice, TransferBody{R("10.1.2.0/24"), carol.id}, {&carol}),
          "10.1.2.0/24 lies inside child holding #4 (10.1.0.0/16) held by " + bob.id.to_string());
  // No left remainder: the holding keeps the right piece.
  ACCEPTS(run(bob, TransferBody{R("10.128.0.0/16"), carol.id}, {&carol}));
  CHECK(reg.holding(8)->range == R("10.129.0.0-10.191.255.255"));
  CHECK(reg.holding(9)->range == R("10.128.0.0/16"));
  CHECK(reg.holding(6)->parent == 9);
  invariants();
}

TEST_CASE_FIXTURE(Fx, "return") {
  ACCEPTS(delegate(alice, "10.1.0.0/16", bob));   // #4
  ACCEPTS(delegate(bob, "10.1.1.0/24", carol));   // #5
  ACCEPTS(delegate(bob, "10.1.200.0/24", carol));  // #6
  REJECTS(run(alice, ReturnBody{R("10.0.0.0/8")}), "10.0.0.0/8 is in root holding #1",
          "roots have no parent to return to");
  REJECTS(run(bob, ReturnBody{R("10.1.0.0-10.1.1.127")}), "cuts across child holding #5");
  // Partial: the first half goes back; #5 inside it now hangs off the root.
  ACCEPTS(run(bob, ReturnBody{R("10.1.0.0/17")}));
  CHECK(reg.holding(4)->range == R("10.1.128.0/17"));
  CHECK(reg.holding(5)->parent == 1);
  CHECK(reg.holding(6)->parent == 4);
  CHECK(controller("10.1.0.1") == 1);
  invariants();
  // Full: #4 disappears, #6 moves up.
  ACCEPTS(run(bob, ReturnBody{R("10.1.128.0/17")}));
  CHECK_FALSE(reg.holding(4).has_value());
  CHECK(reg.holding(6)->parent == 1);
  CHECK(controller("10.1.129.0") == 1);
  CHECK(controller("10.1.200.1") == 6);
  CHECK(reg.segments_covering(R("10.0.0.0/8")).size() == 5);
  invariants();
}

TEST_CASE_FIXTURE(Fx, "leases: expiry, revoke, renew") {
  ACCEPTS(delegate(alice, "10.5.0.0/16", bob, HoldingKind::lease, 1100));  // #4
  ACCEPTS(delegate(bob, "10.5.1.0/24", carol));                             // #5
  ACCEPTS(delegate(alice, "10.6.0.0/16", bob));                             // #6 (not a lease)
  REJECTS(run(alice, RevokeBody{R("10.5.0.0/16")}), "lease holding #4 (10.5.0.0/16) held by",
          "runs until 1970-01-01T00:18:20Z; it can't be revoked before it expires");
  REJECTS(run(carol, RevokeBody{R("10.5.0.0/16")}), "only the lessor " + alice.id.to_string() + " can revoke");
  REJECTS(run(alice, RevokeBody{R("10.6.0.0/16")}), "holding #6", "which is not a lease");
  REJECTS(run(alice, RevokeBody{R("10.7.0.0/16")}), "no lease has exactly the range 10.7.0.0/16");

  REJECTS(run(alice, RenewBody{R("10.5.0.0/16"), 1100}), "not later than lease #4's current expiry 1970-01-01T00:18:20Z");
  ACCEPTS(run(alice, RenewBody{R("10.5.0.0/16"), 1200}));
  CHECK(reg.holding(4)->lease_until == 1200);
  REJECTS(run(bob, RenewBody{R("10.5.0.0/16"), 1300}), "only the lessor");

  ctx.time = 1200;  // expired: the lessee can't act, but still shows as controller
  CHECK(controller("10.5.9.9") == 4);
  REJECTS(delegate(bob, "10.5.2.0/24", dave), "lease #4 (10.5.0.0/16) expired at 1970-01-01T00:20:00Z");
  REJECTS(run(bob, TransferBody{R("10.5.0.0/16"), dave.id}, {&dave}), "expired at 1970-01-01T00:20:00Z");
  REJECTS(run(bob, ReturnBody{R("10.5.0.0/16")}), "expired at 1970-01-01T00:20:00Z");
  REJECTS(run(bob, SetMetadataBody{R("10.5.0.0/16"), {}}), "expired at 1970-01-01T00:20:00Z");
  REJECTS(run(bob, AuthorizeBody{R("10.5.0.0/16"), 24, 64500}), "expired at 1970-01-01T00:20:00Z");
  // Renewing an expired (not yet revoked) lease revives it.
  REJECTS(run(alice, RenewBody{R("10.5.0.0/16"), 1200}), "not later than");
  ACCEPTS(run(alice, RenewBody{R("10.5.0.0/16"), 1300}));
  ACCEPTS(delegate(bob, "10.5.2.0/24", dave));  // #7

  ctx.time = 1300;
  ACCEPTS(run(alice, RevokeBody{R("10.5.0.0/16")}));
  for (HoldingId id : {4, 5, 7}) CHECK_FALSE(reg.holding(id).has_value());
  CHECK(controller("10.5.1.1") == 1);
  CHECK(reg.holdings_of(carol.id).empty());
  invariants();
}

TEST_CASE_FIXTURE(Fx, "authorize and withdraw") {
  ACCEPTS(delegate(alice, "10.1.0.0/16", bob));  // #4
  ACCEPTS(run(alice, AuthorizeBody{R("10.2.0.0/16"), 24, 64500}));
  auto all = reg.authorizations();
  REQUIRE(all.size() == 1);
  CHECK(all[0].issuer == alice.id);
  CHECK(all[0].created_height == ctx.height);
  REJECTS(run(alice, AuthorizeBody{R("10.2.0.0/16"), 24, 64500}), "already exists");
  REJECTS(run(alice, AuthorizeBody{R("10.2.0.0-10.2.0.5"), 32, 64500}), "is not a CIDR prefix");
  REJECTS(run(alice, AuthorizeBody{R("10.2.0.0/16"), 15, 64500}), "maxLength 15 must lie between");
  REJECTS(run(alice, AuthorizeBody{R("10.2.0.0/16"), 33, 64500}), "maxLength 33");
  REJECTS(run(alice, AuthorizeBody{R("AS64496"), 0, 64500}), "IP prefixes");
  REJECTS(run(bob, AuthorizeBody{R("10.0.0.0/8"), 24, 64500}),
          "(10.0.0.0/16) is controlled by holding #1 (10.0.0.0/8) held by " + alice.id.to_string(),
          "no holding of the signer covers it", "have that holder sign");
  REJECTS(run(alice, AuthorizeBody{R("12.0.0.0/8"), 24, 64500}), "is not held by anyone");
  ACCEPTS(run(bob, AuthorizeBody{R("10.1.0.0/16"), 24, 64501}));
  ACCEPTS(run(alice, AuthorizeBody{R("2001:db8::/32"), 48, 64502}));

  CHECK(reg.authorizations_overlapping(R("10.1.2.0/24")).size() == 1);
  CHECK(reg.authorizations_overlapping(R("10.0.0.0/8")).size() == 2);
  CHECK(reg.authorizations_overlapping(R("10.3.0.0/16")).empty());
  CHECK(reg.authorizations_overlapping(R("2001:db8:1::/48")).size() == 1);

  REJECTS(run(carol, WithdrawBody{R("10.2.0.0/16"), 24, 64500}), "only the issuer " + alice.id.to_string());
  REJECTS(run(alice, WithdrawBody{R("10.2.0.0/16"), 25, 64500}), "there is no authorization 10.2.0.0/16 maxLength 25");
  ACCEPTS(run(alice, WithdrawBody{R("10.2.0.0/16"), 24, 64500}));
  CHECK(reg.authorizations().size() == 2);
  invariants();
}

TEST_CASE_FIXTURE(Fx, "authorizations lapse when control changes") {
  ACCEPTS(run(alice, AuthorizeBody{R("10.0.0.0/8"), 24, 1}));
  ACCEPTS(run(alice, AuthorizeBody{R("10.3.0.0/16"), 24, 2}));
  ACCEPTS(run(alice, AuthorizeBody{R("10.3.4.0/24"), 24, 3}));
  ACCEPTS(run(alice, AuthorizeBody{R("10.4.0.0/16"), 24, 4}));
  ACCEPTS(run(alice, TransferBody{R("10.3.0.0/16"), bob.id}, {&bob}));
  auto left = reg.authorizations();
  REQUIRE(left.size() == 1);
  CHECK(left[0].asn == 4);
  // A delegation inside an authorized prefix keeps it: the delegator still
  // covers it (an aggregate). Giving the space up ends it.
  ACCEPTS(run(alice, AuthorizeBody{R("10.5.0.0/16"), 24, 5}));
  ACCEPTS(delegate(alice, "10.4.128.0/17", carol));
  CHECK(reg.authorizations().size() == 2);
  ACCEPTS(run(carol, ReturnBody{R("10.4.128.0/17")}));
  ACCEPTS(run(alice, TransferBody{R("10.4.0.0/16"), carol.id}, {&carol}));
  left = reg.authorizations();
  REQUIRE(left.size() == 1);
  CHECK(left[0].asn == 5);
  invariants();
}

// issue 19: an ISP announces its aggregate over a customer's assignment.
TEST_CASE_FIXTURE(Fx, "ledger.md: the holder of a covering holding authorizes its aggregate; the sub-holder keeps its own") {
  ACCEPTS(delegate(alice, "10.1.0.0/16", bob));    // #4, the ISP
  ACCEPTS(delegate(bob, "10.1.5.0/24", carol));    // #5, its customer
  ACCEPTS(delegate(carol, "10.1.5.128/25", dave));  // #6, the customer's customer
  ACCEPTS(run(carol, AuthorizeBody{R("10.1.5.0/24"), 24, 64501}));
  // The ISP covers all of its /16, the customer's /24 included.
  ACCEPTS(run(bob, AuthorizeBody{R("10.1.0.0/16"), 24, 64500}));
  // So does the root's holder; the customer covers only its /24.
  ACCEPTS(run(alice, AuthorizeBody{R("10.1.0.0/16"), 16, 64499}));
  REJECTS(run(carol, AuthorizeBody{R("10.1.4.0/23"), 24, 64501}),
          "(10.1.4.0/24) is controlled by holding #4", "no holding of the signer covers it");
  // A ROV takes the union: both origins are valid for the customer's /24.
  auto over = reg.authorizations_overlapping(R("10.1.5.0/24"));
  CHECK(over.size() == 3);
  // The ISP can't withdraw its customer's authorization, nor can the
  // customer withdraw the ISP's.
  REJECTS(run(bob, WithdrawBody{R("10.1.5.0/24"), 24, 64501}), "only the issuer " + carol.id.to_string());
  REJECTS(run(carol, WithdrawBody{R("10.1.0.0/16"), 24, 64500}), "only the issuer " + bob.id.to_string());
  // The customer's own changes leave the aggregate standing: the ISP still
  // covers the /24 through its /16.
  ACCEPTS(run(carol, TransferBody{R("10.1.5.0/24"), dave.id}, {&dave}));
  CHECK(reg.authorizations_overlapping(R("10.1.0.0/16")).size() == 2);  // carol's lapsed with her control
  // The aggregate lapses when its issuer's own holding goes.
  ACCEPTS(run(bob, TransferBody{R("10.1.0.0/16"), carol.id}, {&carol}));
  over = reg.authorizations_overlapping(R("10.1.0.0/16"));
  REQUIRE(over.size() == 1);
  CHECK(over[0].issuer == alice.id);
  invariants();
  // A reload (which checks every authorization against its issuer's
  // holdings) keeps the aggregate.
  std::map<Bytes, Bytes> store;
  for (auto& x : reg.take_writes())
    if (x.value) store[x.key] = *x.value;
  Registry loaded{reg.chain_id(), reg.genesis_hash()};
  for (const auto& [k, v] : store) REQUIRE(loaded.load_entry(k, v).ok());
  ACCEPTS(loaded.finish_load());
  CHECK(loaded.authorizations() == reg.authorizations());
}

TEST_CASE_FIXTURE(Fx, "set-metadata") {
  ACCEPTS(delegate(alice, "10.1.0.0/16", bob));
  Metadata m{"Example Net", "nl", "RIPE", "EX-1", "abuse@example.net"};
  ACCEPTS(run(bob, SetMetadataBody{R("10.1.0.0/16"), m}));
  CHECK(reg.holding(4)->meta == m);
  REJECTS(run(bob, SetMetadataBody{R("10.1.0.0/17"), m}), "no holding with exactly the range 10.1.0.0/17");
  REJECTS(run(carol, SetMetadataBody{R("10.1.0.0/16"), m}), "holds no holding containing");
  auto bad = [&](auto edit, const char* why) {
    Metadata x = m;
    edit(x);
    REJECTS(run(bob, SetMetadataBody{R("10.1.0.0/16"), x}), why);
  };
  bad([](Metadata& x) { x.country = "NLD"; }, "country 'NLD' is not two ASCII letters");
  bad([](Metadata& x) { x.name = "a\nb"; }, "'name' contains a control character");
  bad([](Metadata& x) { x.abuse_contact = "\xc2\x85"; }, "control character");  // U+0085
  bad([](Metadata& x) { x.source_handle = "\xff"; }, "'source_handle' is not valid UTF-8");
  bad([](Metadata& x) { x.name = "\xc0\xaf"; }, "not valid UTF-8");  // overlong
  bad([](Metadata& x) { x.name = std::string(257, 'a'); }, "is 257 bytes; the cap is 256");
  m.name = "Zoë Net €";
  ACCEPTS(run(bob, SetMetadataBody{R("10.1.0.0/16"), m}));
}

TEST_CASE_FIXTURE(Fx, "rotate-key") {
  Party fresh = party(9);
  REJECTS(run(alice, RotateKeyBody{fresh.key.public_key()}), "needs the new key's co-signature");
  REJECTS(run(alice, RotateKeyBody{alice.key.public_key()}, {&alice}), "already the current key");
  ACCEPTS(run(alice, RotateKeyBody{fresh.key.public_key()}, {&fresh}));
  CHECK(reg.current_key(alice.id) == fresh.key.public_key());
  // The old key no longer signs for alice; the new one does, same account id.
  REJECTS(delegate(alice, "10.1.0.0/16", bob), "not signed by the current key of " + alice.id.to_string());
  Party rotated{fresh.key, alice.id};
  ACCEPTS(delegate(rotated, "10.1.0.0/16", bob));
  CHECK(reg.holding(4)->parent == 1);
  // A transfer to alice now needs her new key's co-signature.
  REJECTS(run(bob, TransferBody{R("10.1.0.0/16"), alice.id}, {&alice}), "is not one a transfer needs (the signer's current key and the recipient's current key)");
  ACCEPTS(run(bob, TransferBody{R("10.1.0.0/16"), alice.id}, {&rotated}));
}

TEST_CASE_FIXTURE(Fx, "rotate-key: a key that holds nothing opens no account") {
  Party nobody = party(11), fresh = party(12);
  REJECTS(run(nobody, RotateKeyBody{fresh.key.public_key()}, {&fresh}),
          "holds nothing; an account comes into being only by receiving a holding");
  CHECK_FALSE(reg.account(nobody.id).has_value());
  // Once it receives a holding, it may rotate.
  ACCEPTS(delegate(alice, "10.9.0.0/16", nobody));
  ACCEPTS(run(nobody, RotateKeyBody{fresh.key.public_key()}, {&fresh}));
}

TEST_CASE_FIXTURE(Fx, "a transaction carries only the signatures its kind needs") {
  Party stranger = party(13);
  // Padding a delegation with any other key's (valid) signature is refused.
  REJECTS(run(alice, DelegateBody{R("10.1.0.0/16"), bob.id, HoldingKind::allocation, 0}, {&stranger}),
          "signature by key " + stranger.key.public_key().hex() + " is not one a delegate needs");
  // A transfer: signer and recipient, nobody else.
  REJECTS(run(alice, TransferBody{R("10.128.0.0/9"), dave.id}, {&dave, &stranger}), "not one a transfer needs");
  // A rotation: signer and new key only.
  Party fresh = party(14);
  REJECTS(run(alice, RotateKeyBody{fresh.key.public_key()}, {&fresh, &stranger}), "not one a rotate-key needs");
  // The refusals changed nothing: the next nonce still goes through.
  ACCEPTS(run(alice, TransferBody{R("10.128.0.0/9"), dave.id}, {&dave}));
}

TEST_CASE_FIXTURE(Fx, "take_writes reports every touched entry once, then nothing") {
  auto w = reg.take_writes();
  std::map<Bytes, std::optional<Bytes>> got;
  for (auto& x : w) got[x.key] = x.value;
  CHECK(got.size() == 7);  // 3 holdings, 3 segments, next id
  REQUIRE(got.count(keys::next_holding_id()));
  CHECK(*got[keys::next_holding_id()] == Bytes{0, 0, 0, 0, 0, 0, 0, 4});
  auto h1 = decode_all<Holding>(*got[keys::holding(1)], "h", [](Reader& r) { return Holding::decode(r); });
  REQUIRE(h1.ok());
  CHECK(h1->range == R("10.0.0.0/8"));
  CHECK(reg.take_writes().empty());

  ACCEPTS(delegate(alice, "10.1.0.0/16", bob));
  w = reg.take_writes();
  std::vector<Bytes> ks;
  for (auto& x : w) ks.push_back(x.key);
  CHECK(std::is_sorted(ks.begin(), ks.end()));
  std::vector<Bytes> want = {keys::account(alice.id), keys::holding(4), keys::next_holding_id(),
                             keys::segment(Family::ipv4, R("10.0.0.0").first),
                             keys::segment(Family::ipv4, R("10.1.0.0").first),
                             keys::segment(Family::ipv4, R("10.2.0.0").first)};
  std::sort(want.begin(), want.end());
  CHECK(ks == want);
  for (auto& x : w) CHECK(x.value.has_value());

  // A full return merges the three segments back into one: two keys vanish.
  ACCEPTS(run(bob, ReturnBody{R("10.1.0.0/16")}));
  got.clear();
  for (auto& x : reg.take_writes()) got[x.key] = x.value;
  CHECK_FALSE(got.at(keys::holding(4)).has_value());
  CHECK_FALSE(got.at(keys::segment(Family::ipv4, R("10.1.0.0").first)).has_value());
  CHECK_FALSE(got.at(keys::segment(Family::ipv4, R("10.2.0.0").first)).has_value());
  auto seg = decode_all<Segment>(*got.at(keys::segment(Family::ipv4, R("10.0.0.0").first)), "s",
                                 [](Reader& r) { return Segment::decode(r); });
  REQUIRE(seg.ok());
  CHECK(seg->range == R("10.0.0.0/8"));
  CHECK(got.at(keys::account(bob.id)).has_value());
}

TEST_CASE_FIXTURE(Fx, "a registry loaded from its writes answers identically") {
  std::map<Bytes, Bytes> store;
  auto absorb = [&] {
    for (auto& x : reg.take_writes()) {
      if (x.value) store[x.key] = *x.value;
      else store.erase(x.key);
    }
  };
  ACCEPTS(delegate(alice, "10.1.0.0/16", bob));
  ACCEPTS(delegate(bob, "10.1.4.0/22", carol, HoldingKind::lease, 5000));
  ACCEPTS(delegate(alice, "2001:db8:1::/48", dave, HoldingKind::assignment));
  ACCEPTS(run(alice, TransferBody{R("10.128.0.0/9"), dave.id}, {&dave}));
  ACCEPTS(run(dave, AuthorizeBody{R("10.128.0.0/9"), 24, 64500}));
  ACCEPTS(run(bob, RotateKeyBody{carol.key.public_key()}, {&carol}));
  ACCEPTS(run(dave, SetMetadataBody{R("2001:db8:1::/48"), Metadata{"v6", "DE", "", "", ""}}));
  absorb();

  Registry loaded(reg.chain_id(), reg.genesis_hash());
  for (auto& [k, v] : store) REQUIRE(loaded.load_entry(k, v).ok());
  Status fin = loaded.finish_load();
  REQUIRE_MESSAGE(fin.ok(), (fin.ok() ? "" : fin.error()));
  CHECK(loaded.holding_count() == reg.holding_count());
  for (const char* q : {"10.0.0.0/8", "10.1.5.0/24", "2001:db8::/32", "AS64500", "10.200.0.0/16"}) {
    Resource r = R(q);
    CHECK(loaded.segments_covering(r) == reg.segments_covering(r));
    auto a = loaded.chain(r), b = reg.chain(r);
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == b[i]);
    CHECK(loaded.authorizations_overlapping(r) == reg.authorizations_overlapping(r));
  }
  for (const Party* p : {&alice, &bob, &carol, &dave}) {
    CHECK(loaded.account(p->id) == reg.account(p->id));
    CHECK(loaded.holdings_of(p->id).size() == reg.holdings_of(p->id).size());
  }
  CHECK(loaded.current_key(bob.id) == carol.key.public_key());
  CHECK(loaded.take_writes().empty());
  // Both continue identically: the next id survived the reload.
  ctx.height++;
  Transaction t = tx(alice, DelegateBody{R("10.9.0.0/16"), carol.id});
  ACCEPTS(reg.apply(t, ctx));
  ACCEPTS(loaded.apply(t, ctx));
  REQUIRE((loaded.holding(8) && reg.holding(8)));
  CHECK(*loaded.holding(8) == *reg.holding(8));
}

TEST_CASE("load refuses inconsistent state") {
  Party a = party(1);
  Registry reg("x", {});
  REQUIRE(reg.add_root(R("10.0.0.0/8"), a.id, {}).ok());
  std::map<Bytes, Bytes> store;
  for (auto& x : reg.take_writes()) store[x.key] = *x.value;

  Registry bad_key("x", {});
  CHECK_FALSE(bad_key.load_entry(Bytes{'Z', 1}, Bytes{}).ok());
  CHECK_FALSE(bad_key.load_entry(keys::holding(1), Bytes{1, 2}).ok());

  // An extra root overlapping #1 (and no segment for it).
  Holding dup{2, R("10.1.0.0/16"), a.id, 0, HoldingKind::allocation, 0, 0, {}};
  Writer w;
  dup.encode(w);
  store[keys::holding(2)] = w.take();
  Registry broken("x", {});
  for (auto& [k, v] : store) REQUIRE(broken.load_entry(k, v).ok());
  REJECTS(broken.finish_load(), "overlaps");
}

// ---- The rules whitepaper/ledger.md states, one case per settled point ----

TEST_CASE_FIXTURE(Fx, "ledger.md: a child may take its parent's whole range") {
  ACCEPTS(delegate(alice, "10.0.0.0/8", bob));  // #4, the whole root
  CHECK(reg.holding(4)->range == reg.holding(1)->range);
  CHECK(controller("10.200.0.1") == 4);
  ACCEPTS(delegate(bob, "10.0.0.0/8", carol));  // #5, the whole of #4
  CHECK(reg.holding(5)->parent == 4);
  CHECK(controller("10.0.0.0") == 5);
  // Exact-range kinds pick the signer's deepest holding with that range.
  ACCEPTS(run(bob, SetMetadataBody{R("10.0.0.0/8"), Metadata{"b", "", "", "", ""}}));
  CHECK(reg.holding(4)->meta.name == "b");
  CHECK(reg.holding(1)->meta.name.empty());
  invariants();
}

TEST_CASE_FIXTURE(Fx, "ledger.md: a lease is usable while block time < until, expired from until on") {
  ACCEPTS(delegate(alice, "10.5.0.0/16", bob, HoldingKind::lease, 1100));  // #4
  ctx.time = 1099;
  ACCEPTS(delegate(bob, "10.5.1.0/24", carol));  // #5
  REJECTS(run(alice, RevokeBody{R("10.5.0.0/16")}), "can't be revoked before it expires");
  ctx.time = 1100;
  REJECTS(delegate(bob, "10.5.2.0/24", carol), "lease #4 (10.5.0.0/16) expired at 1970-01-01T00:18:20Z");
  // A renewal must be later than the current expiry and than the block time.
  ctx.time = 1300;
  REJECTS(run(alice, RenewBody{R("10.5.0.0/16"), 1250}), "not after the block time 1970-01-01T00:21:40Z");
  REJECTS(run(alice, RenewBody{R("10.5.0.0/16"), 1300}), "not after the block time 1970-01-01T00:21:40Z");
  CHECK(reg.holding(4)->lease_until == 1100);
  // Revocation is allowed from the expiry second on.
  ctx.time = 1100;
  ACCEPTS(run(alice, RevokeBody{R("10.5.0.0/16")}));
  CHECK_FALSE(reg.holding(4).has_value());
  CHECK_FALSE(reg.holding(5).has_value());
}

TEST_CASE_FIXTURE(Fx, "ledger.md: an expired, unrevoked lease keeps control and its authorizations") {
  ACCEPTS(delegate(alice, "10.5.0.0/16", bob, HoldingKind::lease, 1100));  // #4
  ACCEPTS(run(bob, AuthorizeBody{R("10.5.0.0/16"), 24, 64500}));
  ctx.time = 1100;
  CHECK(controller("10.5.0.1") == 4);
  CHECK(reg.authorizations().size() == 1);  // expiry alone lapses nothing
  // The lessor does not get the space back until it revokes. It may
  // authorize the aggregate, as over any space it delegated, but not
  // withdraw the lessee's authorization.
  REJECTS(delegate(alice, "10.5.0.0/17", carol), "overlaps holding #4");
  ACCEPTS(run(alice, AuthorizeBody{R("10.5.0.0/16"), 24, 64501}));
  REJECTS(run(alice, WithdrawBody{R("10.5.0.0/16"), 24, 64500}), "only the issuer");
  // The lessee may still withdraw what it issued.
  ACCEPTS(run(bob, WithdrawBody{R("10.5.0.0/16"), 24, 64500}));
  CHECK(reg.authorizations().size() == 1);
}

TEST_CASE_FIXTURE(Fx, "ledger.md: a signer whose deepest holding is an expired lease acts through it and is refused") {
  ACCEPTS(delegate(alice, "10.5.0.0/16", bob));                              // #4
  ACCEPTS(delegate(bob, "10.5.1.0/24", carol, HoldingKind::lease, 1100));    // #5
  ACCEPTS(delegate(carol, "10.5.1.0/25", bob, HoldingKind::lease, 1050));    // #6
  ctx.time = 1060;
  // bob's deepest holding containing the range is #6 (expired), though #4 contains it too.
  REJECTS(run(bob, SetMetadataBody{R("10.5.1.0/25"), {}}), "lease #6 (10.5.1.0/25) expired at 1970-01-01T00:17:30Z");
  REJECTS(delegate(bob, "10.5.1.0/26", dave), "lease #6 (10.5.1.0/25) expired at 1970-01-01T00:17:30Z");
  REJECTS(run(bob, ReturnBody{R("10.5.1.0/26")}), "lease #6 (10.5.1.0/25) expired at 1970-01-01T00:17:30Z");
  // A range only #4 contains goes through #4.
  ACCEPTS(delegate(bob, "10.5.2.0/24", dave));
  CHECK(reg.holding(7)->parent == 4);
}

TEST_CASE_FIXTURE(Fx, "ledger.md: a split keeps the id on the left remainder, the right one and the piece get new ids") {
  ACCEPTS(delegate(alice, "10.1.0.0/16", bob, HoldingKind::lease, 5000));  // #4
  ACCEPTS(delegate(bob, "10.1.64.0/24", carol));                           // #5, in the returned piece
  ACCEPTS(delegate(bob, "10.1.200.0/24", carol));                          // #6, in the right remainder
  // A partial return from the middle: #4 keeps the left, the right is #7,
  // the returned piece gets no id and its child moves to #4's parent.
  ACCEPTS(run(bob, ReturnBody{R("10.1.64.0/18")}));
  CHECK(reg.holding(4)->range == R("10.1.0.0/18"));
  CHECK(reg.holding(7)->range == R("10.1.128.0/17"));
  CHECK(reg.holding(7)->kind == HoldingKind::lease);
  CHECK(reg.holding(7)->lease_until == 5000);
  CHECK(reg.holding(7)->parent == 1);
  CHECK(reg.holding(5)->parent == 1);
  CHECK(reg.holding(6)->parent == 7);
  CHECK_FALSE(reg.holding(8).has_value());
  CHECK(controller("10.1.65.0") == 1);
  // A partial transfer of a lease: the piece is a lease with the same
  // expiry and lessor, so the lessor may revoke it on its own.
  ACCEPTS(run(bob, TransferBody{R("10.1.0.0/19"), dave.id}, {&dave}));
  CHECK(reg.holding(4)->range == R("10.1.32.0/19"));  // no left remainder: #4 keeps the right
  const std::optional<Holding> piece = reg.holding(8);
  REQUIRE(piece);
  CHECK(piece->kind == HoldingKind::lease);
  CHECK(piece->lease_until == 5000);
  CHECK(piece->parent == 1);
  ctx.time = 5000;
  ACCEPTS(run(alice, RevokeBody{R("10.1.0.0/19")}));
  CHECK_FALSE(reg.holding(8).has_value());
  CHECK(reg.holding(4).has_value());
  invariants();
}
