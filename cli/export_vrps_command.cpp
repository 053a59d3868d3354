// numledger export vrps: a node's route-origin authorizations as validated
// ROA payloads in Routinator's json or csv format, so that tools built for
// RPKI validators read them unchanged. "generated" is the time of the block
// the set was read at, so exporting one height twice gives identical bytes.
// --slurm FILE applies local exceptions (RFC 8416) as numledgerd --slurm
// does for RTR: the same reader and the same transform (ledger/interop/slurm.h).
#include <cstdio>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/node_client.h"
#include "ledger/interop/slurm_file.h"
#include "ledger/interop/vrp.h"

namespace nl::cli {

namespace {

using nlohmann::json;

// The trust anchor written for a SLURM prefix assertion, so that a reader
// can tell local additions from the ledger's VRPs.
constexpr const char* kSlurmTrustAnchor = "slurm";

struct ExportVrpsOpts {
  std::string format = "json", node, ta = "numledger", out, slurm;
};

std::string text_field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// One entry of GET /api/v1/authorizations, checked like any VRP input.
Result<ledger::Vrp> vrp_of(const json& a, const std::string& ta) {
  if (!a.is_object()) return fail("an authorization is not an object");
  auto prefix = ledger::Resource::parse(text_field(a, "prefix"));
  if (!prefix || prefix->family == ledger::Family::asn || !prefix->prefix_length())
    return fail("authorization prefix '" + text_field(a, "prefix") + "' is not a CIDR prefix");
  auto asn = parse_asn(text_field(a, "asn"));
  if (!asn) return asn.take_error();
  auto ml = a.find("max_length");
  int len = *prefix->prefix_length();
  if (ml == a.end() || !ml->is_number_unsigned() || ml->get<uint64_t>() < static_cast<uint64_t>(len) ||
      ml->get<uint64_t>() > static_cast<uint64_t>(ledger::family_bits(prefix->family)))
    return fail("authorization of " + prefix->to_string() + " has no valid max_length");
  return ledger::Vrp{*asn, *prefix, static_cast<uint8_t>(ml->get<uint64_t>()), ta};
}

// The block time at `height`; height 0 is the genesis, which has no block.
Result<uint64_t> time_at(const NodeClient& node, uint64_t height) {
  auto j = height > 0 ? node.get("/api/v1/block/" + std::to_string(height)) : node.get("/api/v1/status");
  if (!j) return j.take_error();
  const json& h = height > 0 ? (*j)["header"] : *j;
  if (!h.is_object() || !h.contains("time") || !h["time"].is_number_unsigned() || !h.contains("height") ||
      h["height"] != height)
    return fail("node " + node.url() + " did not report the time of height " + std::to_string(height));
  return h["time"].get<uint64_t>();
}

// Every authorization at one height: the pages of GET /api/v1/authorizations
// (1,000 at a time), started over when a block commits between two pages.
struct Snapshot {
  std::vector<ledger::Vrp> vrps;
  uint64_t height = 0;
};

Result<Snapshot> fetch_vrps(const NodeClient& node, const std::string& ta) {
  constexpr int kAttempts = 5;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    Snapshot snap;
    std::optional<uint64_t> height;
    std::string cursor;
    bool moved = false;
    do {
      std::string target = "/api/v1/authorizations?limit=1000";
      if (!cursor.empty()) target += "&cursor=" + cursor;
      auto j = node.get(target);
      if (!j) return j.take_error();
      auto list = j->find("authorizations");
      auto h = j->find("height");
      if (list == j->end() || !list->is_array() || h == j->end() || !h->is_number_unsigned())
        return fail("node " + node.url() + " sent no authorization list");
      if (height && *height != h->get<uint64_t>()) {
        moved = true;
        break;
      }
      height = h->get<uint64_t>();
      for (const auto& a : *list) {
        auto v = vrp_of(a, ta);
        if (!v) return fail("node " + node.url() + " sent a bad authorization: " + v.error());
        snap.vrps.push_back(std::move(*v));
      }
      cursor = text_field(*j, "next_cursor");
    } while (!cursor.empty());
    if (moved) continue;
    snap.height = *height;
    return snap;
  }
  return fail("the chain committed a block between two pages of authorizations " + std::to_string(kAttempts) +
              " times in a row; retry when it is quieter");
}

int run_export_vrps(const ExportVrpsOpts& o) {
  if (o.node.empty()) return report(kExitUsage, "no node named: pass --node URL or set NUMLEDGER_NODE");
  // A bad SLURM file is refused before the node is asked anything.
  std::optional<ledger::Slurm> slurm;
  if (!o.slurm.empty()) {
    auto s = ledger::read_slurm_file(o.slurm);
    if (!s) return report(kExitFailure, "--slurm: " + s.error());
    slurm = std::move(*s);
  }
  NodeClient node(o.node, std::chrono::seconds(120));
  auto snap = fetch_vrps(node, o.ta);
  if (!snap) return report(kExitFailure, snap.error());
  std::vector<ledger::Vrp>& vrps = snap->vrps;
  if (slurm)
    vrps = ledger::apply_slurm(*slurm, std::move(vrps), [](const ledger::SlurmPrefixAssertion& a) {
      return ledger::Vrp{a.asn, a.prefix, a.max_length, kSlurmTrustAnchor};
    });
  const uint64_t height = snap->height;
  uint64_t generated = unix_now();
  // Between the two requests the tip may move on; then "now" stands in.
  if (auto t = time_at(node, height)) generated = *t;

  std::string text = o.format == "json" ? ledger::format_vrps_json(vrps, generated) : ledger::format_vrps_csv(vrps);
  if (o.out.empty()) {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
      return report(kExitFailure, "cannot write to standard output");
    return kExitOk;
  }
  if (auto s = write_file(o.out, text); !s) return report(kExitFailure, s.error());
  std::fprintf(stderr, "wrote %s: %zu VRPs at height %llu\n", o.out.c_str(), vrps.size(),
               static_cast<unsigned long long>(height));
  return kExitOk;
}

}  // namespace

void add_export_vrps_command(CLI::App& exp, Dispatch& d) {
  auto [cmd, o] = add_command<ExportVrpsOpts>(
      exp, "vrps", "route-origin authorizations as VRPs in Routinator's json or csv format", d, run_export_vrps);
  cmd->add_option("--format", o->format, "json (the default, as Routinator's) or csv")
      ->capture_default_str()
      ->check(CLI::IsMember({"json", "csv"}));
  cmd->add_option("--ta", o->ta, "trust anchor name written in every entry")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& s) {
            auto st = ledger::check_trust_anchor(s);
            return st ? std::string() : st.error();
          },
          "NAME"));
  cmd->add_option("--out", o->out, "write to FILE (atomically) instead of standard output");
  cmd->add_option("--slurm", o->slurm,
                  "apply a SLURM file (RFC 8416) of local exceptions, as numledgerd --slurm does for RTR: prefix "
                  "filters remove VRPs, prefix assertions add VRPs with trust anchor \"slurm\"")
      ->check(CLI::ExistingFile);
  add_node_option(cmd, o->node);
}

}  // namespace nl::cli
