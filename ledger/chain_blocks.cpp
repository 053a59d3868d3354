// Blocks proposed by someone else: checking one without keeping its effects
// (check_block) and committing one with its certificate (commit_block).
// Both apply the block to the live state and undo it on failure (and, for
// a check, always). The undo reads the committed value of each changed
// entry back from the store, so it costs O(entries the block touched)
// point reads instead of a copy of the whole state; the state commitment
// goes back to the tip's snapshot at no cost.
#include <algorithm>
#include <stdexcept>

#include "ledger/chain.h"

namespace nl::ledger {

Status Chain::verify_certificate(const CommitCertificate& cert) {
  const ValidatorSet& set = validators_at(cert.height);
  Bytes key = cert.encode();
  const crypto::Hash32 set_hash = set.hash();
  key.insert(key.end(), set_hash.b.begin(), set_hash.b.end());
  const crypto::Hash32 digest = crypto::sha256(key);
  if (std::find(verified_certs_.begin(), verified_certs_.end(), digest) != verified_certs_.end()) return {};
  if (auto s = set.verify_commit(genesis_hash_, cert); !s) return s;
  constexpr size_t kRemembered = 8;
  if (verified_certs_.size() >= kRemembered) verified_certs_.pop_front();
  verified_certs_.push_back(digest);
  return {};
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
    return fail("block time " + std::to_string(h.time) + " is before the previous block's time " +
                std::to_string(tip_.time));
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

Result<std::vector<StateWrite>> Chain::apply_block(const Block& b, const TxVerified& verified) {
  if (pending_) return fail("a proposed block is pending (not committed); commit or discard it first");
  if (auto s = check_header(b); !s) return s.take_error();
  const BlockContext ctx{b.header.height, b.header.time};
  for (size_t i = 0; i < b.txs.size(); ++i) {
    const SignatureCheck sigs =
        verified && verified(b.txs[i]) ? SignatureCheck::already_verified : SignatureCheck::verify;
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
  std::vector<StateWrite> writes = registry_.take_writes();
  commit_writes(writes);
  if (const crypto::Hash32 root = commitment_.root(); root != b.header.state_root) {
    undo(writes);
    return fail("block's state root " + b.header.state_root.hex() +
                " is not the state its transactions produce (" + root.hex() + ")");
  }
  return writes;
}

void Chain::undo(const std::vector<StateWrite>& changed) {
  registry_.restore(committed_values(changed));
  commitment_.restore(tip_state_);
}

std::vector<StateWrite> Chain::committed_values(const std::vector<StateWrite>& changed) const {
  std::vector<StateWrite> old;
  old.reserve(changed.size());
  const auto by_key = [](const StateWrite& w, const Bytes& k) { return w.key < k; };
  for (const auto& w : changed) {
    StateWrite o{w.key, std::nullopt};
    if (height() == 0) {
      auto it = std::lower_bound(genesis_writes_.begin(), genesis_writes_.end(), w.key, by_key);
      if (it != genesis_writes_.end() && it->key == w.key) o.value = it->value;
    } else {
      auto v = store_->state_value(w.key);
      // The store answered every read at open; failing now is a broken disk.
      if (!v) throw std::runtime_error("cannot undo a block: " + v.error());
      o.value = std::move(*v);
    }
    old.push_back(std::move(o));
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

Status Chain::check_block(const Block& b) { return check_block(b, {}); }

void Chain::remember_prepared(const crypto::Hash32& header_hash, const std::vector<StateWrite>& writes) {
  // A few: the rounds of one height rarely propose more values than that.
  constexpr size_t kMaxPrepared = 4;
  if (prepared_.size() >= kMaxPrepared && !prepared_.contains(header_hash)) prepared_.erase(prepared_.begin());
  prepared_[header_hash] = Prepared{writes, commitment_.snapshot()};
}

Status Chain::check_block(const Block& b, const TxVerified& verified) {
  auto writes = apply_block(b, verified);
  if (!writes) return writes.take_error();
  remember_prepared(b.header.hash(), *writes);
  undo(*writes);
  return {};
}

Status Chain::commit_block(const Block& b, const CommitCertificate& cert) { return commit_block(b, cert, {}); }

Status Chain::commit_block(const Block& b, const CommitCertificate& cert, const TxVerified& verified) {
  const uint64_t h = b.header.height;
  if (cert.height != h || cert.block_hash != b.header.hash())
    return fail("the certificate (height " + std::to_string(cert.height) + ", block " + cert.block_hash.hex() +
                ") does not certify this block (height " + std::to_string(h) + ", " + b.header.hash().hex() + ")");
  if (h == height() + 1)
    if (auto s = verify_certificate(cert); !s)
      return fail("certificate invalid: " + s.error());
  Result<std::vector<StateWrite>> writes = std::vector<StateWrite>{};
  if (auto prepared = prepared_.find(b.header.hash()); prepared != prepared_.end() && !pending_) {
    // Checked or built on this tip already: the header (which commits to
    // the transactions and evidence) is checked, the writes replayed.
    if (auto s = check_header(b); !s) return s;
    registry_.restore(prepared->second.writes);
    commitment_.restore(prepared->second.state);
    if (commitment_.root() != b.header.state_root) {
      undo(prepared->second.writes);
      return fail("block's state root " + b.header.state_root.hex() + " is not the state it produced when checked");
    }
    writes = std::move(prepared->second.writes);
  } else {
    writes = apply_block(b, verified);
  }
  if (!writes) return writes.take_error();
  Block stored = b;
  stored.last_commit = tip_cert_;
  if (auto s = store_->append(stored, cert, height() == 0 ? with_genesis_writes(*writes) : *writes); !s) {
    undo(*writes);
    return s;
  }
  tip_ = b.header;
  tip_cert_ = cert;
  tip_state_ = commitment_.snapshot();
  genesis_writes_.clear();
  prepared_.clear();
  return {};
}

}  // namespace nl::ledger
