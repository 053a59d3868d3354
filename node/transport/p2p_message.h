// What nodes say to each other over /p2p: one binary WebSocket frame is one
// message, in the canonical encoding (whitepaper/network.md):
//   u8 kP2pVersion || u8 tag || body
// Every kind has its own size cap, checked before and while decoding; a
// frame that breaks it, or that does not decode strictly (unknown version
// or tag, trailing bytes), costs the sender its connection.
#pragma once
#include <array>
#include <optional>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "consensus/message.h"
#include "crypto/basics/bytes.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "crypto/basics/result.h"
#include "ledger/block.h"
#include "ledger/snapshot_anchor.h"
#include "ledger/snapshot_chunk.h"
#include "ledger/transaction.h"

namespace nl::node::p2p {

inline constexpr uint8_t kP2pVersion = 1;
// The peer protocol as a whole; peers on different protocols refuse each other.
inline constexpr uint16_t kProtocolVersion = 1;

enum class Tag : uint8_t {
  hello = 1,       // first frame each way
  hello_auth = 2,  // second frame each way: the signed nonce
  tx = 3,
  consensus = 4,   // a consensus::Message (proposal, vote, decision)
  status = 5,      // new-height announcement
  get_blocks = 6,
  blocks = 7,
  txs = 8,         // a batch of gossiped transactions
  get_snapshot = 9,  // state sync (node/statesync): what snapshot do you serve?
  snapshot = 10,     // the answer: a snapshot anchor, or none
  get_chunk = 11,
  chunk = 12,
};

using Nonce = std::array<uint8_t, 32>;

struct Hello {
  uint16_t protocol = kProtocolVersion;
  std::string chain_id;
  crypto::Hash32 genesis_hash;
  crypto::PublicKey node_key;
  uint64_t best_height = 0;
  Nonce nonce{};          // random per connection; the other side signs it
  bool validator = false; // false: an observer
  auto operator<=>(const Hello&) const = default;
};

// The signature, by the sender's node key, of auth_sign_bytes() over the
// nonce the other side sent in its Hello.
struct HelloAuth {
  crypto::Signature sig;
  auto operator<=>(const HelloAuth&) const = default;
};

// Domain-separated: "numledger/p2p-auth/v1" || chain_id || genesis_hash ||
// the nonce being answered || the signer's own node key.
Bytes auth_sign_bytes(const std::string& chain_id, const crypto::Hash32& genesis_hash, const Nonce& nonce,
                      const crypto::PublicKey& signer);

struct TxMessage {
  ledger::Transaction tx;
  auto operator<=>(const TxMessage&) const = default;
};

// Gossip sends transactions in batches (one frame instead of one each);
// 1..kMaxTxsPerFrame of them, each within ledger::kMaxTxBytes.
inline constexpr uint32_t kMaxTxsPerFrame = 4096;

struct TxsMessage {
  std::vector<ledger::Transaction> txs;
  auto operator<=>(const TxsMessage&) const = default;
};

struct ConsensusMessage {
  consensus::Message msg;
  auto operator<=>(const ConsensusMessage&) const = default;
};

// Sent after every commit (and now and then while idle): the sender's
// committed height and tip.
struct StatusMessage {
  uint64_t height = 0;
  crypto::Hash32 tip_hash;
  auto operator<=>(const StatusMessage&) const = default;
};

inline constexpr uint32_t kMaxBlocksPerRequest = 64;

struct GetBlocks {
  uint64_t from = 0;   // first height wanted, >= 1
  uint32_t count = 0;  // 1..kMaxBlocksPerRequest
  auto operator<=>(const GetBlocks&) const = default;
};

// A committed block with the certificate that decided it.
struct CertifiedBlock {
  ledger::Block block;
  ledger::CommitCertificate cert;
  auto operator<=>(const CertifiedBlock&) const = default;
};

// Consecutive heights starting at `from` of the request, as many as fit
// kMaxBlocksFrameBytes (at least one); empty when the sender has none.
struct Blocks {
  std::vector<CertifiedBlock> blocks;
  auto operator<=>(const Blocks&) const = default;
};

// State sync (whitepaper/network.md, "State sync"). A joining node asks
// each peer which snapshot it serves; the peer answers with the anchor of
// its snapshot (ledger/snapshot_anchor.h), or with none.
struct GetSnapshot {
  auto operator<=>(const GetSnapshot&) const = default;
};

struct SnapshotOffer {
  std::optional<ledger::SnapshotAnchor> anchor;  // none: no snapshot served
};

// Chunk `index` of the snapshot of `height`; the index must be below the
// anchor's 2^chunk_bits, which the server checks.
struct GetChunk {
  uint64_t height = 0;
  uint32_t index = 0;
  auto operator<=>(const GetChunk&) const = default;
};

// The chunk asked for (ledger/snapshot_chunk.h), or none when the server no
// longer serves that height.
struct Chunk {
  uint64_t height = 0;
  uint32_t index = 0;
  std::optional<ledger::SnapshotChunk> chunk;
  auto operator<=>(const Chunk&) const = default;
};

using P2pMessage = std::variant<Hello, HelloAuth, TxMessage, ConsensusMessage, StatusMessage, GetBlocks, Blocks,
                                TxsMessage, GetSnapshot, SnapshotOffer, GetChunk, Chunk>;

// Size caps per kind, for the whole frame.
inline constexpr size_t kMaxHandshakeFrameBytes = 4096;
inline constexpr size_t kMaxTxFrameBytes = ledger::kMaxTxBytes + 64;
inline constexpr size_t kMaxConsensusFrameBytes = consensus::kMaxMessageBytes + 64;
inline constexpr size_t kMaxSmallFrameBytes = 256;  // status, get_blocks, get_snapshot, get_chunk
inline constexpr size_t kMaxBlocksFrameBytes = 16 * 1024 * 1024;
// A frame carries at least one block of the largest size with its certificate.
static_assert(kMaxBlocksFrameBytes >= 2 + 4 + 4 + ledger::kMaxBlockBytes + ledger::kMaxCertificateBytes);
inline constexpr size_t kMaxTxsFrameBytes = 8 * 1024 * 1024;
// What the transactions of one txs frame may take together: the cap less
// version, tag and count.
inline constexpr size_t kMaxTxsPayloadBytes = kMaxTxsFrameBytes - 2 - 4;
// A snapshot anchor (its block, certificate and set changes) and a chunk
// must each fit one frame; the server serves nothing larger.
inline constexpr size_t kMaxSnapshotFrameBytes = 16 * 1024 * 1024;
inline constexpr size_t kMaxChunkFrameBytes = 16 * 1024 * 1024;
// The largest frame of any kind: the WebSocket read limit.
inline constexpr size_t kMaxFrameBytes = kMaxBlocksFrameBytes;

Tag tag_of(const P2pMessage& m);
std::string_view tag_name(Tag t);
size_t max_frame_bytes(Tag t);

Bytes encode(const P2pMessage& m);
// Strict: version, known tag, the tag's size cap, every field's bounds, no
// trailing bytes. The reason names the kind and what was wrong.
Result<P2pMessage> decode(ByteView frame);

}  // namespace nl::node::p2p
