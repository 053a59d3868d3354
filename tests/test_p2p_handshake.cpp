// The pure handshake checks: what refuses a Hello or a HelloAuth and why,
// what each refusal costs, and the duplicate-connection rule both ends
// must agree on.
#include <doctest/doctest.h>

#include "node/p2p/p2p_handshake.h"
#include "node/p2p/p2p_network.h"
#include "support/fixtures.h"

using namespace nl;
using namespace nl::node;
using namespace nl::node::p2p;
using namespace nl::test;

namespace {

const crypto::Hash32 kGenesis = crypto::sha256(as_bytes("genesis"));

Hello hello_of(uint8_t seed, const Nonce& nonce, const std::string& chain = kTestChain,
               const crypto::Hash32& genesis = kGenesis) {
  return make_hello(chain, genesis, seeded_key(seed).public_key(), 3, seed >= 100, nonce);
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("make_hello fills every field, nonces are random") {
  const Nonce n = random_nonce();
  CHECK(n != random_nonce());
  Hello h = make_hello("c", kGenesis, seeded_key(1).public_key(), 9, true, n);
  CHECK(h.protocol == kProtocolVersion);
  CHECK(h.chain_id == "c");
  CHECK(h.genesis_hash == kGenesis);
  CHECK(h.node_key == seeded_key(1).public_key());
  CHECK(h.best_height == 9);
  CHECK(h.validator);
  CHECK(h.nonce == n);
}

TEST_CASE("check_hello: protocol, chain, genesis and self") {
  const Hello ours = hello_of(1, random_nonce());
  CHECK(!check_hello(ours, hello_of(2, random_nonce())));

  Hello other_protocol = hello_of(2, random_nonce());
  other_protocol.protocol = kProtocolVersion + 1;
  auto p = check_hello(ours, other_protocol);
  REQUIRE(p);
  CHECK(p->kind == Refusal::protocol);
  CHECK(contains(p->reason, "peer protocol 2 is not ours (1)"));

  auto c = check_hello(ours, hello_of(2, random_nonce(), "other-chain"));
  REQUIRE(c);
  CHECK(c->kind == Refusal::chain);
  CHECK(contains(c->reason, "chain id 'other-chain' is not ours ('chain-test')"));

  const auto other_genesis = crypto::sha256(as_bytes("other"));
  auto g = check_hello(ours, hello_of(2, random_nonce(), kTestChain, other_genesis));
  REQUIRE(g);
  CHECK(g->kind == Refusal::genesis);
  CHECK(contains(g->reason, other_genesis.hex()));

  auto same_key = check_hello(ours, hello_of(1, random_nonce()));
  REQUIRE(same_key);
  CHECK(same_key->kind == Refusal::self);
  CHECK(contains(same_key->reason, "connection to self"));

  auto echoed = check_hello(ours, hello_of(2, ours.nonce));
  REQUIRE(echoed);
  CHECK(echoed->kind == Refusal::self);
  CHECK(contains(echoed->reason, "nonce echoed"));
}

TEST_CASE("refusal penalties: none for self, the handshake penalty for the rest") {
  CHECK(refusal_penalty(Refusal::self) == 0);
  for (auto r : {Refusal::protocol, Refusal::chain, Refusal::genesis, Refusal::signature})
    CHECK(refusal_penalty(r) == kPenaltyHandshake);
}

TEST_CASE("check_auth: the other's key must sign our nonce, for this chain and genesis") {
  const Hello a = hello_of(1, random_nonce());
  const Hello b = hello_of(2, random_nonce());
  // Each side signs the other's nonce; each side's check accepts.
  const HelloAuth from_b = make_auth(seeded_key(2), b, a);
  const HelloAuth from_a = make_auth(seeded_key(1), a, b);
  CHECK(!check_auth(a, b, from_b));
  CHECK(!check_auth(b, a, from_a));

  // Replayed from another connection (another nonce of ours).
  const Hello a_again = hello_of(1, random_nonce());
  auto replay = check_auth(a_again, b, from_b);
  REQUIRE(replay);
  CHECK(replay->kind == Refusal::signature);
  CHECK(contains(replay->reason, seeded_key(2).public_key().hex()));

  // Signed by a key other than the one its Hello claimed.
  CHECK(check_auth(a, b, make_auth(seeded_key(3), hello_of(3, b.nonce), a)));
  // Signed its own nonce instead of ours.
  CHECK(check_auth(a, b, HelloAuth{seeded_key(2).sign(auth_sign_bytes(kTestChain, kGenesis, b.nonce, b.node_key))}));
  // Signed for another chain.
  CHECK(check_auth(a, b, HelloAuth{seeded_key(2).sign(auth_sign_bytes("x", kGenesis, a.nonce, b.node_key))}));
  // Garbage.
  CHECK(check_auth(a, b, HelloAuth{}));
}

TEST_CASE("duplicate connections: both ends keep the same one") {
  const Hello a1 = hello_of(1, random_nonce()), b1 = hello_of(2, random_nonce());  // connection 1: a dialled
  const Hello a2 = hello_of(1, random_nonce()), b2 = hello_of(2, random_nonce());  // connection 2: b dialled
  // Ranks as each end computes them.
  const auto c1_at_a = connection_rank(true, a1, b1), c1_at_b = connection_rank(false, b1, a1);
  const auto c2_at_a = connection_rank(false, a2, b2), c2_at_b = connection_rank(true, b2, a2);
  CHECK(c1_at_a == c1_at_b);
  CHECK(c2_at_a == c2_at_b);
  // Whichever completes first, both ends end up with the same survivor:
  // the one dialled by the smaller key.
  const bool a_smaller = seeded_key(1).public_key() < seeded_key(2).public_key();
  const bool keep_c1_at_a = replaces(c1_at_a, c2_at_a) || !replaces(c2_at_a, c1_at_a);
  const bool keep_c1_at_b = replaces(c1_at_b, c2_at_b) || !replaces(c2_at_b, c1_at_b);
  CHECK(keep_c1_at_a == keep_c1_at_b);
  CHECK(keep_c1_at_a == a_smaller);
  // Two connections dialled by the same node: decided by that node's nonces.
  const Hello a3 = hello_of(1, random_nonce()), b3 = hello_of(2, random_nonce());
  const auto c3_at_a = connection_rank(true, a3, b3), c3_at_b = connection_rank(false, b3, a3);
  CHECK(replaces(c3_at_a, c1_at_a) == replaces(c3_at_b, c1_at_b));
  CHECK(replaces(c3_at_a, c1_at_a) == (a3.nonce < a1.nonce));
  CHECK(!replaces(c1_at_a, c1_at_a));
}
