#include "consensus/sim/byzantine_node.h"

namespace nl::consensus::sim {
namespace {

crypto::Hash32 random_id(Rng& rng) {
  crypto::Hash32 h;
  for (size_t i = 0; i < h.b.size(); i += 8) {
    uint64_t x = rng.next();
    for (size_t j = 0; j < 8; ++j) h.b[i + j] = static_cast<uint8_t>(x >> (8 * j));
  }
  return h;
}

}  // namespace

ByzantineNode::ByzantineNode(SimEnv& env, size_t index, crypto::SecretKey key, Behaviour behaviour)
    : EngineNode(env, index, std::move(key)), behaviour_(behaviour) {
  std::vector<size_t> peers;
  for (size_t i = 0; i < env.net.size(); ++i)
    if (i != index) peers.push_back(i);
  for (size_t i = peers.size(); i > 1; --i) std::swap(peers[i - 1], peers[env.rng.below(i)]);
  for (size_t i = 0; i < peers.size(); ++i) halves_[i % 2].push_back(peers[i]);
}

void ByzantineNode::send_to(size_t half, const std::shared_ptr<const Message>& m, bool regossip) {
  for (size_t peer : halves_[half]) env_.net.send(index_, peer, m, regossip);
}

std::shared_ptr<const Message> ByzantineNode::second_proposal(const Proposal& p) {
  auto& slot = second_proposals_[{p.height, p.round}];
  if (!slot) {
    SimValue v = make_value(p.height, p.round, index_, env_.rng.next());
    slot = std::make_shared<const Message>(
        Proposal::make(env_.genesis_hash, p.height, p.round, -1, v.id, std::move(v.bytes), key_));
  }
  return slot;
}

std::shared_ptr<const Message> ByzantineNode::second_vote(const ledger::SignedVote& v) {
  auto& slot = second_votes_[{v.height, v.round, v.type}];
  if (!slot) {
    // The other half hears nil for a value, or a value for nil.
    const crypto::Hash32 other = v.is_nil() ? random_id(env_.rng) : crypto::Hash32{};
    slot = std::make_shared<const Message>(
        ledger::SignedVote::make(env_.genesis_hash, v.height, v.round, v.type, other, key_));
  }
  return slot;
}

std::shared_ptr<const Message> ByzantineNode::random_vote(const ledger::SignedVote& v) {
  auto& slot = second_votes_[{v.height, v.round, v.type}];
  if (!slot)
    slot = std::make_shared<const Message>(
        ledger::SignedVote::make(env_.genesis_hash, v.height, v.round, v.type, random_id(env_.rng), key_));
  return slot;
}

void ByzantineNode::emit(std::shared_ptr<const Message> m, bool regossip) {
  if (!signed_by_me(*m)) return env_.net.broadcast(index_, m, regossip);
  const auto* proposal = std::get_if<Proposal>(m.get());
  const auto* vote = std::get_if<ledger::SignedVote>(m.get());
  switch (behaviour_) {
    case Behaviour::equivocate:
      if (proposal) {
        send_to(0, m, regossip);
        send_to(1, second_proposal(*proposal), regossip);
        return;
      }
      break;
    case Behaviour::double_vote:
      if (vote) {
        auto other = second_vote(*vote);
        if (!regossip) {
          send_to(0, m, false);
          send_to(1, other, false);
        } else {
          // Careless on re-gossip: either vote to anyone, so equivocation shows.
          for (size_t i = 0; i < env_.net.size(); ++i)
            if (i != index_) env_.net.send(index_, i, env_.rng.chance(0.5) ? m : other, true);
        }
        return;
      }
      break;
    case Behaviour::random_ids:
      if (vote) return env_.net.broadcast(index_, random_vote(*vote), regossip);
      break;
    case Behaviour::silent:
    case Behaviour::invalid_proposal:
      break;
  }
  env_.net.broadcast(index_, m, regossip);
}

SimValue ByzantineNode::propose_value(uint64_t height, uint32_t round) {
  if (behaviour_ != Behaviour::invalid_proposal) return EngineNode::propose_value(height, round);
  const auto kind = static_cast<InvalidKind>(env_.rng.below(4));
  return make_invalid_value(kind, height, round, index_, env_.rng.next());
}

}  // namespace nl::consensus::sim
