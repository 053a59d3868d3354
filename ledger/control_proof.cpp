#include "ledger/control_proof.h"

#include <algorithm>
#include <map>

#include "ledger/state_keys.h"

namespace nl::ledger {

namespace {
constexpr uint8_t kMagic[4] = {'N', 'L', 'P', 'F'};
constexpr uint32_t kMaxProofEntries = 4096;
}  // namespace

Bytes ControlProof::encode() const {
  Writer w;
  w.raw(ByteView(kMagic, 4)).u8(kProofVersion);
  resource.encode(w);
  header.encode(w);
  cert.encode(w);
  w.count(entries.size());
  for (const auto& e : entries) {
    w.bytes(e.key).bytes(e.value);
    e.path.encode(w);
  }
  return w.take();
}

Result<ControlProof> ControlProof::decode(ByteView file) {
  if (file.size() < 5 || !std::equal(kMagic, kMagic + 4, file.begin()))
    return fail("not a numledger proof file (missing NLPF magic)");
  return decode_all<ControlProof>(file.subspan(4), "proof", [](Reader& r) {
    uint8_t v = r.u8();
    if (v != kProofVersion) throw DecodeError("unsupported proof version " + std::to_string(v));
    ControlProof p;
    p.resource = Resource::decode(r);
    p.header = BlockHeader::decode(r);
    p.cert = CommitCertificate::decode(r);
    uint32_t n = r.count(kMaxProofEntries);
    for (uint32_t i = 0; i < n; ++i) {
      ProvenEntry e;
      e.key = r.bytes(64);
      e.value = r.bytes(4096);
      e.path = StateProof::decode(r);
      p.entries.push_back(std::move(e));
    }
    return p;
  });
}

Result<ControlAnswer> verify_control_proof(const ControlProof& p, const Genesis& g) {
  const auto& h = p.header;
  if (h.chain_id != g.chain_id)
    return fail("proof is for chain '" + h.chain_id + "', the genesis is for '" + g.chain_id + "'");
  // Without the chain of validator-update certificates, only a header
  // certified by the genesis validators can be checked from the genesis alone.
  if (h.validator_set_hash != g.validators.hash())
    return fail("proof was certified by a validator set that differs from genesis; it cannot be verified "
                "from the genesis file alone (the validators changed before height " +
                std::to_string(h.height) + ")");
  if (p.cert.height != h.height || p.cert.block_hash != h.hash())
    return fail("proof certificate does not certify the proof's header (height " +
                std::to_string(h.height) + ")");
  const crypto::Hash32 genesis_hash = g.hash();
  if (auto s = g.validators.verify_commit(genesis_hash, p.cert); !s) {
    // Votes sign the genesis hash: a chain that shares this id and these
    // validators but not this genesis ends up here.
    const bool bad_sig = s.error().find("does not verify") != std::string::npos;
    return fail("proof certificate invalid: " + s.error() +
                (bad_sig ? " under genesis " + genesis_hash.hex().substr(0, 16) +
                               "... (the votes sign the genesis hash: the proof was made on another chain "
                               "with this chain id and validators, or it was tampered with)"
                         : std::string()));
  }

  std::vector<Segment> segments;
  std::map<HoldingId, Holding> holdings;
  for (const auto& e : p.entries) {
    if (!verify_state_proof(h.state_root, e.key, e.value, e.path))
      return fail("a proof entry's Merkle path does not lead to the header's state root");
    if (e.key.empty()) return fail("empty proof entry key");
    if (e.key[0] == keys::kSegment) {
      auto s = decode_all<Segment>(e.value, "segment", [](Reader& r) { return Segment::decode(r); });
      if (!s) return s.take_error();
      if (keys::segment(s->range.family, s->range.first) != e.key)
        return fail("segment entry is stored under the wrong key");
      segments.push_back(*s);
    } else if (e.key[0] == keys::kHolding) {
      auto hd = decode_all<Holding>(e.value, "holding", [](Reader& r) { return Holding::decode(r); });
      if (!hd) return hd.take_error();
      if (keys::holding(hd->id) != e.key) return fail("holding entry is stored under the wrong key");
      holdings[hd->id] = *hd;
    } else {
      return fail("unexpected entry kind in proof");
    }
  }
  if (segments.empty()) return fail("proof holds no control segment");
  std::sort(segments.begin(), segments.end(),
            [](const Segment& a, const Segment& b) { return a.range.first < b.range.first; });
  // Segments are disjoint by the ledger's invariants; they must cover the
  // whole resource with no gap.
  const Resource& want = p.resource;
  u128 next = want.first;
  ControlAnswer ans;
  ans.height = h.height;
  ans.time = h.time;
  for (const auto& s : segments) {
    if (s.range.family != want.family || s.range.first > next || s.range.last < next)
      return fail("proof segments do not cover " + want.to_string() + " without gaps");
    auto it = holdings.find(s.holding);
    if (it == holdings.end()) return fail("proof lacks the holding #" + std::to_string(s.holding));
    if (!it->second.range.contains(s.range))
      return fail("holding #" + std::to_string(s.holding) + " does not contain its segment");
    ans.parts.push_back({s, it->second});
    if (s.range.last >= want.last) {
      next = want.last;
      break;
    }
    next = s.range.last + 1;
  }
  if (ans.parts.empty() || ans.parts.back().segment.range.last < want.last)
    return fail("proof segments do not cover " + want.to_string());
  return ans;
}

}  // namespace nl::ledger
