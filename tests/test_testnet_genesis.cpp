// numledger testnet init --genesis FILE --keystore DIR: a testnet on an
// imported registry. The genesis keeps the file's chain id, roots, holdings
// and authorizations with the testnet's own validators; the holders'
// keystore comes along, and a holder's key from it signs a transaction the
// running testnet commits. Bad combinations are refused and leave nothing.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "crypto/key_file.h"
#include "ledger/genesis.h"
#include "ledger/interop/rir_keystore.h"
#include "ledger/transaction.h"
#include "node/client/http_client.h"
#include "support/fixtures.h"
#include "support/process.h"

using namespace nl;
using namespace nl::test;
using nlohmann::json;

namespace {

const std::string kCli = NL_BIN_DIR "/numledger";

RunResult nl_cli(std::vector<std::string> args) {
  args.insert(args.begin(), kCli);
  return run(args, {"NUMLEDGERD=" NL_BIN_DIR "/numledgerd"});
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A small registry (three records), imported without IANA files.
void import_small(const std::string& dir, bool compact) {
  std::ofstream(dir + "/delegated-arin") << ("2|arin|20240101|3|19700101|20240101|-0500\n"
                                             "arin|*|ipv4|*|2|summary\n"
                                             "arin|*|asn|*|1|summary\n"
                                             "arin|US|ipv4|3.0.0.0|16777216|19940501|allocated\n"
                                             "arin|US|ipv4|23.0.0.0|768|20100601|assigned\n"
                                             "arin|US|asn|1|1|19910101|assigned\n");
  std::vector<std::string> args = {"import", "rir", "--no-passphrase", dir + "/delegated-arin", "--chain-id",
                                   "imported-net", "--validator", seeded_account(100).to_string(), "--out",
                                   dir + "/g.json", "--keystore", dir + "/ks", "--time", "1700000000"};
  if (compact) args.push_back("--compact");
  auto r = nl_cli(args);
  REQUIRE_MESSAGE(r.code == 0, r.err);
}

}  // namespace

TEST_CASE("testnet init --genesis: the imported registry, the testnet's validators, the holders' keystore") {
  TempDir tmp("nl-tn-genesis");
  const std::string work = tmp.path.string();
  import_small(work, false);
  const std::string dir = work + "/net";
  auto r = nl_cli({"testnet", "init", "--validators", "1", "--dir", dir, "--genesis", work + "/g.json", "--keystore",
                   work + "/ks", "--block-interval", "0.2", "--base-port",
                   std::to_string(free_port_range(1).value())});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(has(r.out, "chain 'imported-net'"));
  CHECK(has(r.out, "holders' keys: " + dir + "/holders/keystore"));

  auto given = ledger::Genesis::load(work + "/g.json");
  auto made = ledger::Genesis::load(dir + "/genesis.json");
  REQUIRE(given.ok());
  REQUIRE_MESSAGE(made.ok(), made.error());
  CHECK(made->chain_id == "imported-net");
  CHECK(made->genesis_time == given->genesis_time);
  CHECK(made->holding_count() == given->holding_count());
  CHECK(made->holding_count() == 3);
  CHECK(made->roots.size() == given->roots.size());
  // The validator set is the testnet's: validator0's key, not the file's.
  auto vkey = crypto::load_key_file(dir + "/validator0/validator.key", std::nullopt);
  REQUIRE(vkey.ok());
  REQUIRE(made->validators.validators.size() == 1);
  CHECK(made->validators.validators[0].key == vkey->public_key());
  CHECK(made->hash() != given->hash());
  CHECK(!std::filesystem::exists(dir + "/holders/root.key"));
  CHECK(slurp(dir + "/holders/keystore/keystore.jsonl") == slurp(work + "/ks/keystore.jsonl"));

  // A holder signs with its key from the testnet's keystore: the holder of
  // 23.0.0.0-23.0.2.255 returns it, and the testnet commits it.
  auto keys = ledger::RirKeystore::open(dir + "/holders/keystore");
  REQUIRE_MESSAGE(keys.ok(), keys.error());
  std::optional<ledger::AccountId> holder;
  const ledger::Resource range = ledger::Resource::parse("23.0.0.0-23.0.2.255").value();
  std::function<void(const std::vector<ledger::GenesisHolding>&)> find = [&](const auto& hs) {
    for (const auto& h : hs) {
      if (h.range == range) holder = h.holder;
      find(h.children);
    }
  };
  find(made->holdings);
  REQUIRE(holder.has_value());
  CHECK(keys->org_of(*holder).has_value());
  REQUIRE(holder.has_value());
  auto key = keys->key(*holder);
  REQUIRE(key.ok());
  ledger::Transaction tx;
  tx.chain_id = made->chain_id;
  tx.genesis_hash = made->hash();
  tx.signer = *holder;
  tx.nonce = 1;
  tx.body = ledger::ReturnBody{range};
  tx.sign(*key);

  r = nl_cli({"testnet", "start", "--dir", dir, "--timeout", "60"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  auto st = json::parse(nl_cli({"testnet", "status", "--dir", dir, "--json"}).out);
  const std::string url = st[0]["url"];
  auto answer = node::http_request(url, "POST", "/api/v1/tx",
                                   json{{"tx", to_hex(tx.encode())}, {"wait", true}}.dump(), std::chrono::seconds(30));
  nl_cli({"testnet", "stop", "--dir", dir});
  REQUIRE_MESSAGE(answer.ok(), answer.error());
  CHECK_MESSAGE(answer->status == 200, answer->body);
  CHECK(has(answer->body, "\"height\""));
}

TEST_CASE("testnet init --genesis: a compact genesis stays compact") {
  TempDir tmp("nl-tn-genesis-compact");
  const std::string work = tmp.path.string();
  import_small(work, true);
  auto r = nl_cli({"testnet", "init", "--validators", "2", "--dir", work + "/net", "--genesis", work + "/g.json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(slurp(work + "/net/genesis.json").rfind(std::string(ledger::kGenesisBinaryMagic), 0) == 0);
  auto made = ledger::Genesis::load(work + "/net/genesis.json");
  REQUIRE(made.ok());
  CHECK(made->validators.validators.size() == 2);
  CHECK(!std::filesystem::exists(work + "/net/holders/keystore"));  // none was given
}

TEST_CASE("testnet init --genesis: what it refuses, leaving no directory behind") {
  TempDir tmp("nl-tn-genesis-bad");
  const std::string work = tmp.path.string();
  import_small(work, false);
  // The chain id is the file's.
  auto r = nl_cli({"testnet", "init", "--validators", "1", "--dir", work + "/a", "--genesis", work + "/g.json",
                   "--chain-id", "other"});
  CHECK(r.code == 2);
  CHECK(has(r.err, "differs from the chain id of --genesis"));
  CHECK(!std::filesystem::exists(work + "/a"));
  // The same chain id is fine.
  r = nl_cli({"testnet", "init", "--validators", "1", "--dir", work + "/b", "--genesis", work + "/g.json", "--chain-id",
              "imported-net"});
  CHECK_MESSAGE(r.code == 0, r.err);
  // --root makes a root key the genesis does not have.
  r = nl_cli({"testnet", "init", "--validators", "1", "--dir", work + "/c", "--genesis", work + "/g.json", "--root",
              "10.0.0.0/8"});
  CHECK(r.code == 2);
  // --keystore belongs to --genesis.
  r = nl_cli({"testnet", "init", "--validators", "1", "--dir", work + "/d", "--keystore", work + "/ks"});
  CHECK(r.code == 2);
  // A directory without a keystore.
  r = nl_cli({"testnet", "init", "--validators", "1", "--dir", work + "/e", "--genesis", work + "/g.json",
              "--keystore", work});
  CHECK(r.code == 1);
  CHECK(has(r.err, "no keystore.jsonl"));
  CHECK(!std::filesystem::exists(work + "/e"));
  // Not a genesis.
  r = nl_cli({"testnet", "init", "--validators", "1", "--dir", work + "/f", "--genesis", work + "/delegated-arin"});
  CHECK(r.code == 1);
  CHECK(has(r.err, "--genesis"));
  CHECK(!std::filesystem::exists(work + "/f"));
  // The help says what it does.
  r = nl_cli({"testnet", "init", "--help"});
  CHECK(has(r.out, "--genesis"));
  CHECK(has(r.out, "--keystore"));
}
