// A Byzantine validator of a whole-node simulation: no driver, only its
// key and the behaviours it is given (whole_node_config.h). It hears what
// its honest peers send it, and acts once per (height, round) the honest
// nodes reach, on the side split that all Byzantine validators share.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "consensus/message.h"
#include "consensus/proposer.h"
#include "ledger/chain.h"
#include "node/sim/sim_wire.h"
#include "node/sim/whole_node_config.h"

namespace nl::node::sim {

struct Sides {
  std::vector<size_t> a, b;  // honest nodes, split in two
};

class ByzantinePeer {
 public:
  ByzantinePeer(SimWire& wire, size_t me, crypto::SecretKey key, crypto::Hash32 genesis_hash, uint32_t behaviours);

  // What a peer sent it: proposals are remembered for double votes.
  void on_message(const PeerInfo& from, p2p::P2pMessage m);
  // The honest nodes are at (h, r); `chain` is an honest node's chain at
  // h - 1, to build valid block values on. Acts once per (h, r).
  void act(uint64_t h, uint32_t r, ledger::Chain& chain, const ledger::ValidatorSet& set,
           const ledger::ValidatorSet& next_set, const Sides& sides);

  uint64_t sent() const { return sent_; }
  const crypto::PublicKey& key() const { return pub_; }

 private:
  void to(const std::vector<size_t>& nodes, const consensus::Message& m);
  void vote(const std::vector<size_t>& nodes, uint64_t h, uint32_t r, ledger::VoteType t, const crypto::Hash32& id);
  // Two different valid values for height h (times one second apart).
  std::pair<Bytes, Bytes> two_values(ledger::Chain& chain);

  SimWire& wire_;
  size_t me_;
  crypto::SecretKey key_;
  crypto::PublicKey pub_;
  crypto::Hash32 genesis_hash_;
  uint32_t behaviours_;
  std::map<std::pair<uint64_t, uint32_t>, consensus::Proposal> proposals_;  // heard, by (h, r)
  std::set<std::pair<uint64_t, uint32_t>> proposed_, voted_, flooded_, replayed_;
  std::vector<consensus::Message> history_;  // what it sent, for replays
  uint64_t sent_ = 0;
};

}  // namespace nl::node::sim
