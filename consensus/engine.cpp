// The engine's inputs and the admission of received messages: signature,
// membership and shape checks, the height filter and the height + 1 buffer.
// The rules of Algorithm 1 are in engine_rules.cpp, signing in engine_wal.cpp.
#include "consensus/engine.h"

#include <algorithm>
#include <stdexcept>
#include <type_traits>

#include "consensus/engine_state.h"
#include "crypto/hash.h"

namespace nl::consensus {

Engine::State::State(EngineConfig c, Wal& w) : cfg(std::move(c)), wal(w) {
  if (!cfg.verify) cfg.verify = [](const crypto::PublicKey& k, ByteView m, const crypto::Signature& s) {
    return crypto::verify(k, m, s);
  };
  if (!cfg.value_id) cfg.value_id = [](ByteView v) { return crypto::sha256(v); };
  if (cfg.key) self = cfg.key->public_key();
}

Engine::Engine(EngineConfig cfg, Wal& wal) : s_(std::make_unique<State>(std::move(cfg), wal)) {}
Engine::~Engine() = default;

Status Engine::recover() { return s_->load_wal(); }

Actions Engine::start_height(uint64_t height, ledger::ValidatorSet set, std::optional<ledger::ValidatorSet> next) {
  auto& s = *s_;
  if (s.halted) return {};
  // The driver hands over the ledger's set for the height, validated when it
  // was committed; anything else is a bug in the driver, not peer input.
  if (auto ok = set.validate(); !ok) throw std::invalid_argument("start_height: " + ok.error());
  if (next)
    if (auto ok = next->validate(); !ok) throw std::invalid_argument("start_height: next set: " + ok.error());
  s.out.clear();
  s.reset_height(height, std::move(set));
  if (next && (!s.next_set || *s.next_set != *next)) s.next_schedule = ProposerSchedule(*next);
  if (!next) s.next_schedule.reset();
  s.next_set = std::move(next);
  s.replay_own_messages();
  // Resume at the last round this validator signed in (or locked in) here.
  uint32_t resume = 0;
  for (const auto& [slot, m] : s.signed_slots)
    if (std::get<0>(slot) == height) resume = std::max(resume, std::get<1>(slot));
  if (auto it = s.locks.find(height); it != s.locks.end()) resume = std::max(resume, it->second.round);
  std::vector<Message> buffered = std::move(s.future);
  s.future.clear();
  s.future_slots.clear();
  s.future_proposals.clear();
  s.future_decision = false;
  s.future_proposal_bytes = 0;
  s.start_round(resume);  // Alg. 1 l.10: StartRound(0), or the round it resumes in
  for (const auto& m : buffered)
    if (message_height(m) == height && !s.decided) s.handle(m, /*verified=*/true);
  s.run_rules();
  return s.finish();
}

Actions Engine::on_message(const Message& m) {
  auto& s = *s_;
  s.intake = Intake::taken;
  s.refusal = Refusal::none;
  if (s.halted || !s.started) return {};
  s.out.clear();
  const uint64_t h = message_height(m);
  if (h == s.height + 1) {
    s.buffer_future(m);
  } else if (h == s.height && !s.decided) {
    s.handle(m, /*verified=*/false);
    s.run_rules();
  }
  return s.finish();
}

Actions Engine::on_timeout(const Timeout& t) {
  auto& s = *s_;
  if (s.halted || !s.started || s.decided) return {};
  s.out.clear();
  s.on_timeout(t);
  s.run_rules();
  return s.finish();
}

Actions Engine::on_value_ready(uint64_t height, uint32_t round, const crypto::Hash32& value_id,
                               Bytes value) {
  auto& s = *s_;
  if (s.halted || !s.started || s.decided || height != s.height || round != s.round ||
      s.step != Step::propose || s.value_requested != round || value_id.is_zero() ||
      value.size() > kMaxValueBytes)
    return {};
  s.out.clear();
  s.value_requested.reset();
  // Alg. 1 l.18-19. The proposer checks valid(v) of its own value like any
  // other (l.22), so a value the application rejects is never prevoted.
  s.propose(value_id, value, -1);
  s.run_rules();
  return s.finish();
}

Actions Engine::on_validated(uint64_t height, const crypto::Hash32& value_id, bool valid) {
  auto& s = *s_;
  if (s.halted || !s.started || s.decided || height != s.height) return {};
  auto it = s.validity.find(value_id);
  if (it == s.validity.end() || !it->second.pending) return {};
  s.out.clear();
  if (valid)
    it->second.valid = *it->second.pending;
  else
    it->second.invalid.insert(*it->second.pending);
  it->second.pending.reset();
  s.run_rules();
  return s.finish();
}

std::vector<Message> Engine::messages_to_regossip() const { return s_->regossip(); }

uint64_t Engine::height() const { return s_->height; }
uint32_t Engine::round() const { return s_->round; }
Step Engine::step() const { return s_->step; }
bool Engine::decided() const { return s_->decided; }
Engine::Intake Engine::last_intake() const { return s_->intake; }
Engine::Refusal Engine::last_refusal() const { return s_->refusal; }
bool Engine::halted() const { return s_->halted; }
const ledger::ValidatorSet& Engine::validators() const { return s_->set; }
const EngineStats& Engine::stats() const { return s_->stats; }

// --- State -----------------------------------------------------------------

Actions Engine::State::finish() {
  // A failed WAL append is a crash: nothing of this input leaves the
  // engine but the news, once.
  if (halted) {
    out.clear();
    if (!halt_reported) out.push_back(Halted{halt_reason});
    halt_reported = true;
  }
  return std::move(out);
}

void Engine::State::reset_height(uint64_t h, ledger::ValidatorSet next) {
  // Built aside first: a set the schedule refuses leaves the engine as it was.
  if (!schedule || next != set) schedule = ProposerSchedule(next);
  previous_set = started ? std::move(set) : next;
  set = std::move(next);
  total_power = set.total_power();
  started = true;
  height = h;
  round = 0;
  step = Step::propose;
  decided = false;
  // Alg. 1 l.53: reset lock, valid value and the message log.
  // A lock logged at this height before a crash comes back.
  auto it = locks.find(h);
  static_cast<LockState&>(*this) = it != locks.end() ? static_cast<const LockState&>(it->second) : LockState{};
  rounds.clear();
  validity.clear();
  proposed_ids.clear();
  value_requested.reset();
  future_rounds.clear();
  evidence_reported.clear();
  proposal_evidence_reported.clear();
  std::erase_if(signed_slots, [&](const auto& e) { return std::get<0>(e.first) < h; });
  std::erase_if(locks, [&](const auto& e) { return e.first < h; });
}

bool Engine::State::verify(const crypto::PublicKey& k, ByteView msg,
                           const crypto::Signature& sig) const {
  return cfg.verify(k, msg, sig);
}

void Engine::State::handle(const Message& m, bool verified) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Proposal>)
          admit_proposal(x, verified);
        else if constexpr (std::is_same_v<T, ledger::SignedVote>)
          admit_vote(x, verified);
        else
          admit_decision(x);
      },
      m);
}

void Engine::State::admit_proposal(const Proposal& p, bool verified) {
  auto it = rounds.find(p.round);
  if (it != rounds.end() && it->second.proposal && *it->second.proposal == p) return;  // seen
  if (!set.find(p.proposer) && previous_set.find(p.proposer)) {  // left with the last height
    if (!verified && !verify(p.proposer, p.sign_bytes(cfg.genesis_hash), p.sig))
      refuse(Refusal::forged);  // a forgery in its name is still refused
    else
      intake = Intake::ignored;
    return;
  }
  // The signature covers the id, not the bytes: bytes that are not the id's
  // would let a relay swap an honest proposal's value and stall the round.
  if (!well_formed(p) || (!verified && !verify(p.proposer, p.sign_bytes(cfg.genesis_hash), p.sig)) ||
      (!verified && cfg.value_id(p.value) != p.value_id))
    return refuse(Refusal::forged);
  if (!set.find(p.proposer) || p.proposer != schedule->at(height, p.round)) return refuse(Refusal::unentitled);
  // A second, different proposal for (h, r): keep the first. For another
  // value it is equivocation, reported once per round; the same value
  // with another pol_round cannot split the votes and is not.
  if (it != rounds.end() && it->second.proposal) {
    const Proposal& first = *it->second.proposal;
    if (first.value_id != p.value_id && proposal_evidence_reported.insert(p.round).second)
      if (auto e = proposal_equivocation(first, p)) out.push_back(EvidenceFound{*e});
    return;
  }
  if (!make_room(p.proposer, p.round)) {
    intake = Intake::deferred;
    return;
  }
  ++stats.messages_accepted;
  store_proposal(p);
}

void Engine::State::admit_vote(const ledger::SignedVote& v, bool verified) {
  const bool prevote = v.type == ledger::VoteType::prevote;
  if (auto it = rounds.find(v.round); it != rounds.end()) {
    const VoteSet& vs = prevote ? it->second.prevotes : it->second.precommits;
    if (vs.contains(v)) return;  // seen: no second signature check
  }
  const ledger::Validator* val = set.find(v.validator);
  if (!val && previous_set.find(v.validator)) {  // left with the last height
    if (!verified && !verify(v.validator, v.sign_bytes(cfg.genesis_hash), v.sig))
      refuse(Refusal::forged);  // a forgery in its name is still refused
    else
      intake = Intake::ignored;
    return;
  }
  if (v.round > kMaxRound || (!prevote && v.type != ledger::VoteType::precommit) ||
      (!verified && !verify(v.validator, v.sign_bytes(cfg.genesis_hash), v.sig)))
    return refuse(Refusal::forged);
  if (!val) return refuse(Refusal::unentitled);
  if (!make_room(v.validator, v.round)) {
    intake = Intake::deferred;
    return;
  }
  ++stats.messages_accepted;
  const ledger::SignedVote* earlier = nullptr;
  if (store_vote(v, val->power, &earlier) != VoteSet::Added::conflict) return;
  // Equivocation: the first vote stays counted, the pair is evidence (once).
  if (evidence_reported.insert({v.validator, v.round, v.type}).second)
    if (auto e = ledger::VoteEvidence::make(*earlier, v)) out.push_back(EvidenceFound{*e});
  // The second vote joins the tally of a value a proposal carries, now or
  // once one does (vote_set.h: a polka or commit it was part of stays
  // provable).
  RoundState& rs = rounds[v.round];
  if (proposed_ids.contains(v.block_hash)) {
    (prevote ? rs.prevotes : rs.precommits).add_conflicting(v, val->power);
    return;
  }
  // A second vote for nil never counts. One for a value is kept only while
  // another validator's vote names that value, so that an equivocator's
  // votes for values nobody backs cannot take the slots; the others wait
  // for their next copy.
  if (v.is_nil()) return;
  const VoteSet& vs = prevote ? rs.prevotes : rs.precommits;
  auto& kept = rs.unproposed_conflicts[{v.validator, static_cast<uint8_t>(v.type)}];
  if (std::any_of(kept.begin(), kept.end(), [&](const auto& k) { return k.block_hash == v.block_hash; })) return;
  if (vs.power_for(v.block_hash) > 0 && kept.size() < kMaxUnproposedConflicts)
    kept.push_back(v);  // until a proposal carries its value (store_proposal)
  else
    intake = Intake::deferred;  // not kept: a later copy must still count (Engine::last_intake)
}

bool Engine::State::well_formed(const Proposal& p) const {
  return !p.value_id.is_zero() && p.value.size() <= kMaxValueBytes && p.round <= kMaxRound &&
         p.pol_round >= -1 && (p.pol_round == -1 || static_cast<uint32_t>(p.pol_round) < p.round);
}

bool Engine::State::well_formed(const Decision& d, uint64_t h) const {
  return d.height == h && d.cert.height == h && d.cert.block_hash == d.value_id && !d.value_id.is_zero() &&
         d.value.size() <= kMaxValueBytes && cfg.value_id(d.value) == d.value_id;
}

void Engine::State::admit_decision(const Decision& d) {
  // Catch-up: > 2/3 of this height's set precommitted the value, which
  // decides it for everyone (Alg. 1 l.49 with the proposal carried along).
  // valid(v) is implied: an honest validator among them checked it.
  if (!well_formed(d, height) || !set.verify_commit(cfg.genesis_hash, d.cert)) return refuse(Refusal::forged);
  ++stats.messages_accepted;
  decided = true;
  out.push_back(Decided{d});
}

void Engine::State::buffer_future(const Message& m) {
  // What is not kept here (a cap, a later round, a signer this node cannot
  // place yet) is deferred: its next copy is taken again once this node
  // moves on.
  if (future.size() >= cfg.max_future_messages) {
    intake = Intake::deferred;
    return;
  }
  // Checked against the next height's set and proposers when the driver
  // gave them, so that nothing is relayed that the nodes already there
  // refuse (issue 20); else against this height's set. Replayed at
  // start_height against the set of that height.
  const ledger::ValidatorSet& nset = next_set ? *next_set : set;
  const uint64_t rejected_before = stats.messages_rejected;
  bool keep = std::visit(
      [&](const auto& x) -> bool {
        using T = std::decay_t<decltype(x)>;
        // The next height starts at round 0: later rounds come back with
        // re-gossip, and one validator cannot fill the buffer.
        if constexpr (!std::is_same_v<T, Decision>)
          if (x.round >= kMaxFutureRoundsPerValidator) return false;
        if constexpr (std::is_same_v<T, Proposal>) {
          if (!well_formed(x)) return refuse(Refusal::forged), false;
          if (!nset.find(x.proposer) || (next_schedule && x.proposer != next_schedule->at(height + 1, x.round))) {
            if (next_set) refuse(Refusal::unentitled);
            return false;
          }
          if (future_proposals[x.proposer] >= kMaxFutureProposalsPerValidator ||
              future_proposal_bytes + x.value.size() > kMaxFutureProposalBytes ||
              future_slots.contains({x.proposer, x.round, 0}))
            return false;
          if (!verify(x.proposer, x.sign_bytes(cfg.genesis_hash), x.sig) || cfg.value_id(x.value) != x.value_id)
            return refuse(Refusal::forged), false;
          ++future_proposals[x.proposer];
          future_proposal_bytes += x.value.size();
          future_slots.insert({x.proposer, x.round, 0});
        } else if constexpr (std::is_same_v<T, ledger::SignedVote>) {
          const auto slot = std::tuple{x.validator, x.round, static_cast<uint8_t>(x.type)};
          if (x.type != ledger::VoteType::prevote && x.type != ledger::VoteType::precommit)
            return refuse(Refusal::forged), false;
          if (!nset.find(x.validator)) {
            if (next_set) refuse(Refusal::unentitled);
            return false;
          }
          if (future_slots.contains(slot)) return false;
          if (!verify(x.validator, x.sign_bytes(cfg.genesis_hash), x.sig)) return refuse(Refusal::forged), false;
          future_slots.insert(slot);
        } else {
          if (future_decision) return false;
          if (!well_formed(x, height + 1)) return refuse(Refusal::forged), false;
          // Without the next set, a real decision after a set change fails
          // here; it comes back with re-gossip.
          if (!nset.verify_commit(cfg.genesis_hash, x.cert)) return refuse(Refusal::forged), false;
          future_decision = true;
        }
        return true;
      },
      m);
  if (keep)
    future.push_back(m);
  else if (stats.messages_rejected == rejected_before)
    intake = Intake::deferred;
}

bool Engine::State::make_room(const crypto::PublicKey& k, uint32_t r) {
  if (r <= round) return true;
  auto& held = future_rounds[k];
  if (held.contains(r)) return true;
  if (held.size() < kMaxFutureRoundsPerValidator) {
    held.insert(r);
    return true;
  }
  if (r < *held.begin()) return false;
  const uint32_t oldest = *held.begin();
  held.erase(held.begin());
  held.insert(r);
  evict(k, oldest);
  return true;
}

void Engine::State::evict(const crypto::PublicKey& k, uint32_t r) {
  auto it = rounds.find(r);
  if (it == rounds.end()) return;
  RoundState& rs = it->second;
  std::erase_if(rs.unproposed_conflicts, [&](const auto& e) { return e.first.first == k; });
  rs.prevotes.remove(k);
  rs.precommits.remove(k);
  if (rs.proposal && rs.proposal->proposer == k) rs.proposal.reset();
  if (auto s = rs.senders.find(k); s != rs.senders.end()) {
    rs.sender_power -= s->second;
    rs.senders.erase(s);
  }
  if (rs.empty()) rounds.erase(it);
}

void Engine::State::note_sender(RoundState& rs, const crypto::PublicKey& k, uint64_t power) {
  if (rs.senders.emplace(k, power).second) rs.sender_power += power;
}

void Engine::State::store_proposal(const Proposal& p) {
  RoundState& rs = rounds[p.round];
  if (rs.proposal) return;
  rs.proposal = p;
  rs.value_digest = crypto::sha256(p.value);
  proposed_ids.insert(p.value_id);
  // Second votes that waited for this value join its tallies, in every round.
  for (auto& round_state : rounds) {
    RoundState& other = round_state.second;  // not a structured binding: clang 14 (fuzz) can't capture one
    for (auto& waiting : other.unproposed_conflicts)
      std::erase_if(waiting.second, [&](const ledger::SignedVote& v) {
        if (v.block_hash != p.value_id) return false;
        if (const auto* val = set.find(v.validator))
          (v.type == ledger::VoteType::prevote ? other.prevotes : other.precommits).add_conflicting(v, val->power);
        return true;
      });
  }
  if (const auto* v = set.find(p.proposer)) note_sender(rs, p.proposer, v->power);
}

VoteSet::Added Engine::State::store_vote(const ledger::SignedVote& v, uint64_t power,
                                         const ledger::SignedVote** earlier) {
  RoundState& rs = rounds[v.round];
  VoteSet& vs = v.type == ledger::VoteType::prevote ? rs.prevotes : rs.precommits;
  auto added = vs.add(v, power, earlier);
  if (added == VoteSet::Added::counted) note_sender(rs, v.validator, power);
  return added;
}

}  // namespace nl::consensus
