#include "ledger/block.h"

#include "crypto/domain_tags.h"
#include "crypto/merkle.h"

namespace nl::ledger {

void BlockHeader::encode(Writer& w) const {
  w.u8(kBlockVersion).str(chain_id).u64(height).u64(time);
  w.fixed(prev_hash.b).fixed(tx_root.b).fixed(state_root.b).fixed(validator_set_hash.b);
  w.fixed(evidence_root.b).fixed(proposer.b);
}

BlockHeader BlockHeader::decode(Reader& r) {
  uint8_t v = r.u8();
  if (v != kBlockVersion) throw DecodeError("unsupported block version " + std::to_string(v));
  BlockHeader h;
  h.chain_id = r.str(kMaxChainIdBytes);
  if (!valid_chain_id(h.chain_id)) throw DecodeError("chain id must be 1-64 printable ASCII characters");
  h.height = r.u64();
  h.time = r.u64();
  h.prev_hash.b = r.fixed<32>();
  h.tx_root.b = r.fixed<32>();
  h.state_root.b = r.fixed<32>();
  h.validator_set_hash.b = r.fixed<32>();
  h.evidence_root.b = r.fixed<32>();
  h.proposer.b = r.fixed<32>();
  return h;
}

crypto::Hash32 BlockHeader::hash() const {
  Writer w;
  encode(w);
  return crypto::tagged_hash(tags::kBlockHeader, w.data());
}

void CommitCertificate::encode(Writer& w) const {
  w.u64(height).u32(round).fixed(block_hash.b).count(votes.size());
  for (const auto& v : votes) w.fixed(v.validator.b).fixed(v.sig.b);
}

CommitCertificate CommitCertificate::decode(Reader& r) {
  CommitCertificate c;
  c.height = r.u64();
  c.round = r.u32();
  c.block_hash.b = r.fixed<32>();
  // No set has more validators, so no valid certificate has more votes.
  uint32_t n = r.count(static_cast<uint32_t>(kMaxValidators));
  for (uint32_t i = 0; i < n; ++i) {
    VoteSignature v;
    v.validator.b = r.fixed<32>();
    v.sig.b = r.fixed<64>();
    if (!c.votes.empty() && !(c.votes.back().validator < v.validator))
      throw DecodeError("certificate votes are not in strictly ascending validator order");
    c.votes.push_back(v);
  }
  return c;
}

Bytes CommitCertificate::encode() const {
  Writer w;
  encode(w);
  return w.take();
}

Result<CommitCertificate> CommitCertificate::decode(ByteView in) {
  return decode_all<CommitCertificate>(in, "commit certificate",
                                       [](Reader& r) { return decode(r); });
}

namespace {
// Everything but the last commit and its presence flag.
void encode_without_commit(const Block& b, Writer& w) {
  b.header.encode(w);
  w.count(b.txs.size());
  for (const auto& tx : b.txs) tx.encode(w);
  w.count(b.evidence.size());
  for (const auto& e : b.evidence) e.encode(w);
}
}  // namespace

Bytes Block::encode() const {
  Writer w;
  encode_without_commit(*this, w);
  w.boolean(last_commit.has_value());
  if (last_commit) last_commit->encode(w);
  return w.take();
}

size_t Block::size_without_commit() const {
  Writer w;
  encode_without_commit(*this, w);
  return w.data().size() + 1;  // the presence flag counts
}

Status check_block_size(size_t bytes_without_commit) {
  if (bytes_without_commit > kMaxBlockBytesWithoutCommit)
    return fail("block is " + std::to_string(bytes_without_commit) + " bytes without its last commit; the limit is " +
                std::to_string(kMaxBlockBytesWithoutCommit) + " (" + std::to_string(kMaxBlockBytes) +
                " less room for the largest certificate)");
  return {};
}

Status check_block_size(const Block& b) { return check_block_size(b.size_without_commit()); }

Result<Block> Block::decode(ByteView in) {
  if (in.size() > kMaxBlockBytes)
    return fail("block is " + std::to_string(in.size()) + " bytes; the limit is " + std::to_string(kMaxBlockBytes));
  return decode_all<Block>(in, "block", [](Reader& r) {
    Block b;
    b.header = BlockHeader::decode(r);
    uint32_t n = r.count(kMaxBlockTxs);
    b.txs.reserve(n);
    for (uint32_t i = 0; i < n; ++i) b.txs.push_back(Transaction::decode(r));
    uint32_t ne = r.count(kMaxBlockEvidence);
    b.evidence.reserve(ne);
    for (uint32_t i = 0; i < ne; ++i) b.evidence.push_back(Evidence::decode(r));
    if (r.boolean()) b.last_commit = CommitCertificate::decode(r);
    return b;
  });
}

crypto::Hash32 tx_root(const std::vector<Transaction>& txs) {
  std::vector<crypto::Hash32> leaves;
  leaves.reserve(txs.size());
  for (const auto& tx : txs) leaves.push_back(crypto::tagged_hash(tags::kTxLeaf, tx.encode()));
  return crypto::merkle_root(tags::kTxNode, std::move(leaves));
}

crypto::Hash32 evidence_root(const std::vector<Evidence>& evidence) {
  std::vector<crypto::Hash32> leaves;
  leaves.reserve(evidence.size());
  for (const auto& e : evidence) leaves.push_back(crypto::tagged_hash(tags::kEvidenceLeaf, e.encode()));
  return crypto::merkle_root(tags::kEvidenceNode, std::move(leaves));
}

}  // namespace nl::ledger
