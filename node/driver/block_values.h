// The values consensus decides on are encoded blocks. Their id is the
// header hash of the strictly decoded block (the header commits to the
// transactions and evidence); bytes that do not decode get the zero id,
// which no header hash has and the engine refuses.
//
// Building and checking a value prepare a block (ledger/prepared_block.h):
// the caller holds the chain's state lock exclusively. A decided value is
// committed from what was prepared; a block known only with its
// certificate (from sync, or decided unseen) is checked and committed in
// one step (Chain::commit_certified), applied once.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "crypto/basics/bytes.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "crypto/basics/result.h"
#include "ledger/chain.h"
#include "node/driver/mempool.h"

namespace nl::node {

crypto::Hash32 block_value_id(ByteView value);

struct BuiltValue {
  crypto::Hash32 id;
  Bytes bytes;
  size_t txs = 0;
  size_t evidence = 0;
  std::shared_ptr<const ledger::PreparedBlock> prepared;
};

// The next block from what the mempool holds (arrival order, as many as a
// value can carry) and the evidence waiting for it, proposed by
// `proposer` at unix time `time`; the state is left as it was.
BuiltValue build_block_value(ledger::Chain& chain, const Mempool& mempool, const crypto::PublicKey& proposer,
                             uint64_t time, size_t max_txs);

// A value decoded for checking, with the signatures of its transactions
// checked: those the mempool vouches for are not verified again, the rest
// are verified here on up to `threads` threads. Needs no state lock.
struct DecodedValue {
  ledger::Block block;
  std::vector<char> verified;  // per transaction: its signatures verify
  std::vector<char> fresh;     // per transaction: verified here, new to the mempool
};
Result<DecodedValue> decode_block_value(const Mempool& mempool, ByteView value, size_t threads);

// How far ahead of this validator's clock a proposed block's time may be.
// The ledger only forbids time going backwards; without a bound here one
// proposer could date a block years ahead and expire every lease at once,
// for good (time never goes back). Honest validators, > 2/3 of the power,
// refuse to prevote such a block, so it cannot be decided. Clocks of
// validators must agree to within this (NTP does far better).
inline constexpr uint64_t kMaxBlockTimeAheadSeconds = 60;
// The rule above, with the reason when broken.
Status check_block_time(uint64_t block_time, uint64_t now);

// valid(v): the bytes decode strictly to a block that Chain::prepare
// accepts as the next one. The transactions whose signatures were verified
// here (new to the mempool) are added to `newly_verified` when it passes.
Result<ledger::PreparedBlock> check_block_value(ledger::Chain& chain, const DecodedValue& value,
                                               std::vector<ledger::Transaction>* newly_verified = nullptr);
// Both steps, the signatures on the caller's thread alone.
Result<ledger::PreparedBlock> check_block_value(ledger::Chain& chain, const Mempool& mempool, ByteView value,
                                               std::vector<ledger::Transaction>* newly_verified = nullptr);

// Per transaction of `b`: whether the mempool already verified it.
ledger::TxsVerified verified_by(const Mempool& mempool, const ledger::Block& b);

// A certified block not prepared before: checked as prepared and committed
// in one step, applied once (Chain::commit_certified).
Status commit_certified(ledger::Chain& chain, const ledger::Block& b, const ledger::CommitCertificate& cert,
                        const ledger::TxsVerified& verified,
                        ledger::Durability durability = ledger::Durability::synced);

}  // namespace nl::node
