// numledger proof get / proof verify. Verifying needs nothing but the proof
// file and the genesis: no node is trusted or even contacted.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/node_client.h"
#include "ledger/control_proof.h"
#include "ledger/genesis.h"
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
  std::printf("wrote %s: proof of %s, %zu bytes, at height %llu, %zu validator-set changes\n", o.out.c_str(),
              p->resource.to_string().c_str(), bytes->size(),
              static_cast<unsigned long long>(p->state_header().header.height), p->set_changes.size());
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

// Where the verifier starts: the trusted set when given (it skips the set
// changes before it), else the genesis set.
Result<ledger::TrustedSet> verifier_start(const VerifyOpts& o) {
  if (!o.trusted_set.empty()) return ledger::TrustedSet::load(o.trusted_set);
  auto genesis = ledger::Genesis::load(o.genesis);
  if (!genesis) return genesis.take_error();
  return ledger::TrustedSet::from_genesis(*genesis);
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
  return {{"valid", true},
          {"height", a.height},
          {"block_time", rfc3339(a.time)},
          {"set_changes_checked", a.set_changes_checked},
          {"parts", std::move(parts)}};
}

int run_verify(const VerifyOpts& o) {
  if (o.genesis.empty() == o.trusted_set.empty())
    return report(kExitUsage, "give one of --genesis FILE or --trusted-set FILE");
  auto bytes = read_file(o.file, ledger::kMaxProofBytes);
  if (!bytes) return invalid(o, bytes.error());
  auto proof = ledger::ControlProof::decode(*bytes);
  if (!proof) return invalid(o, o.file + ": " + proof.error());
  auto start = verifier_start(o);
  if (!start) return invalid(o, start.error());
  auto answer = ledger::verify_control_proof(*proof, *start);
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
  if (!o.save_trusted_set.empty())
    std::printf("saved the set that certified height %llu to %s\n", static_cast<unsigned long long>(answer->height),
                o.save_trusted_set.c_str());
  return kExitOk;
}

}  // namespace

void add_proof_commands(CLI::App& app, Dispatch& d) {
  CLI::App& proof = add_group(app, "proof", "portable proofs of control");

  auto [get, g] = add_command<GetOpts>(
      proof, "get", "fetch a proof of who controls RESOURCE and write it to a file", d, run_get);
  get->add_option("RESOURCE", g->resource, "address range, prefix or AS numbers")->required()->check(resource_value());
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
}

}  // namespace nl::cli
