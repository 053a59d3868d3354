// What validators exchange: proposals, votes and, for a validator that is
// behind, a decided height with its certificate. One tagged canonical
// encoding for all three (whitepaper/consensus.md).
#pragma once
#include <cstdint>
#include <variant>

#include "consensus/proposal.h"
#include "crypto/basics/bytes.h"
#include "crypto/basics/result.h"
#include "ledger/block.h"
#include "ledger/vote.h"

namespace nl::consensus {

// A height that was decided: the value and the precommits that decided it.
struct Decision {
  uint64_t height = 0;
  crypto::Hash32 value_id;
  Bytes value;
  ledger::CommitCertificate cert;  // cert.block_hash == value_id
  auto operator<=>(const Decision&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& x) {
    v(ledger::field("height", x.height));
    v(ledger::field("value_id", x.value_id));
    v(ledger::field("value", x.value).max(kMaxValueBytes).shown(false));
    v(ledger::field("cert", x.cert));
  }
};

using Message = std::variant<Proposal, ledger::SignedVote, Decision>;

enum class MessageTag : uint8_t { proposal = 1, vote = 2, decision = 3 };
inline constexpr uint8_t kMessageVersion = 1;
// Largest encoded message: a decision with a maximal value and a
// certificate of up to 10000 signatures (about 0.96 MB) fits below this.
inline constexpr size_t kMaxMessageBytes = kMaxValueBytes + 1024 * 1024;

Bytes encode_message(const Message& m);
// Strict: version, tag, size limits, no trailing bytes.
Result<Message> decode_message(ByteView in);
uint64_t message_height(const Message& m);

}  // namespace nl::consensus
