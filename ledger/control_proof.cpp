#include "ledger/control_proof.h"

#include <algorithm>
#include <map>

#include "ledger/field_codec.h"
#include "ledger/registry.h"
#include "ledger/state_keys.h"

namespace nl::ledger {

namespace {
constexpr uint8_t kMagic[4] = {'N', 'L', 'P', 'F'};
}  // namespace

Bytes ControlProof::encode() const {
  Writer w;
  w.raw(ByteView(kMagic, 4)).u8(kProofVersion);
  resource.encode(w);
  w.count(headers.size());
  for (const auto& h : headers) {
    h.header.encode(w);
    w.u8(h.cert ? 1 : 0);
    if (h.cert) h.cert->encode(w);
  }
  for (const auto* list : {&set_changes, &custody}) {
    w.count(list->size());
    for (const auto& c : *list) {
      w.u32(c.header);
      c.tx.encode(w);
      write_fields(w, c.inclusion);
    }
  }
  state.encode(w);
  return w.take();
}

Result<ControlProof> ControlProof::decode(ByteView file) {
  if (file.size() < 5 || !std::equal(kMagic, kMagic + 4, file.begin()))
    return fail("not a numledger proof file (missing NLPF magic)");
  if (file.size() > kMaxProofBytes)
    return fail("proof is " + std::to_string(file.size()) + " bytes; at most " + std::to_string(kMaxProofBytes) +
                " are accepted");
  return decode_all<ControlProof>(file.subspan(4), "proof", [](Reader& r) {
    uint8_t v = r.u8();
    if (v != kProofVersion)
      throw DecodeError("unsupported proof version " + std::to_string(v) + " (this verifier reads version " +
                        std::to_string(kProofVersion) + ")");
    ControlProof p;
    p.resource = Resource::decode(r);
    uint32_t nh = r.count(kMaxProofHeaders);
    p.headers.resize(nh);
    for (auto& h : p.headers) {
      h.header = BlockHeader::decode(r);
      const uint8_t certified = r.u8();
      if (certified > 1) throw DecodeError("proof header flag " + std::to_string(certified) + " is neither 0 nor 1");
      if (certified) h.cert = CommitCertificate::decode(r);
    }
    auto read_list = [&r](std::vector<IncludedTx>& list, uint32_t max) {
      list.resize(r.count(max));
      for (auto& c : list) {
        c.header = r.u32();
        c.tx = Transaction::decode(r);
        c.inclusion = read_fields<TxInclusion>(r);
      }
    };
    read_list(p.set_changes, kMaxProofSetChanges);
    read_list(p.custody, kMaxProofCustodyHops);
    p.state = StateMultiproof::decode(r);
    return p;
  });
}

namespace {

// The proof's shape: headers ascending and each one used, changes ascending
// and each in a header that precedes its effect; a certificate on the
// state's header and the set changes' headers, and on no other.
Status check_layout(const ControlProof& p) {
  if (p.headers.empty()) return fail("proof has no certified header");
  for (size_t i = 1; i < p.headers.size(); ++i)
    if (p.headers[i].header.height <= p.headers[i - 1].header.height)
      return fail("proof headers are not in strictly ascending height order");
  std::vector<bool> used(p.headers.size(), false);
  used.back() = true;
  const uint64_t state_height = p.state_header().header.height;
  for (size_t i = 0; i < p.set_changes.size(); ++i) {
    const SetChange& c = p.set_changes[i];
    if (c.header >= p.headers.size())
      return fail("set change " + std::to_string(i) + " names header " + std::to_string(c.header) + " of " +
                  std::to_string(p.headers.size()));
    used[c.header] = true;
    if (i > 0) {
      const SetChange& prev = p.set_changes[i - 1];
      if (std::pair(c.header, c.inclusion.index) <= std::pair(prev.header, prev.inclusion.index))
        return fail("proof set changes are not in strictly ascending (height, position) order");
    }
    const uint64_t h = p.headers[c.header].header.height;
    if (h + kValidatorUpdateDelay > state_height)
      return fail("the set change at height " + std::to_string(h) + " takes effect after the proven height " +
                  std::to_string(state_height) + "; it does not belong in the proof");
  }
  for (size_t i = 0; i < p.custody.size(); ++i) {
    const IncludedTx& c = p.custody[i];
    if (c.header >= p.headers.size())
      return fail("custody hop " + std::to_string(i) + " names header " + std::to_string(c.header) + " of " +
                  std::to_string(p.headers.size()));
    used[c.header] = true;
    if (i > 0 && std::pair(c.header, c.inclusion.index) <=
                     std::pair(p.custody[i - 1].header, p.custody[i - 1].inclusion.index))
      return fail("proof custody hops are not in strictly ascending (height, position) order");
  }
  for (size_t i = 0; i < used.size(); ++i)
    if (!used[i])
      return fail("proof header at height " + std::to_string(p.headers[i].header.height) + " is used by nothing");
  std::vector<bool> needs_cert(p.headers.size(), false);
  needs_cert.back() = true;
  for (const auto& c : p.set_changes) needs_cert[c.header] = true;
  for (size_t i = 0; i < p.headers.size(); ++i) {
    const std::string at = "proof header at height " + std::to_string(p.headers[i].header.height);
    if (needs_cert[i] && !p.headers[i].cert)
      return fail(at + " has no certificate; the state's header and the headers of set changes need one");
    if (!needs_cert[i] && p.headers[i].cert)
      return fail(at + " carries a certificate, but only custody hops use it: the state proves it instead");
  }
  return {};
}

// The entries decoded: segments by address, holdings by id; each must be
// needed, and stored under its own key.
struct StateEntries {
  std::vector<Segment> segments;
  std::map<HoldingId, Holding> holdings;
  std::map<uint64_t, crypto::Hash32> block_hashes;  // height -> header hash
};

Result<StateEntries> read_entries(const StateMultiproof& m) {
  StateEntries out;
  for (const auto& e : m.entries) {
    if (e.key.empty()) return fail("empty proof entry key");
    if (e.key[0] == keys::kSegment) {
      auto s = decode_value<Segment>(e.value, "segment");
      if (!s) return s.take_error();
      if (keys::segment(s->range.family, s->range.first) != e.key)
        return fail("segment entry is stored under the wrong key");
      out.segments.push_back(*s);
    } else if (e.key[0] == keys::kHolding) {
      auto hd = decode_value<Holding>(e.value, "holding");
      if (!hd) return hd.take_error();
      if (keys::holding(hd->id) != e.key) return fail("holding entry is stored under the wrong key");
      out.holdings[hd->id] = *hd;
    } else if (e.key[0] == keys::kBlockHash) {
      auto b = keys::read_block_hash(e.key, e.value);
      if (!b) return fail("block hash entry has the wrong size");
      out.block_hashes[b->height] = b->hash;
    } else {
      return fail("unexpected entry kind in proof (key kind " + std::to_string(e.key[0]) + ")");
    }
  }
  std::sort(out.segments.begin(), out.segments.end(),
            [](const Segment& a, const Segment& b) { return a.range.first < b.range.first; });
  return out;
}

// The segments must cover `want` exactly: contiguous, the first holding its
// first number and the last its last, none outside it, each holding named.
Result<std::vector<ControlAnswer::Part>> cover(const Resource& want, StateEntries& st) {
  if (st.segments.empty()) return fail("proof holds no control segment");
  std::vector<ControlAnswer::Part> parts;
  for (size_t i = 0; i < st.segments.size(); ++i) {
    const Segment& s = st.segments[i];
    if (s.range.family != want.family || s.range.last < want.first || s.range.first > want.last)
      return fail("proof segment " + s.range.to_string() + " lies outside " + want.to_string());
    if (i == 0 && s.range.first > want.first)
      return fail("proof segments do not cover " + want.to_string() + ": nothing controls its start");
    if (i > 0 && s.range.first != st.segments[i - 1].range.last + 1)
      return fail("proof segments do not cover " + want.to_string() + " without gaps (after " +
                  st.segments[i - 1].range.to_string() + ")");
    auto it = st.holdings.find(s.holding);
    if (it == st.holdings.end()) return fail("proof lacks the holding #" + std::to_string(s.holding));
    if (!it->second.range.contains(s.range))
      return fail("holding #" + std::to_string(s.holding) + " does not contain its segment");
    Resource proven = want;
    proven.first = std::max(want.first, s.range.first);
    proven.last = std::min(want.last, s.range.last);
    parts.push_back({proven, s, it->second});
  }
  if (st.segments.back().range.last < want.last)
    return fail("proof segments do not cover " + want.to_string() + ": nothing controls its end");
  for (const auto& entry : st.holdings) {
    const HoldingId id = entry.first;  // a structured binding can't be captured before C++20 in clang 14
    if (std::none_of(st.segments.begin(), st.segments.end(), [id](const Segment& s) { return s.holding == id; }))
      return fail("proof lists holding #" + std::to_string(id) + ", which no segment names");
  }
  return parts;
}

// Every header without a certificate must be the one whose hash the state
// holds at its height, and every block hash entry must serve such a header.
Status check_history(const ControlProof& p, const StateEntries& st) {
  size_t proven = 0;
  for (const auto& h : p.headers) {
    if (h.cert) continue;
    const std::string at = "proof header at height " + std::to_string(h.header.height);
    auto it = st.block_hashes.find(h.header.height);
    if (it == st.block_hashes.end()) return fail(at + " has no certificate, and the proof's state does not hold its hash");
    if (it->second != h.header.hash())
      return fail(at + " is not the block the proven state names at that height (its hash is " + h.header.hash().hex() +
                  ", the state holds " + it->second.hex() + ")");
    ++proven;
  }
  if (proven != st.block_hashes.size())
    return fail("proof lists a block hash entry that no header without a certificate needs");
  return {};
}

}  // namespace

namespace {
Result<ControlAnswer> verify(const ControlProof& p, const TrustedSet& start, const Genesis* genesis) {
  if (auto s = check_layout(p); !s) return s.take_error();
  ValidatorSetChain chain(start);
  ControlAnswer ans;
  for (const auto& c : p.set_changes) {
    const ProofHeader& h = p.headers[c.header];
    if (h.header.height + kValidatorUpdateDelay > start.height) ++ans.set_changes_checked;
    if (auto s = chain.apply(h.certified(), c); !s) return s.take_error();
  }
  const ProofHeader& top = p.state_header();
  if (top.header.height < start.height)
    return fail("the proof is of height " + std::to_string(top.header.height) + ", before the trusted set's height " +
                std::to_string(start.height));
  if (auto s = chain.check_header(top.certified()); !s) return s.take_error();

  auto root = state_multiproof_root(p.state);
  if (!root) return root.take_error();
  if (*root != top.header.state_root)
    return fail("the proof's entries do not lead to the state root of the header at height " +
                std::to_string(top.header.height));
  auto entries = read_entries(p.state);
  if (!entries) return entries.take_error();
  if (auto s = check_history(p, *entries); !s) return s.take_error();
  auto parts = cover(p.resource, *entries);
  if (!parts) return parts.take_error();
  ans.parts = std::move(*parts);
  ans.height = top.header.height;
  ans.time = top.header.time;
  ans.certified_by = {start.chain_id, start.genesis_hash, top.header.height, chain.set_at(top.header.height)};
  if (genesis) {
    std::vector<ProvenControl> proven;
    for (const auto& part : ans.parts)
      proven.push_back({part.proven, part.holding.holder, part.holding.lease_until});
    // Every header is checked by now: by its certificate or by the state.
    std::vector<BlockHeader> headers;
    headers.reserve(p.headers.size());
    for (const auto& h : p.headers) headers.push_back(h.header);
    auto custody = verify_custody(*genesis, start.genesis_hash, p.resource, headers, p.custody, proven);
    if (!custody) return custody.take_error();
    ans.custody = *custody;
  }
  return ans;
}
}  // namespace

Result<ControlAnswer> verify_control_proof(const ControlProof& p, const TrustedSet& start) {
  return verify(p, start, nullptr);
}

Result<ControlAnswer> verify_control_proof(const ControlProof& p, const Genesis& g) {
  return verify(p, TrustedSet::from_genesis(g), &g);
}

Result<ControlAnswer> verify_control_proof(const ControlProof& p, const Genesis& g, const TrustedSet& genesis_start) {
  if (genesis_start.height != 1 || genesis_start.chain_id != g.chain_id)
    return fail("internal: the start given is not the genesis's own");
  return verify(p, genesis_start, &g);
}

}  // namespace nl::ledger
