// A real chain (RocksDB in a temp dir) on test_genesis(4), for tests that
// commit blocks by hand and reopen the chain from disk.
#pragma once
#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fixtures.h"
#include "ledger/chain.h"
#include "process.h"

namespace nl::test {

struct ChainFixture {
  TempDir dir;
  ledger::Genesis g = test_genesis(4);  // validators 100..103, power 1 each
  std::unique_ptr<ledger::Chain> chain;
  uint64_t time = 1700000100;  // block time; each block the tests make adds to it

  explicit ChainFixture(const std::string& dir_stem) : dir(dir_stem) { open(); }

  // Opens the chain, or reopens it from what is on disk.
  void open() {
    chain.reset();
    auto c = ledger::Chain::open(dir / "ledger", g);
    REQUIRE_MESSAGE(c.ok(), c.error());
    chain = std::move(*c);
  }

  // The next block of `txs` (and `evidence`), `advance` seconds on,
  // proposed by 100, certified by `signers` and committed; what the rules
  // refused is in its `rejected`.
  ledger::PreparedBlock commit_next(const std::vector<ledger::Transaction>& txs,
                                    const std::vector<uint8_t>& signers = {100, 101, 102}, uint64_t advance = 10,
                                    const std::vector<ledger::Evidence>& evidence = {}) {
    auto p = chain->propose(txs, time += advance, seeded_key(100).public_key(), ledger::SignatureCheck::verify,
                            evidence);
    auto s = chain->commit(p, certify(p.block, signers));
    REQUIRE_MESSAGE(s.ok(), s.error());
    return p;
  }
};

// Empty blocks carrying evidence, each certified by validators 100..102.
struct EvidenceChainFixture : ChainFixture {
  using ChainFixture::ChainFixture;
  ledger::PreparedBlock next(const std::vector<ledger::Evidence>& evidence = {}) {
    return commit_next({}, {100, 101, 102}, 10, evidence);
  }
  // The reason the next block drops `ev`.
  std::string refusal(const ledger::Evidence& ev) {
    auto p = next({ev});
    REQUIRE(p.rejected_evidence.size() == 1);
    CHECK(p.rejected_evidence[0].evidence_id == ev.id());
    CHECK(p.block.evidence.empty());
    return p.rejected_evidence[0].reason;
  }
};

}  // namespace nl::test
