// A block's life after it is built: checking one proposed by anyone
// (prepare) and committing a prepared one with its certificate (commit).
// Preparing applies the block to the live state, sets its effects aside and
// undoes it. The undo reads the committed value of each changed entry back
// from the store, so it costs O(entries the block touched) point reads
// instead of a copy of the whole state; the state commitment goes back to
// the tip's snapshot at no cost. Committing replays what was set aside; a
// block known with its certificate (block sync) is applied once instead.
#include <algorithm>
#include <stdexcept>
#include <utility>

#include "ledger/chain.h"
#include "ledger/time_text.h"
#include "ledger/custody_chain.h"
#include "ledger/state_keys.h"

namespace nl::ledger {

Status Chain::verify_certificate(const CommitCertificate& cert) const {
  if (tip_cert_ && cert == *tip_cert_) return {};  // verified when the tip committed
  return validators_at(cert.height).verify_commit(genesis_hash_, cert);
}

Status Chain::check_header(const Block& b) {
  const BlockHeader& h = b.header;
  const uint64_t next = height() + 1;
  if (h.chain_id != genesis_.chain_id)
    return fail("block is for chain '" + h.chain_id + "'; this ledger is '" + genesis_.chain_id + "'");
  if (h.height != next)
    return fail("block is for height " + std::to_string(h.height) + "; the next height is " + std::to_string(next));
  if (h.prev_hash != tip_hash())
    return fail("block does not link to height " + std::to_string(height()) + " (its prev_hash is " +
                h.prev_hash.hex() + ", the tip is " + tip_hash().hex() + ")");
  if (h.time < tip_.time)
    return fail("block time " + rfc3339(h.time) + " is before the previous block's time " +
                rfc3339(tip_.time));
  const ValidatorSet& set = validators_at(next);
  if (h.validator_set_hash != set.hash())
    return fail("block names validator set " + h.validator_set_hash.hex() + "; the set of height " +
                std::to_string(next) + " is " + set.hash().hex());
  if (!set.find(h.proposer))
    return fail("block proposer " + AccountId{h.proposer}.to_string() + " is not a validator at height " +
                std::to_string(next));
  if (b.txs.size() > kMaxBlockTxs)
    return fail("block carries " + std::to_string(b.txs.size()) + " transactions; at most " +
                std::to_string(kMaxBlockTxs) + " are allowed");
  if (b.evidence.size() > kMaxBlockEvidence)
    return fail("block carries " + std::to_string(b.evidence.size()) + " pieces of evidence; at most " +
                std::to_string(kMaxBlockEvidence) + " are allowed");
  if (auto s = check_block_size(b); !s) return s;
  if (tx_root(b.txs) != h.tx_root) return fail("block's transactions do not match its header's tx root");
  if (evidence_root(b.evidence) != h.evidence_root)
    return fail("block's evidence does not match its header's evidence root");
  if (next == 1) {
    if (b.last_commit) return fail("block at height 1 carries a last commit; there is no height 0");
    return {};
  }
  if (!b.last_commit) return fail("block carries no certificate of height " + std::to_string(height()));
  const CommitCertificate& lc = *b.last_commit;
  if (lc.height != height() || lc.block_hash != tip_hash())
    return fail("block's last commit does not certify height " + std::to_string(height()) + " (" +
                tip_hash().hex() + ")");
  if (auto s = verify_certificate(lc); !s)
    return fail("block's last commit is invalid: " + s.error());
  return {};
}

Result<std::vector<StateWrite>> Chain::apply_block(const Block& b, const TxsVerified& verified) {
  if (auto s = check_header(b); !s) return s.take_error();
  const BlockContext ctx{b.header.height, b.header.time};
  for (size_t i = 0; i < b.txs.size(); ++i) {
    const SignatureCheck sigs =
        i < verified.size() && verified[i] ? SignatureCheck::already_verified : SignatureCheck::verify;
    if (auto s = registry_.apply(b.txs[i], ctx, sigs); !s) {
      undo(registry_.take_writes());
      return fail("block's transaction " + std::to_string(i) + " (" + b.txs[i].id().hex() +
                  ") is refused: " + s.error());
    }
  }
  for (size_t i = 0; i < b.evidence.size(); ++i) {
    if (auto s = registry_.apply_evidence(b.evidence[i], ctx); !s) {
      undo(registry_.take_writes());
      return fail("block's evidence " + std::to_string(i) + " (" + b.evidence[i].id().hex() +
                  ") is refused: " + s.error());
    }
  }
  std::vector<StateWrite> writes = take_block_writes(b.header.height);
  commit_writes(writes);
  if (const crypto::Hash32 root = commitment_.root(); root != b.header.state_root) {
    undo(writes);
    return fail("block's state root " + b.header.state_root.hex() +
                " is not the state its transactions produce (" + root.hex() + ")");
  }
  return writes;
}

std::vector<StateWrite> Chain::take_block_writes(uint64_t height) {
  std::vector<StateWrite> writes = registry_.take_writes();
  if (height < 2 || !tip_has_hop_) return writes;
  const crypto::Hash32 parent_hash = tip_hash();
  StateWrite parent{keys::block_hash(height - 1), Bytes(parent_hash.b.begin(), parent_hash.b.end())};
  auto at = std::lower_bound(writes.begin(), writes.end(), parent.key,
                             [](const StateWrite& w, const Bytes& k) { return w.key < k; });
  writes.insert(at, std::move(parent));
  return writes;
}

void Chain::undo(const std::vector<StateWrite>& changed) {
  registry_.restore(committed_values(changed));
  commitment_.restore(tip_state_);
}

std::vector<StateWrite> Chain::committed_values(const std::vector<StateWrite>& changed) const {
  std::vector<StateWrite> old;
  old.reserve(changed.size());
  for (const auto& w : changed) {
    auto v = store_->state_value(w.key);
    // The store answered every read at open; failing now is a broken disk.
    if (!v) throw std::runtime_error("cannot undo a block: " + v.error());
    old.push_back({w.key, std::move(*v)});
  }
  return old;
}

void Chain::commit_writes(const std::vector<StateWrite>& writes) {
  for (const auto& w : writes) {
    if (w.value)
      commitment_.put(w.key, *w.value);
    else
      commitment_.erase(w.key);
  }
  commitment_.flush();
}

Result<PreparedBlock> Chain::prepare(const Block& b, const TxsVerified& verified) {
  auto writes = apply_block(b, verified);
  if (!writes) return writes.take_error();
  return set_aside(b, std::move(*writes));
}

namespace {

Status certifies(const CommitCertificate& cert, const BlockHeader& h, const crypto::Hash32& hash) {
  if (cert.height != h.height || cert.block_hash != hash)
    return fail("the certificate (height " + std::to_string(cert.height) + ", block " + cert.block_hash.hex() +
                ") does not certify this block (height " + std::to_string(h.height) + ", " + hash.hex() + ")");
  return {};
}

}  // namespace

Status Chain::commit(const PreparedBlock& p, const CommitCertificate& cert, Durability durability) {
  const BlockHeader& h = p.block.header;
  if (auto s = certifies(cert, h, h.hash()); !s) return s;
  if (h.height != height() + 1 || p.parent != tip_hash())
    return fail("block " + std::to_string(h.height) + " was prepared on another tip; the tip is height " +
                std::to_string(height()) + " (" + tip_hash().hex() + ")");
  if (auto s = verify_certificate(cert); !s) return fail("certificate invalid: " + s.error());
  registry_.restore(p.writes);
  commitment_.restore(p.state);
  return store_applied(p.block, cert, p.writes, durability);
}

Status Chain::commit_certified(const Block& b, const CommitCertificate& cert, const TxsVerified& verified,
                               Durability durability) {
  // In prepare-then-commit's order, so a block is refused with the same reason.
  auto writes = apply_block(b, verified);
  if (!writes) return writes.take_error();
  Status s = certifies(cert, b.header, b.header.hash());
  if (s)
    if (auto v = verify_certificate(cert); !v) s = fail("certificate invalid: " + v.error());
  if (!s) {
    undo(*writes);
    return s;
  }
  return store_applied(b, cert, *writes, durability);
}

Status Chain::store_applied(const Block& b, const CommitCertificate& cert, const std::vector<StateWrite>& writes,
                            Durability durability) {
  const BlockHeader& h = b.header;
  // The tree's changed records go in the block's batch; the tree then
  // keeps only its upper levels in memory.
  auto tree = commitment_.persist(&tip_state_, options_.tree_cache_depth);
  Block stored = b;
  stored.last_commit = tip_cert_;
  if (auto s = store_->append(stored, cert, writes, tree, durability); !s) {
    undo(writes);
    return s;
  }
  registry_.writes_stored();
  tip_ = h;
  tip_cert_ = cert;
  StateCommitment::Snapshot replaced = std::exchange(tip_state_, commitment_.snapshot());
  if (options_.release_state) options_.release_state(std::move(replaced));
  tip_has_hop_ = carries_hop(b);
  return {};
}

}  // namespace nl::ledger
