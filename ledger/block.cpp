#include "ledger/block.h"

#include "crypto/domain_tags.h"
#include "crypto/merkle.h"
#include "ledger/field_codec.h"

namespace nl::ledger {

void BlockHeader::encode(Writer& w) const {
  w.u8(kBlockVersion);
  write_fields(w, *this);
}

BlockHeader BlockHeader::decode(Reader& r) {
  uint8_t v = r.u8();
  if (v != kBlockVersion) throw DecodeError("unsupported block version " + std::to_string(v));
  return read_fields<BlockHeader>(r);
}

crypto::Hash32 BlockHeader::hash() const {
  Writer w;
  encode(w);
  return crypto::tagged_hash(tags::kBlockHeader, w.data());
}

void CommitCertificate::encode(Writer& w) const { write_fields(w, *this); }

CommitCertificate CommitCertificate::decode(Reader& r) { return read_fields<CommitCertificate>(r); }

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
