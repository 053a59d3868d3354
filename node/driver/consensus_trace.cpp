#include "node/driver/consensus_trace.h"

#include <variant>

namespace nl::node {

namespace {

std::string short_hex(const crypto::Hash32& h) { return h.hex().substr(0, 16); }
std::string short_key(const crypto::PublicKey& k) { return k.hex().substr(0, 16); }
std::string at(uint64_t height, uint32_t round) {
  return "h=" + std::to_string(height) + " r=" + std::to_string(round);
}

}  // namespace

std::string describe(const consensus::Message& m) {
  if (const auto* p = std::get_if<consensus::Proposal>(&m))
    return "proposal " + at(p->height, p->round) + " pol=" + std::to_string(p->pol_round) + " value " +
           short_hex(p->value_id) + " by " + short_key(p->proposer);
  if (const auto* v = std::get_if<ledger::SignedVote>(&m))
    return std::string(v->type == ledger::VoteType::prevote ? "prevote " : "precommit ") + at(v->height, v->round) +
           " for " + (v->block_hash.is_zero() ? std::string("nil") : short_hex(v->block_hash)) + " by " +
           short_key(v->validator);
  const auto& d = std::get<consensus::Decision>(m);
  return "decision h=" + std::to_string(d.height) + " value " + short_hex(d.value_id) + " with " +
         std::to_string(d.cert.votes.size()) + " precommits";
}

std::string describe(const consensus::Timeout& t) {
  return std::string(consensus::step_name(t.step)) + " timeout " + at(t.height, t.round);
}

std::string describe(const consensus::ScheduleTimeout& t) {
  return describe(t.timeout) + " in " + std::to_string(t.delay_ms) + " ms";
}

}  // namespace nl::node
