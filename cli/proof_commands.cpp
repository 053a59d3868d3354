// numledger proof get / proof verify. Verifying needs nothing but the proof
// file and the genesis: no node is trusted or even contacted.
#include <cstdio>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/node_client.h"
#include "ledger/control_proof.h"
#include "ledger/genesis.h"
#include "ledger/proof_compare.h"
#include "ledger/trusted_set.h"

namespace nl::cli {

namespace {

struct GetOpts {
  std::string resource, out, node;
};

int run_get(const GetOpts& o) {
  if (o.node.empty()) return report(kExitUsage, "no node named: pass --node URL or set NUMLEDGER_NODE");
  NodeClient node(o.node);
  auto j = node.get("/api/v1/proof/" + encode_path_segment(o.resource));
  if (!j) return report(kExitFailure, j.error());
  auto it = j->find("proof");
  if (it == j->end() || !it->is_string())
    return report(kExitFailure, "node " + node.url() + " sent no \"proof\" for " + o.resource);
  auto bytes = from_hex(it->get<std::string>());
  if (!bytes) return report(kExitFailure, "node " + node.url() + " sent a \"proof\" that is not hex");
  // Refuse to store something that is not even a well-formed proof.
  auto p = ledger::ControlProof::decode(*bytes);
  if (!p) return report(kExitFailure, "node " + node.url() + " sent a malformed proof: " + p.error());
  std::string data(bytes->begin(), bytes->end());
  if (auto s = write_file(o.out, data); !s) return report(kExitFailure, s.error());
  std::printf("wrote %s: proof of %s, %zu bytes, at height %llu, %zu validator-set changes, %zu custody hops\n",
              o.out.c_str(), p->resource.to_string().c_str(), bytes->size(),
              static_cast<unsigned long long>(p->state_header().header.height), p->set_changes.size(),
              p->custody.size());
  return kExitOk;
}

struct VerifyOpts {
  std::string file, genesis, trusted_set, save_trusted_set;
  bool json = false;
};

int invalid(const VerifyOpts& o, const std::string& reason) {
  if (o.json) std::printf("%s\n", nlohmann::json{{"valid", false}, {"reason", reason}}.dump().c_str());
  std::fprintf(stderr, "invalid proof: %s\n", reason.c_str());
  return kExitFailure;
}

// From the genesis: every set change and the custody chain. From a trusted
// set: the set changes after it, and no custody (a set names no holders).
Result<ledger::ControlAnswer> verify_from_start(const VerifyOpts& o, const ledger::ControlProof& proof) {
  if (!o.trusted_set.empty()) {
    auto start = ledger::TrustedSet::load(o.trusted_set);
    if (!start) return start.take_error();
    return ledger::verify_control_proof(proof, *start);
  }
  auto genesis = ledger::Genesis::load(o.genesis);
  if (!genesis) return genesis.take_error();
  return ledger::verify_control_proof(proof, *genesis);
}

nlohmann::json answer_json(const ledger::ControlAnswer& a) {
  nlohmann::json parts = nlohmann::json::array();
  for (const auto& part : a.parts) {
    const auto& h = part.holding;
    nlohmann::json j = {{"range", part.proven.to_string()},   {"holder", h.holder.to_string()},
                        {"holding", h.id},                      {"holding_range", h.range.to_string()},
                        {"kind", ledger::holding_kind_name(h.kind)}};
    if (h.kind == ledger::HoldingKind::lease) j["lease_until"] = rfc3339(h.lease_until);
    parts.push_back(std::move(j));
  }
  nlohmann::json custody = nullptr;
  if (a.custody)
    custody = {{"hops", a.custody->hops}, {"key_changes", a.custody->key_changes}, {"max_depth", a.custody->max_depth}};
  return {{"valid", true},
          {"height", a.height},
          {"block_time", rfc3339(a.time)},
          {"set_changes_checked", a.set_changes_checked},
          {"custody", custody},
          {"parts", std::move(parts)}};
}

int run_verify(const VerifyOpts& o) {
  if (o.genesis.empty() == o.trusted_set.empty())
    return report(kExitUsage, "give one of --genesis FILE or --trusted-set FILE");
  auto bytes = read_file(o.file, ledger::kMaxProofBytes);
  if (!bytes) return invalid(o, bytes.error());
  auto proof = ledger::ControlProof::decode(*bytes);
  if (!proof) return invalid(o, o.file + ": " + proof.error());
  auto answer = verify_from_start(o, *proof);
  if (!answer) return invalid(o, o.file + ": " + answer.error());
  if (!o.save_trusted_set.empty()) {
    std::string text = answer->certified_by.to_json();
    if (auto s = write_file(o.save_trusted_set, text); !s) return report(kExitFailure, s.error());
  }
  if (o.json) {
    std::printf("%s\n", answer_json(*answer).dump().c_str());
    return kExitOk;
  }
  for (const auto& part : answer->parts) {
    const auto& h = part.holding;
    std::string kind(ledger::holding_kind_name(h.kind));
    if (h.kind == ledger::HoldingKind::lease) kind += " until " + rfc3339(h.lease_until);
    std::printf("valid: %s is controlled by %s (holding #%llu %s, %s) at height %llu, block time %s\n",
                part.proven.to_string().c_str(), h.holder.to_string().c_str(), static_cast<unsigned long long>(h.id),
                h.range.to_string().c_str(), kind.c_str(), static_cast<unsigned long long>(answer->height),
                rfc3339(answer->time).c_str());
    if (h.kind == ledger::HoldingKind::lease && h.lease_until <= answer->time)
      std::printf("note: lease #%llu had expired at that block time (%s); its lessor may revoke it\n",
                  static_cast<unsigned long long>(h.id), rfc3339(h.lease_until).c_str());
  }
  if (answer->set_changes_checked > 0)
    std::printf("followed %zu validator-set changes from %s\n", answer->set_changes_checked,
                o.trusted_set.empty() ? "the genesis set" : "the trusted set");
  if (answer->custody)
    std::printf("custody: %zu hops and %zu key changes from the genesis holders, each signed by the key in control "
                "at its moment\n",
                answer->custody->hops, answer->custody->key_changes);
  else
    std::printf("custody: not checked (it needs --genesis; a trusted set names no holders)\n");
  if (!o.save_trusted_set.empty())
    std::printf("saved the set that certified height %llu to %s\n", static_cast<unsigned long long>(answer->height),
                o.save_trusted_set.c_str());
  return kExitOk;
}

struct CompareOpts {
  std::string a, b, genesis, trusted_set;
  bool json = false;
};

// Both proofs verified; then every height both certify compared.
int run_compare(const CompareOpts& o) {
  VerifyOpts start_opts{"", o.genesis, o.trusted_set, "", o.json};
  if (o.genesis.empty() == o.trusted_set.empty())
    return report(kExitUsage, "give one of --genesis FILE or --trusted-set FILE");
  std::vector<ledger::ControlProof> proofs;
  for (const auto& file : {o.a, o.b}) {
    auto bytes = read_file(file, ledger::kMaxProofBytes);
    if (!bytes) return invalid(start_opts, bytes.error());
    auto proof = ledger::ControlProof::decode(*bytes);
    if (!proof) return invalid(start_opts, file + ": " + proof.error());
    if (auto a = verify_from_start(start_opts, *proof); !a) return invalid(start_opts, file + ": " + a.error());
    proofs.push_back(std::move(*proof));
  }
  std::optional<ledger::Genesis> genesis;
  if (!o.genesis.empty()) {
    auto g = ledger::Genesis::load(o.genesis);
    if (!g) return invalid(start_opts, g.error());
    genesis = std::move(*g);
  }
  const auto cmp = ledger::compare_proofs(proofs[0], proofs[1], genesis ? &*genesis : nullptr);
  nlohmann::json omissions = nlohmann::json::array();
  bool custody_conflict = false;
  for (const auto& m : cmp.omissions) {
    custody_conflict = custody_conflict || m.conflict();
    nlohmann::json hops = nlohmann::json::array();
    for (const auto& h : m.hops) hops.push_back({{"height", h.height}, {"tx", h.tx_id.hex()}, {"kind", h.kind}});
    omissions.push_back({{"in", m.from_a ? "A" : "B"},
                         {"left_out_by", m.from_a ? "B" : "A"},
                         {"hops", std::move(hops)},
                         {"conflict", m.conflict()},
                         {"refused", m.refused}});
  }
  const bool conflict = !cmp.conflicts.empty() || custody_conflict;
  nlohmann::json conflicts = nlohmann::json::array();
  for (const auto& c : cmp.conflicts) {
    nlohmann::json signers = nlohmann::json::array();
    for (const auto& s : c.signers) {
      nlohmann::json j = {{"validator", ledger::AccountId{s.validator}.to_string()},
                          {"round_a", s.in_a.round},
                          {"round_b", s.in_b.round}};
      if (s.same_round())
        if (auto ev = ledger::VoteEvidence::make(s.in_a, s.in_b); ev) j["evidence"] = to_hex(ledger::Evidence(*ev).encode());
      signers.push_back(std::move(j));
    }
    conflicts.push_back(
        {{"height", c.height}, {"header_a", c.a.hex()}, {"header_b", c.b.hex()}, {"signed_both", std::move(signers)}});
  }
  if (o.json) {
    std::printf("%s\n", nlohmann::json{{"valid", true},
                                       {"common_heights", cmp.common_heights},
                                       {"conflicts", conflicts},
                                       {"custody_omissions", omissions}}
                            .dump()
                            .c_str());
    return conflict ? kExitFailure : kExitOk;
  }
  for (const auto& m : omissions) {
    const std::string in = m["in"], out = m["left_out_by"];
    std::string what;
    for (const auto& h : m["hops"])
      what += (what.empty() ? "" : ", ") + h["kind"].get<std::string>() + " at height " + h["height"].dump() +
              " (tx " + h["tx"].get<std::string>().substr(0, 16) + "...)";
    if (m["conflict"].get<bool>())
      std::printf("custody conflict: %s leaves out hops over its resource that %s carries, each certified: %s; with "
                  "them put back %s is refused: %s\n",
                  out.c_str(), in.c_str(), what.c_str(), out.c_str(), m["refused"].get<std::string>().c_str());
    else
      std::printf("note: %s leaves out hops that %s carries (%s); with them put back %s still verifies\n",
                  out.c_str(), in.c_str(), what.c_str(), out.c_str());
  }
  if (!conflict) {
    std::printf("no conflict: both proofs are valid and agree at every height both certify (%zu)%s\n",
                cmp.common_heights, genesis ? " and in their custody chains" : "");
    return kExitOk;
  }
  for (const auto& c : conflicts) {
    std::printf("conflict at height %llu: header %s... in %s, %s... in %s, each certified\n",
                static_cast<unsigned long long>(c["height"].get<uint64_t>()),
                c["header_a"].get<std::string>().substr(0, 16).c_str(), o.a.c_str(),
                c["header_b"].get<std::string>().substr(0, 16).c_str(), o.b.c_str());
    for (const auto& s : c["signed_both"]) {
      const bool same = s["round_a"] == s["round_b"];
      std::printf("  %s signed both (%s)\n", s["validator"].get<std::string>().c_str(),
                  same ? ("round " + s["round_a"].dump() + ": a double vote").c_str()
                       : ("rounds " + s["round_a"].dump() + " and " + s["round_b"].dump() +
                          ": against the locking rules, not provable by two votes")
                             .c_str());
      if (s.contains("evidence"))
        std::printf("  evidence (POST /api/v1/evidence): %s\n", s["evidence"].get<std::string>().c_str());
    }
  }
  return kExitFailure;
}

}  // namespace

void add_proof_commands(CLI::App& app, Dispatch& d) {
  CLI::App& proof = add_group(app, "proof", "portable proofs of control");

  auto [get, g] = add_command<GetOpts>(
      proof, "get", "fetch a proof of who controls RESOURCE and write it to a file", d, run_get);
  get->add_option("RESOURCE", g->resource, kResourceHelp)->required()->check(resource_value());
  get->add_option("--out", g->out, "proof file to write (overwritten)")->required();
  add_node_option(get, g->node);

  auto [verify, v] = add_command<VerifyOpts>(
      proof, "verify", "check a proof file offline against the genesis; prints the holder", d, run_verify);
  verify->add_option("FILE", v->file, "proof file")->required();
  verify->add_option("--genesis", v->genesis, "genesis file of the chain: start from the genesis validators");
  verify->add_option("--trusted-set", v->trusted_set,
                     "start from a validator set already trusted (written by --save-trusted-set); skips the set "
                     "changes before it");
  verify->add_option("--save-trusted-set", v->save_trusted_set,
                     "after a valid proof, write the set that certified it, for a later --trusted-set");
  verify->add_flag("--json", v->json, "print the answer as one JSON object");

  auto [compare, c] = add_command<CompareOpts>(
      proof, "compare",
      "check two proofs and name conflicting certified histories: two headers of one height, and the validators "
      "who signed both (exit 1 when there is a conflict)",
      d, run_compare);
  compare->add_option("A", c->a, "first proof file")->required();
  compare->add_option("B", c->b, "second proof file")->required();
  compare->add_option("--genesis", c->genesis, "genesis file of the chain");
  compare->add_option("--trusted-set", c->trusted_set, "start from a validator set already trusted");
  compare->add_flag("--json", c->json, "print the comparison as one JSON object");
}

}  // namespace nl::cli
