// The coordinated split attack, for Byzantine power above a third: the
// colluding validators divide the honest ones into two groups and try to
// make each group decide a different value at the same height.
//  - In a round whose proposer is one of them, that proposer sends value A
//    to group 0 and value B to group 1, and every colluder prevotes and
//    precommits A to group 0 and B to group 1, at once.
//  - In a round with an honest proposer, they vote for its value to
//    everyone, so heights keep being decided.
// They learn where each group is from the messages its members send them
// (every honest broadcast reaches them), and attack the next height as soon
// as a member precommits a value. With Byzantine power above a third each
// group plus the colluders holds more than two thirds, so both groups decide:
// a safety violation the checker must report.
#pragma once
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <vector>

#include "consensus/sim/sim_env.h"

namespace nl::consensus::sim {

class SplitAttack {
 public:
  // keys[i] holds the key of colluder i (node index byzantine[i]);
  // group[n] is honest node n's group (0 or 1), -1 for colluders.
  SplitAttack(SimEnv& env, std::vector<size_t> byzantine, std::vector<crypto::SecretKey> keys,
              std::vector<int> group);
  // A message a colluder received from node `from`.
  void observe(size_t from, const Message& m);

 private:
  void attack(int group, uint64_t height, uint32_t round);
  void back(const Proposal& p);
  void send_group(int group, size_t from, const std::shared_ptr<const Message>& m);
  const crypto::SecretKey* colluder_key(size_t node) const;

  SimEnv& env_;
  std::vector<size_t> byzantine_;
  std::vector<crypto::SecretKey> keys_;
  std::vector<int> group_;
  std::set<std::tuple<int, uint64_t, uint32_t>> attacked_;
  std::set<std::pair<uint64_t, uint32_t>> backed_;
};

// One colluder: it only listens, and the attack speaks through it.
class SplitAttackNode : public Node {
 public:
  explicit SplitAttackNode(SplitAttack& attack) : attack_(attack) {}
  bool honest() const override { return false; }
  void start() override {}
  void receive(size_t from, const Payload& p, bool regossip) override;

 private:
  SplitAttack& attack_;
};

}  // namespace nl::consensus::sim
