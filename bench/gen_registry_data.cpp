// gen_registry_data: full-size synthetic RIR statistics and VRPs for the
// scale benchmarks (ledger/interop/synthetic_registry.h says what they hold).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "ledger/interop/synthetic_registry.h"

int main(int argc, char** argv) {
  nl::ledger::SyntheticOptions o;
  std::string out_dir;
  const std::string data = std::string(NL_SOURCE_DIR) + "/../shared/data/";
  o.iana_ipv4 = data + "iana-ipv4-address-space.csv";
  o.iana_ipv6 = data + "iana-ipv6-unicast-address-assignments.csv";
  bool json = false;

  CLI::App app{"gen_registry_data: the five RIRs' delegated-extended statistics files and a Routinator VRP file,\n"
               "with today's record counts and mix (about 500,000 records and 800,000 VRPs at --scale 1),\n"
               "deterministic for a seed and placed inside IANA's designations"};
  app.name("gen_registry_data");
  app.add_option("--out", out_dir, "directory to write into (created if missing)")->required();
  app.add_option("--scale", o.scale, "fraction of today's counts, above 0 and at most 4")->capture_default_str();
  app.add_option("--seed", o.seed, "seed; the same seed writes the same bytes")->capture_default_str();
  app.add_option("--iana-ipv4", o.iana_ipv4, "IANA's IPv4 address space CSV")->capture_default_str();
  app.add_option("--iana-ipv6", o.iana_ipv6, "IANA's IPv6 unicast assignments CSV")->capture_default_str();
  app.add_option("--date", o.date, "the files' date, YYYYMMDD")->capture_default_str();
  app.add_flag("--json", json, "print what was written as JSON on stdout");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto res = nl::ledger::generate_registry_data(o, out_dir, [](const std::string& line) {
    std::fprintf(stderr, "gen_registry_data: %s\n", line.c_str());
  });
  if (!res) {
    std::fprintf(stderr, "error: %s\n", res.error().c_str());
    return 1;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  uint64_t lines = 0, holdings = 0;
  for (const auto& f : res->files) lines += f.record_lines, holdings += f.holdings;
  if (json) {
    nlohmann::json j{{"vrps", {{"path", res->vrp_path}, {"count", res->vrps}}}, {"seconds", secs}};
    for (const auto& f : res->files)
      j["files"].push_back({{"registry", f.registry}, {"path", f.path}, {"records", f.record_lines}, {"holdings", f.holdings}});
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("wrote %llu records (%llu allocated or assigned) in 5 files and %llu VRPs to %s in %.1f s\n",
                (unsigned long long)lines, (unsigned long long)holdings, (unsigned long long)res->vrps,
                out_dir.c_str(), secs);
  }
  return 0;
}
