// The compact genesis file: the canonical bytes after a magic line. It
// decodes to the same genesis as the JSON (same hash), refuses what the
// JSON reader refuses, never crashes on damaged bytes, and a real import
// written --compact starts a real numledgerd.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "ledger/genesis.h"
#include "node/client/http_client.h"
#include "support/fixtures.h"
#include "support/process.h"
#include "support/rir_data.h"

using namespace nl;
using namespace nl::ledger;
using namespace nl::test;

namespace {

Genesis imported_genesis() {
  Genesis g = test_genesis(4);
  add_example_imports(g);
  return g;
}

std::string refusal(Bytes bytes) {
  auto g = Genesis::decode(bytes);
  return g ? std::string() : g.error();
}

}  // namespace

TEST_CASE("compact genesis: the canonical bytes round trip, with and without imports, and load() tells the forms apart") {
  TempDir dir("nl-genesis-compact");
  for (const Genesis& g : {test_genesis(1), imported_genesis()}) {
    const Bytes b = g.encode();
    CHECK(crypto::tagged_hash("numledger/genesis/v1", b) == g.hash());
    auto back = Genesis::decode(b);
    REQUIRE_MESSAGE(back.ok(), back.error());
    CHECK(back->hash() == g.hash());
    CHECK(back->holdings == g.holdings);
    CHECK(back->authorizations == g.authorizations);
    CHECK(back->to_json() == g.to_json());
    REQUIRE(g.save(dir / "g.bin", Genesis::Format::binary).ok());
    REQUIRE(g.save(dir / "g.json").ok());
    CHECK(slurp(dir / "g.bin").rfind("numledger-genesis/1\n", 0) == 0);
    auto from_bin = Genesis::load(dir / "g.bin");
    auto from_json = Genesis::load(dir / "g.json");
    REQUIRE(from_bin.ok());
    REQUIRE(from_json.ok());
    CHECK(from_bin->hash() == from_json->hash());
  }
}

TEST_CASE("compact genesis: what the JSON reader refuses, the binary reader refuses too, with the reason") {
  const Genesis g = imported_genesis();
  auto edited = [&](auto&& edit) {
    Genesis m = g;
    edit(m);
    return refusal(m.encode());
  };
  CHECK(edited([](Genesis& m) { m.holdings[0].children[0].kind = HoldingKind::lease; }).find("can't be a lease") !=
        std::string::npos);
  CHECK(edited([](Genesis& m) { m.holdings[0].registered = "2007-11"; }).find("is not YYYYMMDD") != std::string::npos);
  CHECK(edited([](Genesis& m) { m.authorizations[0].max_length = 129; }).find("over 128") != std::string::npos);
  CHECK(edited([](Genesis& m) { m.chain_id = "has space"; }).find("chain_id") != std::string::npos);
  CHECK(edited([](Genesis& m) {
          GenesisHolding* h = &m.holdings[0];
          for (size_t d = 0; d < kMaxGenesisDepth + 1; ++d) {
            h->children = {GenesisHolding{h->range, h->holder, HoldingKind::allocation, {}, "", {}}};
            h = &h->children[0];
          }
        }).find("nested deeper than 32") != std::string::npos);

  Bytes b = g.encode();
  Bytes longer = b;
  longer.push_back(0);
  CHECK(refusal(longer).find("trailing") != std::string::npos);
  CHECK_FALSE(refusal(Bytes(b.begin(), b.end() - 1)).empty());
  Bytes v3 = b;
  v3[0] = 3;
  CHECK(refusal(v3).find("unknown genesis version 3") != std::string::npos);
  // Version 2 without imports is not canonical: it would hash as version 1.
  Bytes plain = test_genesis(1).encode();
  plain[0] = 2;
  plain.insert(plain.end(), {0, 0, 0, 0, 0, 0, 0, 0});
  CHECK(refusal(plain).find("that genesis is version 1") != std::string::npos);

  // Damaged bytes: refused or decoded, never a crash; whatever decodes
  // encodes back to the same bytes.
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    Bytes m = b;
    for (int k = 0, n = 1 + int(rng() % 3); k < n; ++k) m[rng() % m.size()] ^= uint8_t(1 + rng() % 255);
    auto d = Genesis::decode(m);
    if (d) CHECK(d->encode() == m);
  }
}

TEST_CASE("numledger import rir --compact: the same genesis hash as the JSON, and numledgerd starts on it") {
  TempDir dir("nl-genesis-compact-e2e");
  const std::string cli = NL_BIN_DIR "/numledger", daemon = NL_BIN_DIR "/numledgerd";
  auto key = run({cli, "key", "new", "--out", dir / "v.key", "--no-passphrase"});
  REQUIRE(key.code == 0);
  const std::string validator = key.out.substr(0, key.out.find('\n'));
  auto import = [&](const std::string& out, bool compact) {
    std::vector<std::string> argv{cli, "import", "rir", "--no-passphrase", data_file("delegated-afrinic-extended-20240105"), "--vrps",
                                  data_file("vrps-afrinic-20240101.json"), "--chain-id", "compact", "--validator",
                                  validator, "--keystore", dir / "ks", "--time", "1700000000", "--out", out};
    if (compact) argv.push_back("--compact");
    auto r = run(argv);
    REQUIRE_MESSAGE(r.code == 0, r.err);
    return r.out.substr(r.out.find("genesis hash ") + 13, 64);
  };
  const std::string json_hash = import(dir / "g.json", false);
  const std::string bin_hash = import(dir / "g.bin", true);  // the same keystore: the same accounts
  CHECK(json_hash == bin_hash);
  CHECK(std::filesystem::file_size(dir / "g.bin") * 4 < std::filesystem::file_size(dir / "g.json") * 3);

  const int port = free_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  Daemon d;
  d.start({daemon, "--home", dir / "home", "--genesis", dir / "g.bin", "--validator-key", dir / "v.key", "--listen",
           "127.0.0.1:" + std::to_string(port)},
          dir / "node.log");
  std::string hash;
  for (int i = 0; i < 300 && hash.empty(); ++i) {
    auto r = node::http_request(url, "GET", "/api/v1/status", "", std::chrono::seconds(2));
    if (r.ok() && r->status == 200) hash = nlohmann::json::parse(r->body)["genesis_hash"].get<std::string>();
    else std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK_MESSAGE(hash == bin_hash, d.log());
}
