// A small real ledger for the targets that need one (proof verification,
// whois and RDAP lookups) and for the seed generator: IPv4, IPv6 and AS
// roots, a few delegations over two certified blocks, RocksDB in a
// temporary directory. Built once per process.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "fuzz_temp_file.h"
#include "ledger/chain.h"
#include "node/driver/shared_chain.h"
#include "support/fixtures.h"

namespace nl::fuzz {

struct World {
  ledger::Genesis genesis;
  std::unique_ptr<ledger::Chain> chain;
  std::unique_ptr<node::SharedChain> shared;  // over `chain`, for the readers under test
  std::vector<ledger::Block> blocks;                // as proposed, heights 1..
  std::vector<ledger::CommitCertificate> certs;     // of each block
  std::vector<ledger::Transaction> txs;             // every transaction committed
};

inline ledger::Resource res(const char* text) { return ledger::Resource::parse(text).value(); }

inline ledger::Genesis world_genesis() {
  ledger::Genesis g = test::test_genesis(1);  // validator key 100, chain "chain-test"
  g.roots.push_back({res("2001:db8::/32"), test::seeded_account(1), {"v6 root", "NL", "", "", ""}});
  g.roots.push_back({res("AS64496-AS64511"), test::seeded_account(1), {"as root", "", "", "", ""}});
  return g;
}

inline World& world() {
  static World* w = [] {
    auto* out = new World;
    out->genesis = world_genesis();
    const std::string dir = temp_dir() + "-world";
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    static struct Cleanup {
      std::string d;
      ~Cleanup() {
        std::error_code e;
        std::filesystem::remove_all(d, e);
      }
    } cleanup{dir};
    auto chain = ledger::Chain::open(dir, out->genesis);
    if (!chain) {
      std::fprintf(stderr, "fuzz world: %s\n", chain.error().c_str());
      std::abort();
    }
    out->chain = std::move(*chain);
    out->shared = std::make_unique<node::SharedChain>(*out->chain);
    uint64_t time = out->genesis.genesis_time;
    const crypto::Hash32 gh = out->genesis.hash();  // what its transactions and votes bind
    auto commit = [&](std::vector<ledger::Transaction> txs) {
      auto p = out->chain->propose(txs, time += 100, test::seeded_key(100).public_key(),
                                   ledger::SignatureCheck::verify);
      auto cert = test::certify(p.block, {100}, gh);
      for (const auto& r : p.rejected) std::fprintf(stderr, "fuzz world: refused: %s\n", r.reason.c_str());
      auto s = out->chain->commit(p, cert);
      if (!p.rejected.empty() || !s.ok()) {
        std::fprintf(stderr, "fuzz world: a block was refused: %s\n", s.ok() ? "" : s.error().c_str());
        std::abort();
      }
      out->blocks.push_back(p.block);
      out->certs.push_back(cert);
      out->txs.insert(out->txs.end(), p.block.txs.begin(), p.block.txs.end());
    };
    commit({test::delegate("10.1.0.0/16", 1, 2, 1, gh), test::delegate("2001:db8:1::/48", 1, 3, 2, gh),
            test::delegate("AS64500", 1, 4, 3, gh)});
    commit({test::delegate("10.1.5.0/24", 2, 3, 1, gh),
            test::signed_tx(ledger::AuthorizeBody{res("10.1.0.0/22"), 24, 64500}, 2, 2, gh)});
    return out;
  }();
  return *w;
}

}  // namespace nl::fuzz
