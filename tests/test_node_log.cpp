// numledgerd's log (issue 17, item 5): --log-format json writes one JSON
// object per line with time, level and message, and height, peer and tx
// fields where they apply; --log-level debug adds the consensus trace, and
// warn leaves out the info events; an unknown level or format is a usage
// error that names the choices.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "support/node_fixture.h"

using namespace nl;
using namespace nl::test;
using nlohmann::json;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

// Waits until the node has committed past `height`.
void wait_height(NodeFixture& n, uint64_t height) {
  for (int i = 0; i < 200; ++i) {
    auto s = node::http_request(n.url, "GET", "/api/v1/status", "", std::chrono::seconds(2));
    if (s.ok() && json::parse(s->body)["height"].get<uint64_t>() > height) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL("no height above " << height << ": " << n.node.log());
}

}  // namespace

TEST_CASE("numledgerd --log-format json --log-level debug: one object per line, fields, the consensus trace") {
  NodeFixture n;
  n.start({"--log-format", "json", "--log-level", "debug"});
  wait_height(n, 3);
  n.node.kill(SIGTERM);
  const auto lines = lines_of(n.node.log());
  REQUIRE(lines.size() > 5);
  size_t committed = 0, trace = 0;
  for (const auto& l : lines) {
    CAPTURE(l);
    json j = json::parse(l, nullptr, false);
    REQUIRE(j.is_object());
    REQUIRE(j["time"].is_string());
    CHECK(j["time"].get<std::string>().back() == 'Z');
    const std::string level = j["level"];
    CHECK((level == "debug" || level == "info" || level == "warn"));
    const std::string msg = j["msg"];
    if (msg.rfind("committed height ", 0) == 0) {
      ++committed;
      REQUIRE(j["height"].is_number_unsigned());
      CHECK(msg.rfind("committed height " + std::to_string(j["height"].get<uint64_t>()) + ":", 0) == 0);
    }
    if (msg.rfind("consensus: ", 0) == 0) {
      ++trace;
      CHECK(level == "debug");
      CHECK(j["height"].is_number_unsigned());
    }
  }
  CHECK(committed >= 3);
  CHECK(trace >= 3 * committed);  // at least a proposal, a prevote and a precommit each
  const json last = json::parse(lines.back());
  CHECK(last["msg"].get<std::string>().rfind("stopped cleanly at height ", 0) == 0);
}

TEST_CASE("numledgerd --log-level warn leaves out info events; the default text line has time, level and fields") {
  SUBCASE("warn") {
    NodeFixture n;
    n.start({"--log-level", "warn"});
    wait_height(n, 2);
    n.node.kill(SIGTERM);
    CHECK(n.node.log().find("committed height") == std::string::npos);
  }
  SUBCASE("text at info") {
    NodeFixture n;
    n.start();
    wait_height(n, 2);
    n.node.kill(SIGTERM);
    const std::string log = n.node.log();
    const size_t at = log.find(" info numledgerd: committed height 1: ");
    REQUIRE_MESSAGE(at != std::string::npos, log);
    const size_t start = log.rfind('\n', at) == std::string::npos ? 0 : log.rfind('\n', at) + 1;
    const std::string line = log.substr(start, log.find('\n', at) - start);
    CHECK(line.size() > 24);
    CHECK(line[4] == '-');
    CHECK(line[10] == 'T');
    CHECK(line[23] == 'Z');  // 2026-12-05T23:30:00.123Z
    CHECK(line.find(" height=1") != std::string::npos);
    CHECK(log.find("consensus: ") == std::string::npos);  // the trace is at debug
  }
}

TEST_CASE("numledgerd: an unknown --log-level or --log-format is a usage error naming the choices") {
  TempDir dir("nl-log-usage");
  for (const auto& [flag, value] : {std::pair{"--log-level", "loud"}, std::pair{"--log-format", "xml"}}) {
    auto r = run({kNodeBin, "--home", dir / "home", "--genesis", "/etc/hostname", flag, value});
    CHECK(r.code == 2);
    CHECK_MESSAGE(r.err.find(value) != std::string::npos, r.err);
    CHECK_MESSAGE(r.err.find(std::string(flag) == "--log-level" ? "debug" : "json") != std::string::npos, r.err);
  }
}
