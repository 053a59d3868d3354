// The whole world's registry at a scale, generated and imported: the five
// RIRs' files and the VRPs (gen_registry_data's code), then the real
// `numledger import rir --vrps` into a genesis and the holders' keystore
// (unencrypted: testnets only). bench_scale measures this; bench_testnet
// --scale runs a testnet on it. Header-only, like bench_testnet_net.h.
#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ledger/interop/synthetic_registry.h"
#include "tests/support/process.h"

namespace nl::bench {

struct GeneratedImport {
  std::string genesis, keystore;  // the genesis file, the keystore directory
  std::vector<std::string> files;  // the generated delegated-extended files
  uint64_t records = 0, vrps = 0;  // generated
  double generate_s = 0, import_s = 0;
  nlohmann::json report;  // import rir --report: holdings, authorizations, peak_rss_kib, ...
};

// Generates scale `scale` (seed `seed`, IANA's CSVs from `data`) into DIR
// and imports it with `numledger_bin`; the genesis names `validator` (an
// account) as its one validator, and is compact unless `compact` is false.
// Errors name the step that failed.
inline Result<GeneratedImport> import_generated(double scale, uint64_t seed, const std::string& data,
                                                const std::filesystem::path& dir, const std::string& numledger_bin,
                                                const std::string& validator, bool compact = true) {
  using Clock = std::chrono::steady_clock;
  auto since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  GeneratedImport out;
  ledger::SyntheticOptions o;
  o.scale = scale;
  o.seed = seed;
  o.iana_ipv4 = data + "/iana-ipv4-address-space.csv";
  o.iana_ipv6 = data + "/iana-ipv6-unicast-address-assignments.csv";
  auto t = Clock::now();
  auto gen = ledger::generate_registry_data(o, (dir / "data").string(), nullptr);
  if (!gen) return fail("generating scale " + std::to_string(scale) + ": " + gen.error());
  out.generate_s = since(t);
  for (const auto& f : gen->files) {
    out.records += f.holdings;
    out.files.push_back(f.path);
  }
  out.vrps = gen->vrps;

  out.genesis = (dir / (compact ? "genesis.bin" : "genesis.json")).string();
  out.keystore = (dir / "keys").string();
  std::vector<std::string> argv{numledger_bin, "import", "rir", "--no-passphrase"};
  for (const auto& f : gen->files) argv.push_back(f.path);
  for (const std::string& a : {std::string("--iana-ipv4"), o.iana_ipv4, std::string("--iana-ipv6"), o.iana_ipv6,
                               std::string("--vrps"), gen->vrp_path, std::string("--chain-id"), std::string("scale"),
                               std::string("--validator"), validator, std::string("--out"), out.genesis,
                               std::string("--keystore"), out.keystore, std::string("--report"),
                               (dir / "report.json").string(), std::string("--time"), std::string("1733356800")})
    argv.push_back(a);
  if (compact) argv.push_back("--compact");
  t = Clock::now();
  auto imp = test::run(argv);
  out.import_s = since(t);
  if (imp.code != 0) return fail("import rir: " + imp.err);
  out.report = nlohmann::json::parse(test::slurp((dir / "report.json").string()), nullptr, false);
  if (!out.report.is_object()) return fail("import rir wrote no report");
  return out;
}

}  // namespace nl::bench
