// Tendermint (Buchman, Kwon, Milosevic, "The latest gossip on BFT
// consensus", 2018, Algorithm 1) as a pure state machine. The engine owns
// no socket, thread or clock: a driver (the simulator, or the node) feeds it
// inputs and carries out the actions it returns, in order.
//
// Inputs:  start_height, on_message, on_timeout, on_value_ready,
//          on_validated.
// Actions: Broadcast, ScheduleTimeout, RequestValue, ValidateValue,
//          Decided, EvidenceFound, Halted.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "consensus/message.h"
#include "consensus/proposer.h"
#include "consensus/wal.h"
#include "crypto/ed25519.h"
#include "ledger/evidence.h"
#include "ledger/validator_set.h"

namespace nl::consensus {

enum class Step : uint8_t { propose = 0, prevote = 1, precommit = 2 };
std::string_view step_name(Step s);

struct Timeout {
  uint64_t height = 0;
  uint32_t round = 0;
  Step step = Step::propose;
  auto operator<=>(const Timeout&) const = default;
};

// timeoutX(r) = base + r * delta: linear growth with the round (paper §4).
struct TimeoutConfig {
  uint64_t propose_ms = 1000;
  uint64_t propose_delta_ms = 500;
  uint64_t prevote_ms = 1000;
  uint64_t prevote_delta_ms = 500;
  uint64_t precommit_ms = 1000;
  uint64_t precommit_delta_ms = 500;
  uint64_t delay(Step s, uint32_t round) const;
};

// --- actions -------------------------------------------------------------
struct Broadcast {
  Message msg;  // to every peer; the engine has already processed its own copy
};
struct ScheduleTimeout {
  Timeout timeout;
  uint64_t delay_ms = 0;  // call on_timeout(timeout) after this long
};
// This validator proposes at (height, round) and has no validValue: the
// driver builds a value (a block) and calls on_value_ready.
struct RequestValue {
  uint64_t height = 0;
  uint32_t round = 0;
};
// valid(v) of the paper: the driver checks the value against the
// application's rules, then calls on_validated. Asked once per (value id,
// byte string) and height; the engine has already checked that the bytes
// have that id (EngineConfig::value_id).
struct ValidateValue {
  uint64_t height = 0;
  crypto::Hash32 value_id;
  Bytes value;
};
// The height is decided. The driver commits it durably, then calls
// start_height(height + 1, next set).
struct Decided {
  Decision decision;
};
// Two signed votes by one validator conflict, or the round's proposer
// signed two proposals for different values; the driver keeps the evidence
// and includes it in a later block.
struct EvidenceFound {
  ledger::Evidence evidence;
};
// A WAL append failed. Nothing signed since the last durable append is
// sent, and the engine takes no more input: it acts as crashed. Reported
// once, as the only action of that input; the driver must stop this
// validator (the node exits), since voting on would risk signing twice.
struct Halted {
  std::string reason;  // the WAL's error, naming its file
};
using Action = std::variant<Broadcast, ScheduleTimeout, RequestValue, ValidateValue, Decided,
                            EvidenceFound, Halted>;
using Actions = std::vector<Action>;

using VerifyFn = std::function<bool(const crypto::PublicKey&, ByteView, const crypto::Signature&)>;
using ValueIdFn = std::function<crypto::Hash32(ByteView value)>;

struct EngineConfig {
  // Signed into every proposal and vote (it commits to the chain id).
  crypto::Hash32 genesis_hash;
  TimeoutConfig timeouts;
  // This validator's key; none for an observer that follows without voting.
  std::optional<crypto::SecretKey> key;
  // Signature check on every received proposal and vote. Defaults to
  // Ed25519 verification; the simulator may memoise it.
  VerifyFn verify;
  // The id of a value's bytes. It must commit to every byte (for blocks:
  // the header hash of a strictly decoded block, whose header commits to
  // the body). Proposals and catch-up decisions whose bytes do not have
  // their signed or certified id are refused. Defaults to SHA-256.
  ValueIdFn value_id;
  // Messages for height + 1 kept until that height starts; the rest dropped.
  size_t max_future_messages = 4096;
};

// The rules of Algorithm 1 whose firing the engine counts, so that a sweep
// shows a rule that never ran (issue 20). Lines of the paper's Algorithm 1.
enum class Rule : uint8_t {
  propose_new,          // l.18-19: getValue() for a fresh proposal
  propose_valid,        // l.15-16: re-propose validValue
  prevote_fresh,        // l.22-24: prevote the proposal (vr = -1)
  prevote_fresh_nil,    // l.25-26: prevote nil (lock or validity refuses)
  prevote_pol,          // l.28-30: prevote a re-proposal with its polka
  prevote_pol_nil,      // l.31-32: prevote nil on a re-proposal
  prevote_timeout_set,  // l.34-35
  lock_precommit,       // l.36-41: lock and precommit
  valid_update,         // l.42-43 alone, in step precommit
  precommit_nil,        // l.44-46
  precommit_timeout_set,  // l.47-48
  decide,               // l.49-54
  skip_round,           // l.55-56
  timeout_propose,      // l.57-60
  timeout_prevote,      // l.61-64
  timeout_precommit,    // l.65-67
  count_
};
inline constexpr size_t kRuleCount = static_cast<size_t>(Rule::count_);
// "l.22-24 prevote v" and so on, for reports.
const char* rule_name(Rule r);

struct EngineStats {
  uint64_t rounds_started = 0;
  uint64_t messages_accepted = 0;
  uint64_t messages_rejected = 0;  // bad signature, not a validator, malformed
  uint64_t signs_refused = 0;      // the WAL already held a different signed value
  std::array<uint64_t, kRuleCount> rules{};  // how often each rule fired
};

class Engine {
 public:
  Engine(EngineConfig cfg, Wal& wal);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Reads the WAL once, before the first start_height: what this validator
  // already signed and its lock. Fails if the WAL cannot be read.
  Status recover();

  // StartRound(0) at `height` with the set that votes there (line 10). If the
  // WAL holds entries for this height, resumes at the last round it signed in,
  // with its lock.
  // Throws std::invalid_argument for a set that fails ValidatorSet::validate.
  // `next`, when given, is the set of height + 1 (the ledger knows it a
  // height ahead): messages for that height are then checked against it
  // and against its proposers before they are kept, and so before a
  // relay passes them on. Without it they are checked against `set`.
  Actions start_height(uint64_t height, ledger::ValidatorSet set,
                       std::optional<ledger::ValidatorSet> next = std::nullopt);

  // A proposal, vote or decision from a peer. Signatures and membership are
  // checked here; a message for height + 1 is kept until that height starts;
  // older ones are ignored. A Decision for the current height with a valid
  // certificate (> 2/3 of the set) decides it directly (catch-up). A second,
  // different vote by a validator for one (height, round, type) yields
  // EvidenceFound once; it never adds to the validator's power, and counts
  // only in the tally of a value that a proposal carries (vote_set.h). A
  // second validly signed proposal by the round's proposer for another
  // value also yields EvidenceFound once per round; the first proposal stays.
  Actions on_message(const Message& m);
  // What the last on_message did with its message. `deferred`: neither
  // kept nor found wrong (a cap, this height's set, a round too far ahead,
  // a second vote for a value nobody else voted yet), so a later copy may
  // be needed and the caller must not remember it as handled (issue 20: a
  // seen-filter that did turned a dropped vote into a height that never
  // decides). `ignored`: validly signed by a validator of the height
  // before; not to be relayed, and no one's fault.
  enum class Intake : uint8_t { taken, deferred, ignored };
  Intake last_intake() const;
  // Why the last on_message refused its message, if it did. `forged`: a
  // bad signature, value id or shape, which every honest node checks
  // alike before relaying, so a relay of it is at fault too. `unentitled`:
  // signed, but the signer may not send it (not in the set, not the
  // round's proposer): that depends on the view, so only the signer is
  // answerable, never a relay (issue 20).
  enum class Refusal : uint8_t { none, forged, unentitled };
  Refusal last_refusal() const;
  Actions on_timeout(const Timeout& t);
  Actions on_value_ready(uint64_t height, uint32_t round, const crypto::Hash32& value_id,
                         Bytes value);
  Actions on_validated(uint64_t height, const crypto::Hash32& value_id, bool valid);

  // For re-gossip to peers that may have lost them: this validator's signed
  // messages of the current and previous round, the proposal for the
  // current round, and the prevotes it holds of the polka behind that
  // proposal's pol_round and behind its own validValue (the proof of lock
  // a peer needs for Alg. 1 l.28, however old that round is).
  std::vector<Message> messages_to_regossip() const;

  uint64_t height() const;
  uint32_t round() const;
  Step step() const;
  bool decided() const;  // the current height is decided, waiting for start_height
  bool halted() const;   // a WAL append failed; see Halted
  const ledger::ValidatorSet& validators() const;
  const EngineStats& stats() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace nl::consensus
