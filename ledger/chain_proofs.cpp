// Chain::prove_control: the proof a holder carries (ledger/control_proof.h).
#include <algorithm>
#include <map>

#include "ledger/chain.h"
#include "ledger/state_keys.h"

namespace nl::ledger {

namespace {

Status covers_wholly(const Resource& r, const std::vector<Segment>& segs) {
  if (segs.empty()) return fail(r.to_string() + " is not held by anyone");
  // A proof must answer for every number of r; refuse rather than serve
  // one that can't verify.
  bool covered = segs.front().range.first <= r.first && segs.back().range.last >= r.last;
  for (size_t i = 1; i < segs.size(); ++i) covered = covered && segs[i].range.first == segs[i - 1].range.last + 1;
  if (!covered) return fail("parts of " + r.to_string() + " are not held by anyone; ask for a resource that is wholly held");
  if (segs.size() > kMaxProofSegments)
    return fail(r.to_string() + " spans " + std::to_string(segs.size()) + " control segments; at most " +
                std::to_string(kMaxProofSegments) + " fit one proof, so ask for a narrower resource");
  return {};
}

}  // namespace

Result<ControlProof> Chain::prove_control(const Resource& r) const {
  if (height() == 0 || !tip_cert_) return fail("no block is committed yet; a proof needs a certified header");
  auto segs = registry_.segments_covering(r);
  if (auto s = covers_wholly(r, segs); !s) return s.take_error();

  // Every set change in force by the tip: the validator-updates of the
  // block kValidatorUpdateDelay heights before each set took effect.
  std::map<uint64_t, CertifiedHeader> headers;
  struct Found {
    uint64_t height;
    uint32_t index;
    Transaction tx;
    TxInclusion inclusion;
  };
  std::vector<Found> changes;
  for (const auto& [from, set] : registry_.validator_sets()) {
    if (from <= 1 || from > tip_.height) continue;  // the genesis set, or not yet in force
    const uint64_t h = from - kValidatorUpdateDelay;
    auto block = store_->block(h);
    if (!block) return fail("cannot read the block of a set change: " + block.error());
    auto cert = store_->cert(h);
    if (!cert) return fail("cannot read the certificate of a set change: " + cert.error());
    headers[h] = {block->header, *cert};
    for (uint32_t i = 0; i < block->txs.size(); ++i)
      if (std::holds_alternative<ValidatorUpdateBody>(block->txs[i].body))
        changes.push_back({h, i, block->txs[i], prove_tx_inclusion(block->txs, i)});
  }
  headers[tip_.height] = {tip_, *tip_cert_};

  ControlProof p;
  p.resource = r;
  std::map<uint64_t, uint32_t> index_of;
  for (auto& [h, ch] : headers) {
    index_of[h] = static_cast<uint32_t>(p.headers.size());
    p.headers.push_back(std::move(ch));
  }
  for (auto& c : changes) p.set_changes.push_back({index_of[c.height], std::move(c.tx), std::move(c.inclusion)});

  std::vector<StateMultiproof::Entry> entries;
  std::vector<HoldingId> ids;
  for (const auto& s : segs) {
    Writer w;
    s.encode(w);
    entries.push_back({keys::segment(s.range.family, s.range.first), w.take()});
    if (std::find(ids.begin(), ids.end(), s.holding) == ids.end()) ids.push_back(s.holding);
  }
  for (HoldingId id : ids) {
    const Holding* h = registry_.holding(id);
    if (!h) return fail("internal: segment names a missing holding");
    Writer w;
    h->encode(w);
    entries.push_back({keys::holding(id), w.take()});
  }
  auto state = commitment_.prove_many(std::move(entries));
  if (!state) return fail("internal: a committed entry has no proof");
  p.state = std::move(*state);
  return p;
}

}  // namespace nl::ledger
