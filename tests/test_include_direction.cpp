// The layering, enforced: crypto ← ledger ← consensus ← node ← cli, with
// ledger/interop beside consensus and node/ split into rooms by concern. Each source folder (a room) lists the
// rooms it may include; a file may include only those. Every folder under
// the five must be listed here, so a new room cannot slip past the check.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

// Room → the rooms its files may include (itself always). The longest
// listed prefix of a file's folder is its room.
const std::map<std::string, std::set<std::string>> kRooms = {
    {"crypto/basics", {}},  // bytes, Result, durable files, strict JSON fields
    {"crypto", {"crypto/basics"}},
    {"ledger", {"crypto/basics", "crypto"}},
    {"ledger/interop", {"crypto/basics", "crypto", "ledger"}},  // RIR, IANA and VRP files: not the rules
    {"consensus", {"crypto/basics", "crypto", "ledger"}},
    {"consensus/sim", {"crypto/basics", "crypto", "ledger", "consensus"}},  // drives the engine; nothing below uses it
    // node/: the network base, then the client library, then the seam and
    // the services on it, composed by node/node.h.
    {"node/net", {"crypto/basics"}},
    // The node's log: every node room may write to it.
    {"node/log", {"crypto/basics"}},
    {"node/explorer", {"crypto/basics", "node/net"}},
    {"node/client", {"crypto/basics", "crypto", "ledger", "node/net"}},
    {"node/transport", {"crypto/basics", "crypto", "ledger", "consensus", "node/log"}},
    {"node/p2p", {"crypto/basics", "crypto", "ledger", "consensus", "node/net", "node/transport", "node/log"}},
    {"node/driver", {"crypto/basics", "crypto", "ledger", "consensus", "node/transport", "node/log"}},
    // Metrics watch the driver and read the chain; nothing below includes them.
    {"node/metrics", {"crypto/basics", "crypto", "ledger", "node/net", "node/driver", "node/rtr"}},
    {"node/http", {"crypto/basics", "crypto", "ledger", "ledger/interop", "consensus", "node/net", "node/client",
                   "node/driver"}},
    {"node/rtr", {"crypto/basics", "crypto", "ledger", "ledger/interop", "node/net", "node/driver", "node/log"}},
    {"node/whois", {"crypto/basics", "crypto", "ledger", "node/net", "node/client", "node/driver", "node/http"}},
    // State sync: serves through the seam beside the driver, joins with a
    // network of its own.
    {"node/statesync", {"crypto/basics", "crypto", "ledger", "node/transport", "node/p2p", "node/driver", "node/log"}},
    {"node", {"crypto/basics", "crypto", "ledger", "ledger/interop", "consensus", "node/net", "node/client",
              "node/transport", "node/p2p", "node/driver", "node/http", "node/rtr", "node/whois", "node/log",
              "node/metrics", "node/explorer", "node/statesync"}},
    // Whole nodes in deterministic simulation: the real driver on a simulated wire and clock.
    {"node/sim", {"crypto/basics", "crypto", "ledger", "consensus", "consensus/sim", "node/transport", "node/p2p",
                  "node/driver", "node/log"}},
    // The CLI talks to nodes through the client library only; it also runs
    // the simulations (consensus/sim, node/sim), quietening their log.
    {"cli", {"crypto/basics", "crypto", "ledger", "ledger/interop", "consensus", "consensus/sim", "node/client",
             "node/sim", "node/log"}},
};

std::optional<std::string> room_of(const std::string& folder) {
  std::string f = folder;
  for (;;) {
    if (kRooms.count(f)) return f;
    const auto slash = f.rfind('/');
    if (slash == std::string::npos) return std::nullopt;
    f.resize(slash);
  }
}

struct Violation {
  std::string file;
  int line = 0;
  std::string included;
};

// The includes of `text` (a file in `folder`) of a room it may not include,
// or of a folder in no room.
std::vector<Violation> check_file(const std::string& file, const std::string& folder, std::istream& text) {
  static const std::regex include_re(R"re(^\s*#\s*include\s*"([^"]+)")re");
  std::vector<Violation> out;
  const auto mine = room_of(folder);
  std::string line;
  int n = 0;
  while (std::getline(text, line)) {
    ++n;
    std::smatch m;
    if (!std::regex_search(line, m, include_re)) continue;
    const std::string path = m[1];
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) continue;  // a file beside it
    const std::string target = path.substr(0, slash);
    const auto theirs = room_of(target);
    if (!theirs)
      out.push_back({file, n, path + " (a folder in no room)"});
    else if (!mine || (*theirs != *mine && !kRooms.at(*mine).count(*theirs)))
      out.push_back({file, n, path});
  }
  return out;
}

}  // namespace

TEST_CASE("no source file includes a room its own may not include") {
  const fs::path root = NL_SOURCE_DIR;
  std::vector<Violation> bad;
  std::vector<std::string> unlisted;
  size_t files = 0;
  for (const char* top : {"crypto", "ledger", "consensus", "node", "cli"}) {
    REQUIRE_MESSAGE(fs::is_directory(root / top), (root / top).string());
    for (const auto& e : fs::recursive_directory_iterator(root / top)) {
      const std::string rel = fs::relative(e.path(), root).generic_string();
      if (e.is_directory()) {
        if (!kRooms.count(rel)) unlisted.push_back(rel);
        continue;
      }
      const auto ext = e.path().extension();
      if (ext != ".h" && ext != ".cpp") continue;
      std::ifstream in(e.path());
      REQUIRE(in.good());
      ++files;
      auto v = check_file(rel, fs::path(rel).parent_path().generic_string(), in);
      bad.insert(bad.end(), v.begin(), v.end());
    }
  }
  CHECK(files > 100);
  for (const auto& f : unlisted) FAIL_CHECK("folder " << f << " is in no room of tests/test_include_direction.cpp");
  for (const auto& v : bad) FAIL_CHECK(v.file << ":" << v.line << " includes " << v.included << ", which its room may not");
}

TEST_CASE("the include check flags an upward or sideways include and passes a downward one") {
  std::istringstream up("#include \"crypto/hash.h\"\n  #include \"node/http/api.h\"\n#include <vector>\n");
  auto v = check_file("ledger/x.cpp", "ledger", up);
  REQUIRE(v.size() == 1);
  CHECK(v[0].line == 2);
  CHECK(v[0].included == "node/http/api.h");
  std::istringstream down("#include \"ledger/block.h\"\n#include \"consensus/engine.h\"\n#include \"x.h\"\n");
  CHECK(check_file("node/x.cpp", "node", down).empty());
  std::istringstream seam("#include \"node/p2p/p2p_network.h\"\n#include \"node/transport/transport.h\"\n");
  auto driver = check_file("node/driver/x.cpp", "node/driver", seam);  // the driver knows only the seam
  REQUIRE(driver.size() == 1);
  CHECK(driver[0].included == "node/p2p/p2p_network.h");
  std::istringstream server("#include \"node/net/tcp_server.h\"\n");
  CHECK(check_file("cli/x.cpp", "cli", server).size() == 1);  // the CLI links the client library only
  std::istringstream sim("#include \"consensus/sim/simulation.h\"\n");
  CHECK(check_file("consensus/engine.cpp", "consensus", sim).size() == 1);
  std::istringstream sideways("#include \"ledger/interop/rir_import.h\"\n");
  CHECK(check_file("consensus/engine.cpp", "consensus", sideways).size() == 1);
  std::istringstream below("#include \"ledger/block.h\"\n");
  CHECK(check_file("ledger/interop/x.cpp", "ledger/interop", below).empty());
  std::istringstream nowhere("#include \"elsewhere/y.h\"\n");
  CHECK(check_file("node/x.cpp", "node", nowhere).size() == 1);
}
