// numledger export rir: the round trip import -> export gives back every
// allocated and assigned record of the real files; the exported file is a
// consistent statistics file itself; 7-field input comes back; and a ledger
// whose IPv6 holding a transfer split exports it as prefixes, from the
// ledger directory and from a node serving it.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "crypto/key_file.h"

#include "ledger/chain.h"
#include "ledger/interop/rir_import.h"
#include "support/fixtures.h"
#include "support/process.h"
#include "support/rir_data.h"

using namespace nl;
using namespace nl::ledger;
using namespace nl::test;

namespace {

const std::string kCli = NL_BIN_DIR "/numledger";

// The exported file agrees with itself: header count = summaries = lines.
void check_consistent(const std::string& path, const std::string& registry) {
  StatsFacts f = read_facts(path);
  uint64_t lines = 0, summaries = 0;
  for (const auto& [status, types] : f.by_status)
    for (const auto& [t, n] : types) lines += n;
  for (const auto& [t, n] : f.summary) summaries += n;
  CHECK(f.header_records == lines);
  CHECK(summaries == lines);
  TempDir ks("nl-export-ks");
  auto keys = RirKeystore::open(ks.path.string());
  REQUIRE(keys.ok());
  ImportOptions o;
  o.stats_files = {path};
  o.chain_id = "reimport";
  auto again = import_rir(o, *keys);
  REQUIRE(again.ok());
  CHECK(again->report.inconsistencies.empty());
  CHECK(again->report.files.at(0).registry == registry);
}

}  // namespace

TEST_CASE("export rir round trip on the real files: the same allocated and assigned records come back") {
  TempDir dir("nl-export");
  const std::string afr = data_file("delegated-afrinic-extended-20240105"),
                    lac = data_file("delegated-lacnic-extended-20240104");
  auto r = run({kCli, "import", "rir", "--no-passphrase", afr, lac, "--iana-ipv4", data_file("iana-ipv4-address-space.csv"),
                "--iana-ipv6", data_file("iana-ipv6-unicast-address-assignments.csv"), "--chain-id", "export-test",
                "--validator", seeded_account(100).to_string(), "--out", dir / "genesis.json", "--keystore",
                dir / "ks", "--time", "1704412800"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  for (const auto& [input, registry] : {std::pair{afr, "afrinic"}, std::pair{lac, "lacnic"}}) {
    CAPTURE(registry);
    const std::string out = dir / (std::string(registry) + ".txt");
    r = run({kCli, "export", "rir", "--registry", registry, "--genesis", dir / "genesis.json", "--out", out});
    REQUIRE_MESSAGE(r.code == 0, r.err);
    auto in = granted_records(input), back = granted_records(out);
    CHECK(in.size() > 8000);
    CHECK(back.size() == in.size());
    size_t missing = 0;
    for (const auto& rec : in)
      if (!back.count(rec) && ++missing <= 5) FAIL_CHECK("not exported: " << rec[3] << " " << rec[7]);
    CHECK(missing == 0);
    CHECK(back == in);
    // RIR order: version line, summaries, then asn, ipv4, ipv6 records by start.
    std::ifstream f(out);
    std::string first;
    std::getline(f, first);
    CHECK(first.rfind("2.3|" + std::string(registry) + "|20240105|" + std::to_string(in.size()) + "|", 0) == 0);
    check_consistent(out, registry);
  }
  // To standard output when no --out is given.
  r = run({kCli, "export", "rir", "--registry", "afrinic", "--genesis", dir / "genesis.json"});
  REQUIRE(r.code == 0);
  CHECK(r.out == slurp(dir / "afrinic.txt"));
  r = run({kCli, "export", "rir", "--genesis", dir / "genesis.json"});
  CHECK(r.code == 2);  // --registry is required
}

TEST_CASE("export rir: 7-field input comes back with an empty opaque-id") {
  TempDir dir("nl-export-7");
  const std::string arin = dir / "delegated-arin";
  write_text(arin,
             "2|arin|20240101|3|19700101|20240101|-0500\n"
             "arin|*|ipv4|*|2|summary\n"
             "arin|*|asn|*|1|summary\n"
             "arin|US|ipv4|3.0.0.0|16777216|19940501|allocated\n"
             "arin|US|ipv4|23.0.0.0|768|20100601|assigned\n"
             "arin|US|asn|1|1|19910101|assigned\n");
  auto r = run({kCli, "import", "rir", "--no-passphrase", arin, "--chain-id", "seven", "--validator", seeded_account(100).to_string(),
                "--out", dir / "g.json", "--keystore", dir / "ks"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  r = run({kCli, "export", "rir", "--registry", "arin", "--genesis", dir / "g.json", "--out", dir / "out.txt"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(granted_records(dir / "out.txt") == granted_records(arin));  // 8th field "" on both sides
  CHECK(slurp(dir / "out.txt").find("arin|US|ipv4|23.0.0.0|768|20100601|assigned|\n") != std::string::npos);
}

TEST_CASE("export rir from a ledger: an IPv6 holding split by a transfer comes out as prefixes") {
  TempDir dir("nl-export-ledger");
  const std::string stats = dir / "delegated-afrinic";
  write_text(stats,
             "2.3|afrinic|20240101|1|19700101|20240101|+0000\n"
             "afrinic|*|ipv6|*|1|summary\n"
             "afrinic|ZA|ipv6|2c0f:f000::|32|20100101|allocated|ORGA\n");
  TempDir ks("nl-export-ks");
  auto keys = RirKeystore::open(ks.path.string());
  REQUIRE(keys.ok());
  ImportOptions o;
  o.stats_files = {stats};
  o.iana_ipv6 = data_file("iana-ipv6-unicast-address-assignments.csv");
  o.chain_id = kTestChain;
  o.validators = {seeded_account(100)};
  o.genesis_time = 1700000000;
  auto res = import_rir(o, *keys);
  REQUIRE(res.ok());
  REQUIRE(res->genesis.save(dir / "g.json").ok());

  const AccountId a = keys->find("afrinic-ORGA").value(), b = keys->account("afrinic-ORGB");
  Transaction tx;
  tx.chain_id = kTestChain;
  tx.genesis_hash = res->genesis.hash();
  tx.signer = a;
  tx.nonce = 1;
  tx.body = TransferBody{Resource::parse("2c0f:f000:1::/48").value(), b};
  tx.sign(keys->key(a).value());
  tx.sign(keys->key(b).value());
  {
    auto chain = Chain::open(dir / "ledger", res->genesis);
    REQUIRE(chain.ok());
    PreparedBlock p = (*chain)->propose({tx}, 1704067200, seeded_key(100).public_key(), SignatureCheck::verify);
    REQUIRE(p.rejected.empty());
    REQUIRE((*chain)->commit(p, certify(p.block, {100}, res->genesis.hash())).ok());
  }
  auto r = run({kCli, "export", "rir", "--registry", "afrinic", "--genesis", dir / "g.json", "--data-dir",
                dir / "ledger", "--out", dir / "out.txt"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  const std::string text = slurp(dir / "out.txt");
  // ORGA keeps 2c0f:f000::/48 and 2c0f:f000:2::-2c0f:f000:ffff:...: as the
  // prefixes /47, /46, ..., /33, all with the 2010 registration. ORGB holds
  // the /48 it got; no set-metadata changed the handle, so it still names
  // ORGA's registration. After set-metadata to its own handle it dates from
  // its block (2024-01-01).
  CHECK(text.find("afrinic|ZA|ipv6|2c0f:f000::|48|20100101|allocated|ORGA\n") != std::string::npos);
  CHECK(text.find("afrinic|ZA|ipv6|2c0f:f000:1::|48|20100101|allocated|ORGA\n") != std::string::npos);
  CHECK(text.find("afrinic|ZA|ipv6|2c0f:f000:2::|47|20100101|allocated|ORGA\n") != std::string::npos);
  CHECK(text.find("afrinic|ZA|ipv6|2c0f:f000:8000::|33|20100101|allocated|ORGA\n") != std::string::npos);
  auto recs = granted_records(dir / "out.txt");
  CHECK(recs.size() == 1 + 1 + 15);  // /48 kept, /48 moved, /47../33
  check_consistent(dir / "out.txt", "afrinic");

  Transaction meta;
  meta.chain_id = kTestChain;
  meta.genesis_hash = res->genesis.hash();
  meta.signer = b;
  meta.nonce = 1;
  meta.body = SetMetadataBody{Resource::parse("2c0f:f000:1::/48").value(), Metadata{"", "ZA", "afrinic", "ORGB", ""}};
  meta.sign(keys->key(b).value());
  {
    auto chain = Chain::open(dir / "ledger", res->genesis);
    REQUIRE(chain.ok());
    PreparedBlock p = (*chain)->propose({meta}, 1704153600, seeded_key(100).public_key(), SignatureCheck::verify);
    REQUIRE(p.rejected.empty());
    REQUIRE((*chain)->commit(p, certify(p.block, {100}, res->genesis.hash())).ok());
  }
  r = run({kCli, "export", "rir", "--registry", "afrinic", "--genesis", dir / "g.json", "--data-dir", dir / "ledger"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.find("afrinic|ZA|ipv6|2c0f:f000:1::|48|20240101|allocated|ORGB\n") != std::string::npos);

  // A node serving that ledger gives the same records through its API.
  REQUIRE(crypto::save_key_file(dir / "v.key", seeded_key(100), std::nullopt).ok());
  const std::string listen = "127.0.0.1:" + std::to_string(free_port()), url = "http://" + listen;
  Daemon node;
  node.start({NL_BIN_DIR "/numledgerd", "--home", dir.path.string(), "--genesis", dir / "g.json", "--validator-key",
              dir / "v.key", "--listen", listen, "--block-interval", "3600"},
             dir / "node.log");
  auto from_node = run({kCli, "export", "rir", "--registry", "afrinic", "--node", url});
  for (int i = 0; i < 200 && from_node.err.find("cannot") != std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the node is still starting
    from_node = run({kCli, "export", "rir", "--registry", "afrinic", "--node", url});
  }
  REQUIRE_MESSAGE(from_node.code == 0, from_node.err, node.log());
  auto body = [](const std::string& t) { return t.substr(t.find('\n') + 1); };  // past the dated version line
  CHECK(body(from_node.out) == body(r.out));

  auto bad = run({kCli, "export", "rir", "--registry", "AFRINIC!", "--node", url});
  CHECK(bad.code == 1);
  CHECK(bad.err.find("registry must be") != std::string::npos);
  bad = run({kCli, "export", "rir", "--registry", "afrinic"}, {"NUMLEDGER_NODE="});
  CHECK(bad.code == 2);
  CHECK(bad.err.find("name a node") != std::string::npos);
}
