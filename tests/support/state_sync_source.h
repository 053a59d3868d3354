// A real chain (RocksDB in a temp dir) worth state-syncing: a genesis of
// many imported /24 holdings (a state of several snapshot chunks) and, on
// request, a validator-set change before the tip, so a joining node must
// follow the set from the genesis to trust the snapshot's root.
#pragma once
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "fixtures.h"
#include "ledger/chain.h"
#include "process.h"

namespace nl::test {

// test_genesis(4) with `n` /24 holdings under 10.0.0.0/8, held by account 2.
inline ledger::Genesis state_sync_genesis(size_t n) {
  ledger::Genesis g = test_genesis(4);
  for (size_t i = 0; i < n; ++i) {
    const std::string r = "10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".0/24";
    g.holdings.push_back({ledger::Resource::parse(r).value(), seeded_account(2), ledger::HoldingKind::allocation,
                          {"h" + std::to_string(i), "", "", "", ""}, "", {}});
  }
  return g;
}

inline ledger::Transaction validator_update(std::vector<std::pair<uint8_t, uint64_t>> changes, uint8_t submitter,
                                            uint64_t nonce, const std::vector<uint8_t>& cosigners,
                                            const crypto::Hash32& genesis) {
  ledger::ValidatorUpdateBody b;
  for (auto [seed, power] : changes) b.changes.push_back({seeded_pub(seed), power});
  std::sort(b.changes.begin(), b.changes.end());
  ledger::Transaction tx = signed_tx(b, submitter, nonce, genesis);
  for (uint8_t c : cosigners) tx.sign(seeded_key(c));
  return tx;
}

struct StateSyncSource {
  TempDir dir{"nl-statesync-src"};
  ledger::Genesis g;
  crypto::Hash32 genesis_hash = g.hash();  // what transactions and votes sign
  std::unique_ptr<ledger::Chain> chain;
  uint64_t time = 1700000100;

  explicit StateSyncSource(size_t holdings) : g(state_sync_genesis(holdings)) {
    auto c = ledger::Chain::open(dir / "ledger", g);
    REQUIRE_MESSAGE(c.ok(), c.error());
    chain = std::move(*c);
  }
  ledger::PreparedBlock commit_next(const std::vector<ledger::Transaction>& txs, const std::vector<uint8_t>& signers) {
    auto p = chain->propose(txs, time += 10, seeded_pub(100), ledger::SignatureCheck::verify);
    REQUIRE_MESSAGE(p.rejected.empty(), (p.rejected.empty() ? std::string() : p.rejected[0].reason));
    auto s = chain->commit(p, certify(p.block, signers, genesis_hash));
    REQUIRE_MESSAGE(s.ok(), s.error());
    return p;
  }
  // Validator 103 leaves and 104 joins at height 3 (the update is in block
  // 1); the tip (height 4) is certified by {101, 102, 104}.
  void with_a_set_change() {
    commit_next({validator_update({{103, 0}, {104, 1}}, 100, 1, {101, 102}, genesis_hash)}, {100, 101, 102});  // height 1
    commit_next({}, {100, 101, 102});
    commit_next({}, {101, 102, 104});
    commit_next({delegate("10.200.0.0/24", 1, 3, 1, genesis_hash)}, {101, 102, 104});  // height 4
  }
};

}  // namespace nl::test
