// Mempool admission (node/driver/tx_admission.h) on a real chain: the rules refuse
// padded, rule-invalid and replayed transactions before they enter the
// mempool; a future nonce is admitted within the account's window; past it
// the node is busy, not refusing.
#include <doctest/doctest.h>

#include "ledger/chain.h"
#include "node/driver/mempool.h"
#include "node/driver/tx_admission.h"
#include "support/fixtures.h"
#include "support/process.h"

using namespace nl;
using namespace nl::ledger;
using nl::node::Admission;
using nl::node::Mempool;
using Verdict = nl::node::Admission::Verdict;

namespace {

struct Fx {
  test::TempDir dir{"nl-admission"};
  Genesis g = test::test_genesis(1);
  std::unique_ptr<Chain> chain;
  Mempool pool;
  Fx() {
    auto c = Chain::open(dir / "ledger", g);
    REQUIRE_MESSAGE(c.ok(), c.error());
    chain = std::move(*c);
  }
  Admission one(const Transaction& tx, size_t max_ahead = 256) {
    return node::admit(*chain, pool, {tx}, 1700000100, max_ahead).front();
  }
};

}  // namespace

TEST_CASE_FIXTURE(Fx, "admission: a valid transaction is admitted and the state is left as it was") {
  const auto root_before = chain->state_root();
  CHECK(one(test::delegate("10.1.0.0/16", 1, 2, 1, test::test_genesis_hash(1))).ok());
  CHECK(chain->registry().next_nonce(test::seeded_account(1)) == 1);
  CHECK(chain->state_root() == root_before);
  CHECK(chain->registry().holding_count() == 1);
}

TEST_CASE_FIXTURE(Fx, "admission: what the rules refuse now is refused, with their reason") {
  auto a = one(test::delegate("11.0.0.0/16", 1, 2, 1, test::test_genesis_hash(1)));  // not held
  CHECK(a.verdict == Verdict::refused);
  CHECK_MESSAGE(a.reason.find("11.0.0.0/16") != std::string::npos, a.reason);

  // Padded with a stranger's valid signature.
  auto padded = test::delegate("10.1.0.0/16", 1, 2, 1, test::test_genesis_hash(1));
  padded.sign(test::seeded_key(77));
  a = one(padded);
  CHECK(a.verdict == Verdict::refused);
  CHECK_MESSAGE(a.reason.find("is not one a delegate needs") != std::string::npos, a.reason);

  // A rotation from a key that holds nothing: no free accounts.
  auto fresh = test::seeded_key(78);
  auto rotate = test::signed_tx(RotateKeyBody{fresh.public_key()}, 9, 1, test::test_genesis_hash(1));
  rotate.sign(fresh);
  a = one(rotate);
  CHECK(a.verdict == Verdict::refused);
  CHECK_MESSAGE(a.reason.find("holds nothing") != std::string::npos, a.reason);
}

TEST_CASE_FIXTURE(Fx, "admission: nonces already used are refused; future ones wait within the window") {
  // A future nonce is checked as the account's next transaction.
  CHECK(one(test::delegate("10.3.0.0/16", 1, 2, 3, test::test_genesis_hash(1))).ok());
  CHECK(one(test::delegate("11.0.0.0/16", 1, 2, 3, test::test_genesis_hash(1))).verdict == Verdict::refused);
  // Past the window: busy, so a client retries instead of giving up.
  auto far = one(test::delegate("10.3.0.0/16", 1, 2, 5, test::test_genesis_hash(1)), 4);
  CHECK(far.verdict == Verdict::busy);
  CHECK_MESSAGE(far.reason.find("at most 4 may wait") != std::string::npos, far.reason);

  // Commit nonce 1, then nonce 1 again is refused.
  auto p = chain->propose({test::delegate("10.1.0.0/16", 1, 2, 1, test::test_genesis_hash(1))}, 1700000100, test::seeded_key(100).public_key(),
                          SignatureCheck::verify);
  REQUIRE(p.rejected.empty());
  REQUIRE(chain->commit(p, test::certify(p.block, {100}, test::test_genesis_hash(1))).ok());
  auto used = one(test::delegate("10.9.0.0/16", 1, 2, 1, test::test_genesis_hash(1)));
  CHECK(used.verdict == Verdict::refused);
  CHECK_MESSAGE(used.reason.find("nonce 1 of " + test::seeded_account(1).to_string() + " is already used") !=
                    std::string::npos,
                used.reason);
}

TEST_CASE_FIXTURE(Fx, "admission: a nonce taken by a waiting transaction is refused, the same transaction is not") {
  auto first = test::delegate("10.1.0.0/16", 1, 2, 1, test::test_genesis_hash(1));
  REQUIRE(pool.add(first, {}) == Mempool::Added::fresh);
  CHECK(one(first).ok());  // a copy (say, with a co-signature) of the waiting one
  auto other = one(test::delegate("10.2.0.0/16", 1, 2, 1, test::test_genesis_hash(1)));
  CHECK(other.verdict == Verdict::refused);
  CHECK_MESSAGE(other.reason.find("is taken by waiting transaction " + first.id().hex()) != std::string::npos,
                other.reason);
}
