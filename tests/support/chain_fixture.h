// A real chain (RocksDB in a temp dir) on test_genesis(4), for tests that
// commit blocks by hand and reopen the chain from disk.
#pragma once
#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <string>

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
};

}  // namespace nl::test
