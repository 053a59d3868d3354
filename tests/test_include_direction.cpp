// The layering, enforced: crypto ← ledger ← consensus ← node ← cli. Each
// source folder has a floor; a file may include only folders on its floor
// or below. Every folder under the five must be listed here, so a new room
// cannot slip past the check.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

// Folder → floor. The longest listed prefix of a file's folder decides.
// Rooms on one floor may include each other.
const std::map<std::string, int> kFloors = {
    {"crypto", 0},
    {"ledger", 1},
    {"consensus", 2},
    {"consensus/sim", 3},  // the simulator drives the engine; nothing below uses it
    {"node", 4},
    {"cli", 5},
};

std::optional<int> floor_of(const std::string& folder) {
  std::string f = folder;
  for (;;) {
    if (auto it = kFloors.find(f); it != kFloors.end()) return it->second;
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

// The includes of `text` (a file in `folder`) that point to a higher floor,
// or to a folder with no floor.
std::vector<Violation> check_file(const std::string& file, const std::string& folder, std::istream& text) {
  static const std::regex include_re(R"re(^\s*#\s*include\s*"([^"]+)")re");
  std::vector<Violation> out;
  const auto mine = floor_of(folder);
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
    const auto theirs = floor_of(target);
    if (!theirs)
      out.push_back({file, n, path + " (a folder with no floor)"});
    else if (!mine || *theirs > *mine)
      out.push_back({file, n, path});
  }
  return out;
}

}  // namespace

TEST_CASE("no source file includes a folder above its own") {
  const fs::path root = NL_SOURCE_DIR;
  std::vector<Violation> bad;
  std::vector<std::string> unlisted;
  size_t files = 0;
  for (const char* top : {"crypto", "ledger", "consensus", "node", "cli"}) {
    REQUIRE_MESSAGE(fs::is_directory(root / top), (root / top).string());
    for (const auto& e : fs::recursive_directory_iterator(root / top)) {
      const std::string rel = fs::relative(e.path(), root).generic_string();
      if (e.is_directory()) {
        if (!kFloors.count(rel)) unlisted.push_back(rel);
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
  for (const auto& f : unlisted) FAIL_CHECK("folder " << f << " has no floor in tests/test_include_direction.cpp");
  for (const auto& v : bad) FAIL_CHECK(v.file << ":" << v.line << " includes " << v.included << ", above its floor");
}

TEST_CASE("the include check flags an upward include and passes a downward one") {
  std::istringstream up("#include \"crypto/hash.h\"\n  #include \"node/api.h\"\n#include <vector>\n");
  auto v = check_file("ledger/x.cpp", "ledger", up);
  REQUIRE(v.size() == 1);
  CHECK(v[0].line == 2);
  CHECK(v[0].included == "node/api.h");
  std::istringstream down("#include \"ledger/block.h\"\n#include \"consensus/engine.h\"\n#include \"x.h\"\n");
  CHECK(check_file("node/x.cpp", "node", down).empty());
  std::istringstream sim("#include \"consensus/sim/simulation.h\"\n");
  CHECK(check_file("consensus/engine.cpp", "consensus", sim).size() == 1);
  std::istringstream nowhere("#include \"elsewhere/y.h\"\n");
  CHECK(check_file("node/x.cpp", "node", nowhere).size() == 1);
}
