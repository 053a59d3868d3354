// numledger testnet init: a fresh testnet directory (layout in
// cli/testnet_layout.h). Nothing is left behind when it fails.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include "cli/cli_common.h"
#include "cli/exit_codes.h"
#include "cli/testnet_commands.h"
#include "cli/testnet_layout.h"
#include "cli/testnet_netns.h"
#include "crypto/key_file.h"
#include "ledger/genesis.h"
#include "ledger/interop/rir_keystore.h"
#include "ledger/transaction.h"

namespace nl::cli::testnet {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kDefaultRoots = {"10.0.0.0/8", "2001:db8::/32", "AS64496-AS64511"};

// A new key file; returns its key.
Result<crypto::SecretKey> new_key(const std::string& path) {
  auto key = crypto::SecretKey::generate();
  if (auto s = crypto::save_key_file(path, key, std::nullopt); !s) return s.take_error();
  return key;
}

Result<std::vector<ledger::Resource>> parse_roots(const std::vector<std::string>& texts) {
  std::vector<ledger::Resource> roots;
  for (const auto& text : texts.empty() ? kDefaultRoots : texts) {
    auto r = ledger::Resource::parse(text);
    if (!r) return fail("--root " + text + ": " + r.error());
    // Invariant I1: roots are pairwise disjoint.
    for (const auto& other : roots)
      if (other.overlaps(*r)) return fail("--root " + r->to_string() + " overlaps --root " + other.to_string());
    roots.push_back(*r);
  }
  return roots;
}

// Refuses a DIR that holds anything: init never overwrites a testnet.
Status check_dir_free(const std::string& dir) {
  std::error_code ec;
  auto st = fs::symlink_status(dir, ec);
  if (!fs::exists(st)) return {};
  if (!fs::is_directory(st)) return fail(dir + ": exists and is not a directory");
  if (!fs::is_empty(dir, ec) || ec)
    return fail(dir + ": exists and is not empty; refusing to overwrite it (choose a new --dir or remove it)");
  return {};
}

struct Written {
  std::string genesis_hash, root_account;  // root_account empty with --genesis
  size_t keystore_orgs = 0;
};

// A genesis given with --genesis, and the form of its file (kept: a compact
// genesis stays compact, which is what makes a full-size one quick to read).
struct GivenGenesis {
  ledger::Genesis genesis;
  ledger::Genesis::Format format = ledger::Genesis::Format::json;
};

Result<GivenGenesis> read_given_genesis(const std::string& path) {
  auto g = ledger::Genesis::load(path);
  if (!g) return fail("--genesis " + path + ": " + g.error());
  GivenGenesis out{std::move(*g), ledger::Genesis::Format::json};
  std::string head(ledger::kGenesisBinaryMagic.size(), '\0');
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    head.resize(std::fread(head.data(), 1, head.size(), f));
    std::fclose(f);
  }
  if (head == ledger::kGenesisBinaryMagic) out.format = ledger::Genesis::Format::binary;
  return out;
}

// The holders' keystore (--keystore) into DIR/holders/keystore; how many
// organisations it holds.
Result<size_t> copy_keystore(const std::string& from, const std::string& to_dir) {
  const std::string file = (fs::path(from) / ledger::RirKeystore::kFileName).string();
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    return fail("--keystore " + from + ": no " + ledger::RirKeystore::kFileName + " there (import rir --keystore writes one)");
  fs::create_directories(to_dir, ec);
  if (ec) return fail(to_dir + ": " + ec.message());
  fs::copy_file(file, (fs::path(to_dir) / ledger::RirKeystore::kFileName), ec);
  if (ec) return fail(to_dir + ": " + ec.message());
  // Count its organisations without its passphrase: one JSON line each.
  size_t lines = 0;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) lines += !line.empty() && line.find("\"org\"") != std::string::npos;
  return lines;
}

// Everything init writes, into the existing empty directory t.dir.
Result<Written> write_testnet(const InitOptions& o, const std::string& chain_id,
                              const std::vector<ledger::Resource>& roots, const std::optional<GivenGenesis>& given,
                              Testnet& t) {
  std::error_code ec;
  fs::create_directories(t.dir + "/holders", ec);
  if (ec) return fail(t.dir + "/holders: " + ec.message());

  ledger::Genesis g;
  Written written;
  if (given) {
    // Its roots, holdings and authorizations; the validators are this testnet's.
    g = given->genesis;
    g.validators.validators.clear();
    if (!o.keystore.empty()) {
      auto n = copy_keystore(o.keystore, t.dir + "/holders/keystore");
      if (!n) return n.take_error();
      written.keystore_orgs = *n;
    }
  } else {
    auto root = new_key(t.root_key_path());
    if (!root) return root.take_error();
    g.chain_id = chain_id;
    g.genesis_time = unix_now();
    for (const auto& r : roots) g.roots.push_back({r, ledger::AccountId{root->public_key()}, {}});
    written.root_account = ledger::AccountId{root->public_key()}.to_string();
  }

  const unsigned total = o.validators + o.observers;
  const NetnsPlan plan = plan_for(t.dir);  // used with --netns only
  for (unsigned i = 0; i < total; ++i) {
    NodeSpec n;
    n.validator = i < o.validators;
    n.index = n.validator ? i : i - o.validators;
    n.name = node_name(n.validator, n.index);
    n.dir = t.dir + "/" + n.name;
    n.listen = !o.hosts.empty() ? o.hosts[i] + ":" + std::to_string(o.base_port)
               : o.netns        ? plan.address(i) + ":" + std::to_string(o.base_port)
                                : "127.0.0.1:" + std::to_string(o.base_port + i);
    fs::create_directories(n.dir, ec);
    if (ec) return fail(n.dir + ": " + ec.message());
    auto key = new_key(n.dir + (n.validator ? "/validator.key" : "/node.key"));
    if (!key) return key.take_error();
    if (n.validator) g.validators.validators.push_back({key->public_key(), 1});
    t.nodes.push_back(std::move(n));
  }
  std::sort(g.validators.validators.begin(), g.validators.validators.end());
  if (auto s = g.validators.validate(); !s) return fail("validator set: " + s.error());
  if (auto s = g.save(t.genesis_path(), given ? given->format : ledger::Genesis::Format::json); !s)
    return s.take_error();
  auto back = ledger::Genesis::load(t.genesis_path());
  if (!back || back->hash() != g.hash()) return fail("internal: " + t.genesis_path() + " does not read back");

  const bool remote = !o.hosts.empty();
  for (const auto& n : t.nodes) {
    NodeConfig c;
    // For other machines, paths relative to the node's directory, which
    // numledgerd is started in there and which carries its own genesis.
    const std::string here = remote ? "" : n.dir + "/";
    c.home = remote ? "data" : n.home();
    c.genesis = remote ? "genesis.json" : t.genesis_path();
    if (remote) {
      std::error_code copy_ec;
      fs::copy_file(t.genesis_path(), n.dir + "/genesis.json", copy_ec);
      if (copy_ec) return fail(n.dir + "/genesis.json: " + copy_ec.message());
    }
    c.listen = n.listen;
    if (n.validator)
      c.validator_key = here + "validator.key";
    else
      c.node_key = here + "node.key";
    // Validators peer with every other validator; observers with every validator.
    for (const auto& v : t.nodes)
      if (v.validator && v.name != n.name) c.peers.push_back(v.listen);
    c.block_interval = o.block_interval;
    c.timeout_propose = o.timeout_propose;
    c.timeout_prevote = o.timeout_prevote;
    c.timeout_precommit = o.timeout_precommit;
    if (!o.latency.empty()) {
      auto lat = parse_latency(o.latency);
      if (!lat) return lat.take_error();
      c.fault_plan = here + "latency.plan";
      const std::string plan = "# numledger testnet init --latency " + o.latency + ": every peer link, one way\n" +
                               "* delay=" + std::to_string(lat->delay_ms) + " jitter=" + std::to_string(lat->jitter_ms) +
                               "\n";
      if (auto s = write_file(n.dir + "/latency.plan", plan); !s) return s.take_error();
    }
    if (auto s = write_file(n.config_path(), render_config(c)); !s) return s.take_error();
  }
  if (o.netns)
    if (auto s = write_netns(t.dir, plan); !s) return s.take_error();
  if (remote)
    if (auto s = write_file(t.dir + "/" + kHostsFile, "# made by numledger testnet init --host: each node runs on its own "
                                                      "machine; `testnet start` does not start them here\n");
        !s)
      return s.take_error();
  // What numledgerd will read is what was meant.
  auto loaded = load_testnet(t.dir);
  if (!loaded) return fail("internal: the testnet does not read back: " + loaded.error());
  if (loaded->nodes.size() != t.nodes.size()) return fail("internal: the testnet does not read back all its nodes");
  for (size_t i = 0; i < t.nodes.size(); ++i)
    if (loaded->nodes[i].name != t.nodes[i].name || loaded->nodes[i].listen != t.nodes[i].listen)
      return fail("internal: " + t.nodes[i].config_path() + " does not read back");
  written.genesis_hash = g.hash().hex();
  return written;
}

bool chain_id_given(const InitOptions& o) { return o.chain_id_opt && o.chain_id_opt->count() > 0; }

}  // namespace

Result<Latency> parse_latency(const std::string& text) {
  const size_t colon = text.find(':');
  auto number = [&text](const std::string& part) -> Result<unsigned> {
    if (part.empty() || part.size() > 5 || part.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(part) > 60000)
      return fail("--latency '" + text + "': expected MS[:JITTER_MS], each a whole number of ms up to 60000");
    return static_cast<unsigned>(std::stoul(part));
  };
  auto delay = number(text.substr(0, colon));
  if (!delay) return delay.take_error();
  Latency l{*delay, 0};
  if (colon != std::string::npos) {
    auto jitter = number(text.substr(colon + 1));
    if (!jitter) return jitter.take_error();
    l.jitter_ms = *jitter;
  }
  return l;
}

int run_init(const InitOptions& o) {
  const std::string chain_id = o.genesis.empty() || chain_id_given(o) ? o.chain_id : std::string(kDefaultChainId);
  if (!ledger::valid_chain_id(chain_id))
    return report(kExitUsage, "--chain-id '" + chain_id.substr(0, 80) + "': a chain id is 1-" +
                                  std::to_string(ledger::kMaxChainIdBytes) +
                                  " printable ASCII characters without spaces");
  const unsigned total = o.validators + o.observers;
  if (!o.hosts.empty() && o.hosts.size() != total)
    return report(kExitUsage, "--host given " + std::to_string(o.hosts.size()) + " times for " + std::to_string(total) +
                                  " nodes: give one address per node, validators first");
  for (const auto& h : o.hosts)
    if (h.empty() || h.find_first_of(" \t\"'#:\\") != std::string::npos)
      return report(kExitUsage, "--host '" + h + "': expected an IPv4 address or a host name (no port)");
  if (!o.netns && o.hosts.empty() && o.base_port + total - 1 > 65535)
    return report(kExitUsage, "--base-port " + std::to_string(o.base_port) + " leaves no room for " +
                                  std::to_string(total) + " nodes (the last port would be " +
                                  std::to_string(o.base_port + total - 1) + ")");
  auto roots = parse_roots(o.roots);
  if (!roots) return report(kExitUsage, roots.error());
  std::optional<GivenGenesis> given;
  if (!o.genesis.empty()) {
    auto g = read_given_genesis(o.genesis);
    if (!g) return report(kExitFailure, g.error());
    if (chain_id_given(o) && o.chain_id != g->genesis.chain_id)
      return report(kExitUsage, "--chain-id '" + o.chain_id + "' differs from the chain id of --genesis " + o.genesis +
                                    ", '" + g->genesis.chain_id + "' (leave --chain-id out)");
    given = std::move(*g);
  }

  Testnet t;
  std::error_code ec;
  t.dir = fs::absolute(o.dir, ec).lexically_normal().string();
  while (t.dir.size() > 1 && t.dir.back() == '/') t.dir.pop_back();
  if (ec || o.dir.empty()) return report(kExitUsage, "--dir '" + o.dir + "' is not a usable path");
  if (auto s = check_config_path(t.dir); !s) return report(kExitUsage, "--dir: " + s.error());
  if (auto s = check_dir_free(t.dir); !s) return report(kExitFailure, s.error());
  const bool existed = fs::exists(t.dir, ec);
  if (!existed) {
    fs::create_directories(t.dir, ec);
    if (ec) return report(kExitFailure, t.dir + ": cannot create: " + ec.message());
  }
  t.chain_id = given ? given->genesis.chain_id : chain_id;

  auto written = write_testnet(o, t.chain_id, *roots, given, t);
  if (!written) {
    // Leave the directory as it was: absent, or empty.
    if (existed) {
      for (fs::directory_iterator it(t.dir, ec), end; !ec && it != end; it.increment(ec)) fs::remove_all(it->path(), ec);
    } else {
      fs::remove_all(t.dir, ec);
    }
    return report(kExitFailure, "testnet init: " + written.error());
  }

  if (!o.hosts.empty())
    std::printf("wrote testnet %s: chain '%s', %u validator(s), %u observer(s), for %zu machines, each node at its "
                "--host on port %u\ncopy DIR/<node>/ to each node's machine and start it there, in that directory: "
                "numledgerd --config numledgerd.toml\n",
                t.dir.c_str(), t.chain_id.c_str(), o.validators, o.observers, o.hosts.size(), o.base_port);
  else if (auto plan = read_netns(t.dir); o.netns && plan && *plan)
    std::printf("wrote testnet %s: chain '%s', %u validator(s), %u observer(s), each in its own network namespace at "
                "%s-%s port %u (start and stop need root)\n",
                t.dir.c_str(), t.chain_id.c_str(), o.validators, o.observers, (*plan)->address(0).c_str(),
                (*plan)->address(total - 1).c_str(), o.base_port);
  else
    std::printf("wrote testnet %s: chain '%s', %u validator(s), %u observer(s), ports %u-%u\n", t.dir.c_str(),
                t.chain_id.c_str(), o.validators, o.observers, o.base_port, o.base_port + total - 1);
  std::printf("genesis hash %s\n", written->genesis_hash.c_str());
  if (given) {
    std::printf("genesis from %s: %zu roots, %zu holdings, %zu authorizations, run by this testnet's validators (sign "
                "for %s, not for the file given)\n",
                o.genesis.c_str(), given->genesis.roots.size(), given->genesis.holding_count(),
                given->genesis.authorizations.size(), t.genesis_path().c_str());
    if (!o.keystore.empty())
      std::printf("holders' keys: %s/holders/keystore (%zu organisations, as in %s)\n", t.dir.c_str(),
                  written->keystore_orgs, o.keystore.c_str());
  } else {
    std::printf("root holder %s (key %s, no passphrase) holds", written->root_account.c_str(),
                t.root_key_path().c_str());
    for (const auto& r : *roots) std::printf(" %s", r.to_string().c_str());
    std::printf("\n");
  }
  if (o.hosts.empty()) std::printf("start it with: numledger testnet start --dir %s\n", t.dir.c_str());
  return kExitOk;
}

}  // namespace nl::cli::testnet
