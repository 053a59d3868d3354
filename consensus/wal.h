// The consensus write-ahead log: everything this validator signs, and its
// lock, is made durable before it is sent. After a restart the engine reads
// it back and never signs a different value for a height, round and step it
// has already signed (it re-sends the recorded message instead).
// The engine only sees this interface: the sim keeps records in memory, the
// node in an fsynced file (node/driver/file_wal.h).
#pragma once
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "consensus/proposal.h"
#include "crypto/basics/bytes.h"
#include "crypto/basics/result.h"
#include "ledger/validator.h"
#include "ledger/vote.h"

namespace nl::consensus {

// lockedValue/lockedRound and validValue/validRound of the paper (Alg. 1
// l.5-8): what the engine holds and what its WAL records.
struct LockState {
  int32_t locked_round = -1;
  crypto::Hash32 locked_id;
  Bytes locked_value;
  int32_t valid_round = -1;
  crypto::Hash32 valid_id;
  Bytes valid_value;
  auto operator<=>(const LockState&) const = default;
};

// The lock at `height`, as logged.
struct LockRecord : LockState {
  uint64_t height = 0;
  uint32_t round = 0;  // the engine's round when written
  // The prevotes for valid_id in valid_round held when written: the proof
  // of lock a restarted proposer needs for (validValue, validRound) (l.28),
  // which may rest on a vote no other honest validator has.
  std::vector<ledger::SignedVote> valid_polka;
  auto operator<=>(const LockRecord&) const = default;
  // Hand-written: the polka's count is a u16, rounds are checked as read.
  void encode(ledger::Writer& w) const;
  static LockRecord decode(ledger::Reader& r);
};

using WalEntry = std::variant<Proposal, ledger::SignedVote, LockRecord>;

// One prevote per validator, and an equivocator's second one.
inline constexpr size_t kMaxPolkaVotes = 2 * ledger::kMaxValidators;
// An encoded signed vote: type, height, round, block hash, validator, signature.
inline constexpr size_t kSignedVoteBytes = 1 + 8 + 4 + 32 + 32 + 64;
// The largest entry encode_wal_entry makes: a lock record holding two
// different values at the value limit and a full polka, with its fixed
// fields and the entry's version and tag. A proposal is smaller.
inline constexpr size_t kMaxWalEntryBytes =
    2 + 8 + 4 + 2 * (4 + 32 + 4 + kMaxValueBytes) + 2 + kMaxPolkaVotes * kSignedVoteBytes;

Bytes encode_wal_entry(const WalEntry& e);
Result<WalEntry> decode_wal_entry(ByteView in);
uint64_t wal_entry_height(const WalEntry& e);

class Wal {
 public:
  virtual ~Wal() = default;
  // Durable when it returns ok; the engine sends nothing it failed to log.
  virtual Status append(const WalEntry& e) = 0;
  // Every entry in order of appending.
  virtual Result<std::vector<WalEntry>> load() = 0;
  // Drops entries for heights below `height` (they are decided and committed).
  virtual Status prune_below(uint64_t height) = 0;
};

// In-memory log for simulation and tests; it survives a simulated crash
// because the harness keeps it, not the engine. fail_after(n) makes the
// n-th next append fail, to crash a validator between logging and sending.
class MemoryWal : public Wal {
 public:
  Status append(const WalEntry& e) override;
  Result<std::vector<WalEntry>> load() override;
  Status prune_below(uint64_t height) override;
  void fail_after(uint64_t n) { fail_after_ = n; }
  size_t size() const { return entries_.size(); }

 private:
  std::vector<WalEntry> entries_;
  std::optional<uint64_t> fail_after_;
};

}  // namespace nl::consensus
