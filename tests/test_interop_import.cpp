// Importing institutional data: the real RIR files in ../shared/data (counts
// checked against the files' own header and summary lines and the data
// README), crafted files with every kind of inconsistency, the format
// variants, the genesis that holds the imported tree, and numledgerd
// serving it.
#include <doctest/doctest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "crypto/key_file.h"
#include "ledger/genesis.h"
#include "ledger/registry.h"
#include "ledger/interop/rir_import.h"
#include "node/client/http_client.h"
#include "support/fixtures.h"
#include "support/process.h"
#include "support/rir_data.h"

using namespace nl;
using namespace nl::ledger;
using namespace nl::test;
using nlohmann::json;

namespace {

const std::string kCli = NL_BIN_DIR "/numledger";
const std::string kNode = NL_BIN_DIR "/numledgerd";

// Every holding of the tree, depth first.
void flatten(const std::vector<GenesisHolding>& hs, std::vector<const GenesisHolding*>& out) {
  for (const auto& h : hs) {
    out.push_back(&h);
    flatten(h.children, out);
  }
}

const GenesisHolding* find_holding(const Genesis& g, const std::string& range) {
  std::vector<const GenesisHolding*> all;
  flatten(g.holdings, all);
  for (auto* h : all)
    if (h->range.to_string() == range) return h;
  return nullptr;
}

uint64_t left_out(const ImportReport& r) {
  uint64_t n = 0;
  for (const auto& i : r.inconsistencies)
    if ((i.kind == "overlap" || i.kind == "duplicate" || i.kind == "outside-iana") &&
        i.detail.find("left out") != std::string::npos)
      ++n;
  return n;
}

}  // namespace

TEST_CASE("real files: every record counted, and the counts agree with the files' own header and summary lines") {
  const std::vector<std::pair<std::string, uint64_t>> files = {
      {"delegated-afrinic-extended-20240105", 15814},  // record counts from shared/data/README.md
      {"delegated-afrinic-extended-20230323", 15019},
      {"delegated-lacnic-extended-20240104", 88619}};
  for (const auto& [name, readme_records] : files) {
    CAPTURE(name);
    const std::string path = data_file(name);
    const StatsFacts facts = read_facts(path);
    CHECK(facts.header_records == readme_records);
    TempDir dir("nl-import");
    auto keys = RirKeystore::open(dir / "ks");
    REQUIRE(keys.ok());
    ImportOptions o = import_options({path});
    if (name == "delegated-afrinic-extended-20240105") o.vrp_files = {data_file("vrps-afrinic-20240101.json")};
    auto res = import_rir(o, *keys);
    REQUIRE_MESSAGE(res.ok(), (res.ok() ? "" : res.error()));
    const ImportReport& rep = res->report;

    REQUIRE(rep.files.size() == 1);
    const FileReport& fr = rep.files[0];
    CHECK(fr.declared_records == readme_records);
    CHECK(fr.record_lines == readme_records);
    const std::string registry = name.substr(10, name.find("-extended") - 10);
    CHECK(fr.registry == registry);
    for (Family f : {Family::ipv4, Family::ipv6, Family::asn}) {
      const std::string t(family_name(f));
      CAPTURE(t);
      CHECK(fr.declared.get(f) == facts.summary.at(t));
      CHECK(fr.found.get(f) == facts.summary.at(t));
      // allocated + assigned + available + reserved = the summary line
      const uint64_t granted = rep.records.at(registry).get(f);
      const uint64_t available = rep.available.count(registry) ? rep.available.at(registry).get(f) : 0;
      const uint64_t reserved = rep.reserved.count(registry) ? rep.reserved.at(registry).get(f) : 0;
      CHECK(granted + available + reserved == facts.summary.at(t));
      auto lines = [&](const char* status) {
        auto s = facts.by_status.find(status);
        if (s == facts.by_status.end() || !s->second.count(t)) return uint64_t{0};
        return s->second.at(t);
      };
      CHECK(granted == lines("allocated") + lines("assigned"));
      CHECK(available == lines("available"));
      CHECK(reserved == lines("reserved"));
    }
    // Real files are well-formed and their counts agree with themselves.
    for (const auto& i : rep.inconsistencies) {
      CAPTURE(i.detail);
      CHECK(i.kind != "malformed");
      CHECK(i.kind != "truncated");
      CHECK(i.kind != "header-count-mismatch");
      CHECK(i.kind != "summary-count-mismatch");
    }
    // Every granted record is a holding or a reported omission.
    CHECK(rep.record_holdings + left_out(rep) == rep.records.at(registry).total());
    // As a node counts them (issue 19: the two once differed by the roots).
    CHECK(res->genesis.holding_count() + res->genesis.roots.size() == rep.holdings());
    CHECK(rep.root_holdings == 3);
    CHECK(rep.designation_holdings > 0);
    if (!o.vrp_files.empty()) {
      CHECK(rep.vrps == 9760);  // README
      uint64_t vrp_issues = 0;
      for (const auto& i : rep.inconsistencies)
        if (i.kind.rfind("vrp-", 0) == 0) ++vrp_issues;
      CHECK(rep.authorizations > 0);
      CHECK(rep.authorizations + vrp_issues == rep.vrps);
      CHECK(res->genesis.authorizations.size() == rep.authorizations);
    }
  }
}

TEST_CASE("crafted files: overlaps, duplicates, outside-IANA records, malformed and cut lines, wrong counts") {
  TempDir dir("nl-import-crafted");
  const std::string bad = dir / "delegated-afrinic-crafted";
  write_text(bad,
             "# crafted: every line number below is asserted\n"                     // 1
             "2|afrinic|20240101|9|19700101|20240101|+0000\n"                       // 2: 10 record lines follow
             "afrinic|*|ipv4|*|7|summary\n"                                         // 3: 9 ipv4 lines follow
             "afrinic|*|asn|*|1|summary\n"                                          // 4
             "afrinic|ZA|ipv4|41.0.0.0|1024|20200101|allocated|ORG1\n"              // 5
             "afrinic|ZA|ipv4|41.0.2.0|1024|20200102|assigned|ORG2\n"               // 6: overlaps 5
             "afrinic|ZA|ipv4|41.0.0.0|1024|20200101|allocated|ORG1\n"              // 7: repeats 5
             "afrinic|ZA|ipv4|10.0.0.0|256|20200101|allocated|ORG3\n"               // 8: IANA private use
             "afrinic|ZA|ipv4|2.0.0.0|256|20200101|allocated|ORG4\n"                // 9: RIPE NCC's 2/8
             "afrinic|ZA|ipv4|41.255.255.0|512|20200101|allocated|ORG5\n"           // 10: straddles 41/8-42/8
             "afrinic|ZA|ipv4|41.1.0.0|many|20200101|allocated|ORG6\n"              // 11: malformed
             "\n"                                                                   // 12
             "afrinic|ZA|asn|37000|1|20200101|allocated|ORG7\n"                     // 13
             "afrinic|ZA|ipv4|41.2.0.0|3|20200101|allocated|ORG8\n"                 // 14: three addresses
             "afrinic|ZA|ipv4|41.3.0.0|2");                                         // 15: cut
  TempDir ks("nl-ks");
  auto keys = RirKeystore::open(ks.path.string());
  REQUIRE(keys.ok());
  auto res = import_rir(import_options({bad}), *keys);
  REQUIRE(res.ok());
  const ImportReport& r = res->report;
  std::string all;
  for (const auto& i : r.inconsistencies) all += i.kind + " " + i.file + ":" + std::to_string(i.line) + " " + i.detail + "\n";
  INFO(all);
  CHECK(has_issue(r, "header-count-mismatch", bad, 2, "declares 9 records but the file holds 10"));
  CHECK(has_issue(r, "summary-count-mismatch", bad, 3, "declares 7 ipv4 records but the file holds 9"));
  CHECK(has_issue(r, "overlap", bad, 6, "41.0.0.0/22"));
  CHECK(has_issue(r, "duplicate", bad, 7, "repeats 41.0.0.0/22"));
  CHECK(has_issue(r, "outside-iana", bad, 8, "imported under the IANA root"));
  CHECK(has_issue(r, "outside-iana", bad, 9, "designates to ripencc"));
  CHECK(has_issue(r, "outside-iana", bad, 10, "left out"));
  CHECK(has_issue(r, "malformed", bad, 11, "many"));
  CHECK(has_issue(r, "truncated", bad, 15));
  CHECK(r.inconsistencies.size() == 9);

  // What was kept: lines 5, 8, 9, 13, 14; the three-address range stays exact.
  CHECK(r.record_holdings == 5);
  const Genesis& g = res->genesis;
  CHECK(find_holding(g, "41.0.0.0/22") != nullptr);
  CHECK(find_holding(g, "41.0.2.0/23") == nullptr);
  const GenesisHolding* odd = find_holding(g, "41.2.0.0-41.2.0.2");
  REQUIRE(odd != nullptr);
  CHECK(odd->holder == keys->find("afrinic-ORG8").value());
  CHECK(odd->meta.source_handle == "ORG8");
  CHECK(odd->registered == "20200101");
  // 10/8 is IANA's: the record sits directly under the root; 2.0.0.0/24
  // under RIPE NCC's designation.
  for (const auto& top : g.holdings) {
    if (top.range.to_string() == "10.0.0.0/24") CHECK(top.meta.source_handle == "ORG3");
    if (top.range.to_string() == "2.0.0.0/8") {
      REQUIRE(top.children.size() == 1);
      CHECK(top.children[0].range.to_string() == "2.0.0.0/24");
    }
  }
  CHECK(find_holding(g, "10.0.0.0/24") != nullptr);
}

TEST_CASE("format variants: 7-field files, the NRO combined file with extra fields, several registries, no IANA CSVs") {
  TempDir dir("nl-import-forms");
  const std::string nro = dir / "delegated-nro-extended", arin = dir / "delegated-arin";
  write_text(nro,
             "2.3|nro|20240101|4|19700101|20240101|+0000\n"
             "nro|*|ipv4|*|3|summary\n"
             "nro|*|asn|*|1|summary\n"
             "afrinic|ZA|ipv4|41.10.0.0|256|20200101|allocated|ORGA|e-stats|more\n"
             "lacnic|BR|ipv4|200.0.0.0|256|20200101|assigned|ORGB\n"
             "apnic|AU|ipv4|1.0.0.0|256|20110811|allocated|A91872ED|e-stats\n"
             "ripencc|NL|asn|3333|1|19930901|allocated|xyz\n");
  write_text(arin,
             "2|arin|20240101|2|19700101|20240101|-0500\n"
             "arin|*|ipv4|*|1|summary\n"
             "arin|*|asn|*|1|summary\n"
             "arin|US|ipv4|3.0.0.0|16777216|19940501|allocated\n"
             "arin|US|asn|1|1|19910101|assigned\n");
  TempDir ks("nl-ks");
  auto keys = RirKeystore::open(ks.path.string());
  REQUIRE(keys.ok());

  auto res = import_rir(import_options({nro, arin}), *keys);
  REQUIRE(res.ok());
  const ImportReport& r = res->report;
  std::string all;
  for (const auto& i : r.inconsistencies) all += i.kind + " " + i.file + ":" + std::to_string(i.line) + " " + i.detail + "\n";
  INFO(all);
  CHECK(r.inconsistencies.empty());
  CHECK(r.record_holdings == 6);
  CHECK(r.records.at("afrinic").ipv4 == 1);
  CHECK(r.records.at("ripencc").asn == 1);
  CHECK(r.records.at("arin").total() == 2);
  const GenesisHolding* legacy = find_holding(res->genesis, "3.0.0.0/8");
  REQUIRE(legacy != nullptr);  // ARIN's designation of 3/8 (legacy, administered by ARIN)...
  REQUIRE(legacy->children.size() == 1);  // ...holding the record of the same range
  CHECK(legacy->holder == keys->find("arin").value());
  CHECK(legacy->children[0].holder == keys->find("arin-US-19940501").value());  // no opaque-id: registry+cc+date
  const GenesisHolding* b = find_holding(res->genesis, "200.0.0.0/24");
  REQUIRE(b != nullptr);
  CHECK(b->kind == HoldingKind::assignment);
  CHECK(b->holder == keys->find("lacnic-ORGB").value());

  // Without IANA's CSVs every record sits directly under a whole-family root.
  auto bare = import_rir(import_options({nro, arin}, false), *keys);
  REQUIRE(bare.ok());
  CHECK(bare->report.designation_holdings == 0);
  CHECK(bare->genesis.holdings.size() == 6);
  REQUIRE(bare->genesis.roots.size() == 3);
  CHECK(bare->genesis.roots[0].range.to_string() == "0.0.0.0/0");
  CHECK(bare->genesis.roots[1].range.to_string() == "::/0");
  CHECK(bare->genesis.roots[2].range.to_string() == "AS0-AS4294967295");
  CHECK(bare->genesis.holdings[0].holder == keys->find("apnic-A91872ED").value());
}

TEST_CASE("genesis with imported holdings: JSON round trip, the hash covers every field, bad trees refused") {
  Genesis g = test_genesis(1);
  const crypto::Hash32 plain = g.hash();
  // Without imports the encoding (and so the hash) is version 1, as before imports existed.
  Writer w;
  w.u8(1).str(g.chain_id).u64(g.genesis_time);
  g.validators.encode(w);
  w.count(1);
  g.roots[0].range.encode(w);
  g.roots[0].holder.encode(w);
  g.roots[0].meta.encode(w);
  CHECK(plain == crypto::tagged_hash("numledger/genesis/v1", w.data()));

  add_example_imports(g);
  const crypto::Hash32 full = g.hash();
  CHECK(full != plain);
  auto back = Genesis::from_json(g.to_json());
  REQUIRE(back.ok());
  CHECK(back->holdings == g.holdings);
  CHECK(back->authorizations == g.authorizations);
  CHECK(back->hash() == full);
  // Each field moves the hash.
  for (int field = 0; field < 6; ++field) {
    Genesis m = g;
    GenesisHolding& h = m.holdings[0];
    if (field == 0) h.children[0].range.last += 1;
    if (field == 1) h.holder = seeded_account(9);
    if (field == 2) h.children[0].kind = HoldingKind::allocation;
    if (field == 3) h.meta.source_handle = "X";
    if (field == 4) h.registered = "20071127";
    if (field == 5) m.authorizations[0].max_length = 25;
    CAPTURE(field);
    CHECK(m.hash() != full);
  }

  auto load = [](const Genesis& x) -> Status {
    Registry reg(x.chain_id, x.hash());
    for (const auto& r : x.roots)
      if (auto s = reg.add_root(r.range, r.holder, r.meta); !s) return s;
    if (auto s = reg.add_genesis_imports(x); !s) return s;
    return reg.check_invariants();
  };
  CHECK(load(g).ok());
  auto refused = [&](auto&& edit, const std::string& reason) {
    Genesis m = g;
    edit(m);
    Status s = load(m);
    CAPTURE(reason);
    REQUIRE_FALSE(s.ok());
    CHECK_MESSAGE(s.error().find(reason) != std::string::npos, s.error());
  };
  refused([](Genesis& m) { m.holdings[0].children[0].range = Resource::parse("10.2.0.0/24").value(); },
          "is not inside its parent");
  refused([](Genesis& m) { m.holdings.push_back(m.holdings[0]); }, "overlaps its sibling");
  refused([](Genesis& m) { m.holdings[0].range = Resource::parse("11.0.0.0/16").value(); }, "lies in no root");
  refused([](Genesis& m) { m.authorizations[0].issuer = seeded_account(3); }, "does not control the prefix");
  refused([](Genesis& m) { m.authorizations[0].max_length = 8; }, "maxLength must lie between");
  refused([](Genesis& m) { m.holdings[0].kind = HoldingKind::lease; }, "can't be leases");

  // Hostile JSON: deep nesting and bad fields are errors, not crashes.
  std::string deep = "{\"resource\":\"10.1.0.0/16\",\"holder\":\"" + seeded_account(2).to_string() + "\"";
  std::string open, close;
  for (int i = 0; i < 40; ++i) {
    open += deep + ",\"children\":[";
    close += "]}";
  }
  json j = json::parse(test_genesis(1).to_json());
  std::string text = j.dump();
  text.pop_back();
  text += ",\"holdings\":[" + open + deep + "}" + close + "]}";
  auto deep_g = Genesis::from_json(text);
  REQUIRE_FALSE(deep_g.ok());
  CHECK(deep_g.error().find("nested deeper") != std::string::npos);
  json bad = json::parse(g.to_json());
  bad["holdings"][0]["registered"] = "2007-11-26";
  CHECK(Genesis::from_json(bad.dump()).error().find("YYYYMMDD") != std::string::npos);
  bad = json::parse(g.to_json());
  bad["authorizations"][0]["asn"] = uint64_t{1} << 33;
  CHECK_MESSAGE(Genesis::from_json(bad.dump()).error().find("not a whole number in 0-4294967295") != std::string::npos, Genesis::from_json(bad.dump()).error());
}

TEST_CASE("numledger import rir on every real file, then numledgerd serves the imported genesis") {
  TempDir dir("nl-import-e2e");
  const std::string afr = data_file("delegated-afrinic-extended-20240105"),
                    lac = data_file("delegated-lacnic-extended-20240104");
  const std::string validator = seeded_account(100).to_string();
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run({kCli, "import", "rir", "--no-passphrase", afr, lac, "--iana-ipv4", data_file("iana-ipv4-address-space.csv"),
                "--iana-ipv6", data_file("iana-ipv6-unicast-address-assignments.csv"), "--vrps",
                data_file("vrps-afrinic-20240101.json"), "--chain-id", "rir-e2e", "--validator", validator, "--out",
                dir / "genesis.json", "--keystore", dir / "ks", "--report", dir / "report.json"});
  const double import_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE_MESSAGE(r.code == 0, r.err);
  MESSAGE("import of afrinic + lacnic + IANA + VRPs: " << import_s << " s wall\n" << r.out);
  CHECK(r.out.find("inconsistencies:") != std::string::npos);
  json rep = json::parse(slurp(dir / "report.json"));
  for (const auto& [name, registry] : {std::pair{afr, "afrinic"}, std::pair{lac, "lacnic"}}) {
    StatsFacts f = read_facts(name);
    for (const char* t : {"ipv4", "ipv6", "asn"})
      CHECK(rep["records"][registry][t].get<uint64_t>() == f.by_status["allocated"][t] + f.by_status["assigned"][t]);
  }
  CHECK(rep["holdings"].get<uint64_t>() == rep["root_holdings"].get<uint64_t>() +
                                               rep["designation_holdings"].get<uint64_t>() +
                                               rep["record_holdings"].get<uint64_t>());
  CHECK(rep["vrps"] == 9760);
  for (const auto& i : rep["inconsistencies"]) {
    CHECK(i.contains("kind"));
    CHECK(i.contains("file"));
    CHECK(i.contains("line"));
    CHECK(i.contains("detail"));
  }
  auto keys = RirKeystore::open(dir / "ks");
  REQUIRE(keys.ok());
  const std::string za = keys->find("afrinic-F364712F").value().to_string();  // 41.0.0.0/11, ZA
  const std::string br = keys->find("lacnic-310248").value().to_string();     // 24.152.0.0/22, BR

  // One imported account's key, as an ordinary key file.
  r = run({kCli, "import", "key", "--no-passphrase", "--keystore", dir / "ks", "--org", "afrinic-F364712F", "--out", dir / "za.key"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.find(za) != std::string::npos);
  auto k = crypto::load_key_file(dir / "za.key");
  REQUIRE(k.ok());
  CHECK(AccountId{k->public_key()}.to_string() == za);

  // The node: its genesis holds the tree; start it and ask.
  const std::string validator_key = dir / "validator.key";
  REQUIRE(crypto::save_key_file(validator_key, seeded_key(100), std::nullopt).ok());
  const int port = free_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  Daemon node;
  const auto t1 = std::chrono::steady_clock::now();
  node.start({kNode, "--home", dir / "home", "--genesis", dir / "genesis.json", "--validator-key", validator_key,
              "--listen", "127.0.0.1:" + std::to_string(port)},
             dir / "node.log");
  bool up = false;
  for (int i = 0; i < 1200 && !up; ++i) {
    auto s = nl::node::http_request(url, "GET", "/api/v1/status", "", std::chrono::seconds(2));
    up = s.ok() && s->status == 200;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE_MESSAGE(up, node.log());
  MESSAGE("numledgerd answered after " << std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count()
                                       << " s");
  auto get = [&](const std::string& target) {
    auto res = nl::node::http_request(url, "GET", target, "", std::chrono::seconds(30));
    REQUIRE(res.ok());
    REQUIRE_MESSAGE(res->status == 200, res->body);
    return json::parse(res->body);
  };
  json status = get("/api/v1/status");
  CHECK(status["holdings"].get<uint64_t>() == rep["holdings"].get<uint64_t>());  // the roots counted in both
  json q = get("/api/v1/resource/41.0.0.0/16");
  CHECK(q["holder"] == za);
  bool roa = false;
  for (const auto& a : q["authorizations"]) roa = roa || (a["asn"] == "AS36994" && a["prefix"] == "41.0.0.0/16");
  CHECK(roa);
  q = get("/api/v1/resource/24.152.0.0/22");  // LACNIC's record in ARIN's 24/8
  CHECK(q["holder"] == br);
  REQUIRE(q["chain"].size() == 3);
  CHECK(q["chain"][1]["range"] == "24.0.0.0/8");
  CHECK(q["chain"][1]["holder"] == keys->find("arin").value().to_string());
  CHECK(q["holding"]["metadata"]["source_handle"] == "310248");
  CHECK(node.kill(SIGTERM) == 0);
}
