#include "node/driver/block_values.h"

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "consensus/proposal.h"
#include "ledger/time_text.h"
#include "node/driver/parallel_signature_check.h"

namespace nl::node {

namespace {
// Room for the header (its chain id at most 64 bytes) and the sequence
// counts; the last commit has its own room in the block limit.
constexpr size_t kHeaderReserve = 512;
}  // namespace

crypto::Hash32 block_value_id(ByteView value) {
  auto b = ledger::Block::decode(value);
  if (!b) return crypto::Hash32{};
  return b->header.hash();
}

BuiltValue build_block_value(ledger::Chain& chain, const Mempool& mempool, const crypto::PublicKey& proposer,
                             uint64_t time, size_t max_txs) {
  auto evidence = mempool.select_evidence(chain.height() + 1, ledger::kMaxBlockEvidence);
  size_t room = ledger::kMaxBlockBytesWithoutCommit - kHeaderReserve;
  for (const auto& e : evidence) room -= e.encode().size();  // at most 100 of about 300 bytes
  const ledger::Registry& reg = chain.registry();
  auto txs = mempool.select(std::min<size_t>(max_txs, ledger::kMaxBlockTxs), room,
                            [&](const ledger::AccountId& a) { return reg.next_nonce(a); });
  auto p = chain.propose(txs, time, proposer, ledger::SignatureCheck::already_verified, evidence);
  // What was selected fits by construction; a block over the limit would
  // be refused by every validator, this one included.
  if (auto s = ledger::check_block_size(p.block); !s)
    throw std::logic_error("built an oversized block: " + s.error());
  BuiltValue v;
  v.id = p.block.header.hash();
  v.bytes = p.block.encode();
  v.txs = p.block.txs.size();
  v.evidence = p.block.evidence.size();
  v.prepared = std::make_shared<const ledger::PreparedBlock>(std::move(p));
  return v;
}

Result<DecodedValue> decode_block_value(const Mempool& mempool, ByteView value, size_t threads) {
  auto b = ledger::Block::decode(value);
  if (!b) return fail("proposed value is not a block: " + b.error());
  DecodedValue d;
  d.block = std::move(*b);
  d.verified = verified_by(mempool, d.block);
  d.fresh.assign(d.block.txs.size(), 0);
  std::vector<size_t> unknown;
  std::vector<const ledger::Transaction*> to_check;
  for (size_t i = 0; i < d.block.txs.size(); ++i)
    if (!d.verified[i]) {
      unknown.push_back(i);
      to_check.push_back(&d.block.txs[i]);
    }
  const std::vector<char> ok = check_signatures_parallel(to_check, threads);
  for (size_t k = 0; k < unknown.size(); ++k) d.verified[unknown[k]] = d.fresh[unknown[k]] = ok[k];
  return d;
}

Status check_block_time(uint64_t block_time, uint64_t now) {
  if (block_time > now && block_time - now > kMaxBlockTimeAheadSeconds)
    return fail("block time " + ledger::rfc3339(block_time) + " is " + std::to_string(block_time - now) +
                " s ahead of this validator's clock (" + ledger::rfc3339(now) + "); at most " +
                std::to_string(kMaxBlockTimeAheadSeconds) + " s is accepted");
  return {};
}

Result<ledger::PreparedBlock> check_block_value(ledger::Chain& chain, const DecodedValue& value,
                                               std::vector<ledger::Transaction>* newly_verified) {
  const ledger::Block& b = value.block;
  // A transaction whose signatures failed above is verified by the chain,
  // which refuses the block with the reason.
  auto p = chain.prepare(b, value.verified);
  if (p && newly_verified)
    for (size_t i = 0; i < b.txs.size(); ++i)
      if (value.fresh[i]) newly_verified->push_back(b.txs[i]);
  return p;
}

Result<ledger::PreparedBlock> check_block_value(ledger::Chain& chain, const Mempool& mempool, ByteView value,
                                               std::vector<ledger::Transaction>* newly_verified) {
  auto d = decode_block_value(mempool, value, 1);
  if (!d) return d.take_error();
  return check_block_value(chain, *d, newly_verified);
}

ledger::TxsVerified verified_by(const Mempool& mempool, const ledger::Block& b) {
  ledger::TxsVerified v(b.txs.size(), 0);
  // An empty mempool vouches for nothing: no id hashed per transaction (a
  // node catching up by block sync holds none). One added meanwhile is
  // only verified again.
  if (mempool.size() == 0) return v;
  for (size_t i = 0; i < b.txs.size(); ++i) v[i] = mempool.verified(b.txs[i]);
  return v;
}

Status commit_certified(ledger::Chain& chain, const ledger::Block& b, const ledger::CommitCertificate& cert,
                        const ledger::TxsVerified& verified, ledger::Durability durability) {
  return chain.commit_certified(b, cert, verified, durability);
}

}  // namespace nl::node
