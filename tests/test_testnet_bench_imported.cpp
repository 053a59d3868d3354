// bench_testnet on an imported genesis: the registry generated at scale
// 0.001 and imported, a 4-validator testnet on it, and a load of the
// imported holders' own transactions (set-metadata, authorize, withdraw)
// through POST /api/v1/txs. Every signed transaction must be admitted and
// seen committed, and the report must say so; a load the registry refuses,
// or commits not counted, fail it. Needs ../shared/data (IANA's CSVs).
#include <doctest/doctest.h>

#include <regex>
#include <string>

#include "support/process.h"
#include "support/rir_data.h"

using namespace nl::test;

namespace {

const std::string kBench = NL_BIN_DIR "/bench_testnet";

// "<phase>: committed C of S signed (rejected R" as {C, S, R}.
struct PhaseCounts {
  long committed = -1, signed_txs = -1, rejected = -1;
};
PhaseCounts phase(const std::string& out, const std::string& name) {
  std::smatch m;
  PhaseCounts c;
  if (std::regex_search(out, m, std::regex(name + ": committed ([0-9]+) of ([0-9]+) signed \\(rejected ([0-9]+)"))) {
    c.committed = std::stol(m[1]);
    c.signed_txs = std::stol(m[2]);
    c.rejected = std::stol(m[3]);
  }
  return c;
}

long kind_count(const std::string& out, const std::string& kind) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("load: [0-9]+ holders with keys, .*" + kind + " ([0-9]+)"))) return -1;
  return std::stol(m[1]);
}

}  // namespace

TEST_CASE("bench_testnet --scale: the imported holders' transactions commit on a 4-validator testnet") {
  const std::string iana = data_file("iana-ipv4-address-space.csv");
  const std::string data = iana.substr(0, iana.rfind('/'));
  // A hard stop: a hung benchmark cannot outlive the test.
  auto r = run({"/usr/bin/timeout", "-k", "5", "50", kBench, "--scale", "0.001", "--data", data, "--txs", "300",
                "--accounts", "30", "--batch", "40", "--repeats", "1", "--paced-seconds", "1"});
  INFO(r.out);
  INFO(r.err.substr(r.err.size() > 3000 ? r.err.size() - 3000 : 0));
  CHECK(r.code == 0);
  const PhaseCounts saturation = phase(r.out, "saturation");
  CHECK(saturation.signed_txs == 300);
  CHECK(saturation.committed == 300);
  CHECK(saturation.rejected == 0);
  const PhaseCounts paced = phase(r.out, "paced at [0-9]+/s");
  CHECK(paced.signed_txs > 0);
  CHECK(paced.committed == paced.signed_txs);
  // The holders wrote to the state tree as in real use, not one kind only.
  CHECK(kind_count(r.out, "set-metadata") > 0);
  CHECK(kind_count(r.out, "authorize") > 0);
  CHECK(r.out.find("committed every signed transaction: yes") != std::string::npos);
  CHECK(r.out.find("sustained committed tx/s") != std::string::npos);
}

TEST_CASE("bench_testnet: --genesis without --keystore is a usage error") {
  auto r = run({kBench, "--genesis", "/nonexistent/genesis.json"});
  CHECK(r.code == 2);
  CHECK(r.err.find("--genesis and --keystore go together") != std::string::npos);
}
