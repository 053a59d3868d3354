// numledger tx validator-update: builds a transaction that changes the
// validator set. The submitter (--signer) pays the nonce and signs with
// --key, or later with `tx sign`; validators holding more than 2/3 of the
// current voting power co-sign the same file with `tx sign --key`.
#include <algorithm>
#include <cstdio>
#include <memory>

#include "cli/chain_target.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/node_client.h"
#include "cli/tx_file.h"
#include "crypto/key_file.h"
#include "node/client/terminal_passphrase.h"

namespace nl::cli {

namespace {

struct UpdateOpts {
  std::string signer, key, out, node;
  ChainOpts chain;
  std::vector<std::string> sets;
  uint64_t nonce = 0;
  CLI::Option* nonce_opt = nullptr;
};

// "nl...=3" or "<64 hex digits>=3".
Result<ledger::Validator> parse_change(const std::string& text) {
  auto eq = text.rfind('=');
  if (eq == std::string::npos) return fail("--set '" + text + "' is not KEY_OR_ACCOUNT=POWER");
  const std::string who = text.substr(0, eq), power = text.substr(eq + 1);
  ledger::Validator v;
  if (auto a = account_or_key_file(who)) {
    v.key = a->key;
  } else if (auto bytes = from_hex(who); bytes && bytes->size() == 32) {
    std::copy(bytes->begin(), bytes->end(), v.key.b.begin());
  } else {
    return fail("--set '" + text.substr(0, 100) + "': not an account, a key file or a 64-hex-digit public key (" +
                a.error() + ")");
  }
  if (power.empty() || power.size() > 5 || power.find_first_not_of("0123456789") != std::string::npos ||
      std::stoull(power) > ledger::kMaxTotalPower)
    return fail("--set '" + text + "': POWER must be a whole number from 0 (remove) to " +
                std::to_string(ledger::kMaxTotalPower));
  v.power = std::stoull(power);
  return v;
}

Result<ledger::ValidatorUpdateBody> make_body(const std::vector<std::string>& sets) {
  ledger::ValidatorUpdateBody b;
  for (const auto& s : sets) {
    auto v = parse_change(s);
    if (!v) return v.take_error();
    for (const auto& have : b.changes)
      if (have.key == v->key) return fail("--set names " + ledger::AccountId{v->key}.to_string() + " twice");
    b.changes.push_back(*v);
  }
  std::sort(b.changes.begin(), b.changes.end());
  if (auto s = ledger::check_validator_changes(b.changes); !s) return s.take_error();
  return b;
}

int run_update(const UpdateOpts& o) {
  auto body = make_body(o.sets);
  if (!body) return report(kExitUsage, body.error());
  auto signer = account_or_key_file(o.signer);
  if (!signer) return report(kExitUsage, "--signer: " + signer.error());
  if (auto s = check_chain_options(o.chain); !s) return report(kExitUsage, s.error());
  const bool have_nonce = o.nonce_opt->count() > 0, offline_chain = chain_named_offline(o.chain);
  if ((!offline_chain || !have_nonce) && o.node.empty())
    return report(kExitUsage, "missing " +
                                  (!offline_chain && !have_nonce ? chain_options_missing(o.chain) + " and --nonce"
                                   : !offline_chain              ? chain_options_missing(o.chain)
                                                                 : std::string("--nonce")) +
                                  ": give them, or name a node with --node or NUMLEDGER_NODE to fetch them");

  ledger::Transaction tx;
  tx.signer = *signer;
  tx.nonce = o.nonce;
  tx.body = std::move(*body);
  auto chain = resolve_chain(o.chain, o.node);
  if (!chain) return report(kExitFailure, chain.error());
  tx.chain_id = chain->chain_id;
  tx.genesis_hash = chain->genesis_hash;
  if (!have_nonce) {
    auto n = NodeClient(o.node).next_nonce(*signer);
    if (!n) return report(kExitFailure, "fetching the nonce of " + signer->to_string() + ": " + n.error());
    tx.nonce = *n;
  }
  if (!o.key.empty()) {
    auto key = node::load_key_file_asking(o.key);
    if (!key) return report(kExitFailure, key.error());
    tx.sign(*key);
  }
  if (auto s = write_tx_file(o.out, tx); !s) return report(kExitFailure, s.error());

  std::printf("wrote %s: %s\n", o.out.c_str(), tx.describe().c_str());
  std::printf("id %s\n", tx.id().hex().c_str());
  if (tx.signatures.empty())
    std::printf("the signer %s must sign: numledger tx sign %s --key <its key file>\n", signer->to_string().c_str(),
                o.out.c_str());
  std::printf("validators holding more than 2/3 of the current voting power must co-sign: "
              "numledger tx sign %s --key <validator key file>\n",
              o.out.c_str());
  return kExitOk;
}

}  // namespace

void add_validator_update_command(CLI::App& tx, Dispatch& d) {
  auto [cmd, o] = add_command<UpdateOpts>(
      tx, "validator-update",
      "change the validator set two heights after commit; current validators with more than 2/3 of the power co-sign",
      d, run_update);
  cmd->add_option("--signer", o->signer, "account that submits it (its nonce is used; it signs)")
      ->required()
      ->check(account_value());
  cmd->add_option("--set", o->sets,
                  "KEY_OR_ACCOUNT=POWER: a validator's new power (0 removes it, a new key adds it); repeat")
      ->required();
  cmd->add_option("--key", o->key, "key file of the signer, to sign now (else sign later with tx sign)");
  cmd->add_option("--out", o->out, "transaction file to write (overwritten)")->required();
  add_chain_options(cmd, o->chain);
  o->nonce_opt = cmd->add_option("--nonce", o->nonce, "the signer's next nonce (default: asked from --node)");
  add_node_option(cmd, o->node);
}

}  // namespace nl::cli
