// Signing through the write-ahead log: nothing this validator signs leaves
// the engine before it is durable, and after a restart the engine re-sends
// what it signed for a (height, round, step) instead of signing anew.
#include <algorithm>
#include <type_traits>

#include "consensus/engine_state.h"

namespace nl::consensus {
namespace {

Step vote_step(ledger::VoteType t) {
  return t == ledger::VoteType::prevote ? Step::prevote : Step::precommit;
}

}  // namespace

Status Engine::State::load_wal() {
  auto entries = wal.load();
  if (!entries) return fail("cannot read the consensus write-ahead log: " + entries.error());
  signed_slots.clear();
  locks.clear();
  for (const WalEntry& e : *entries) {
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, Proposal>) {
            // The first record of a slot is what peers may have seen.
            if (self && x.proposer == *self) signed_slots.emplace(SlotKey{x.height, x.round, Step::propose}, x);
          } else if constexpr (std::is_same_v<T, ledger::SignedVote>) {
            if (self && x.validator == *self)
              signed_slots.emplace(SlotKey{x.height, x.round, vote_step(x.type)}, x);
          } else {
            locks[x.height] = x;  // the latest record of a height wins
          }
        },
        e);
  }
  return {};
}

// Our own messages of this height count as received, as they did before a
// restart, and so does the polka behind validValue that the lock recorded.
void Engine::State::replay_own_messages() {
  for (auto it = signed_slots.lower_bound({height, 0, Step::propose});
       it != signed_slots.end() && std::get<0>(it->first) == height; ++it)
    store_own(it->second);
  if (auto it = locks.find(height); it != locks.end() && it->second.valid_round >= 0)
    for (const auto& v : it->second.valid_polka)
      if (const auto* val = set.find(v.validator); val && v.height == height && v.block_hash == valid_id &&
                                                   v.round == static_cast<uint32_t>(valid_round))
        store_vote(v, val->power, nullptr);
}

void Engine::State::propose(const crypto::Hash32& id, const Bytes& value, int32_t pol_round) {
  if (!cfg.key || !set.find(*self)) return;  // not a validator of this height: it follows without signing
  const SlotKey slot{height, round, Step::propose};
  if (auto it = signed_slots.find(slot); it != signed_slots.end()) {
    const auto& rec = std::get<Proposal>(it->second);
    if (rec.value_id != id || rec.pol_round != pol_round) ++stats.signs_refused;
    resend(it->second);
    return;
  }
  send_new(slot, Proposal::make(cfg.genesis_hash, height, round, pol_round, id, value, *cfg.key));
}

void Engine::State::vote(ledger::VoteType type, const crypto::Hash32& id) {
  // An observer, or a validator whose key left this height's set, follows
  // without voting: its votes would be refused, and cost its peers'
  // relays their scores (issue 20).
  if (!cfg.key || !set.find(*self)) return;
  const SlotKey slot{height, round, vote_step(type)};
  if (auto it = signed_slots.find(slot); it != signed_slots.end()) {
    if (std::get<ledger::SignedVote>(it->second).block_hash != id) ++stats.signs_refused;
    resend(it->second);
    return;
  }
  send_new(slot, ledger::SignedVote::make(cfg.genesis_hash, height, round, type, id, *cfg.key));
}

void Engine::State::send_new(const SlotKey& slot, Message m) {
  WalEntry e = std::holds_alternative<Proposal>(m) ? WalEntry(std::get<Proposal>(m))
                                                   : WalEntry(std::get<ledger::SignedVote>(m));
  if (auto ok = wal.append(e); !ok) {
    halt(ok.error());  // unlogged: never sent
    return;
  }
  signed_slots.emplace(slot, m);
  store_own(m);
  out.push_back(Broadcast{std::move(m)});
}

void Engine::State::halt(std::string reason) {
  if (halted) return;
  halted = true;
  halt_reason = "WAL append failed: " + std::move(reason);
}

void Engine::State::resend(const Message& m) {
  store_own(m);
  out.push_back(Broadcast{m});
}

void Engine::State::store_own(const Message& m) {
  if (const auto* p = std::get_if<Proposal>(&m)) {
    store_proposal(*p);
  } else if (const auto* v = std::get_if<ledger::SignedVote>(&m)) {
    if (const auto* val = set.find(v->validator)) store_vote(*v, val->power, nullptr);
  }
}

bool Engine::State::write_lock() {
  // An observer, or a validator out of this height's set, signs nothing here:
  // its lock needs no log.
  if (!cfg.key || !set.find(*self)) return true;
  LockRecord rec{static_cast<const LockState&>(*this), height, round, {}};
  if (valid_round >= 0)
    if (auto it = rounds.find(static_cast<uint32_t>(valid_round)); it != rounds.end())
      rec.valid_polka = it->second.prevotes.votes_for(valid_id);
  if (auto ok = wal.append(rec); !ok) {
    halt(ok.error());
    return false;
  }
  locks[height] = std::move(rec);
  return true;
}

std::vector<Message> Engine::State::regossip() const {
  std::vector<Message> msgs;
  if (!started) return msgs;
  auto add = [&](Message m) {
    if (std::find(msgs.begin(), msgs.end(), m) == msgs.end()) msgs.push_back(std::move(m));
  };
  // Own messages of the current and the previous round.
  const uint32_t from = round == 0 ? 0 : round - 1;
  for (auto it = signed_slots.lower_bound({height, from, Step::propose});
       it != signed_slots.end() && std::get<0>(it->first) == height && std::get<1>(it->first) <= round;
       ++it)
    add(it->second);
  // The polka that l.28 needs for a proposal with pol_round vr lies in an
  // older round, which a peer that missed it (dropped, or down) never gets
  // from the window above: relay the prevotes that justify the current
  // proposal and this validator's validValue, as Tendermint's proof of lock.
  auto add_polka = [&](int32_t r, const crypto::Hash32& id) {
    if (r < 0) return;
    if (auto it = rounds.find(static_cast<uint32_t>(r)); it != rounds.end())
      for (auto& v : it->second.prevotes.votes_for(id)) add(std::move(v));
  };
  if (auto it = rounds.find(round); it != rounds.end() && it->second.proposal) {
    add(*it->second.proposal);
    add_polka(it->second.proposal->pol_round, it->second.proposal->value_id);
  }
  add_polka(valid_round, valid_id);
  return msgs;
}

}  // namespace nl::consensus
