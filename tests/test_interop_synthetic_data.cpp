// gen_registry_data: deterministic for a seed, the mix the issue asks for,
// and every record and VRP imports where IANA says it belongs.
#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "ledger/interop/iana_registry.h"
#include "ledger/interop/rir_import.h"
#include "ledger/interop/rir_stats.h"
#include "ledger/interop/synthetic_registry.h"
#include "ledger/interop/vrp.h"
#include "support/process.h"
#include "support/rir_data.h"

using namespace nl;
using namespace nl::ledger;
using namespace nl::test;

namespace {

const std::string kGen = NL_BIN_DIR "/gen_registry_data";

SyntheticOptions options(double scale, uint64_t seed) {
  SyntheticOptions o;
  o.scale = scale;
  o.seed = seed;
  o.iana_ipv4 = data_file("iana-ipv4-address-space.csv");
  o.iana_ipv6 = data_file("iana-ipv6-unicast-address-assignments.csv");
  return o;
}

}  // namespace

TEST_CASE("synthetic registry data: the same seed writes the same bytes, another seed other bytes") {
  TempDir a("nl-synth-a"), b("nl-synth-b"), c("nl-synth-c");
  auto ra = generate_registry_data(options(0.01, 7), a.path.string(), nullptr);
  auto rb = generate_registry_data(options(0.01, 7), b.path.string(), nullptr);
  auto rc = generate_registry_data(options(0.01, 8), c.path.string(), nullptr);
  REQUIRE(ra.ok());
  REQUIRE(rb.ok());
  REQUIRE(rc.ok());
  REQUIRE(ra->files.size() == 5);
  for (size_t i = 0; i < 5; ++i) {
    CHECK(slurp(ra->files[i].path) == slurp(rb->files[i].path));
    CHECK(slurp(ra->files[i].path) != slurp(rc->files[i].path));
  }
  CHECK(slurp(ra->vrp_path) == slurp(rb->vrp_path));
  CHECK(slurp(ra->vrp_path) != slurp(rc->vrp_path));
}

TEST_CASE("synthetic registry data: today's mix, inside IANA's designations, and it all imports") {
  TempDir dir("nl-synth");
  const double scale = 0.03;
  auto res = generate_registry_data(options(scale, 1), dir.path.string(), nullptr);
  REQUIRE(res.ok());

  // Read back with the importer's own reader.
  auto v4 = read_iana_csv(data_file("iana-ipv4-address-space.csv"), Family::ipv4);
  REQUIRE(v4.ok());
  std::set<RirStatus> statuses;
  std::map<std::string, uint64_t> per_org;
  std::map<std::string, std::map<Family, uint64_t>> holdings;
  uint64_t not_pow2 = 0, asn_ranges = 0, legacy = 0, v6_assignments = 0;
  for (const auto& f : res->files) {
    auto sum = read_rir_stats(f.path, [&](RirRecord&& r) {
      statuses.insert(r.status);
      if (r.status != RirStatus::allocated && r.status != RirStatus::assigned) return;
      ++holdings[r.registry][r.range.family];
      ++per_org[r.opaque_id];
      const u128 n = r.range.last - r.range.first + 1;
      if (r.range.family == Family::ipv4 && (n & (n - 1)) != 0) ++not_pow2;
      if (r.range.family == Family::asn && n > 1) ++asn_ranges;
      if (r.range.family == Family::ipv6 && r.range.prefix_length() == 48) ++v6_assignments;
      if (r.range.family == Family::ipv4)
        for (const auto& d : v4->rows)
          if (d.range.contains(r.range) && d.status == "LEGACY") {
            CHECK(d.registry == r.registry);
            CHECK(r.date < "19940101");
            ++legacy;
          }
    });
    REQUIRE(sum.ok());
    CHECK(sum->issues.empty());  // the files' own header and summary counts agree
  }
  CHECK(statuses.size() == 4);
  CHECK(not_pow2 > 0);
  CHECK(asn_ranges > 0);
  CHECK(legacy > 0);
  CHECK(v6_assignments > 0);
  for (const auto& c : kSyntheticCounts) {
    INFO(c.registry);
    CHECK(holdings[c.registry][Family::ipv4] == uint64_t(std::llround(double(c.ipv4) * scale)));
    CHECK(holdings[c.registry][Family::ipv6] == uint64_t(std::llround(double(c.ipv6) * scale)));
    CHECK(holdings[c.registry][Family::asn] == uint64_t(std::llround(double(c.asn) * scale)));
  }
  uint64_t biggest = 0;
  for (const auto& [org, n] : per_org) biggest = std::max(biggest, n);
  CHECK(biggest >= 50);                       // opaque-ids shared by many records
  CHECK(per_org.size() * 2 < res->vrps);      // and many organisations
  const uint64_t want_vrps = uint64_t(double(kSyntheticVrps) * scale);
  CHECK(res->vrps > want_vrps * 9 / 10);
  CHECK(res->vrps < want_vrps * 11 / 10);

  // Everything imports: no record outside IANA's space for its registry,
  // no overlap, every VRP covered by exactly one holder.
  ImportOptions o = import_options({});
  for (const auto& f : res->files) o.stats_files.push_back(f.path);
  o.vrp_files = {res->vrp_path};
  TempDir ks("nl-synth-ks");
  auto keys = RirKeystore::open(ks.path.string());
  REQUIRE(keys.ok());
  auto imp = import_rir(o, *keys);
  REQUIRE(imp.ok());
  for (const auto& i : imp->report.inconsistencies)
    CHECK_MESSAGE(false, i.kind << " " << i.file << ":" << i.line << " " << i.detail);
  uint64_t file_holdings = 0;
  for (const auto& f : res->files) file_holdings += f.holdings;
  CHECK(imp->report.record_holdings == file_holdings);
  CHECK(imp->genesis.authorizations.size() == res->vrps);
  // The VRP file is dated with the files: 2024-12-05 00:00 UTC by default.
  CHECK(nlohmann::json::parse(slurp(res->vrp_path))["metadata"]["generated"] == 1733356800);
}

// What `numledger import rir` does to stay under 1 GiB at full size must
// not change what it writes: the genesis without the records kept, the
// compact file built in one buffer and hashed from it, and VRPs read entry
// by entry instead of as one document.
TEST_CASE("import of generated data: the lean path writes the same genesis, hash and VRPs") {
  TempDir dir("nl-synth-lean");
  auto res = generate_registry_data(options(0.01, 2), dir.path.string(), nullptr);
  REQUIRE(res.ok());
  ImportOptions o = import_options({});
  for (const auto& f : res->files) o.stats_files.push_back(f.path);
  o.vrp_files = {res->vrp_path};
  TempDir ks("nl-synth-lean-ks");
  auto keys = RirKeystore::open(ks.path.string());
  REQUIRE(keys.ok());
  auto full = import_rir(o, *keys);  // makes the keys the second import reuses
  o.keep_records = false;
  auto lean = import_rir(o, *keys);
  REQUIRE(full.ok());
  REQUIRE(lean.ok());
  CHECK(full->records.size() == full->report.record_holdings);
  CHECK(full->records.size() > 1000);
  CHECK(lean->records.empty());
  const Bytes canonical = full->genesis.encode();
  CHECK(lean->genesis.encode() == canonical);
  CHECK(lean->genesis.authorizations.size() > 1000);

  Bytes expected(kGenesisBinaryMagic.begin(), kGenesisBinaryMagic.end());
  expected.insert(expected.end(), canonical.begin(), canonical.end());
  const Bytes file = lean->genesis.binary_file_bytes();
  CHECK(file == expected);
  CHECK(lean->genesis.to_binary_file() == std::string(expected.begin(), expected.end()));
  CHECK(Genesis::hash_of_binary_file(file) == full->genesis.hash());
  auto back = Genesis::decode(ByteView(file).subspan(kGenesisBinaryMagic.size()));
  REQUIRE(back.ok());
  CHECK(back->hash() == full->genesis.hash());

  // Every entry of the VRP file, as the whole document reads it, is the
  // streamed reader's VRP at the same position.
  const std::string text = slurp(res->vrp_path);
  const auto roas = nlohmann::json::parse(text)["roas"];
  auto streamed = read_vrps_json(text);
  REQUIRE(streamed.ok());
  CHECK(streamed->bad.empty());
  REQUIRE(streamed->vrps.size() == roas.size());
  for (size_t i = 0; i < roas.size(); ++i) {
    const Vrp& v = streamed->vrps[i];
    INFO(roas[i].dump());
    CHECK(streamed->positions[i] == i + 1);
    CHECK("AS" + std::to_string(v.asn) == roas[i]["asn"].get<std::string>());
    CHECK(v.prefix == Resource::parse(roas[i]["prefix"].get<std::string>()).value());
    CHECK(v.max_length == roas[i]["maxLength"].get<int>());
    CHECK(v.ta == roas[i]["ta"].get<std::string>());
  }
}

TEST_CASE("gen_registry_data: --help, --json, and refusals with the reason") {
  TempDir dir("nl-synth-cli");
  auto r = run({kGen, "--help"});
  CHECK(r.code == 0);
  CHECK(r.out.find("--scale") != std::string::npos);
  r = run({kGen, "--out", (dir.path / "x").string(), "--scale", "5"});
  CHECK(r.code == 1);
  CHECK(r.err.find("at most 4") != std::string::npos);
  r = run({kGen, "--out", (dir.path / "x").string(), "--scale", "0.001", "--iana-ipv4", (dir.path / "nope.csv").string()});
  CHECK(r.code == 1);
  CHECK(r.err.find("nope.csv: cannot open") != std::string::npos);
  r = run({kGen, "--scale", "0.001"});
  CHECK(r.code == 2);  // --out is required
  r = run({kGen, "--out", (dir.path / "y").string(), "--scale", "0.001", "--seed", "3", "--json"});
  REQUIRE(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["files"].size() == 5);
  CHECK(j["vrps"]["count"].get<uint64_t>() > 0);
  CHECK(std::filesystem::exists(j["vrps"]["path"].get<std::string>()));
  CHECK(r.err.find("gen_registry_data: ") != std::string::npos);  // progress on stderr
}
