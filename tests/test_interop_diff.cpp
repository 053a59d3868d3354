// Replaying real changes: AFRINIC's statistics of 2023-03-23 and 2024-01-05
// become signed transactions (numledger import diff) that apply, block by
// block, to a ledger built from the older snapshot; afterwards that ledger
// holds what an import of the newer snapshot holds, and exporting it gives
// the newer snapshot's records back.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "ledger/chain.h"
#include "ledger/genesis.h"
#include "ledger/interop/rir_keystore.h"
#include "support/fixtures.h"
#include "support/process.h"
#include "support/rir_data.h"

using namespace nl;
using namespace nl::ledger;
using namespace nl::test;
using nlohmann::json;

namespace {

const std::string kCli = NL_BIN_DIR "/numledger";

// range -> (holder, kind, country, opaque-id) of every record holding.
using Holdings = std::map<Resource, std::tuple<AccountId, HoldingKind, std::string, std::string>>;

void collect(const std::vector<GenesisHolding>& hs, Holdings& out) {
  for (const auto& h : hs) {
    if (h.meta.source_registry == "afrinic")
      out[h.range] = {h.holder, h.kind, h.meta.country, h.meta.source_handle};
    collect(h.children, out);
  }
}

Holdings ledger_holdings(const Registry& reg) {
  Holdings out;
  for (const Holding& h : reg.all_holdings()) {
    if (h.meta.source_registry == "afrinic")
      out[h.range] = {h.holder, h.kind, h.meta.country, h.meta.source_handle};
  }
  return out;
}

Transaction read_tx(const std::string& path) {
  json j = json::parse(slurp(path));
  auto bytes = from_hex(j.at("tx").get<std::string>());
  REQUIRE(bytes);
  auto tx = Transaction::decode(*bytes);
  REQUIRE_MESSAGE(tx.ok(), path);
  return *tx;
}

}  // namespace

TEST_CASE("import diff afrinic 2023-03-23 -> 2024-01-05: the transactions take the old ledger to the new snapshot") {
  TempDir dir("nl-diff");
  const std::string old_file = data_file("delegated-afrinic-extended-20230323"),
                    new_file = data_file("delegated-afrinic-extended-20240105");
  const std::vector<std::string> iana = {"--iana-ipv4", data_file("iana-ipv4-address-space.csv"), "--iana-ipv6",
                                         data_file("iana-ipv6-unicast-address-assignments.csv")};
  auto cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), kCli);
    if (args[2] != "key") args.insert(args.end(), iana.begin(), iana.end());
    return run(args);
  };
  // kTestChain and validator 100: blocks are certified with the test fixtures.
  const std::string validator = seeded_account(100).to_string();
  auto r = cli({"import", "rir", "--no-passphrase", old_file, "--chain-id", kTestChain, "--validator", validator, "--out",
                dir / "old.json", "--keystore", dir / "ks", "--time", "1700000000"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  r = cli({"import", "diff", "--no-passphrase", old_file, new_file, "--keystore", dir / "ks", "--out", dir / "txs", "--genesis",
           dir / "old.json", "--report", dir / "diff.json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  MESSAGE(r.out);
  r = cli({"import", "rir", "--no-passphrase", new_file, "--chain-id", kTestChain, "--validator", validator, "--out", dir / "new.json",
           "--keystore", dir / "ks", "--time", "1700000000"});
  REQUIRE_MESSAGE(r.code == 0, r.err);

  json rep = json::parse(slurp(dir / "diff.json"));
  CHECK(rep["returns"].get<int>() > 0);
  CHECK(rep["transfers"].get<int>() > 0);
  CHECK(rep["delegations"].get<int>() > 0);
  CHECK(rep["unchanged"].get<int>() > 8000);
  CHECK(rep["inexpressible"].empty());  // this pair changes no date on an unchanged record

  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir / "txs")) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() == rep["transactions"].get<size_t>());
  CHECK(std::filesystem::path(files.front()).filename().string().rfind("000001-", 0) == 0);

  auto old_genesis = Genesis::load(dir / "old.json");
  auto new_genesis = Genesis::load(dir / "new.json");
  REQUIRE(old_genesis.ok());
  REQUIRE(new_genesis.ok());
  Holdings want;
  collect(new_genesis->holdings, want);
  Holdings before;
  collect(old_genesis->holdings, before);
  CHECK(before != want);

  {
    auto chain = Chain::open(dir / "ledger", *old_genesis);
    REQUIRE_MESSAGE(chain.ok(), (chain.ok() ? "" : chain.error()));
    Chain& c = **chain;
    std::vector<Transaction> txs;
    size_t transfers = 0;
    std::map<AccountId, uint64_t> first_nonce;
    for (const auto& f : files) {
      txs.push_back(read_tx(f));
      const Transaction& tx = txs.back();
      first_nonce.try_emplace(tx.signer, tx.nonce);
      if (std::holds_alternative<TransferBody>(tx.body)) {
        ++transfers;
        CHECK(tx.signatures.size() == 2);  // the recipient co-signed
      }
    }
    CHECK(transfers == rep["transfers"].get<size_t>());
    for (const auto& [signer, nonce] : first_nonce) CHECK(nonce == c.registry().next_nonce(signer));
    // Several blocks, in file order, every signature verified.
    const size_t per_block = 400;
    uint64_t time = old_genesis->genesis_time + 10;
    for (size_t at = 0; at < txs.size(); at += per_block) {
      std::vector<Transaction> batch(txs.begin() + at, txs.begin() + std::min(txs.size(), at + per_block));
      PreparedBlock p = c.propose(batch, time, seeded_key(100).public_key(), SignatureCheck::verify);
      for (const auto& rej : p.rejected) FAIL_CHECK("rejected: " << rej.reason);
      REQUIRE(p.block.txs.size() == batch.size());
      REQUIRE(c.commit(p, certify(p.block, {100}, old_genesis->hash())).ok());
      time += 86400;
    }
    CHECK(c.registry().check_invariants().ok());
    Holdings have = ledger_holdings(c.registry());
    CHECK(have.size() == want.size());
    size_t differ = 0;
    for (const auto& [range, w] : want) {
      auto it = have.find(range);
      if (it == have.end() || it->second != w) {
        if (++differ <= 5) FAIL_CHECK(range.to_string() << " differs from the new import");
      }
    }
    CHECK(differ == 0);
  }

  // The ledger, exported, is the newer snapshot (dates of new records are
  // their block dates; every other field is the file's).
  r = run({kCli, "export", "rir", "--registry", "afrinic", "--genesis", dir / "old.json", "--data-dir", dir / "ledger",
           "--out", dir / "export.txt"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  auto strip_date = [](std::set<std::vector<std::string>> s) {
    std::set<std::vector<std::string>> out;
    for (auto v : s) {
      v[5] = "";
      out.insert(v);
    }
    return out;
  };
  auto exported = granted_records(dir / "export.txt");
  auto expected = granted_records(new_file);
  CHECK(strip_date(exported) == strip_date(expected));
  size_t same_date = 0;
  for (const auto& rec : exported) same_date += expected.count(rec);
  CHECK(same_date >= rep["unchanged"].get<size_t>());
}

TEST_CASE("import diff: a keystore without the old holders' keys, and usage errors") {
  TempDir dir("nl-diff-errors");
  const std::string old_file = data_file("delegated-afrinic-extended-20230323"),
                    new_file = data_file("delegated-afrinic-extended-20240105");
  auto r = run({kCli, "import", "diff", "--no-passphrase", old_file, new_file, "--keystore", dir / "ks", "--out", dir / "txs"});
  CHECK(r.code == 2);  // neither --chain-id nor --genesis
  CHECK(r.err.find("--chain-id") != std::string::npos);
  // The chain id alone does not name the chain: transactions bind the genesis hash.
  r = run({kCli, "import", "diff", "--no-passphrase", old_file, new_file, "--keystore", dir / "ks", "--out", dir / "txs", "--chain-id",
           "x"});
  CHECK(r.code == 2);
  CHECK(r.err.find("--genesis-hash") != std::string::npos);
  const std::string some_hash(64, 'a');
  r = run({kCli, "import", "diff", "--no-passphrase", old_file, dir / "nope", "--keystore", dir / "ks", "--out", dir / "txs",
           "--chain-id", "x", "--genesis-hash", some_hash});
  CHECK(r.code == 2);
  // With a fresh keystore the rebuilt old tree has fresh accounts: still a
  // consistent set of transactions for that tree.
  r = run({kCli, "import", "diff", "--no-passphrase", old_file, new_file, "--keystore", dir / "ks", "--out", dir / "txs", "--chain-id",
           "x", "--genesis-hash", some_hash});
  CHECK_MESSAGE(r.code == 0, r.err);
  auto keys = RirKeystore::open(dir / "ks");
  REQUIRE(keys.ok());
  CHECK(keys->find("afrinic-F364712F").has_value());
  // --out must not silently mix two runs.
  r = run({kCli, "import", "diff", "--no-passphrase", old_file, new_file, "--keystore", dir / "ks", "--out", dir / "txs", "--chain-id",
           "x", "--genesis-hash", some_hash});
  CHECK(r.code == 1);
  CHECK(r.err.find("not empty") != std::string::npos);
}
