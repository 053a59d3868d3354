// RDAP and whois on a ledger imported from an RIR statistics file, as
// network engineers read them: a holding from the genesis is registered on
// the RIR's date and a later one at its block's time (the same dates
// `export rir` gives); space only the whole-family root covers is
// unregistered (RDAP 404, whois %ERROR:101); whois finds holdings by
// handle, accounts, and imported organisation ids, with -r and -T.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "crypto/key_file.h"
#include "ledger/chain.h"
#include "ledger/interop/rir_import.h"
#include "node/client/http_client.h"
#include "support/fixtures.h"
#include "support/node_wait.h"
#include "support/rdap_events.h"
#include "support/process.h"
#include "support/rir_data.h"

using namespace nl;
using namespace nl::ledger;
using namespace nl::test;
using nlohmann::json;

namespace {

const std::string kCli = NL_BIN_DIR "/numledger";
const std::string kWhoisClient = "/usr/bin/whois";
constexpr uint64_t kGenesisTime = 1700000000;  // 2023-11-14T22:13:20Z
constexpr uint64_t kBlockTime = 1704067200;    // 2024-01-01T00:00:00Z

struct ImportedNode {
  TempDir dir{"nl-rdap-imported"};
  const int port = free_port(), whois_port = free_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  Daemon node;
  AccountId orga, orgb;

  // afrinic's ORGA holds 41.0.0.0/22 (2008) and 2c0f:f000::/32 (2010),
  // ORGB AS36864 (2007); block 1 delegates 41.0.1.0/24 out of ORGA's /22.
  ImportedNode() {
    const std::string stats = dir / "delegated-afrinic";
    write_text(stats,
               "2.3|afrinic|20240101|3|19700101|20240101|+0000\n"
               "afrinic|*|asn|*|1|summary\n"
               "afrinic|*|ipv4|*|1|summary\n"
               "afrinic|*|ipv6|*|1|summary\n"
               "afrinic|MU|asn|36864|1|20070101|assigned|ORGB\n"
               "afrinic|ZA|ipv4|41.0.0.0|1024|20080514|allocated|ORGA\n"
               "afrinic|ZA|ipv6|2c0f:f000::|32|20100101|allocated|ORGA\n");
    TempDir ks("nl-rdap-ks");
    auto keys = RirKeystore::open(ks.path.string());
    REQUIRE(keys.ok());
    ImportOptions o;
    o.stats_files = {stats};
    o.iana_ipv4 = data_file("iana-ipv4-address-space.csv");
    o.iana_ipv6 = data_file("iana-ipv6-unicast-address-assignments.csv");
    o.chain_id = kTestChain;
    o.validators = {seeded_account(100)};
    o.genesis_time = kGenesisTime;
    auto res = import_rir(o, *keys);
    REQUIRE_MESSAGE(res.ok(), res.error());
    REQUIRE(res->genesis.save(dir / "g.json").ok());
    orga = keys->find("afrinic-ORGA").value();
    orgb = keys->find("afrinic-ORGB").value();

    Transaction tx;
    tx.chain_id = kTestChain;
    tx.genesis_hash = res->genesis.hash();
    tx.signer = orga;
    tx.nonce = 1;
    tx.body = DelegateBody{Resource::parse("41.0.1.0/24").value(), orgb, HoldingKind::assignment, 0};
    tx.sign(keys->key(orga).value());
    {
      auto chain = Chain::open((dir.path / "home" / "ledger").string(), res->genesis);
      REQUIRE(chain.ok());
      PreparedBlock p = (*chain)->propose({tx}, kBlockTime, seeded_key(100).public_key(), SignatureCheck::verify);
      REQUIRE(p.rejected.empty());
      REQUIRE((*chain)->commit(p, certify(p.block, {100}, res->genesis.hash())).ok());
    }
    REQUIRE(crypto::save_key_file(dir / "v.key", seeded_key(100), std::nullopt).ok());
    node.start({NL_BIN_DIR "/numledgerd", "--home", dir / "home", "--genesis", dir / "g.json", "--validator-key",
                dir / "v.key", "--listen", "127.0.0.1:" + std::to_string(port), "--whois-listen",
                "127.0.0.1:" + std::to_string(whois_port), "--block-interval", "3600"},
               dir / "node.log");
    if (!api_answers(url)) FAIL("node did not come up: " << node.log());
  }

  std::pair<unsigned, json> rdap(const std::string& target) {
    auto r = node::http_request(url, "GET", target, "", std::chrono::seconds(10));
    REQUIRE_MESSAGE(r.ok(), target);
    json body = json::parse(r->body, nullptr, false);
    REQUIRE_MESSAGE(!body.is_discarded(), target << ": " << r->body);
    return {r->status, body};
  }

  std::string whois(const std::string& query) {
    auto r = run({kWhoisClient, "-h", "127.0.0.1", "-p", std::to_string(whois_port), "--", query});
    CAPTURE(query);
    CHECK_MESSAGE(r.code == 0, r.err);
    return r.out;
  }
};

// The values of one attribute, in order; "%" lines skipped.
std::vector<std::string> values(const std::string& text, const std::string& name) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + ":", 0) != 0) continue;
    auto v = line.substr(name.size() + 1);
    v.erase(0, v.find_first_not_of(' '));
    out.push_back(v);
  }
  return out;
}

}  // namespace

TEST_CASE("RDAP and whois date an imported holding by the RIR and a later one by its block") {
  ImportedNode n;
  auto [status, orga] = n.rdap("/rdap/ip/41.0.0.1");
  REQUIRE_MESSAGE(status == 200, orga.dump());
  CHECK(orga["startAddress"] == "41.0.0.0");
  CHECK(orga["endAddress"] == "41.0.3.255");
  CHECK(event(orga, "registration")["eventDate"] == "2008-05-14T00:00:00Z");
  CHECK(event(orga, "registration")["numledger_height"] == 0);
  CHECK(event(orga, "registration")["numledger_dateSource"] == "afrinic");
  // Never rewritten since the import: its last change is the genesis.
  CHECK(event(orga, "last changed")["eventDate"] == "2023-11-14T22:13:20Z");
  CHECK(event(orga, "last changed")["numledger_height"] == 0);

  auto [s2, delegated] = n.rdap("/rdap/ip/41.0.1.1");
  REQUIRE(s2 == 200);
  CHECK(delegated["startAddress"] == "41.0.1.0");
  CHECK(event(delegated, "registration")["eventDate"] == "2024-01-01T00:00:00Z");
  CHECK(event(delegated, "registration")["numledger_height"] == 1);
  CHECK(!event(delegated, "registration").contains("numledger_dateSource"));
  CHECK(delegated["parentHandle"] == orga["handle"]);

  auto [s3, asn] = n.rdap("/rdap/autnum/36864");
  REQUIRE(s3 == 200);
  CHECK(event(asn, "registration")["eventDate"] == "2007-01-01T00:00:00Z");
  auto [s4, v6] = n.rdap("/rdap/ip/2c0f:f000::/48");
  REQUIRE(s4 == 200);
  CHECK(event(v6, "registration")["eventDate"] == "2010-01-01T00:00:00Z");

  // IANA's designation to AFRINIC has no date of its own: the genesis time.
  auto [s5, designation] = n.rdap("/rdap/ip/41.200.0.1");
  REQUIRE(s5 == 200);
  CHECK(designation["startAddress"] == "41.0.0.0");
  CHECK(designation["endAddress"] == "41.255.255.255");
  CHECK(event(designation, "registration")["eventDate"] == "2023-11-14T22:13:20Z");
  // Its parent is the whole-family root, which is no registration.
  CHECK(!designation.contains("parentHandle"));
  for (const auto& l : designation["links"]) CHECK(l["rel"] != "up");

  // whois shows the same dates.
  const std::string w = n.whois("41.0.0.1");
  CAPTURE(w);
  REQUIRE(values(w, "created").size() == 1);
  CHECK(values(w, "created")[0].rfind("2008-05-14T00:00:00Z (afrinic registration date", 0) == 0);
  CHECK(values(n.whois("41.0.1.1"), "created").at(0) == "2024-01-01T00:00:00Z (height 1)");

  // export rir reads its dates from the same place.
  auto ex = run({kCli, "export", "rir", "--registry", "afrinic", "--node", n.url});
  REQUIRE_MESSAGE(ex.code == 0, ex.err);
  CHECK(ex.out.find("afrinic|ZA|ipv4|41.0.0.0|1024|20080514|allocated|ORGA\n") != std::string::npos);
}

TEST_CASE("space only the whole-family root covers is unregistered: RDAP 404, whois no entries") {
  ImportedNode n;
  for (auto t : {"/rdap/ip/10.0.0.1", "/rdap/ip/0.0.0.0/0", "/rdap/ip/fc00::1", "/rdap/autnum/64512"}) {
    CAPTURE(t);
    auto [status, body] = n.rdap(t);
    CHECK(status == 404);
    CHECK(body["errorCode"] == 404);
    CHECK(body["title"] == "Not Found");
    CHECK(!body.contains("objectClassName"));
    CHECK(body.dump().find("0.0.0.0 - 255.255.255.255") == std::string::npos);
  }
  for (auto q : {"10.0.0.1", "0.0.0.0/0", "fc00::1", "AS64512"}) {
    const std::string out = n.whois(q);
    CAPTURE(out);
    CHECK(out.find("%ERROR:101: no entries found") != std::string::npos);
    CHECK(values(out, "inetnum").empty());
    CHECK(values(out, "inet6num").empty());
    CHECK(values(out, "as-block").empty());
  }
  // Registered space still answers.
  CHECK(n.rdap("/rdap/ip/41.0.0.1").first == 200);
  CHECK(values(n.whois("41.0.0.1"), "inetnum").size() == 1);
}

TEST_CASE("whois finds holdings by handle, accounts and organisation ids, with -r and -T") {
  REQUIRE_MESSAGE(std::filesystem::exists(kWhoisClient), "the Debian whois client is missing: apt-get install whois");
  ImportedNode n;
  const std::string handle = n.rdap("/rdap/ip/41.0.0.1").second["handle"];
  const std::string orga = n.orga.to_string(), orgb = n.orgb.to_string();

  {
    INFO("a handle, with its holder's organisation object");
    for (std::string key : {handle, std::string("nlh-") + handle.substr(4)}) {
      const std::string out = n.whois(key);
      CAPTURE(out);
      CHECK(values(out, "inetnum") == std::vector<std::string>{"41.0.0.0 - 41.0.3.255"});
      CHECK(values(out, "handle") == std::vector<std::string>{handle});
      CHECK(values(out, "organisation") == std::vector<std::string>{orga});
      CHECK(values(out, "holdings") == std::vector<std::string>{"2"});
      auto held = values(out, "holding");
      REQUIRE(held.size() == 2);
      CHECK(held[0].find("41.0.0.0 - 41.0.3.255 (afrinic-ORGA)") != std::string::npos);
    }
    CHECK(n.whois("NLH-999999").find("%ERROR:101: no entries found") != std::string::npos);
  }
  {
    INFO("-r leaves the organisation out; -T keeps only the types asked for");
    std::string out = n.whois("-r " + handle);
    CHECK(values(out, "inetnum").size() == 1);
    CHECK(values(out, "organisation").empty());
    out = n.whois("--no-referenced 41.0.1.1");
    CHECK(values(out, "inetnum") == std::vector<std::string>{"41.0.1.0 - 41.0.1.255"});
    CHECK(values(out, "organisation").empty());
    out = n.whois("-T organisation 41.0.1.1");
    CHECK(values(out, "inetnum").empty());
    CHECK(values(out, "organisation") == std::vector<std::string>{orgb});
    out = n.whois("-Tinetnum,aut-num 41.0.1.1");
    CHECK(values(out, "inetnum").size() == 1);
    CHECK(values(out, "organisation").empty());
    out = n.whois("-rT aut-num AS36864");
    CHECK(values(out, "aut-num") == std::vector<std::string>{"AS36864"});
    CHECK(values(out, "organisation").empty());
    out = n.whois("-T aut-num 41.0.1.1");
    CHECK(out.find("%ERROR:101: no entries found") != std::string::npos);
    CHECK(values(out, "inetnum").empty());
  }
  {
    INFO("accounts and imported organisation ids");
    std::string out = n.whois(orga);
    CHECK(values(out, "organisation") == std::vector<std::string>{orga});
    CHECK(values(out, "holdings") == std::vector<std::string>{"2"});
    CHECK(values(out, "inetnum").empty());
    for (auto key : {"afrinic-ORGA", "AFRINIC-orga"}) {
      out = n.whois(key);
      CAPTURE(out);
      CHECK(values(out, "organisation") == std::vector<std::string>{orga});
    }
    CHECK(values(n.whois("afrinic-ORGB"), "organisation") == std::vector<std::string>{orgb});
    CHECK(n.whois("afrinic-NOPE").find("%ERROR:101: no entries found") != std::string::npos);
    // A well-formed account the ledger has never seen.
    CHECK(n.whois(seeded_account(77).to_string()).find("%ERROR:101: no entries found") != std::string::npos);
  }
  {
    INFO("bad flags get RIPE's errors");
    std::string out = n.whois("-B 41.0.0.1");
    CHECK(out.find("%ERROR:111: invalid option supplied") != std::string::npos);
    CHECK(out.find("\"-B\"") != std::string::npos);
    CHECK(n.whois("--brief 41.0.0.1").find("%ERROR:111: invalid option supplied") != std::string::npos);
    CHECK(n.whois("-T 41.0.0.1").find("%ERROR:103: unknown object type") != std::string::npos);
    out = n.whois("-T route 41.0.0.1");
    CHECK(out.find("%ERROR:103: unknown object type") != std::string::npos);
    CHECK(out.find("\"route\" is not a known object type") != std::string::npos);
    CHECK(n.whois("-r -r 41.0.0.1").find("%ERROR:110: multiple use of flag") != std::string::npos);
    CHECK(n.whois("-T inetnum -T aut-num 41.0.0.1").find("%ERROR:110: multiple use of flag") != std::string::npos);
    CHECK(n.whois("-r").find("%ERROR:106: no search key specified") != std::string::npos);
    // "A - B" ranges still read as ranges, not flags.
    CHECK(values(n.whois("41.0.1.0 - 41.0.1.255"), "inetnum") == std::vector<std::string>{"41.0.1.0 - 41.0.1.255"});
  }
}
