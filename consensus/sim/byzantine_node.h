// Byzantine validators of a mixed attack. Each wraps an honest engine to
// know the height, round and what an honest validator would send, and then
// misbehaves in one way, signing with its own key directly:
//  - equivocate: as proposer, its value to one half of the peers and a
//    different valid value to the other half;
//  - double_vote: each of its votes to one half, a vote for another value
//    (or nil) to the other half, and either of the two when re-gossiping,
//    so that some peers see both and can prove it;
//  - random_ids: votes for block ids nobody proposed;
//  - invalid_proposal: as proposer, values the application rejects.
// A silent validator has no engine at all (SilentNode).
#pragma once
#include <array>
#include <map>
#include <tuple>
#include <vector>

#include "consensus/sim/sim_config.h"
#include "consensus/sim/sim_node.h"

namespace nl::consensus::sim {

class ByzantineNode : public EngineNode {
 public:
  ByzantineNode(SimEnv& env, size_t index, crypto::SecretKey key, Behaviour behaviour);
  bool honest() const override { return false; }
  Behaviour behaviour() const { return behaviour_; }

 protected:
  void emit(std::shared_ptr<const Message> m, bool regossip) override;
  SimValue propose_value(uint64_t height, uint32_t round) override;
  // It does not spare the network; a double voter's re-gossip is what lets
  // peers see both of its votes.
  bool regossips_always() const override { return true; }

 private:
  using VoteSlot = std::tuple<uint64_t, uint32_t, ledger::VoteType>;
  void send_to(size_t half, const std::shared_ptr<const Message>& m, bool regossip);
  std::shared_ptr<const Message> second_proposal(const Proposal& p);
  std::shared_ptr<const Message> second_vote(const ledger::SignedVote& v);
  std::shared_ptr<const Message> random_vote(const ledger::SignedVote& v);

  Behaviour behaviour_;
  std::array<std::vector<size_t>, 2> halves_;  // the peers, split at random once
  std::map<std::pair<uint64_t, uint32_t>, std::shared_ptr<const Message>> second_proposals_;
  std::map<VoteSlot, std::shared_ptr<const Message>> second_votes_;
};

// A validator that never sends anything.
class SilentNode : public Node {
 public:
  bool honest() const override { return false; }
  void start() override {}
  void receive(size_t, const Payload&, bool) override {}
};

}  // namespace nl::consensus::sim
