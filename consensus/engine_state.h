// Internal to the engine (engine*.cpp): the state of Algorithm 1 at one
// height and the bookkeeping around it. Not part of the consensus API.
#pragma once
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <vector>

#include "consensus/engine.h"
#include "consensus/vote_set.h"

namespace nl::consensus {

// A validator may hold messages in at most this many rounds above ours; a
// newer round evicts its oldest one, so the memory a peer can pin is
// bounded while a lagging validator still sees where the others are.
inline constexpr size_t kMaxFutureRoundsPerValidator = 4;
// Buffered proposals for height + 1 per proposer (values are large), and
// their bytes in all.
inline constexpr size_t kMaxFutureProposalsPerValidator = 2;
inline constexpr size_t kMaxFutureProposalBytes = 4 * kMaxValueBytes;
// Rounds are signed 32-bit in lockedRound/validRound and the WAL; a
// message for a later round is refused rather than wrapped.
inline constexpr uint32_t kMaxRound = 0x7fffffff;

// What this height has received for one round.
// Per validator, vote type and round: enough for the value a polka or commit
// needs, too few for an equivocator to use as storage.
inline constexpr size_t kMaxUnproposedConflicts = 2;

struct RoundState {
  std::optional<Proposal> proposal;  // the first valid one from proposer(h, r)
  crypto::Hash32 value_digest;       // sha256(proposal->value): tells same-id byte strings apart
  VoteSet prevotes;
  VoteSet precommits;
  std::map<crypto::PublicKey, uint64_t> senders;  // distinct validators with a message here (l.55)
  uint64_t sender_power = 0;
  bool prevote_timeout_scheduled = false;    // l.34 "for the first time"
  bool polka_handled = false;                // l.36 "for the first time"
  bool precommit_timeout_scheduled = false;  // l.47 "for the first time"
  // An equivocator's second votes for values no proposal carries yet, by
  // (validator, vote type), at most kMaxUnproposedConflicts each: counted
  // once a proposal carries the value (issue 20: dropped, the polka they
  // completed could never be seen, and a height could stall for good).
  std::map<std::pair<crypto::PublicKey, uint8_t>, std::vector<ledger::SignedVote>> unproposed_conflicts;
  bool empty() const { return !proposal && prevotes.empty() && precommits.empty(); }
};

// valid(v) for one value id. Only one byte string can have a given id, so
// once one is valid every other is not; each byte string is asked at most once.
struct Validity {
  std::optional<crypto::Hash32> pending;  // digest of the bytes being validated
  std::optional<crypto::Hash32> valid;
  std::set<crypto::Hash32> invalid;
};

// (height, round, step) of something this validator signed.
using SlotKey = std::tuple<uint64_t, uint32_t, Step>;

struct Engine::State : LockState {
  State(EngineConfig c, Wal& w);

  EngineConfig cfg;
  Wal& wal;
  std::optional<crypto::PublicKey> self;

  // Algorithm 1, l.2-9.
  bool started = false;
  uint64_t height = 0;
  uint32_t round = 0;
  Step step = Step::propose;
  bool decided = false;
  // locked_round, locked_id, locked_value, valid_round, valid_id,
  // valid_value: the LockState this struct derives from.

  ledger::ValidatorSet set;
  // The set of the height before: its validators' late messages (one that
  // left, or a relay still a height behind) are ignored, not refused, so
  // that nobody is penalised for them (issue 20).
  ledger::ValidatorSet previous_set;
  uint64_t total_power = 0;
  std::optional<ProposerSchedule> schedule;
  // The set of height + 1 and its proposers, when the driver gave it.
  std::optional<ledger::ValidatorSet> next_set;
  std::optional<ProposerSchedule> next_schedule;

  // The message log of the current height.
  std::map<uint32_t, RoundState> rounds;
  std::map<crypto::Hash32, Validity> validity;
  std::set<crypto::Hash32> proposed_ids;  // value ids of proposals held at this height
  Engine::Intake intake = Engine::Intake::taken;  // of the last on_message
  Engine::Refusal refusal = Engine::Refusal::none;  // of the last on_message
  std::optional<uint32_t> value_requested;  // round of an outstanding RequestValue
  std::map<crypto::PublicKey, std::set<uint32_t>> future_rounds;
  std::set<std::tuple<crypto::PublicKey, uint32_t, ledger::VoteType>> evidence_reported;
  std::set<uint32_t> proposal_evidence_reported;  // rounds: one proposer each

  // Messages for height + 1, signatures already checked.
  std::vector<Message> future;
  std::set<std::tuple<crypto::PublicKey, uint32_t, uint8_t>> future_slots;
  std::map<crypto::PublicKey, size_t> future_proposals;
  bool future_decision = false;
  size_t future_proposal_bytes = 0;

  // From the WAL: what this validator signed, and its lock, per height.
  std::map<SlotKey, Message> signed_slots;
  std::map<uint64_t, LockRecord> locks;

  bool halted = false;  // a WAL append failed: act as crashed
  std::string halt_reason;
  bool halt_reported = false;
  EngineStats stats;
  Actions out;  // actions of the input being handled

  // engine.cpp: inputs and admission of received messages.
  Actions finish();
  void reset_height(uint64_t h, ledger::ValidatorSet next);
  void handle(const Message& m, bool verified);
  void admit_proposal(const Proposal& p, bool verified);
  void admit_vote(const ledger::SignedVote& v, bool verified);
  void admit_decision(const Decision& d);
  bool well_formed(const Proposal& p) const;
  bool well_formed(const Decision& d, uint64_t h) const;
  void buffer_future(const Message& m);
  bool verify(const crypto::PublicKey& k, ByteView msg, const crypto::Signature& sig) const;
  // Counts a refused message and says why (Engine::last_refusal).
  void refuse(Engine::Refusal why) {
    ++stats.messages_rejected;
    refusal = why;
  }
  void fired(Rule r) { ++stats.rules[static_cast<size_t>(r)]; }
  bool make_room(const crypto::PublicKey& k, uint32_t r);
  void evict(const crypto::PublicKey& k, uint32_t r);
  void store_proposal(const Proposal& p);
  VoteSet::Added store_vote(const ledger::SignedVote& v, uint64_t power,
                            const ledger::SignedVote** earlier);
  void note_sender(RoundState& rs, const crypto::PublicKey& k, uint64_t power);

  // engine_rules.cpp: the upon-rules of Algorithm 1.
  void run_rules();
  void start_round(uint32_t r);
  void on_timeout(const Timeout& t);
  bool decide_rule();
  bool skip_rule();
  bool proposal_rule();
  bool polka_rule();
  bool nil_polka_rule();
  bool prevote_timeout_rule();
  bool precommit_timeout_rule();
  std::optional<bool> valid(const RoundState& rs);
  void schedule_timeout(Step s);

  // engine_wal.cpp: signing through the write-ahead log.
  Status load_wal();
  void replay_own_messages();
  void propose(const crypto::Hash32& id, const Bytes& value, int32_t pol_round);
  void vote(ledger::VoteType type, const crypto::Hash32& id);
  void send_new(const SlotKey& slot, Message m);
  void resend(const Message& m);
  void halt(std::string reason);  // a WAL append failed
  void store_own(const Message& m);
  bool write_lock();
  std::vector<Message> regossip() const;
};

}  // namespace nl::consensus
