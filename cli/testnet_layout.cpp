#include "cli/testnet_layout.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ledger/genesis.h"

namespace nl::cli::testnet {

namespace fs = std::filesystem;

namespace {

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// "validator12" -> (true, 12); anything else -> nullopt.
std::optional<std::pair<bool, unsigned>> parse_node_name(const std::string& name) {
  for (bool validator : {true, false}) {
    const std::string prefix = validator ? "validator" : "observer";
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 4 || digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
    return std::make_pair(validator, static_cast<unsigned>(std::stoul(digits)));
  }
  return std::nullopt;
}

// The single value of `key` in a numledgerd config, read the way numledgerd
// reads it (CLI11's TOML reader).
Result<std::string> config_value(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  if (!in) return fail(path + ": cannot be read");
  std::vector<CLI::ConfigItem> items;
  try {
    items = CLI::ConfigTOML().from_config(in);
  } catch (const CLI::Error& e) {
    return fail(path + ": not a numledgerd config: " + e.what());
  }
  for (const auto& item : items)
    if (item.parents.empty() && item.name == key) {
      if (item.inputs.size() != 1 || item.inputs[0].empty())
        return fail(path + ": '" + key + "' must have exactly one value");
      return item.inputs[0];
    }
  return fail(path + ": has no '" + key + "' setting");
}

}  // namespace

Status check_config_path(const std::string& path) {
  for (unsigned char c : path)
    if (c < 0x20 || c == 0x7f || c == '"' || c == '\'' || c == '`' || c == '\\' || c == '#')
      return fail("'" + path +
                  "' cannot go into a numledgerd config: paths with quotes, backslashes, '#' or control "
                  "characters are not supported");
  return {};
}

std::string render_config(const NodeConfig& c) {
  std::ostringstream o;
  o << "# numledgerd config written by `numledger testnet init`; numledgerd --config reads it.\n"
    << "# Keys are numledgerd's long options; flags on the command line override them.\n";
  o << "home = " << quoted(c.home) << "\n";
  o << "genesis = " << quoted(c.genesis) << "\n";
  if (!c.validator_key.empty()) o << "validator-key = " << quoted(c.validator_key) << "\n";
  if (!c.node_key.empty()) o << "node-key = " << quoted(c.node_key) << "\n";
  o << "listen = " << quoted(c.listen) << "\n";
  if (!c.peers.empty()) {
    o << "peer = [";
    for (size_t i = 0; i < c.peers.size(); ++i) o << (i ? ", " : "") << quoted(c.peers[i]);
    o << "]\n";
  }
  if (c.block_interval) o << "block-interval = " << number_text(*c.block_interval) << "\n";
  if (c.timeout_propose) o << "timeout-propose = " << *c.timeout_propose << "\n";
  if (c.timeout_prevote) o << "timeout-prevote = " << *c.timeout_prevote << "\n";
  if (c.timeout_precommit) o << "timeout-precommit = " << *c.timeout_precommit << "\n";
  if (!c.fault_plan.empty()) o << "fault-plan = " << quoted(c.fault_plan) << "\n";
  return o.str();
}

std::string node_name(bool validator, unsigned index) {
  return (validator ? "validator" : "observer") + std::to_string(index);
}

const NodeSpec* Testnet::find(const std::string& name) const {
  for (const auto& n : nodes)
    if (n.name == name) return &n;
  return nullptr;
}

Result<std::vector<const NodeSpec*>> select_nodes(const Testnet& t, const std::vector<std::string>& names) {
  for (const auto& name : names)
    if (!t.find(name)) {
      std::string known;
      for (const auto& n : t.nodes) known += (known.empty() ? "" : ", ") + n.name;
      return fail("--only " + name + ": no such node in " + t.dir + " (it has " + known + ")");
    }
  std::vector<const NodeSpec*> out;
  for (const auto& n : t.nodes)
    if (names.empty() || std::find(names.begin(), names.end(), n.name) != names.end()) out.push_back(&n);
  return out;
}

Result<Testnet> load_testnet(const std::string& dir) {
  if (dir.empty()) return fail("--dir is empty");
  std::error_code ec;
  auto st = fs::status(dir, ec);
  if (!fs::exists(st)) return fail(dir + ": no such directory");
  if (!fs::is_directory(st)) return fail(dir + ": not a directory");
  Testnet t;
  t.dir = fs::absolute(dir, ec).lexically_normal().string();
  while (t.dir.size() > 1 && t.dir.back() == '/') t.dir.pop_back();
  const std::string not_testnet = dir + " is not a testnet directory (made by `numledger testnet init`): ";
  if (!fs::exists(t.genesis_path(), ec)) return fail(not_testnet + "it has no genesis.json");
  auto g = ledger::Genesis::load(t.genesis_path());
  if (!g) return fail(not_testnet + g.error());
  t.chain_id = g->chain_id;

  for (fs::directory_iterator it(t.dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_directory(ec)) continue;
    auto parsed = parse_node_name(it->path().filename().string());
    if (!parsed) continue;
    NodeSpec n;
    n.name = it->path().filename().string();
    n.validator = parsed->first;
    n.index = parsed->second;
    n.dir = it->path().string();
    if (!fs::exists(n.config_path(), ec)) continue;
    auto listen = config_value(n.config_path(), "listen");
    if (!listen) return fail(listen.error());
    n.listen = *listen;
    t.nodes.push_back(std::move(n));
  }
  if (ec) return fail(dir + ": cannot list: " + ec.message());
  if (t.nodes.empty())
    return fail(not_testnet + "no node directory (validator0, ..., observer0, ...) with a " + kConfigFile);
  std::sort(t.nodes.begin(), t.nodes.end(), [](const NodeSpec& a, const NodeSpec& b) {
    if (a.validator != b.validator) return a.validator;
    return a.index < b.index;
  });
  return t;
}

}  // namespace nl::cli::testnet
