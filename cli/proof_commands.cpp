// numledger proof get / proof verify. Verifying needs nothing but the proof
// file and the genesis: no node is trusted or even contacted.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/node_client.h"
#include "ledger/control_proof.h"
#include "ledger/genesis.h"

namespace nl::cli {

namespace {

// Proofs hold a few segments and holdings with their paths; this is ample.
constexpr size_t kMaxProofFileBytes = 16 * 1024 * 1024;

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
  std::printf("wrote %s: proof of %s, %zu bytes, at height %llu\n", o.out.c_str(), p->resource.to_string().c_str(),
              bytes->size(), static_cast<unsigned long long>(p->header.height));
  return kExitOk;
}

struct VerifyOpts {
  std::string file, genesis;
};

int invalid(const std::string& reason) {
  std::fprintf(stderr, "invalid proof: %s\n", reason.c_str());
  return kExitFailure;
}

int run_verify(const VerifyOpts& o) {
  auto bytes = read_file(o.file, kMaxProofFileBytes);
  if (!bytes) return invalid(bytes.error());
  auto proof = ledger::ControlProof::decode(*bytes);
  if (!proof) return invalid(o.file + ": " + proof.error());
  auto genesis = ledger::Genesis::load(o.genesis);
  if (!genesis) return invalid(genesis.error());
  auto answer = ledger::verify_control_proof(*proof, *genesis);
  if (!answer) return invalid(o.file + ": " + answer.error());
  for (const auto& part : answer->parts) {
    const auto& h = part.holding;
    std::string kind(ledger::holding_kind_name(h.kind));
    if (h.kind == ledger::HoldingKind::lease) kind += " until " + rfc3339(h.lease_until);
    std::printf("valid: %s is controlled by %s (holding #%llu %s, %s) at height %llu, block time %s\n",
                part.segment.range.to_string().c_str(), h.holder.to_string().c_str(),
                static_cast<unsigned long long>(h.id), h.range.to_string().c_str(), kind.c_str(),
                static_cast<unsigned long long>(answer->height), rfc3339(answer->time).c_str());
    if (h.kind == ledger::HoldingKind::lease && h.lease_until <= answer->time)
      std::printf("note: lease #%llu had expired at that block time (%s); its lessor may revoke it\n",
                  static_cast<unsigned long long>(h.id), rfc3339(h.lease_until).c_str());
  }
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
  verify->add_option("--genesis", v->genesis, "genesis file of the chain")->required();
}

}  // namespace nl::cli
