#include "ledger/chain.h"

#include <algorithm>
#include <future>

#include "ledger/state_keys.h"
#include "ledger/state_tree_bulk.h"

namespace nl::ledger {

namespace {

// Every tree record deleted (what an interrupted build left), then the tree
// of `leaves` written straight from them, the root record last
// (state_tree_bulk.h), and opened from it.
Result<StateCommitment> write_tree_of(BlockStore& store, std::vector<StateCommitment::LeafHashes> leaves) {
  sort_leaves(leaves);
  if (auto s = store.clear_tree(); !s) return s.take_error();
  auto built = write_whole_tree(
      leaves, [&store](std::vector<state_tree::NodeWrite>&& batch) { return store.write_tree(batch); });
  if (!built) return built.take_error();
  std::vector<StateCommitment::LeafHashes>().swap(leaves);
  if (auto s = store.write_tree({{Bytes{}, built->encode()}}); !s) return s.take_error();
  auto opened = StateCommitment::open(store.tree_reader());
  if (!opened) return opened.take_error();
  if (!*opened) return fail("the state tree just written has no root record");
  return std::move(**opened);
}

// The genesis's entries and their tree, written to a store at height 0:
// at a first start, and again at a restart before block 1 (the same keys
// and values). The chain then opens them as it opens any height.
Status write_genesis_state(BlockStore& store, const Genesis& g, const crypto::Hash32& genesis_hash) {
  std::vector<StateWrite> writes;
  {
    Registry reg(g.chain_id, genesis_hash);
    if (auto s = reg.set_genesis_validators(g.validators); !s) return s;
    for (const auto& root : g.roots)
      if (auto s = reg.add_root(root.range, root.holder, root.meta); !s)
        return fail("genesis root " + root.range.to_string() + ": " + s.error());
    if (auto s = reg.add_genesis_imports(g); !s) return s;
    writes = reg.take_writes();
  }  // the registry goes first: at the whole world's size it is most of the heap
  std::vector<StateCommitment::LeafHashes> leaves;
  leaves.reserve(writes.size());
  for (const auto& w : writes) leaves.push_back(StateCommitment::leaf_of(w.key, *w.value));
  if (auto s = store.write_state(writes); !s) return s;
  std::vector<StateWrite>().swap(writes);
  auto tree = write_tree_of(store, std::move(leaves));
  if (!tree) return tree.take_error();
  return {};
}

}  // namespace

Result<std::unique_ptr<Chain>> Chain::open(const std::string& dir, Genesis genesis, ChainOptions options) {
  std::unique_ptr<Chain> c(new Chain());
  c->options_ = options;
  c->genesis_ = std::move(genesis);
  auto store = BlockStore::open_unchecked(dir);
  if (!store) return store.take_error();
  c->store_ = std::move(*store);
  auto stored_hash = c->store_->stored_genesis_hash();
  if (!stored_hash) return stored_hash.take_error();
  const bool first_start = c->store_->tip_height() == 0;
  if (first_start) {
    c->genesis_hash_ = c->genesis_.hash();
    if (auto s = c->store_->bind_genesis(c->genesis_hash_); !s) return s.take_error();
    if (auto s = write_genesis_state(*c->store_, c->genesis_, c->genesis_hash_); !s) return s.take_error();
  } else {
    if (!*stored_hash) return fail("refusing to start: " + dir + " holds blocks but no genesis hash");
    c->genesis_hash_ = **stored_hash;
  }

  // The state first: it holds the validator set of every height, which the
  // certificates are checked against. It loads on two cores: this one
  // takes every entry but the authorizations and builds the registry's
  // indexes; the other hashes the genesis (to check it is the store's; a
  // first start did already), keeps its records and lets its imports go,
  // opens the state tree and checks and counts the authorizations, which
  // stay in the store. Each kind of entry fills its own member of the
  // registry, so the two never meet.
  // (A future's destructor waits, and get() passes on what the task threw.)
  c->registry_ = Registry(c->genesis_.chain_id, c->genesis_hash_);
  c->registry_.read_state_from(c->store_->state_reader());
  const Bytes auth_from{keys::kAuthorization}, auth_to{static_cast<uint8_t>(keys::kAuthorization + 1)};
  auto load_one = [&c](ByteView key, ByteView value) -> Status {
    if (key.empty() || key[0] != keys::kBlockHash) return c->registry_.load_entry(key, value);
    // The chain's own entries: a past block's hash (state_keys.h).
    if (!keys::read_block_hash(key, value)) return fail("block hash entry " + to_hex(key) + " is malformed");
    return Status::success();
  };
  bool other_genesis = false;
  auto side = std::async(std::launch::async, [&]() -> Status {
    if (!first_start)
      if (auto s = c->store_->bind_genesis(c->genesis_.hash()); !s) {
        other_genesis = true;
        return s;
      }
    // What the chain keeps of the genesis's imports (genesis_records.h).
    c->genesis_records_ = GenesisRecords(c->genesis_);
    std::vector<GenesisHolding>().swap(c->genesis_.holdings);
    std::vector<GenesisAuthorization>().swap(c->genesis_.authorizations);
    if (auto s = c->open_state_tree(); !s) return s;
    return c->store_->for_each_state(load_one, auth_from, auth_to);
  });
  Status load = c->store_->for_each_state(load_one, {}, auth_from);
  if (load) load = c->store_->for_each_state(load_one, auth_to, {});
  if (load) load = c->registry_.finish_load();
  const Status tree = side.get();
  if (other_genesis) return tree.take_error();
  if (!tree) return fail("refusing to start: state does not load: " + tree.error());
  if (!load) return fail("refusing to start: state does not load: " + load.error());
  if (options.check == StateCheck::every_entry)
    if (auto s = c->registry_.check_invariants(); !s) return fail("refusing to start: " + s.error());
  if (c->registry_.validator_sets().empty() || c->registry_.validator_sets().begin()->first != 1 ||
      c->registry_.validator_sets().begin()->second != c->genesis_.validators)
    return fail("refusing to start: the stored validator set of height 1 is not the genesis validator set");
  const Chain& chain = *c;
  auto check_cert = [&chain](const BlockHeader& header, const CommitCertificate& cert) -> Status {
    const ValidatorSet& set = chain.validators_at(header.height);
    if (header.validator_set_hash != set.hash())
      return fail("the header names validator set " + header.validator_set_hash.hex() +
                  ", but the set of that height is " + set.hash().hex());
    return set.verify_commit(chain.genesis_hash_, cert);
  };
  if (auto s = c->store_->verify_chain(c->genesis_hash_, check_cert); !s)
    return fail("refusing to start: " + s.error());
  if (first_start) {
    // Height 0: a header of the genesis's own, its state just written.
    c->tip_.chain_id = c->genesis_.chain_id;
    c->tip_.time = c->genesis_.genesis_time;
    c->tip_.state_root = c->commitment_.root();
    c->tip_.validator_set_hash = c->genesis_.validators.hash();
    c->tip_state_ = c->commitment_.snapshot();
    return c;
  }
  auto tip = c->store_->block(c->store_->tip_height());
  if (!tip) return fail("refusing to start: " + tip.error());
  c->tip_ = tip->header;
  c->tip_has_hop_ = carries_hop(*tip);
  if (c->commitment_.root() != c->tip_.state_root)
    return fail("refusing to start: the stored state does not match the state root of height " +
                std::to_string(c->tip_.height) + " (stored state " + c->commitment_.root().hex() +
                ", header says " + c->tip_.state_root.hex() + ")");
  auto cert = c->store_->cert(c->tip_.height);
  if (!cert) return fail("refusing to start: " + cert.error());
  c->tip_cert_ = *cert;
  c->tip_state_ = c->commitment_.snapshot();
  return c;
}

Status Chain::open_state_tree() {
  auto stored = StateCommitment::open(store_->tree_reader());
  if (!stored) return stored.take_error();
  if (*stored && options_.check == StateCheck::tree_root) {
    commitment_ = std::move(**stored);
    return {};
  }
  // Every entry hashed again: the tree made from them straight to disk
  // (state_tree_bulk.h), or only its root, to compare with the stored one.
  std::vector<StateCommitment::LeafHashes> leaves;
  Status read = store_->for_each_state([&](ByteView key, ByteView value) -> Status {
    leaves.push_back(StateCommitment::leaf_of(key, value));
    return Status::success();
  });
  if (!read) return read;
  if (*stored) {
    sort_leaves(leaves);
    auto built = write_whole_tree(leaves, nullptr);
    if (!built) return built.take_error();
    if (built->root.hash != (*stored)->root())
      return fail("the stored entries do not match the state root of height " + std::to_string(height()) +
                  " (they hash to " + built->root.hash.hex() + ", the stored tree's root is " +
                  (*stored)->root().hex() + ")");
    commitment_ = std::move(**stored);
    return {};
  }
  auto tree = write_tree_of(*store_, std::move(leaves));
  if (!tree) return tree.take_error();
  commitment_ = std::move(*tree);
  return {};
}

crypto::Hash32 Chain::tip_hash() const {
  return height() == 0 ? genesis_hash_ : tip_.hash();
}

PreparedBlock Chain::propose(const std::vector<Transaction>& txs, uint64_t time, const crypto::PublicKey& proposer,
                             SignatureCheck sigs, const std::vector<Evidence>& evidence) {
  Block block;
  std::vector<Rejection> rejected;
  std::vector<EvidenceRejection> rejected_evidence;
  BlockContext ctx{height() + 1, std::max(time, tip_.time)};
  for (const auto& tx : txs) {
    if (block.txs.size() >= kMaxBlockTxs) {
      rejected.push_back({tx.id(), "block is full; resubmit"});
      continue;
    }
    if (auto s = registry_.apply(tx, ctx, sigs); !s)
      rejected.push_back({tx.id(), s.error()});
    else
      block.txs.push_back(tx);
  }
  for (const auto& ev : evidence) {
    if (block.evidence.size() >= kMaxBlockEvidence) {
      rejected_evidence.push_back({ev.id(), "block's evidence list is full; submit it again"});
      continue;
    }
    if (auto s = registry_.apply_evidence(ev, ctx); !s)
      rejected_evidence.push_back({ev.id(), s.error()});
    else
      block.evidence.push_back(ev);
  }
  std::vector<StateWrite> writes = take_block_writes(ctx.height);
  commit_writes(writes);
  auto& h = block.header;
  h.chain_id = genesis_.chain_id;
  h.height = ctx.height;
  h.time = ctx.time;
  h.prev_hash = tip_hash();
  h.tx_root = tx_root(block.txs);
  h.state_root = commitment_.root();
  h.validator_set_hash = validators_at(ctx.height).hash();
  h.evidence_root = evidence_root(block.evidence);
  h.proposer = proposer;
  block.last_commit = tip_cert_;
  PreparedBlock p = set_aside(std::move(block), std::move(writes));
  p.rejected = std::move(rejected);
  p.rejected_evidence = std::move(rejected_evidence);
  return p;
}

PreparedBlock Chain::set_aside(Block b, std::vector<StateWrite> writes) {
  PreparedBlock p;
  p.block = std::move(b);
  p.parent = tip_hash();
  p.state = commitment_.snapshot();
  undo(writes);
  p.writes = std::move(writes);
  return p;
}

DryRun Chain::dry_run(const std::vector<Transaction>& txs, uint64_t time, SignatureCheck sigs,
                      const std::vector<Evidence>& evidence) {
  DryRun r;
  const BlockContext ctx{height() + 1, std::max(time, tip_.time)};
  for (const auto& tx : txs)
    if (auto s = registry_.apply(tx, ctx, sigs); !s) r.rejected.push_back({tx.id(), s.error()});
  for (const auto& ev : evidence)
    if (auto s = registry_.apply_evidence(ev, ctx); !s) r.rejected_evidence.push_back({ev.id(), s.error()});
  registry_.restore(committed_values(registry_.take_writes()));
  return r;
}

}  // namespace nl::ledger
