// The systemd unit in packaging/ (issue 17, item 6) passes systemd's own
// check, `systemd-analyze verify`, with no warning: every key known, every
// value valid. The unit's ExecStart names /usr/local/bin/numledgerd; the
// check runs on a copy that names this build's binary.
#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "support/process.h"

using namespace nl::test;

TEST_CASE("packaging: numledgerd.service passes systemd-analyze verify without a warning") {
  const std::string analyze = "/usr/bin/systemd-analyze";
  REQUIRE_MESSAGE(::access(analyze.c_str(), X_OK) == 0,
                  "systemd-analyze is missing: apt-get install systemd (scripts/install-deps.sh does)");
  std::string unit = slurp(NL_SOURCE_DIR "/packaging/numledgerd.service");
  REQUIRE(!unit.empty());
  const std::string installed = "ExecStart=/usr/local/bin/numledgerd ";
  const size_t at = unit.find(installed);
  REQUIRE_MESSAGE(at != std::string::npos, "the unit's ExecStart no longer names /usr/local/bin/numledgerd");
  unit.replace(at, installed.size(), "ExecStart=" NL_BIN_DIR "/numledgerd ");
  TempDir dir("nl-unit");
  const std::string path = dir / "numledgerd.service";
  std::ofstream(path) << unit;
  auto r = run({analyze, "verify", path});
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK_MESSAGE(r.err.empty(), r.err);
  // And it would say so: a misspelt key is reported.
  std::string bad = unit;
  bad.replace(bad.find("NoNewPrivileges="), 16, "NoNewPrivilegez=");
  std::ofstream(dir / "bad.service") << bad;
  auto b = run({analyze, "verify", dir / "bad.service"});
  CHECK(b.err.find("Unknown key 'NoNewPrivilegez'") != std::string::npos);
}
