// Chain::snapshot and Chain::open_from_snapshot: the two ends of state
// sync (snapshot_source.h, snapshot_assembly.h).
#include <algorithm>
#include <map>

#include "ledger/block_cache.h"
#include "ledger/chain.h"
#include "ledger/state_tree_hashes.h"

namespace nl::ledger {

Result<SnapshotSource> Chain::snapshot() const {
  if (height() == 0 || !tip_cert_) return fail("no block is committed yet; a snapshot needs a certified header");
  BlockCache blocks(*store_);
  auto block_at = [&blocks](uint64_t h) { return blocks(h); };
  auto changes = set_change_locations(block_at);
  if (!changes) return changes.take_error();

  SnapshotAnchor anchor;
  std::map<uint64_t, uint32_t> header_index;
  for (const TxLocation& at : *changes) {
    auto block = block_at(at.height);
    if (!block) return block.take_error();
    if (!header_index.contains(at.height)) {
      auto cert = store_->cert(at.height);
      if (!cert) return fail("cannot read the certificate of height " + std::to_string(at.height) + ": " + cert.error());
      header_index[at.height] = static_cast<uint32_t>(anchor.set_changes.headers.size());
      anchor.set_changes.headers.push_back({(*block)->header, *cert});
    }
    anchor.set_changes.changes.push_back(
        {header_index[at.height], (*block)->txs[at.index], prove_tx_inclusion((*block)->txs, at.index)});
  }
  auto base = store_->block(height());
  if (!base) return base.take_error();
  anchor.base = std::move(*base);
  anchor.base.last_commit.reset();  // not covered by the header hash, not needed
  anchor.cert = *tip_cert_;

  // The entries at the tip, by key hash, and how finely to cut them.
  std::vector<std::pair<crypto::Hash32, StateMultiproof::Entry>> entries;
  Status read = store_->for_each_state([&](ByteView key, ByteView value) -> Status {
    entries.push_back({state_tree::key_hash(key), {Bytes(key.begin(), key.end()), Bytes(value.begin(), value.end())}});
    return Status::success();
  });
  if (!read) return read.take_error();
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<crypto::Hash32> key_hashes;
  key_hashes.reserve(entries.size());
  for (const auto& e : entries) key_hashes.push_back(e.first);
  auto bits = choose_chunk_bits(key_hashes);
  if (!bits) return bits.take_error();
  anchor.chunk_bits = *bits;
  std::vector<std::vector<StateMultiproof::Entry>> chunks(size_t{1} << *bits);
  for (auto& [kh, e] : entries) chunks[key_hash_prefix(kh, *bits)].push_back(std::move(e));

  // Pinned: the chain may commit more while chunks are served.
  StateCommitment tree;
  tree.restore(tip_state_);
  tree.set_reader(store_->pinned_tree_reader());
  return SnapshotSource(std::move(anchor), std::move(tree), std::move(chunks));
}

Result<std::unique_ptr<Chain>> Chain::open_from_snapshot(const std::string& dir, Genesis genesis,
                                                         const SnapshotAnchor& anchor,
                                                         std::vector<StateMultiproof::Entry> entries,
                                                         ChainOptions options) {
  {
    auto store = BlockStore::open(dir, genesis.hash());
    if (!store) return store.take_error();
    Block base = anchor.base;
    base.last_commit.reset();
    std::vector<StateWrite> writes;
    writes.reserve(entries.size());
    for (auto& e : entries) writes.push_back({std::move(e.key), std::move(e.value)});
    std::vector<StateMultiproof::Entry>().swap(entries);
    std::sort(writes.begin(), writes.end(), [](const StateWrite& a, const StateWrite& b) { return a.key < b.key; });
    if (auto s = (*store)->install_base(base, anchor.cert, writes); !s) return s.take_error();
  }  // the entries let go before the open reads them back
  return open(dir, std::move(genesis), options);
}

}  // namespace nl::ledger
