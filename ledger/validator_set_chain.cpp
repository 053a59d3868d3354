#include "ledger/validator_set_chain.h"

#include <string>

#include "ledger/registry.h"

namespace nl::ledger {

namespace {
std::string short_hash(const crypto::Hash32& h) { return h.hex().substr(0, 16) + "..."; }
}  // namespace

ValidatorSetChain::ValidatorSetChain(TrustedSet start) : start_(std::move(start)) {
  sets_[start_.height] = start_.set;
}

const ValidatorSet& ValidatorSetChain::set_at(uint64_t height) const {
  auto it = sets_.upper_bound(height);
  return it == sets_.begin() ? sets_.begin()->second : std::prev(it)->second;
}

Status ValidatorSetChain::check_header(const CertifiedHeader& c) const {
  const BlockHeader& h = c.header;
  const std::string at = "the header at height " + std::to_string(h.height);
  if (h.chain_id != start_.chain_id)
    return fail(at + " is for chain '" + h.chain_id + "', the verifier's is '" + start_.chain_id + "'");
  if (h.height == 0) return fail("a header at height 0: block heights start at 1");
  const ValidatorSet& set = set_at(h.height);
  if (h.validator_set_hash != set.hash() && sets_.size() == 1)
    return fail(at + " names validator set " + short_hash(h.validator_set_hash) + ", but the proof changes no " +
                "validators before it, so it must be the trusted set " + short_hash(set.hash()) + ": a set " +
                "change is missing (a gap), or the proof was made on another chain with the chain id '" +
                start_.chain_id + "' (check the genesis or trusted set given)");
  if (h.validator_set_hash != set.hash())
    return fail(at + " names validator set " + short_hash(h.validator_set_hash) + ", but the set changes in the " +
                "proof give " + short_hash(set.hash()) + " for that height: a set change is missing (a gap), or " +
                "the header was not made by this chain");
  if (c.cert.height != h.height || c.cert.block_hash != h.hash())
    return fail("the certificate given for " + at + " certifies another block");
  if (auto s = set.verify_commit(start_.genesis_hash, c.cert); !s) {
    // Votes sign the genesis hash: a chain that shares this id and these
    // validators but not this genesis ends up here.
    const bool bad_sig = s.error().find("does not verify") != std::string::npos;
    return fail("the certificate of " + at + " is invalid: " + s.error() +
                (bad_sig ? " under genesis " + short_hash(start_.genesis_hash) +
                               " (the votes sign the genesis hash: the proof was made on another chain with this "
                               "chain id and validators, or it was tampered with)"
                         : std::string()));
  }
  return {};
}

Status ValidatorSetChain::apply(const CertifiedHeader& c, const SetChange& change) {
  const uint64_t height = c.header.height;
  const uint64_t target = height + kValidatorUpdateDelay;
  if (target <= start_.height) return {};  // already in the trusted set
  const std::string at = "the set change at height " + std::to_string(height);
  if (auto s = check_header(c); !s) return s;
  const Transaction& tx = change.tx;
  const auto* update = std::get_if<ValidatorUpdateBody>(&tx.body);
  if (!update) return fail(at + " is a " + std::string(tx_kind_name(body_kind(tx.body))) + ", not a validator-update");
  if (auto s = check_tx_inclusion(tx, change.inclusion, c.header); !s) return fail(at + ": " + s.error());
  if (tx.chain_id != start_.chain_id || tx.genesis_hash != start_.genesis_hash)
    return fail(at + " was signed for another chain");
  if (auto s = tx.check_signatures(); !s) return fail(at + ": " + s.error());
  const ValidatorSet& authority = set_at(height);
  const uint64_t power = authority.power_of(tx.signer_keys());
  if (!authority.more_than_two_thirds(power))
    return fail(at + " is signed by " + std::to_string(power) + " of " + std::to_string(authority.total_power()) +
                " voting power of the validators of its height; more than 2/3 is needed");
  if (auto s = check_validator_changes(update->changes); !s) return fail(at + ": " + s.error());
  auto next = compose_validator_changes(set_at(target), update->changes, target);
  if (!next) return fail(at + ": " + next.error());
  sets_[target] = std::move(*next);
  return {};
}

}  // namespace nl::ledger
