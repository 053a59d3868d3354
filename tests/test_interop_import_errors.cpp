// Importing bad input: usage errors, unusable files, bad VRP entries, a cut
// last line, a report written even when nothing imports, and keystores
// whose fields have the wrong type. Each is named with file and line.
#include <doctest/doctest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "ledger/interop/rir_import.h"
#include "support/fixtures.h"
#include "support/process.h"
#include "support/rir_data.h"

using namespace nl;
using namespace nl::ledger;
using namespace nl::test;
using nlohmann::json;

namespace {

const std::string kCli = NL_BIN_DIR "/numledger";

// `stats` imported with the VRP files `vrps`, into a keystore of its own.
Result<ImportResult> import_with_vrps(const std::string& stats, std::vector<std::string> vrps) {
  TempDir ks("nl-ks");
  auto keys = RirKeystore::open(ks.path.string());
  REQUIRE(keys.ok());
  ImportOptions o = import_options({stats});
  o.vrp_files = std::move(vrps);
  return import_rir(o, *keys);
}

// Every issue of the report, one a line, for a failing check to show.
std::string listed(const ImportReport& r) {
  std::string all;
  for (const auto& i : r.inconsistencies) all += i.kind + " " + i.file + ":" + std::to_string(i.line) + " " + i.detail + "\n";
  return all;
}

}  // namespace

TEST_CASE("numledger import rir: usage errors exit 2, unusable input exits 1") {
  TempDir dir("nl-import-errors");
  const std::string validator = seeded_account(100).to_string();
  const char garbage[] = "\x7f" "ELF\x01\x02 not statistics\n\x00\xff|||\n";
  write_text(dir / "garbage", std::string(garbage, sizeof garbage - 1));
  auto r = run({kCli, "import", "rir", "--no-passphrase", dir / "garbage", "--chain-id", "x", "--validator", validator, "--out",
                dir / "g.json", "--keystore", dir / "ks"});
  CHECK(r.code == 1);
  CHECK(r.err.find("nothing usable") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "g.json"));
  r = run({kCli, "import", "rir", "--no-passphrase", dir / "garbage", "--validator", validator, "--out", dir / "g.json", "--keystore",
           dir / "ks"});
  CHECK(r.code == 2);  // no --chain-id
  r = run({kCli, "import", "rir", "--no-passphrase", dir / "missing-file", "--chain-id", "x", "--validator", validator, "--out",
           dir / "g.json", "--keystore", dir / "ks"});
  CHECK(r.code == 2);
  write_text(dir / "bad.csv", "Prefix,Designation\n041/8,AFRINIC\n");
  r = run({kCli, "import", "rir", "--no-passphrase", data_file("delegated-afrinic-extended-20240105"), "--iana-ipv4", dir / "bad.csv",
           "--chain-id", "x", "--validator", validator, "--out", dir / "g.json", "--keystore", dir / "ks"});
  CHECK(r.code == 1);
  CHECK(r.err.find("lacks Prefix, Designation or Status") != std::string::npos);
}

TEST_CASE("vrp files: each bad entry is one vrp-invalid issue with its position; the good entries become authorizations") {
  TempDir dir("nl-import-vrp-entries");
  const std::string stats = dir / "delegated-afrinic-small";
  write_text(stats,
             "2|afrinic|20240101|1|19700101|20240101|+0000\n"
             "afrinic|*|ipv4|*|1|summary\n"
             "afrinic|ZA|ipv4|41.0.0.0|1024|20200101|allocated|ORG1\n");
  const std::string js = dir / "vrps.json", csv = dir / "vrps.csv", junk = dir / "vrps.bin";
  write_text(js, R"({"roas": [
    {"asn": "AS1", "prefix": "41.0.0.0/24", "maxLength": 24, "ta": "afrinic"},
    {"asn": "AS2", "prefix": "41.0.1.0/24", "maxLength": 23, "ta": "afrinic"}]})");
  write_text(csv,
             "ASN,IP Prefix,Max Length,Trust Anchor\n"
             "AS3,41.0.2.0/24,24,afrinic\n"   // 2
             "AS4,41.0.3.0/24,23,afrinic\n"   // 3: maxLength below the prefix length
             "AS3,41.0.2.0/24,24,afrinic\n"); // 4: repeats line 2
  write_text(junk, std::string("\x7f" "ELF\x01\x02\n\x00\xff", 9));
  auto res = import_with_vrps(stats, {js, csv, junk});
  REQUIRE(res.ok());
  const ImportReport& r = res->report;
  INFO(listed(r));
  CHECK(r.authorizations == 2);  // AS1 from the json, AS3 from the csv
  CHECK(r.vrps == 5);
  REQUIRE(res->genesis.authorizations.size() == 2);
  CHECK(res->genesis.authorizations[0].asn == 1);
  CHECK(res->genesis.authorizations[1].asn == 3);
  // json: the line field is the entry's number in "roas", and the detail names the entry.
  CHECK(has_issue(r, "vrp-invalid", js, 2, "roas[1]: maxLength 23 is outside 24-32 for 41.0.1.0/24"));
  CHECK(has_issue(r, "vrp-invalid", js, 2, "the line field is the entry number in roas"));
  CHECK(has_issue(r, "vrp-invalid", csv, 3, "line 3: maxLength 23 is outside 24-32"));
  CHECK(has_issue(r, "vrp-duplicate", csv, 4, "41.0.2.0/24 maxLength 24 AS3"));
  // Only a file that is no VRP file at all is one whole-file issue.
  CHECK(has_issue(r, "malformed", junk, 0, "not a Routinator json or csv VRP file"));
  CHECK(r.inconsistencies.size() == 4);
}

// VRPs are imported as the json is parsed; a file that turns out not to be
// one leaves nothing behind, as when it was parsed whole first.
TEST_CASE("vrp json cut short: its entries are undone, one malformed issue, and a later file's same VRP is not a duplicate") {
  TempDir dir("nl-import-vrp-cut");
  const std::string stats = dir / "delegated-afrinic-small";
  write_text(stats,
             "2|afrinic|20240101|1|19700101|20240101|+0000\n"
             "afrinic|*|ipv4|*|1|summary\n"
             "afrinic|ZA|ipv4|41.0.0.0|1024|20200101|allocated|ORG1\n");
  const std::string cut = dir / "cut.json", twice = dir / "twice.json", csv = dir / "vrps.csv";
  write_text(cut, R"({"roas": [
    {"asn": "AS1", "prefix": "41.0.0.0/24", "maxLength": 24, "ta": "afrinic"},
    {"asn": "AS2", "prefix": "41.0.1.0/24", "maxLength": 23, "ta": "afrinic"},
    {"asn": "AS3", "prefix": "41.0.2.0/24", "maxLength": 24, "ta": "afr)");
  // A repeated "roas" replaces the earlier one: AS5 only.
  write_text(twice, R"({"roas": [{"asn": "AS4", "prefix": "41.0.3.0/24", "maxLength": 24, "ta": "afrinic"}],
                         "roas": [{"asn": "AS5", "prefix": "41.0.3.0/24", "maxLength": 24, "ta": "afrinic"}]})");
  write_text(csv, "ASN,IP Prefix,Max Length,Trust Anchor\nAS1,41.0.0.0/24,24,afrinic\n");
  auto res = import_with_vrps(stats, {cut, twice, csv});
  REQUIRE(res.ok());
  const ImportReport& r = res->report;
  INFO(listed(r));
  CHECK(r.vrps == 2);
  CHECK(r.authorizations == 2);
  REQUIRE(res->genesis.authorizations.size() == 2);
  CHECK(res->genesis.authorizations[0].asn == 5);
  CHECK(res->genesis.authorizations[1].asn == 1);
  CHECK(has_issue(r, "malformed", cut, 0, "not a Routinator json or csv VRP file"));
  CHECK(r.inconsistencies.size() == 1);  // nothing of the cut file's entries, no duplicate
}

TEST_CASE("a last line without its newline is a truncated issue even when it parses; the record is still read") {
  TempDir dir("nl-import-cut");
  const std::string cut = dir / "delegated-afrinic-cut";
  write_text(cut,
             "2|afrinic|20240101|2|19700101|20240101|+0000\n"                 // 1
             "afrinic|*|ipv4|*|2|summary\n"                                   // 2
             "afrinic|ZA|ipv4|41.0.0.0|1024|20200101|allocated|ORG1\n"        // 3
             "afrinic|ZA|ipv4|41.0.4.0|256|20200101|allocated|ORG9");         // 4: ORG9 may be ORG9xx cut short
  TempDir ks("nl-ks");
  auto keys = RirKeystore::open(ks.path.string());
  REQUIRE(keys.ok());
  auto res = import_rir(import_options({cut}), *keys);
  REQUIRE(res.ok());
  const ImportReport& r = res->report;
  REQUIRE(r.inconsistencies.size() == 1);
  CHECK(has_issue(r, "truncated", cut, 4, "ORG9"));
  CHECK(has_issue(r, "truncated", cut, 4, "a record on it is imported"));
  // Counts agree with the header: the cut line is a record line like the others.
  REQUIRE(r.files.size() == 1);
  CHECK(r.files[0].record_lines == 2);
  CHECK(r.record_holdings == 2);
  CHECK(keys->find("afrinic-ORG9").has_value());

  // The same file with its newline: no issue at all.
  write_text(cut, slurp(cut) + "\n");
  auto whole = import_rir(import_options({cut}), *keys);
  REQUIRE(whole.ok());
  CHECK(whole->report.inconsistencies.empty());
}

TEST_CASE("files of other shapes: a byte order mark, comment banners, cut comments, and IANA rows that nest") {
  TempDir dir("nl-import-shapes");
  const std::string stats = dir / "delegated-afrinic-shapes";
  write_text(stats,
             "\xEF\xBB\xBF# a banner\n"                                     // 1: BOM, then a comment
             "####\n#  CONDITIONS OF USE\n####\n"                          // 2-4
             "2|afrinic|20240101|2|19700101|20240101|+0000\n"              // 5
             "afrinic|*|ipv4|*|2|summary\n"                                // 6
             "# a banner in the middle\n"                                  // 7
             "afrinic|ZA|ipv4|41.0.0.0|1024|20200101|allocated|ORG1\n"     // 8
             "#" + std::string(70 * 1024, '=') + "\n"                       // 9: a comment over the line cap
             "afrinic|ZA|ipv4|41.0.4.0|256|20200101|allocated|ORG2\n"      // 10
             "# a comment the file's end cuts sho");                       // 11
  TempDir ks("nl-ks");
  auto keys = RirKeystore::open(ks.path.string());
  REQUIRE(keys.ok());
  auto res = import_rir(import_options({stats}), *keys);
  REQUIRE(res.ok());
  for (const auto& i : res->report.inconsistencies) CHECK_MESSAGE(false, i.kind << " " << i.line << " " << i.detail);
  REQUIRE(res->report.files.size() == 1);
  CHECK(res->report.files[0].record_lines == 2);
  CHECK(res->report.record_holdings == 2);

  // As in an older IANA IPv6 file: 3000::/4 reserved, with the 6bone's
  // 3ffe::/16 inside it (here beside today's finer rows); and a byte order mark.
  const std::string v6 = dir / "iana-ipv6-old.csv";
  std::string csv = slurp(data_file("iana-ipv6-unicast-address-assignments.csv"));
  const size_t lines_before = static_cast<size_t>(std::count(csv.begin(), csv.end(), '\n'));
  write_text(v6, "\xEF\xBB\xBF" + csv + "3000::/4,IANA,1999-07-01,,,RESERVED,\n3ffe::/16,IANA,1996-03-01,,,RESERVED,6bone\n");
  auto opts = import_options({data_file("delegated-afrinic-extended-20240105")});
  auto base = import_rir(opts, *keys);
  REQUIRE(base.ok());
  opts.iana_ipv6 = v6;
  auto old = import_rir(opts, *keys);
  REQUIRE(old.ok());
  const ImportReport& r = old->report;
  CHECK(has_issue(r, "iana-nested", v6, lines_before + 2, "3ffe::/16 (IANA, RESERVED) lies inside 3000::/4"));
  CHECK(has_issue(r, "iana-nested", v6, 54, "3000::/5"));
  size_t nested = 0;
  for (const auto& i : r.inconsistencies) nested += i.kind == "iana-nested";
  CHECK(nested == 14);  // today's 13 rows in 3000::/4, and the second 3ffe::/16
  CHECK(r.record_holdings == base->report.record_holdings);
  CHECK(r.inconsistencies.size() == base->report.inconsistencies.size() + nested);
}

TEST_CASE("numledger import rir: nothing usable still writes --report, and stderr names the first lines") {
  TempDir dir("nl-import-unusable");
  const std::string validator = seeded_account(100).to_string();
  const std::string garbage = dir / "garbage";
  const char bytes[] = "\x7f" "ELF\x01\x02 not statistics\n\x00\xff|||\n";
  write_text(garbage, std::string(bytes, sizeof bytes - 1));
  auto r = run({kCli, "import", "rir", "--no-passphrase", garbage, "--chain-id", "x", "--validator", validator, "--out", dir / "g.json",
                "--keystore", dir / "ks", "--report", dir / "report.json"});
  CHECK(r.code == 1);
  CHECK(r.err.find("nothing usable") != std::string::npos);
  CHECK(r.err.find(garbage + ":1: malformed: ") != std::string::npos);
  CHECK(r.err.find(garbage + ":2: malformed: ") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "g.json"));
  REQUIRE(std::filesystem::exists(dir / "report.json"));
  json rep = json::parse(slurp(dir / "report.json"));
  CHECK(rep["record_holdings"] == 0);
  CHECK(rep["genesis"].is_null());
  CHECK(rep["error"].get<std::string>().find("nothing usable") != std::string::npos);
  std::set<uint64_t> malformed_lines;
  for (const auto& i : rep["inconsistencies"])
    if (i["kind"] == "malformed" && i["file"] == garbage) malformed_lines.insert(i["line"].get<uint64_t>());
  CHECK(malformed_lines == std::set<uint64_t>{1, 2});

  // Past 20 inconsistencies stderr points to the report for the rest.
  std::string many = "2|afrinic|20240101|25|19700101|20240101|+0000\n";
  for (int i = 0; i < 25; ++i) many += "afrinic|ZA|ipv4|41.0.0.0|lots|20200101|allocated|ORG1\n";
  write_text(dir / "many", many);
  r = run({kCli, "import", "rir", "--no-passphrase", dir / "many", "--chain-id", "x", "--validator", validator, "--out", dir / "g.json",
           "--keystore", dir / "ks"});
  CHECK(r.code == 1);
  CHECK(r.err.find(dir / "many:21: malformed") != std::string::npos);  // the 20th issue
  CHECK(r.err.find(dir / "many:22: malformed") == std::string::npos);
  CHECK(r.err.find("... and 5 more; see --report") != std::string::npos);
}

TEST_CASE("keystore: fields of the wrong type are errors naming the keystore file and line") {
  TempDir dir("nl-import-keystore");
  const std::string validator = seeded_account(100).to_string();
  const std::string ks = dir / "ks";
  std::filesystem::create_directories(ks);
  const std::string file = ks + "/" + RirKeystore::kFileName;
  write_text(dir / "stats", "2|afrinic|20240101|1|19700101|20240101|+0000\n"
                            "afrinic|ZA|ipv4|41.0.0.0|1024|20200101|allocated|ORG1\n");
  write_text(file, R"({"type": "numledger-keystore", "version": "1"})" "\n");
  auto r = run({kCli, "import", "rir", "--no-passphrase", dir / "stats", "--chain-id", "x", "--validator", validator, "--out",
                dir / "g.json", "--keystore", ks});
  CHECK(r.code == 1);
  CHECK_MESSAGE(r.err.find(file + ":1: \"version\" is \"1\", not a whole number") != std::string::npos, r.err);
  CHECK_FALSE(std::filesystem::exists(dir / "g.json"));

  auto err = [&](const std::string& text) {
    write_text(file, text);
    auto k = RirKeystore::open(ks);
    REQUIRE_FALSE(k.ok());
    return k.error();
  };
  CHECK(err(R"({"type": 5, "version": 1})" "\n").find(file + ":1: not a numledger keystore: \"type\" is 5") !=
        std::string::npos);
  CHECK(err(R"({"type": "numledger-keystore"})" "\n").find(file + ":1: \"version\" is missing") != std::string::npos);
  CHECK(err(R"({"type": "numledger-keystore", "version": 3})" "\n").find(file + ":1: keystore version 3") !=
        std::string::npos);
  const std::string header = R"({"type": "numledger-keystore", "version": 1})" "\n";
  CHECK(err(header + R"({"org": 7, "account": "x", "seed": "00"})" "\n").find(file + ":2: an entry needs") !=
        std::string::npos);
  write_text(file, header);
  CHECK(RirKeystore::open(ks).ok());
}
