// Chain::dry_run, which the mempool's re-check uses: it must refuse exactly
// what propose() refuses, with the same reasons, and leave the registry as
// it found it (indexes included), at genesis and above it.
#include <doctest/doctest.h>

#include "ledger/chain.h"
#include "support/fixtures.h"
#include "support/process.h"

using namespace nl;
using namespace nl::ledger;

namespace {

std::unique_ptr<Chain> open_chain(const std::string& dir, const Genesis& g) {
  auto c = Chain::open(dir, g);
  REQUIRE_MESSAGE(c.ok(), c.error());
  return std::move(*c);
}

// Valid and refused transactions mixed, some depending on earlier ones;
// `n` is the root holder's (account 1's) next nonce.
std::vector<Transaction> mixed_txs(uint64_t n) {
  return {
      test::delegate("10.1.0.0/16", 1, 2, n),
      test::delegate("10.1.0.0/16", 1, 3, n + 1),  // overlaps what the first delegated
      test::delegate("10.2.0.0/16", 1, 4, n + 1),  // the nonce a refusal left unused
      test::delegate("10.1.5.0/24", 2, 5, 1),      // onward from the first delegation
      test::delegate("10.9.0.0/16", 2, 5, 2),      // not held by account 2
      test::delegate("10.3.0.0/16", 1, 2, n + 9),  // out of order
      test::delegate("10.1.6.0/24", 2, 6, 2),
  };
}

void same_rejections(const std::vector<Rejection>& a, const std::vector<Rejection>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].tx_id == b[i].tx_id);
    CHECK(a[i].reason == b[i].reason);
  }
}

// dry_run on `probe` gives propose()'s refusals on `ref`, then both chains
// build the same block from the same transactions: the registry that was
// dry-run is exactly the one it started from.
void dry_run_matches_propose(Chain& probe, Chain& ref, uint64_t time) {
  const auto txs = mixed_txs(probe.registry().next_nonce(test::seeded_account(1)));
  const crypto::Hash32 root = probe.state_root();
  const size_t holdings = probe.registry().holding_count();

  auto run = probe.dry_run(txs, time, SignatureCheck::verify);
  auto p = ref.propose(txs, time, test::seeded_key(100).public_key(), SignatureCheck::verify);
  CHECK(run.rejected.size() == 3);
  same_rejections(run.rejected, p.rejected);

  CHECK(probe.state_root() == root);
  CHECK(probe.registry().holding_count() == holdings);
  CHECK(probe.registry().next_nonce(test::seeded_account(1)) == ref.registry().next_nonce(test::seeded_account(1)));
  CHECK(probe.registry().chain(Resource::parse("10.1.0.7").value()).size() ==
        ref.registry().chain(Resource::parse("10.1.0.7").value()).size());
  auto inv = probe.registry().check_invariants();
  CHECK_MESSAGE(inv.ok(), inv.error());

  auto a = probe.propose(txs, time, test::seeded_key(100).public_key(), SignatureCheck::verify);
  auto b = ref.propose(txs, time, test::seeded_key(100).public_key(), SignatureCheck::verify);
  CHECK(a.block.header.state_root == b.block.header.state_root);
  CHECK(a.block.txs.size() == txs.size() - 3);
  same_rejections(a.rejected, run.rejected);
  CHECK(probe.state_root() == root);  // proposing leaves the state as it was
}

}  // namespace

TEST_CASE("chain: dry_run refuses what propose refuses and leaves the registry as it was, at genesis") {
  test::TempDir dir{"nl-dry-run-genesis"};
  const Genesis g = test::test_genesis(4);
  auto probe = open_chain(dir / "probe", g);
  auto ref = open_chain(dir / "ref", g);
  dry_run_matches_propose(*probe, *ref, 1700000100);
}

TEST_CASE("chain: dry_run refuses what propose refuses and leaves the registry as it was, above genesis") {
  test::TempDir dir{"nl-dry-run-height"};
  const Genesis g = test::test_genesis(4);
  auto probe = open_chain(dir / "probe", g);
  auto ref = open_chain(dir / "ref", g);
  // One block committed on both first, touching the space the dry run uses.
  auto first = ref->propose({test::delegate("10.4.0.0/16", 1, 7, 1)}, 1700000100, test::seeded_key(100).public_key(),
                            SignatureCheck::verify);
  REQUIRE(first.rejected.empty());
  for (Chain* c : {probe.get(), ref.get()}) {
    auto s = test::commit_block(*c, first.block, test::certify(first.block, {100, 101, 102}));
    REQUIRE_MESSAGE(s.ok(), s.error());
  }
  dry_run_matches_propose(*probe, *ref, 1700000200);
}
