#include "ledger/snapshot_anchor.h"

#include <stdexcept>
#include <string>

#include "ledger/field_codec.h"
#include "ledger/snapshot_chunk.h"

namespace nl::ledger {

void SetChangeProof::encode(Writer& w) const {
  w.count(headers.size());
  for (const auto& h : headers) {
    h.header.encode(w);
    h.cert.encode(w);
  }
  w.count(changes.size());
  for (const auto& c : changes) {
    w.u32(c.header);
    c.tx.encode(w);
    write_fields(w, c.inclusion);
  }
}

SetChangeProof SetChangeProof::decode(Reader& r) {
  SetChangeProof p;
  p.headers.resize(r.count(kMaxAnchorSetChanges));
  for (auto& h : p.headers) {
    h.header = BlockHeader::decode(r);
    h.cert = CommitCertificate::decode(r);
  }
  p.changes.resize(r.count(kMaxAnchorSetChanges));
  for (auto& c : p.changes) {
    c.header = r.u32();
    c.tx = Transaction::decode(r);
    c.inclusion = read_fields<TxInclusion>(r);
  }
  return p;
}

void SnapshotAnchor::encode(Writer& w) const {
  // A block may exceed the generic field cap: its own limit applies.
  const Bytes block = base.encode();
  if (block.size() > kMaxBlockBytes) throw std::length_error("snapshot anchor's block exceeds the block limit");
  w.u32(static_cast<uint32_t>(block.size())).raw(block);
  cert.encode(w);
  set_changes.encode(w);
  w.u8(chunk_bits);
}

SnapshotAnchor SnapshotAnchor::decode(Reader& r) {
  SnapshotAnchor a;
  auto block = Block::decode(r.bytes(static_cast<uint32_t>(kMaxBlockBytes)));
  if (!block) throw DecodeError("snapshot anchor block: " + block.error());
  a.base = std::move(*block);
  a.cert = CommitCertificate::decode(r);
  a.set_changes = SetChangeProof::decode(r);
  a.chunk_bits = r.u8();
  if (a.chunk_bits > kMaxChunkBits)
    throw DecodeError("snapshot anchor cuts the state in " + std::to_string(a.chunk_bits) + " bits; at most " +
                      std::to_string(kMaxChunkBits) + " are accepted");
  return a;
}

namespace {

Status check_layout(const SnapshotAnchor& a) {
  const auto& p = a.set_changes;
  for (size_t i = 1; i < p.headers.size(); ++i)
    if (p.headers[i].header.height <= p.headers[i - 1].header.height)
      return fail("snapshot anchor's set-change headers are not in strictly ascending height");
  for (size_t i = 0; i < p.changes.size(); ++i) {
    const SetChange& c = p.changes[i];
    if (c.header >= p.headers.size())
      return fail("snapshot anchor's set change " + std::to_string(i) + " names header " + std::to_string(c.header) +
                  " of " + std::to_string(p.headers.size()));
    if (i > 0) {
      const SetChange& prev = p.changes[i - 1];
      if (c.header < prev.header || (c.header == prev.header && c.inclusion.index <= prev.inclusion.index))
        return fail("snapshot anchor's set changes are not in ascending (header, position) order");
    }
    if (p.headers[c.header].header.height >= a.height())
      return fail("snapshot anchor's set change " + std::to_string(i) + " is not below the snapshot height");
  }
  std::vector<bool> used(p.headers.size(), false);
  for (const auto& c : p.changes) used[c.header] = true;
  for (size_t i = 0; i < used.size(); ++i)
    if (!used[i]) return fail("snapshot anchor lists header " + std::to_string(i) + ", which no set change needs");
  return {};
}

}  // namespace

Status verify_snapshot_anchor(const SnapshotAnchor& a, const Genesis& genesis) {
  return verify_snapshot_anchor(a, TrustedSet::from_genesis(genesis));
}

Status verify_snapshot_anchor(const SnapshotAnchor& a, const TrustedSet& genesis_start) {
  if (genesis_start.height != 1) return fail("a snapshot anchor is checked from the genesis set");
  if (auto s = check_layout(a); !s) return s;
  ValidatorSetChain chain(genesis_start);
  for (const auto& c : a.set_changes.changes)
    if (auto s = chain.apply(a.set_changes.headers[c.header], c); !s) return fail("snapshot anchor: " + s.error());
  if (auto s = chain.check_header({a.base.header, a.cert}); !s) return fail("snapshot anchor: " + s.error());
  if (tx_root(a.base.txs) != a.base.header.tx_root)
    return fail("snapshot anchor's block holds transactions that do not match its header's tx root");
  if (evidence_root(a.base.evidence) != a.base.header.evidence_root)
    return fail("snapshot anchor's block holds evidence that does not match its header's evidence root");
  return {};
}

}  // namespace nl::ledger
