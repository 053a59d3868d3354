// Key recovery (ledger.md, "Key recovery"): an account names recovery
// accounts and a delay; M of them start moving it to a new key, which
// takes effect once the block time reaches the start plus the delay, unless
// the current key cancels it first. Nobody else can move a key: this is
// the holder helping themselves, never a registry helping them.
#include <algorithm>

#include "ledger/registry.h"
#include "ledger/state_keys.h"
#include "ledger/time_text.h"

namespace nl::ledger {

namespace {
std::string when(uint64_t t) { return rfc3339(t); }
}  // namespace

void Registry::settle_recovery(const AccountId& a, uint64_t t) {
  auto st = recoveries_.find(a);
  if (!st || !st->in_effect(t)) return;
  AccountState acct = accounts_.find(a).value_or(AccountState{});
  acct.current = st->pending->new_key;
  accounts_.put(a, acct);
  st->pending.reset();
  recoveries_.put(a, *st);
  dirty_.insert(keys::account(a));
  dirty_.insert(keys::recovery(a));
}

std::vector<crypto::PublicKey> Registry::recovery_keys(const RecoverBody& b, uint64_t t) const {
  std::vector<crypto::PublicKey> out;
  if (auto st = recoveries_.find(b.account))
    for (const auto& r : st->accounts) out.push_back(effective_key(r, t));
  return out;
}

Status Registry::apply_set_recovery(const Transaction& tx, const SetRecoveryBody& b, const BlockContext& ctx) {
  if (!by_holder_.contains(tx.signer))
    return fail("set-recovery: " + tx.signer.to_string() +
                " holds nothing; an account comes into being only by receiving a holding");
  if (b.threshold < 1 || b.threshold > b.accounts.size())
    return fail("set-recovery threshold " + std::to_string(b.threshold) + " must be between 1 and the " +
                std::to_string(b.accounts.size()) + " recovery accounts named");
  if (std::find(b.accounts.begin(), b.accounts.end(), tx.signer) != b.accounts.end())
    return fail("set-recovery names the account itself as a recovery account; name others");
  if (b.delay < kMinRecoveryDelay || b.delay > kMaxRecoveryDelay)
    return fail("set-recovery delay " + std::to_string(b.delay) + " s is outside " +
                std::to_string(kMinRecoveryDelay) + " s (an hour) to " + std::to_string(kMaxRecoveryDelay) +
                " s (ten years)");
  if (auto st = recoveries_.find(tx.signer); st && st->pending && !st->in_effect(ctx.time))
    return fail("a recovery of " + tx.signer.to_string() + " is pending (in effect at " +
                when(st->pending->effective_at) + "); cancel it first with tx cancel-recovery");
  settle_recovery(tx.signer, ctx.time);
  RecoveryState st = recoveries_.find(tx.signer).value_or(RecoveryState{});
  st.threshold = b.threshold;
  st.accounts = b.accounts;
  st.delay = b.delay;
  st.pending.reset();
  recoveries_.put(tx.signer, st);
  dirty_.insert(keys::recovery(tx.signer));
  return {};
}

Status Registry::apply_recover(const Transaction& tx, const RecoverBody& b, const BlockContext& ctx) {
  const std::optional<RecoveryState> found = recoveries_.find(b.account);
  if (!found)
    return fail("recover: " + b.account.to_string() + " has named no recovery accounts (tx set-recovery)");
  const RecoveryState& st = *found;
  if (std::find(st.accounts.begin(), st.accounts.end(), tx.signer) == st.accounts.end())
    return fail("recover: the signer " + tx.signer.to_string() + " is not a recovery account of " +
                b.account.to_string());
  if (st.pending && !st.in_effect(ctx.time))
    return fail("recover: a recovery of " + b.account.to_string() + " is already pending (in effect at " +
                when(st.pending->effective_at) + ")");
  if (b.new_key == effective_key(b.account, ctx.time))
    return fail("recover: the new key is already the current key of " + b.account.to_string());
  if (!tx.signed_by(b.new_key)) return fail("recover needs the new key's co-signature (" + b.new_key.hex() + ")");
  size_t signers = 0;
  for (const auto& r : st.accounts) signers += tx.signed_by(effective_key(r, ctx.time)) ? 1 : 0;
  if (signers < st.threshold)
    return fail("recover: signed by " + std::to_string(signers) + " of the " + std::to_string(st.accounts.size()) +
                " recovery accounts of " + b.account.to_string() + "; " + std::to_string(st.threshold) +
                " must sign (tx sign FILE --key <recovery key file>)");
  settle_recovery(b.account, ctx.time);
  RecoveryState w = recoveries_.find(b.account).value_or(RecoveryState{});
  // The delay is at most ten years, so this never wraps for a real block time.
  w.pending = PendingRecovery{b.new_key, ctx.time + w.delay, ctx.height, tx.signer};
  recoveries_.put(b.account, w);
  dirty_.insert(keys::recovery(b.account));
  return {};
}

Status Registry::apply_cancel_recovery(const Transaction& tx, const BlockContext& ctx) {
  auto st = recoveries_.find(tx.signer);
  if (!st || !st->pending)
    return fail("cancel-recovery: no recovery of " + tx.signer.to_string() + " is pending");
  if (st->in_effect(ctx.time))
    return fail("cancel-recovery: the recovery of " + tx.signer.to_string() + " took effect at " +
                when(st->pending->effective_at) + "; the new key controls the account now");
  st->pending.reset();
  recoveries_.put(tx.signer, *st);
  dirty_.insert(keys::recovery(tx.signer));
  return {};
}

}  // namespace nl::ledger
