// Chain::prove_control: the proof a holder carries (ledger/control_proof.h).
#include <algorithm>
#include <map>
#include <set>

#include "ledger/block_cache.h"
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

  BlockCache blocks(*store_);
  auto block_at = [&blocks](uint64_t h) { return blocks(h); };

  auto found = set_change_locations(block_at);
  if (!found) return found.take_error();
  std::vector<TxLocation>& changes = *found;
  std::vector<AccountId> holders;
  for (const auto& s : segs)
    if (const auto h = registry_.holding(s.holding)) holders.push_back(h->holder);
  auto custody = custody_hops(r, holders, block_at);
  if (!custody) return custody.take_error();

  // The headers those need, shared, and the tip's. The tip's and the set
  // changes' come certified; a block of custody hops only is proven by its
  // hash in the state instead (state key 'B' || height).
  std::map<uint64_t, uint32_t> index_of;
  std::set<uint64_t> certified{tip_.height};
  for (const TxLocation& at : changes) certified.insert(at.height);
  for (const auto* list : {&changes, &*custody})
    for (const TxLocation& at : *list) index_of[at.height] = 0;
  index_of[tip_.height] = 0;
  ControlProof p;
  p.resource = r;
  std::vector<StateMultiproof::Entry> entries;
  for (auto& [h, index] : index_of) {
    index = static_cast<uint32_t>(p.headers.size());
    if (h == tip_.height) {
      p.headers.push_back({tip_, *tip_cert_});
      continue;
    }
    auto block = block_at(h);
    if (!block) return block.take_error();
    if (!certified.contains(h)) {
      const crypto::Hash32 hash = (*block)->header.hash();
      entries.push_back({keys::block_hash(h), Bytes(hash.b.begin(), hash.b.end())});
      p.headers.push_back({(*block)->header, std::nullopt});
      continue;
    }
    auto cert = store_->cert(h);
    if (!cert) return fail("cannot read the certificate of height " + std::to_string(h) + ": " + cert.error());
    p.headers.push_back({(*block)->header, *cert});
  }
  auto included = [&](const TxLocation& at) -> Result<IncludedTx> {
    auto block = block_at(at.height);
    if (!block) return block.take_error();
    return IncludedTx{index_of[at.height], (*block)->txs[at.index], prove_tx_inclusion((*block)->txs, at.index)};
  };
  for (const auto* list : {&changes, &*custody})
    for (const TxLocation& at : *list) {
      auto tx = included(at);
      if (!tx) return tx.take_error();
      (list == &changes ? p.set_changes : p.custody).push_back(std::move(*tx));
    }

  std::vector<HoldingId> ids;
  for (const auto& s : segs) {
    Writer w;
    s.encode(w);
    entries.push_back({keys::segment(s.range.family, s.range.first), w.take()});
    if (std::find(ids.begin(), ids.end(), s.holding) == ids.end()) ids.push_back(s.holding);
  }
  for (HoldingId id : ids) {
    const std::optional<Holding> h = registry_.holding(id);
    if (!h) return fail("internal: segment names a missing holding");
    Writer w;
    h->encode(w);
    entries.push_back({keys::holding(id), w.take()});
  }
  auto state = commitment_.prove_many(std::move(entries));
  if (!state)
    return fail("cannot prove control of " + r.to_string() +
                ": the state lacks an entry the proof needs (a block hash, if this chain began before they were kept)");
  p.state = std::move(*state);
  // Never serve what a verifier refuses to read, or what does not verify
  // (a holder's nested holdings, say).
  if (p.headers.size() > kMaxProofHeaders)
    return fail(r.to_string() + " needs " + std::to_string(p.headers.size()) + " headers; a proof carries at most " +
                std::to_string(kMaxProofHeaders) + ": ask for a narrower resource");
  if (const size_t bytes = p.encode().size(); bytes > kMaxProofBytes)
    return fail("the proof of " + r.to_string() + " would be " + std::to_string(bytes) + " bytes; a verifier reads at most " +
                std::to_string(kMaxProofBytes) + ": ask for a narrower resource");
  const TrustedSet start{genesis_.chain_id, genesis_hash_, 1, genesis_.validators};
  // The genesis as the replay of r reads it: its holdings over r alone.
  Genesis over_r;
  over_r.chain_id = genesis_.chain_id;
  over_r.genesis_time = genesis_.genesis_time;
  over_r.validators = genesis_.validators;
  over_r.roots = genesis_.roots;
  over_r.holdings = genesis_records_.holdings_overlapping(r);
  if (auto v = verify_control_proof(p, over_r, start); !v)
    return fail("cannot prove control of " + r.to_string() + ": " + v.error());
  return p;
}

Result<std::vector<TxLocation>> Chain::set_change_locations(const BlockReader& block_at) const {
  // Every set change in force by the tip: the validator-updates of the
  // block kValidatorUpdateDelay heights before each set took effect.
  std::vector<TxLocation> changes;
  for (const auto& [from, set] : registry_.validator_sets()) {
    if (from <= 1 || from > tip_.height) continue;  // the genesis set, or not yet in force
    const uint64_t h = from - kValidatorUpdateDelay;
    auto block = block_at(h);
    if (!block) return block.take_error();
    for (uint32_t i = 0; i < (*block)->txs.size(); ++i)
      if (std::holds_alternative<ValidatorUpdateBody>((*block)->txs[i].body)) changes.push_back({h, i});
  }
  return changes;
}

Result<std::vector<TxLocation>> Chain::custody_hops(const Resource& r, const std::vector<AccountId>& holders,
                                                    const BlockReader& block_at) const {
  // The key changes of every account that signs a hop, of the recovery
  // accounts that may sign theirs, and of the present holders are wanted too.
  std::set<AccountId> seen;
  std::vector<AccountId> todo;
  auto want = [&](const AccountId& a) {
    if (seen.insert(a).second) todo.push_back(a);
  };
  for (const AccountId& a : holders) want(a);
  // The hops over r: the range kinds that move control or a lease's expiry.
  std::set<TxLocation> found;
  std::string failure;
  Status walked = store_->for_each_history(r, std::nullopt, [&](TxLocation at) {
    auto block = block_at(at.height);
    if (!block) {
      failure = block.error();
      return false;
    }
    const Transaction& tx = (*block)->txs[at.index];
    if (is_custody_kind(tx.body)) {
      found.insert(at);
      want(tx.signer);
    }
    return found.size() <= kMaxProofCustodyHops;
  });
  if (!walked) return walked.take_error();
  if (!failure.empty()) return fail(failure);
  while (!todo.empty() && found.size() <= kMaxProofCustodyHops) {
    const AccountId a = todo.back();
    todo.pop_back();
    Status s = store_->for_each_key_change(a, [&](TxLocation at) {
      auto block = block_at(at.height);
      if (!block) {
        failure = block.error();
        return;
      }
      const Transaction& tx = (*block)->txs[at.index];
      if (key_changed_account(tx) != a) return;  // another account with the same 16-byte prefix
      found.insert(at);
      want(tx.signer);
      if (const auto* b = std::get_if<SetRecoveryBody>(&tx.body))
        for (const auto& ra : b->accounts) want(ra);
    });
    if (!s) return s.take_error();
    if (!failure.empty()) return fail(failure);
  }
  if (found.size() > kMaxProofCustodyHops)
    return fail(r.to_string() + " has more than " + std::to_string(kMaxProofCustodyHops) +
                " custody hops, more than one proof carries; ask for a narrower resource");
  return std::vector<TxLocation>(found.begin(), found.end());
}

}  // namespace nl::ledger
