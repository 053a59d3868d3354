#include "node/sim/byzantine_peer.h"

#include "node/driver/block_values.h"
#include "node/driver/driver_clock.h"
#include "node/driver/mempool.h"

namespace nl::node::sim {

namespace {
const crypto::Hash32 kNil{};
constexpr size_t kMaxHistory = 256;
constexpr uint32_t kFloodRounds = 4;  // later rounds voted into at once
}  // namespace

ByzantinePeer::ByzantinePeer(SimWire& wire, size_t me, crypto::SecretKey key, crypto::Hash32 genesis_hash,
                             uint32_t behaviours)
    : wire_(wire), me_(me), key_(std::move(key)), pub_(key_.public_key()), genesis_hash_(genesis_hash),
      behaviours_(behaviours) {}

void ByzantinePeer::on_message(const PeerInfo&, p2p::P2pMessage m) {
  const auto* c = std::get_if<p2p::ConsensusMessage>(&m);
  if (!c) return;
  if (const auto* p = std::get_if<consensus::Proposal>(&c->msg))
    if (p->proposer != pub_) proposals_.emplace(std::pair{p->height, p->round}, *p);
}

void ByzantinePeer::to(const std::vector<size_t>& nodes, const consensus::Message& m) {
  for (size_t n : nodes) {
    wire_.send_to_node(me_, n, p2p::ConsensusMessage{m});
    ++sent_;
  }
  if (history_.size() < kMaxHistory) history_.push_back(m);
}

void ByzantinePeer::vote(const std::vector<size_t>& nodes, uint64_t h, uint32_t r, ledger::VoteType t,
                         const crypto::Hash32& id) {
  to(nodes, ledger::SignedVote::make(genesis_hash_, h, r, t, id, key_));
}

std::pair<Bytes, Bytes> ByzantinePeer::two_values(ledger::Chain& chain) {
  static const Mempool empty{MempoolOptions{}};
  const uint64_t t = std::max(DriverClock::unix_seconds(), chain.tip_header().time);
  BuiltValue x = build_block_value(chain, empty, pub_, t, 0);
  BuiltValue y = build_block_value(chain, empty, pub_, t + 1, 0);
  return {std::move(x.bytes), std::move(y.bytes)};
}

void ByzantinePeer::act(uint64_t h, uint32_t r, ledger::Chain& chain, const ledger::ValidatorSet& set,
                        const ledger::ValidatorSet& next_set, const Sides& sides) {
  if (!set.find(pub_)) return;  // not a validator of this height: nothing to sign
  const auto hr = std::pair{h, r};
  std::vector<size_t> everyone = sides.a;
  everyone.insert(everyone.end(), sides.b.begin(), sides.b.end());
  // Withholding from side b every third height; equivocating to it otherwise.
  const std::vector<size_t>& second = (behaviours_ & kWithhold) && h % 3 == 0 ? std::vector<size_t>{} : sides.b;

  // Its own round: two proposals, one to each side, maybe with a forged
  // proof of lock.
  if ((behaviours_ & kEquivocatePropose) && !proposed_.contains(hr) &&
      consensus::ProposerSchedule(set).at(h, r) == pub_ && chain.height() + 1 == h) {
    proposed_.insert(hr);
    auto [x, y] = two_values(chain);
    // Every other time the second value is invalid: dated an hour ahead,
    // past what honest validators accept (block_values.h).
    if ((h + r) % 2 == 1) {
      static const Mempool empty{MempoolOptions{}};
      y = build_block_value(chain, empty, pub_, DriverClock::unix_seconds() + 3600, 0).bytes;
    }
    const int32_t pol = (behaviours_ & kForgeLockProof) && r > 0 ? static_cast<int32_t>(r - 1) : -1;
    to(sides.a, consensus::Proposal::make(genesis_hash_, h, r, pol, block_value_id(x), x, key_));
    to(second, consensus::Proposal::make(genesis_hash_, h, r, pol, block_value_id(y), y, key_));
  }

  // Votes: for the round's proposal to one side, for another value (or
  // nil) to the other. Once the proposal is known, so that the votes
  // name a real value.
  if ((behaviours_ & kDoubleVote) && !voted_.contains(hr)) {
    auto it = proposals_.find(hr);
    if (it != proposals_.end()) {
      voted_.insert(hr);
      crypto::Hash32 other = kNil;
      if (chain.height() + 1 == h && (r % 2 == 1)) other = block_value_id(two_values(chain).first);  // value against value
      vote(sides.a, h, r, ledger::VoteType::prevote, it->second.value_id);
      vote(second, h, r, ledger::VoteType::prevote, other);
      if (behaviours_ & kPrevotesOnly) {
        // silent after its prevotes
      } else if ((h + r) % 2 == 0) {
        // Helps side a to a polka, then withholds the decision: side a
        // stays locked into the next round.
        vote(everyone, h, r, ledger::VoteType::precommit, kNil);
      } else {
        vote(sides.a, h, r, ledger::VoteType::precommit, it->second.value_id);
        vote(second, h, r, ledger::VoteType::precommit, other);
      }
    }
  }

  // Votes for later rounds and the next height; now and then an h + 1
  // proposal in a round it does not own.
  if ((behaviours_ & kFloodFuture) && !flooded_.contains(hr)) {
    flooded_.insert(hr);
    for (uint32_t k = 1; k <= kFloodRounds; ++k) vote(everyone, h, r + k, ledger::VoteType::prevote, kNil);
    if (next_set.find(pub_)) {
      vote(everyone, h + 1, 0, ledger::VoteType::prevote, kNil);
      // issue 20, bug 3: an h + 1 proposal for a round it may not own.
      // Every fourth height only: each costs it points at every honest
      // node, and a strategic adversary stays under the ban score.
      if (chain.height() + 1 == h && h % 4 == 1) {
        const uint32_t round = consensus::ProposerSchedule(next_set).at(h + 1, 0) == pub_ ? 1 : 0;
        Bytes v = two_values(chain).first;
        to(everyone, consensus::Proposal::make(genesis_hash_, h + 1, round, -1, block_value_id(v), v, key_));
      }
    }
  }

  if ((behaviours_ & kReplay) && !history_.empty() && r % 2 == 0 && replayed_.insert(hr).second)
    for (size_t i = 0; i < history_.size() && i < 8; ++i) to(everyone, history_[(h * 7 + r + i) % history_.size()]);
}

}  // namespace nl::node::sim
