// The upon-rules of Algorithm 1 ("The latest gossip on BFT consensus",
// Buchman, Kwon, Milosevic 2018), evaluated to a fixpoint after every input.
// Line numbers refer to Algorithm 1 of the paper.
#include <limits>

#include "consensus/engine_state.h"

namespace nl::consensus {

using ledger::VoteType;

namespace {
const crypto::Hash32 kNil{};  // id of the nil vote
}  // namespace

const char* rule_name(Rule r) {
  switch (r) {
    case Rule::propose_new: return "l.18-19 propose getValue()";
    case Rule::propose_valid: return "l.15-16 propose validValue";
    case Rule::prevote_fresh: return "l.22-24 prevote v";
    case Rule::prevote_fresh_nil: return "l.25-26 prevote nil (lock or invalid)";
    case Rule::prevote_pol: return "l.28-30 prevote v on a polka";
    case Rule::prevote_pol_nil: return "l.31-32 prevote nil on a polka";
    case Rule::prevote_timeout_set: return "l.34-35 schedule timeoutPrevote";
    case Rule::lock_precommit: return "l.36-41 lock, precommit v";
    case Rule::valid_update: return "l.42-43 validValue only";
    case Rule::precommit_nil: return "l.44-46 precommit nil";
    case Rule::precommit_timeout_set: return "l.47-48 schedule timeoutPrecommit";
    case Rule::decide: return "l.49-54 decide";
    case Rule::skip_round: return "l.55-56 skip to a later round";
    case Rule::timeout_propose: return "l.57-60 timeoutPropose: prevote nil";
    case Rule::timeout_prevote: return "l.61-64 timeoutPrevote: precommit nil";
    case Rule::timeout_precommit: return "l.65-67 timeoutPrecommit: next round";
    case Rule::count_: break;
  }
  return "?";
}

void Engine::State::run_rules() {
  while (!halted && !decided) {
    if (decide_rule()) break;
    if (skip_rule()) continue;
    bool fired = proposal_rule();
    fired = polka_rule() || fired;
    fired = nil_polka_rule() || fired;
    fired = prevote_timeout_rule() || fired;
    fired = precommit_timeout_rule() || fired;
    if (!fired) break;
  }
}

// Alg. 1 l.11-21: StartRound(round).
void Engine::State::start_round(uint32_t r) {
  round = r;
  step = Step::propose;
  ++stats.rounds_started;
  value_requested.reset();
  for (auto it = future_rounds.begin(); it != future_rounds.end();) {
    it->second.erase(it->second.begin(), it->second.upper_bound(r));
    it = it->second.empty() ? future_rounds.erase(it) : std::next(it);
  }
  if (self && schedule->at(height, r) == *self) {
    if (valid_round >= 0) {
      fired(Rule::propose_valid);
      propose(valid_id, valid_value, valid_round);  // l.15-16, l.19
    } else if (auto it = signed_slots.find({height, r, Step::propose}); it != signed_slots.end()) {
      resend(it->second);  // proposed here before a restart: the same proposal again
    } else {
      fired(Rule::propose_new);
      value_requested = r;  // l.18: getValue(), answered by on_value_ready
      out.push_back(RequestValue{height, r});
    }
  }
  // l.21 schedules it for the others only; the proposer gets it too (as in
  // CometBFT), so a proposer whose own proposal it cannot prevote (no
  // polka for its validRound, no value from the driver) moves on at l.57.
  schedule_timeout(Step::propose);
}

void Engine::State::schedule_timeout(Step s) {
  out.push_back(ScheduleTimeout{Timeout{height, round, s}, cfg.timeouts.delay(s, round)});
}

// valid(v) for the proposal held in `rs`; nullopt while the driver decides.
std::optional<bool> Engine::State::valid(const RoundState& rs) {
  const Proposal& p = *rs.proposal;
  Validity& v = validity[p.value_id];
  if (v.valid) return *v.valid == rs.value_digest;
  if (v.invalid.contains(rs.value_digest)) return false;
  if (v.pending) return std::nullopt;
  v.pending = rs.value_digest;
  out.push_back(ValidateValue{height, p.value_id, p.value});
  return std::nullopt;
}

// Alg. 1 l.49-54: upon <PROPOSAL, h, r, v, *> and 2f+1 <PRECOMMIT, h, r, id(v)>
// while decision[h] = nil, for any round r. The value is identified by its
// id, so a proposal of another round carrying id(v) supplies v as well.
bool Engine::State::decide_rule() {
  for (const auto& [r, rs] : rounds) {
    auto id = rs.precommits.two_thirds_value(total_power);
    if (!id || id->is_zero()) continue;
    std::vector<const RoundState*> carriers;
    if (rs.proposal && rs.proposal->value_id == *id) carriers.push_back(&rs);
    for (const auto& [r2, other] : rounds)
      if (r2 != r && other.proposal && other.proposal->value_id == *id) carriers.push_back(&other);
    for (const RoundState* c : carriers) {
      auto ok = valid(*c);
      if (!ok) break;  // the driver is validating; this is re-evaluated on its answer
      if (!*ok) continue;
      // l.50-51: decision[h] = v, with exactly these precommits as certificate.
      ledger::CommitCertificate cert{height, r, *id, rs.precommits.signatures_for(*id)};
      decided = true;
      fired(Rule::decide);
      out.push_back(Decided{Decision{height, *id, c->proposal->value, std::move(cert)}});
      return true;
    }
  }
  return false;
}

// Alg. 1 l.55-56: upon f+1 <*, h, round, *, *> with round > round_p: StartRound(round).
bool Engine::State::skip_rule() {
  for (auto it = rounds.rbegin(); it != rounds.rend() && it->first > round; ++it) {
    if (more_than_one_third(it->second.sender_power, total_power)) {
      fired(Rule::skip_round);
      start_round(it->first);
      return true;
    }
  }
  return false;
}

bool Engine::State::proposal_rule() {
  if (step != Step::propose) return false;
  auto it = rounds.find(round);
  if (it == rounds.end() || !it->second.proposal) return false;
  RoundState& rs = it->second;
  const Proposal& p = *rs.proposal;
  bool lock_allows = false;
  if (p.pol_round == -1) {
    // Alg. 1 l.22-27: upon <PROPOSAL, h, r, v, -1> from proposer(h, r) while step = propose.
    lock_allows = locked_round == -1 || locked_id == p.value_id;
  } else {
    // Alg. 1 l.28-33: upon <PROPOSAL, h, r, v, vr> and 2f+1 <PREVOTE, h, vr, id(v)>
    // while step = propose and 0 <= vr < r (vr < r is checked on admission).
    auto pol = rounds.find(static_cast<uint32_t>(p.pol_round));
    if (pol == rounds.end() ||
        !more_than_two_thirds(pol->second.prevotes.power_for(p.value_id), total_power))
      return false;
    lock_allows = locked_round <= p.pol_round || locked_id == p.value_id;
  }
  // valid(v) && lock condition: a refused lock needs no validation.
  std::optional<bool> ok = lock_allows ? valid(rs) : std::optional<bool>(false);
  if (!ok) return false;
  const crypto::Hash32 id = *ok ? p.value_id : kNil;
  if (p.pol_round == -1)
    fired(*ok ? Rule::prevote_fresh : Rule::prevote_fresh_nil);
  else
    fired(*ok ? Rule::prevote_pol : Rule::prevote_pol_nil);
  vote(VoteType::prevote, id);  // l.24/26, l.30/32
  step = Step::prevote;         // l.27, l.33
  return true;
}

// Alg. 1 l.36-43: upon <PROPOSAL, h, r, v, *> and 2f+1 <PREVOTE, h, r, id(v)>
// while valid(v) and step >= prevote, for the first time.
bool Engine::State::polka_rule() {
  if (step == Step::propose) return false;
  auto it = rounds.find(round);
  if (it == rounds.end()) return false;
  RoundState& rs = it->second;
  if (rs.polka_handled || !rs.proposal ||
      !more_than_two_thirds(rs.prevotes.power_for(rs.proposal->value_id), total_power))
    return false;
  auto ok = valid(rs);
  if (!ok || !*ok) return false;
  rs.polka_handled = true;
  const crypto::Hash32 id = rs.proposal->value_id;
  const bool precommit = step == Step::prevote;
  fired(precommit ? Rule::lock_precommit : Rule::valid_update);
  if (precommit) {  // l.37-39
    locked_value = rs.proposal->value;
    locked_id = id;
    locked_round = static_cast<int32_t>(round);
  }
  valid_value = rs.proposal->value;  // l.42-43
  valid_id = id;
  valid_round = static_cast<int32_t>(round);
  // The lock is durable before the precommit that depends on it is sent.
  if (!write_lock()) return true;
  if (precommit) {
    vote(VoteType::precommit, id);  // l.40
    step = Step::precommit;         // l.41
  }
  return true;
}

// Alg. 1 l.44-46: upon 2f+1 <PREVOTE, h, r, nil> while step = prevote.
bool Engine::State::nil_polka_rule() {
  if (step != Step::prevote) return false;
  auto it = rounds.find(round);
  if (it == rounds.end() || !more_than_two_thirds(it->second.prevotes.power_for(kNil), total_power))
    return false;
  fired(Rule::precommit_nil);
  vote(VoteType::precommit, kNil);
  step = Step::precommit;
  return true;
}

// Alg. 1 l.34-35: upon 2f+1 <PREVOTE, h, r, *> while step = prevote, for the first time.
bool Engine::State::prevote_timeout_rule() {
  if (step != Step::prevote) return false;
  auto it = rounds.find(round);
  if (it == rounds.end() || it->second.prevote_timeout_scheduled ||
      !more_than_two_thirds(it->second.prevotes.power(), total_power))
    return false;
  it->second.prevote_timeout_scheduled = true;
  fired(Rule::prevote_timeout_set);
  schedule_timeout(Step::prevote);
  return true;
}

// Alg. 1 l.47-48: upon 2f+1 <PRECOMMIT, h, r, *> for the first time.
bool Engine::State::precommit_timeout_rule() {
  auto it = rounds.find(round);
  if (it == rounds.end() || it->second.precommit_timeout_scheduled ||
      !more_than_two_thirds(it->second.precommits.power(), total_power))
    return false;
  it->second.precommit_timeout_scheduled = true;
  fired(Rule::precommit_timeout_set);
  schedule_timeout(Step::precommit);
  return true;
}

// Alg. 1 l.57-67: OnTimeoutPropose, OnTimeoutPrevote, OnTimeoutPrecommit.
void Engine::State::on_timeout(const Timeout& t) {
  if (t.height != height || t.round != round) return;
  switch (t.step) {
    case Step::propose:  // l.57-60
      if (step != Step::propose) return;
      fired(Rule::timeout_propose);
      vote(VoteType::prevote, kNil);
      step = Step::prevote;
      return;
    case Step::prevote:  // l.61-64
      if (step != Step::prevote) return;
      fired(Rule::timeout_prevote);
      vote(VoteType::precommit, kNil);
      step = Step::precommit;
      return;
    case Step::precommit:  // l.65-67
      if (round >= kMaxRound) return;
      fired(Rule::timeout_precommit);
      start_round(round + 1);
      return;
  }
}

}  // namespace nl::consensus
