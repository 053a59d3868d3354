// Blocks, headers and commit certificates.
//   header hash = tagged_hash(kBlockHeader, canonical(header))
//   vote bytes  = u8 len(tag) || kVote || canonical(chain_id, height, round, type, block hash)
// A commit certificate is the set of precommit signatures that decided a
// block: with one validator it holds one signature, with many, > 2/3 of
// the voting power. Proof verification reads the same format either way.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "crypto/basics/result.h"
#include "ledger/evidence.h"
#include "ledger/transaction.h"
#include "ledger/vote.h"

namespace nl::ledger {

inline constexpr uint8_t kBlockVersion = 1;
inline constexpr uint32_t kMaxBlockTxs = 10000;
inline constexpr uint32_t kMaxBlockEvidence = 100;

// The block size limit, the one number every layer uses (whitepaper/ledger.md,
// "Block size"): no encoded block, whatever last commit it carries, is
// larger. Proposing, checking, storing, serving and syncing all hold to it.
inline constexpr size_t kMaxBlockBytes = 4 * 1024 * 1024;
// The largest commit certificate: a signature from every validator.
inline constexpr size_t kMaxCertificateBytes = 8 + 4 + 32 + 4 + kMaxValidators * (32 + 64);
// What a block may take without its last commit. The rest is kept for the
// largest certificate, because the block a node stores carries its own
// certificate of the previous height, which may hold more signatures than
// the proposer's: the stored and served block must fit kMaxBlockBytes too.
inline constexpr size_t kMaxBlockBytesWithoutCommit = kMaxBlockBytes - kMaxCertificateBytes;

struct BlockHeader {
  std::string chain_id;
  uint64_t height = 0;
  uint64_t time = 0;  // unix seconds
  crypto::Hash32 prev_hash;
  crypto::Hash32 tx_root;
  crypto::Hash32 state_root;
  crypto::Hash32 validator_set_hash;  // the set that votes at this height
  crypto::Hash32 evidence_root;
  crypto::PublicKey proposer;

  auto operator<=>(const BlockHeader&) const = default;
  // After the version byte (kBlockVersion).
  template <class V, class Self>
  static void fields(V& v, Self& h) {
    v(field("chain_id", h.chain_id).max(kMaxChainIdBytes).check(check_chain_id));
    v(field("height", h.height));
    v(field("time", h.time).show(Show::unix_time));
    v(field("prev_hash", h.prev_hash));
    v(field("tx_root", h.tx_root));
    v(field("state_root", h.state_root));
    v(field("validator_set_hash", h.validator_set_hash));
    v(field("evidence_root", h.evidence_root));
    v(field("proposer", h.proposer));
  }
  crypto::Hash32 hash() const;
  void encode(Writer& w) const;
  static BlockHeader decode(Reader& r);
};

struct VoteSignature {
  crypto::PublicKey validator;
  crypto::Signature sig;
  auto operator<=>(const VoteSignature&) const = default;
  const crypto::PublicKey& set_key() const { return validator; }
  template <class V, class Self>
  static void fields(V& v, Self& x) {
    v(field("validator", x.validator));
    v(field("signature", x.sig));
  }
};

struct CommitCertificate {
  uint64_t height = 0;
  uint32_t round = 0;
  crypto::Hash32 block_hash;
  std::vector<VoteSignature> votes;  // sorted by validator key, no duplicates

  auto operator<=>(const CommitCertificate&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& c) {
    v(field("height", c.height));
    v(field("round", c.round));
    v(field("block_hash", c.block_hash));
    // No set has more validators, so no valid certificate has more votes.
    v(field("votes", c.votes)
          .max(kMaxValidators)
          .ordered("certificate votes are not in strictly ascending validator order"));
  }
  void encode(Writer& w) const;
  static CommitCertificate decode(Reader& r);
  Bytes encode() const;
  static Result<CommitCertificate> decode(ByteView in);
};

struct Block {
  BlockHeader header;
  std::vector<Transaction> txs;
  std::vector<Evidence> evidence;                // applied after the transactions
  std::optional<CommitCertificate> last_commit;  // certificate of height - 1

  Bytes encode() const;
  // Refuses more than kMaxBlockBytes before reading a field.
  static Result<Block> decode(ByteView in);
  // The encoding's size with no last commit (its presence flag counted).
  size_t size_without_commit() const;
};

// The block size rule: size_without_commit() <= kMaxBlockBytesWithoutCommit,
// with the reason when not; the second form for a size already known.
Status check_block_size(const Block& b);
Status check_block_size(size_t bytes_without_commit);

// Merkle root over tagged hashes of the full signed transaction encodings
// (crypto/merkle.h), tags kTxLeaf/kTxNode.
crypto::Hash32 tx_root(const std::vector<Transaction>& txs);
// The same over tagged_hash(kEvidenceLeaf, Evidence), nodes kEvidenceNode;
// no evidence gives the zero hash.
crypto::Hash32 evidence_root(const std::vector<Evidence>& evidence);

}  // namespace nl::ledger
