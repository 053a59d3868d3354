// Chain::commit replays the state writes of a block it checked (or
// built) on the same tip instead of applying the block again: the result
// must be the state a full apply gives, in the registry, its indexes and
// the state root, on disk too; a block checked but not decided leaves no
// trace in the one committed instead.
#include <doctest/doctest.h>

#include "ledger/chain.h"
#include "support/fixtures.h"
#include "support/process.h"

using namespace nl;
using namespace nl::ledger;

namespace {

crypto::SecretKey key(uint8_t fill) { return test::seeded_key(fill); }
AccountId acct(uint8_t fill) { return test::seeded_account(fill); }

std::unique_ptr<Chain> open_chain(const std::string& dir, const Genesis& g) {
  auto c = Chain::open(dir, g);
  REQUIRE_MESSAGE(c.ok(), c.error());
  return std::move(*c);
}

// A block built on `builder` from `txs` (its state left as it was).
Block build(Chain& builder, const std::vector<Transaction>& txs, uint64_t time) {
  const crypto::Hash32 root = builder.state_root();
  auto p = builder.propose(txs, time, key(100).public_key(), SignatureCheck::verify);
  REQUIRE(p.rejected.empty());
  CHECK(builder.state_root() == root);
  return p.block;
}

std::optional<AccountId> holder(const Chain& c, const char* addr) {
  auto h = c.registry().chain(Resource::parse(addr).value());
  if (h.empty()) return std::nullopt;
  return h.back().holder;
}

}  // namespace

TEST_CASE("chain: a prepared block is committed by replaying its writes, with the state a full apply gives") {
  test::TempDir dir{"nl-prepared"};
  const Genesis g = test::test_genesis(4);
  auto builder = open_chain(dir / "builder", g);
  auto replayed = open_chain(dir / "replayed", g);  // prepared, later committed
  auto applied = open_chain(dir / "applied", g);    // prepared and committed at once

  auto transfer = test::signed_tx(TransferBody{Resource::parse("10.1.0.0/24").value(), acct(3)}, 2, 1);
  transfer.sign(key(3));
  const std::vector<std::vector<Transaction>> heights = {
      {test::delegate("10.1.0.0/16", 1, 2, 1), test::delegate("10.2.0.0/16", 1, 4, 2)},
      {transfer, test::delegate("10.1.1.0/24", 2, 5, 2), test::delegate("10.3.0.0/16", 1, 2, 3)},
  };
  uint64_t time = 1700000100;
  for (const auto& txs : heights) {
    Block b = build(*builder, txs, time += 10);
    auto cert = test::certify(b, {100, 101, 102});
    auto prepared = replayed->prepare(b);
    REQUIRE(prepared.ok());
    CHECK(replayed->state_root() == replayed->tip_header().state_root);  // checked, then undone
    CHECK(prepared->parent == replayed->tip_hash());
    for (Chain* c : {builder.get(), applied.get()}) {
      auto s = test::commit_block(*c, b, cert);
      REQUIRE_MESSAGE(s.ok(), s.error());
    }
    // A certificate for another block is refused, and changes nothing.
    CHECK(replayed->commit(*prepared, test::certify(build(*builder, {}, time + 5), {100, 101, 102}))
              .error()
              .find("does not certify this block") != std::string::npos);
    auto s = replayed->commit(*prepared, cert);
    REQUIRE_MESSAGE(s.ok(), s.error());
    CHECK(replayed->state_root() == b.header.state_root);
    CHECK(replayed->state_root() == applied->state_root());
    CHECK(replayed->registry().holding_count() == applied->registry().holding_count());
    auto inv = replayed->registry().check_invariants();
    CHECK_MESSAGE(inv.ok(), inv.error());
  }
  REQUIRE(holder(*replayed, "10.1.0.7").has_value());
  CHECK(*holder(*replayed, "10.1.0.7") == acct(3));
  CHECK(*holder(*replayed, "10.1.1.7") == acct(5));
  CHECK(*holder(*replayed, "10.1.2.7") == acct(2));
  CHECK(replayed->registry().next_nonce(acct(2)) == 3);
  CHECK(replayed->store().find_tx(transfer.id()).has_value());

  // The next block, which builds on what was replayed, applies the same way.
  Block next = build(*applied, {test::delegate("10.1.2.0/24", 2, 6, 3)}, time += 10);
  auto s = test::commit_block(*replayed, next, test::certify(next, {100, 101, 102}));
  REQUIRE_MESSAGE(s.ok(), s.error());
  CHECK(*holder(*replayed, "10.1.2.7") == acct(6));

  // And it reopens from disk with the state root of its tip.
  const crypto::Hash32 root = replayed->state_root();
  replayed.reset();
  auto again = open_chain(dir / "replayed", g);
  CHECK(again->state_root() == root);
  CHECK(again->height() == 3);
}

TEST_CASE("chain: a block prepared but not decided leaves nothing in the block committed instead") {
  test::TempDir dir{"nl-prepared-other"};
  const Genesis g = test::test_genesis(4);
  auto builder = open_chain(dir / "builder", g);
  auto chain = open_chain(dir / "chain", g);
  Block x = build(*builder, {test::delegate("10.1.0.0/16", 1, 2, 1)}, 1700000100);
  Block y = build(*builder, {test::delegate("10.2.0.0/16", 1, 3, 1)}, 1700000100);
  REQUIRE(x.header.hash() != y.header.hash());
  auto px = chain->prepare(x);
  auto py = chain->prepare(y);
  REQUIRE(px.ok());
  REQUIRE(py.ok());
  REQUIRE(chain->commit(*py, test::certify(y, {100, 101, 102})).ok());
  CHECK(holder(*chain, "10.1.0.1").has_value());
  CHECK(*holder(*chain, "10.1.0.1") == acct(1));  // x's delegation did not happen
  CHECK(*holder(*chain, "10.2.0.1") == acct(3));
  // x was prepared on the old tip: refused, not replayed.
  auto late = chain->commit(*px, test::certify(x, {100, 101, 102}));
  CHECK(late.error().find("prepared on another tip") != std::string::npos);
  CHECK(!test::commit_block(*chain, x, test::certify(x, {100, 101, 102})).ok());
  CHECK(chain->height() == 1);
  CHECK(chain->state_root() == y.header.state_root);
}

// Block sync's way: a block known with its certificate is checked and
// stored in one step, applied once instead of applied, undone and
// replayed. The state must be the one prepare-then-commit gives; a block
// the rules refuse, or a bad certificate, must be refused with the same
// reason and leave nothing behind.
TEST_CASE("chain: commit_certified applies a certified block once, with the state prepare and commit give") {
  test::TempDir dir{"nl-commit-certified"};
  const Genesis g = test::test_genesis(4);
  auto builder = open_chain(dir / "builder", g);
  auto once = open_chain(dir / "once", g);
  auto twice = open_chain(dir / "twice", g);
  auto transfer = test::signed_tx(TransferBody{Resource::parse("10.1.0.0/24").value(), acct(3)}, 2, 1);
  transfer.sign(key(3));
  const std::vector<std::vector<Transaction>> heights = {
      {test::delegate("10.1.0.0/16", 1, 2, 1), test::delegate("10.2.0.0/16", 1, 4, 2)},
      {transfer, test::delegate("10.1.1.0/24", 2, 5, 2), test::delegate("10.3.0.0/16", 1, 2, 3)},
      {test::delegate("10.1.2.0/24", 2, 6, 3)},
  };
  uint64_t time = 1700000100;
  for (const auto& txs : heights) {
    Block b = build(*builder, txs, time += 10);
    auto cert = test::certify(b, {100, 101, 102});
    const crypto::Hash32 root = once->state_root();
    const uint64_t height = once->height();

    // The rules refuse it (a wrong state root, certified all the same):
    // refused as prepare refuses it, nothing changed.
    Block wrong = b;
    wrong.header.state_root.b[0] ^= 1;
    auto rw = once->commit_certified(wrong, test::certify(wrong, {100, 101, 102}));
    REQUIRE(!rw.ok());
    CHECK(rw.error() == once->prepare(wrong).error());
    // Too little power behind the certificate, or one for another block.
    auto weak = once->commit_certified(b, test::certify(b, {100}));
    CHECK(weak.error().find("certificate invalid") != std::string::npos);
    auto other = once->commit_certified(b, test::certify(build(*builder, {}, time + 5), {100, 101, 102}));
    CHECK(other.error().find("does not certify this block") != std::string::npos);
    CHECK(once->state_root() == root);
    CHECK(once->height() == height);
    auto inv0 = once->registry().check_invariants();
    CHECK_MESSAGE(inv0.ok(), inv0.error());

    for (Chain* c : {builder.get(), twice.get()}) REQUIRE(test::commit_block(*c, b, cert).ok());
    auto s = once->commit_certified(b, cert);
    REQUIRE_MESSAGE(s.ok(), s.error());
    CHECK(once->height() == height + 1);
    CHECK(once->state_root() == b.header.state_root);
    CHECK(once->state_root() == twice->state_root());
    CHECK(once->registry().holding_count() == twice->registry().holding_count());
    CHECK(once->registry().next_nonce(acct(2)) == twice->registry().next_nonce(acct(2)));
    auto inv = once->registry().check_invariants();
    CHECK_MESSAGE(inv.ok(), inv.error());
    // A second time: that height is taken.
    CHECK(!once->commit_certified(b, cert).ok());
  }
  REQUIRE(holder(*once, "10.1.2.7").has_value());
  CHECK(*holder(*once, "10.1.0.7") == acct(3));
  CHECK(*holder(*once, "10.1.2.7") == acct(6));
  CHECK(once->store().find_tx(transfer.id()).has_value());
  // From disk, with its tip's state root.
  const crypto::Hash32 root = once->state_root();
  once.reset();
  auto again = open_chain(dir / "once", g);
  CHECK(again->state_root() == root);
  CHECK(again->height() == 3);
}
