#include "consensus/sim/safety_checker.h"

#include <algorithm>

#include "consensus/sim/sim_value.h"

namespace nl::consensus::sim {
namespace {

std::string short_id(const crypto::Hash32& h) { return h.hex().substr(0, 12); }

void note(SimResult& out, const std::string& what) {
  if (out.first_problem.empty()) out.first_problem = what;
}

}  // namespace

SafetyChecker::SafetyChecker(const crypto::Hash32& genesis_hash, const ValidatorSchedule& sets)
    : genesis_hash_(genesis_hash), sets_(sets) {}

void SafetyChecker::record_signed(size_t node, const Message& m) {
  SignSlot slot;
  crypto::Hash32 value;
  if (const auto* p = std::get_if<Proposal>(&m)) {
    slot = {p->proposer, p->height, p->round, Kind::proposal};
    value = p->value_id;
  } else if (const auto* v = std::get_if<ledger::SignedVote>(&m)) {
    slot = {v->validator, v->height, v->round,
            v->type == ledger::VoteType::prevote ? Kind::prevote : Kind::precommit};
    value = v->block_hash;
  } else {
    return;  // decisions carry others' signatures, not a new one
  }
  auto [it, fresh] = signed_.emplace(slot, std::make_pair(node, value));
  if (fresh || it->second.second == value) return;
  if (doubles_.insert(slot).second && first_double_.empty()) {
    static const char* kKinds[] = {"proposal", "prevote", "precommit"};
    first_double_ = "honest node " + std::to_string(node) + " signed two " +
                    kKinds[static_cast<int>(std::get<3>(slot))] + "s at height " +
                    std::to_string(std::get<1>(slot)) + " round " + std::to_string(std::get<2>(slot)) + ": " +
                    short_id(it->second.second) + " and " + short_id(value);
  }
}

void SafetyChecker::check(const std::vector<HonestNode>& honest, uint64_t heights, SimResult& out) const {
  out.double_signs = doubles_.size();
  if (!first_double_.empty()) note(out, first_double_);

  // (1) Agreement: one value per height among all honest nodes.
  std::map<uint64_t, std::pair<size_t, crypto::Hash32>> first_at;  // height -> (node, value id)
  std::set<uint64_t> conflicting;
  for (const auto& n : honest) {
    if (n.conflicting_redecisions > 0) {
      out.safety_violations += n.conflicting_redecisions;
      note(out, "honest node " + std::to_string(n.index) + " decided a height twice with different values");
    }
    for (const auto& [h, d] : *n.decisions) {
      auto [it, fresh] = first_at.emplace(h, std::make_pair(n.index, d.value_id));
      if (fresh || it->second.second == d.value_id) continue;
      if (conflicting.insert(h).second)
        note(out, "height " + std::to_string(h) + ": honest node " + std::to_string(it->second.first) +
                      " decided " + short_id(it->second.second) + ", honest node " + std::to_string(n.index) +
                      " decided " + short_id(d.value_id));
    }
  }
  out.safety_violations += conflicting.size();

  // (3) valid values and (4) certificates, each distinct certificate once.
  std::set<Bytes> good_certs;
  uint64_t rounds = 0, decisions = 0;
  for (const auto& n : honest) {
    for (const auto& [h, d] : *n.decisions) {
      if (!value_is_valid(h, d.value_id, d.value)) {
        ++out.invalid_decisions;
        note(out, "honest node " + std::to_string(n.index) + " decided an invalid value at height " +
                      std::to_string(h));
      }
      Bytes cert = d.cert.encode();
      if (!good_certs.contains(cert)) {
        Status s = d.cert.height != h || d.cert.block_hash != d.value_id
                       ? Status(fail("the certificate is for height " + std::to_string(d.cert.height) +
                                     " block " + short_id(d.cert.block_hash)))
                       : sets_.at(h).verify_commit(genesis_hash_, d.cert);
        if (s) {
          good_certs.insert(std::move(cert));
        } else {
          ++out.bad_certificates;
          note(out, "honest node " + std::to_string(n.index) + " decided height " + std::to_string(h) +
                        " with a bad certificate: " + s.error());
        }
      }
      if (h <= heights) {
        rounds += d.cert.round + 1;
        ++decisions;
      }
    }
  }
  out.mean_rounds_per_height = decisions ? static_cast<double>(rounds) / decisions : 0;

  // (6) Evidence: distinct equivocations, each well formed and never
  // against an honest validator.
  std::set<crypto::PublicKey> honest_keys;
  for (const auto& n : honest) honest_keys.insert(n.key);
  std::set<crypto::Hash32> seen;
  for (const auto& n : honest) {
    for (const auto& e : *n.evidence) {
      if (!seen.insert(e.id()).second) continue;
      Status s = e.check(genesis_hash_, sets_.at(e.height()));
      if (s && honest_keys.contains(e.offender())) s = fail("it accuses honest validator " + e.offender().hex());
      if (!s) {
        ++out.bad_evidence;
        note(out, "honest node " + std::to_string(n.index) + " recorded bad evidence: " + s.error());
      }
    }
  }
  out.evidence_found = seen.size();

  // (5) Liveness: the lowest height every honest node reached.
  uint64_t lowest = heights;
  for (const auto& n : honest) {
    uint64_t contiguous = 0;
    while (n.decisions->contains(contiguous + 1)) ++contiguous;
    lowest = std::min(lowest, contiguous);
  }
  out.heights_decided = lowest;
}

}  // namespace nl::consensus::sim
