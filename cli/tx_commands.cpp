// The tx builders: numledger tx delegate|transfer|return|revoke|renew|
// authorize|withdraw|set-metadata|rotate-key|set-recovery|recover|
// cancel-recovery (and validator-update, in
// tx_validator_commands.cpp). Each builds one transaction,
// signs it with --key (and, for rotate-key, --new-key) and writes a
// transaction file. Fully offline with --genesis (or --chain-id and
// --genesis-hash) and --nonce; otherwise the missing values come from the node.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <functional>
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

using ledger::Resource;
using ledger::TxBody;

// Options every builder takes.
struct Common {
  std::string key, out, node, signer;
  ChainOpts chain;
  uint64_t nonce = 0;
  CLI::Option* nonce_opt = nullptr;
  // rotate-key only: the second key that signs.
  std::string new_key;
};

void add_common(CLI::App* cmd, Common& c) {
  cmd->add_option("--key", c.key, "key file of the signer")->required();
  cmd->add_option("--out", c.out, "transaction file to write (overwritten)")->required();
  add_chain_options(cmd, c.chain);
  c.nonce_opt = cmd->add_option("--nonce", c.nonce, "the signer's next nonce (default: asked from --node)");
  cmd->add_option("--signer", c.signer,
                  "signer account, when it differs from the key's own (after rotate-key)")
      ->check(account_value());
  add_node_option(cmd, c.node);
}

struct Context {
  ChainIdentity chain;
  ledger::AccountId signer;
  uint64_t nonce = 0;
};

// Chain and nonce from the command line, the rest from the node. The
// caller has checked that a node is named if anything is missing.
Result<Context> resolve_context(const Common& c, const crypto::PublicKey& key) {
  Context ctx;
  if (!c.signer.empty()) {
    auto signer = account_or_key_file(c.signer);  // checked when parsed; the file may have gone since
    if (!signer) return fail("--signer " + signer.error());
    ctx.signer = *signer;
  } else {
    ctx.signer = ledger::AccountId{key};
  }
  ctx.nonce = c.nonce;
  auto chain = resolve_chain(c.chain, c.node);
  if (!chain) return chain.take_error();
  ctx.chain = std::move(*chain);
  if (c.nonce_opt->count() == 0) {
    NodeClient node(c.node);
    auto n = node.next_nonce(ctx.signer);
    if (!n) return fail("fetching the nonce of " + ctx.signer.to_string() + ": " + n.error());
    ctx.nonce = *n;
  }
  return ctx;
}

using BodyFn = std::function<Result<TxBody>()>;

// Builds, signs and writes; body errors are usage errors (they come from arguments).
int build(const Common& c, const BodyFn& make_body) {
  auto body = make_body();
  if (!body) return report(kExitUsage, body.error());
  if (auto s = check_chain_options(c.chain); !s) return report(kExitUsage, s.error());
  const bool offline_chain = chain_named_offline(c.chain);
  if ((!offline_chain || c.nonce_opt->count() == 0) && c.node.empty()) {
    std::string missing = !offline_chain && c.nonce_opt->count() == 0 ? chain_options_missing(c.chain) + " and --nonce"
                          : !offline_chain                            ? chain_options_missing(c.chain)
                                                                      : "--nonce";
    return report(kExitUsage, "missing " + missing +
                                  ": give them, or name a node with --node or NUMLEDGER_NODE to fetch them");
  }
  auto pk = crypto::read_key_file_public(c.key);
  if (!pk) return report(kExitFailure, pk.error());
  auto ctx = resolve_context(c, *pk);
  if (!ctx) return report(kExitFailure, ctx.error());

  ledger::Transaction tx;
  tx.chain_id = ctx->chain.chain_id;
  tx.genesis_hash = ctx->chain.genesis_hash;
  tx.signer = ctx->signer;
  tx.nonce = ctx->nonce;
  tx.body = std::move(*body);
  if (auto size = tx.encode().size(); size > ledger::kMaxTxBytes)
    return report(kExitUsage, "the transaction would be " + std::to_string(size) + " bytes; the cap is " +
                                  std::to_string(ledger::kMaxTxBytes));

  auto key = node::load_key_file_asking(c.key);
  if (!key) return report(kExitFailure, key.error());
  tx.sign(*key);
  if (!c.new_key.empty()) {
    auto second = node::load_key_file_asking(c.new_key);
    if (!second) return report(kExitFailure, second.error());
    tx.sign(*second);
  }
  if (auto s = write_tx_file(c.out, tx); !s) return report(kExitFailure, s.error());

  std::printf("wrote %s: %s\n", c.out.c_str(), tx.describe().c_str());
  std::printf("id %s\n", tx.id().hex().c_str());
  for (const auto& co : required_cosigners(tx))
    if (!tx.signed_by(co.key))
      std::printf("the %s %s must co-sign: numledger tx sign %s --key <their key file>\n", co.role.c_str(),
                  ledger::AccountId{co.key}.to_string().c_str(), c.out.c_str());
  if (std::holds_alternative<ledger::RecoverBody>(tx.body))
    std::printf("the other recovery accounts co-sign until the policy's threshold is met: numledger tx sign %s "
                "--key <recovery key file>\n",
                c.out.c_str());
  return kExitOk;
}

Result<Resource> resource_arg(const std::string& text) {
  auto r = Resource::parse(text);
  if (!r) return fail("RESOURCE '" + text + "': " + r.error());
  return r;
}

// A route-origin authorization's prefix, maxLength and ASN.
struct RoaArgs {
  std::string prefix, asn;
  int max_length = 0;
  CLI::Option* max_opt = nullptr;
};

template <class Body>
Result<TxBody> roa_body(const RoaArgs& a) {
  auto p = Resource::parse(a.prefix);
  if (!p) return fail("PREFIX '" + a.prefix + "': " + p.error());
  if (p->family == ledger::Family::asn) return fail("PREFIX '" + a.prefix + "' is an AS number, not an address prefix");
  auto len = p->prefix_length();
  if (!len) return fail("PREFIX '" + a.prefix + "' is a range, not one CIDR prefix");
  int bits = ledger::family_bits(p->family);
  int max_len = a.max_opt->count() > 0 ? a.max_length : *len;
  if (max_len < *len || max_len > bits)
    return fail("--max-length " + std::to_string(max_len) + " must be between " + std::to_string(*len) +
                " and " + std::to_string(bits) + " for " + p->to_string());
  auto asn = parse_asn(a.asn);
  if (!asn) return fail("--asn: " + asn.error());
  return TxBody{Body{*p, static_cast<uint8_t>(max_len), *asn}};
}

void add_roa_args(CLI::App* cmd, RoaArgs& a) {
  cmd->add_option("PREFIX", a.prefix, "IPv4 or IPv6 prefix")->required();
  cmd->add_option("--asn,--origin", a.asn, "origin AS, e.g. AS64496")->required()->check(asn_value());
  a.max_opt = cmd->add_option("--max-length", a.max_length, "longest prefix allowed (default: the prefix length)");
}

// Registers one builder: its own arguments go on `cmd`, its body comes from `make`.
template <class Args>
void add_builder(CLI::App& tx, Dispatch& d, const char* name, const char* help,
                 std::function<void(CLI::App*, Args&)> add_args,
                 std::function<Result<TxBody>(const Args&)> make) {
  auto args = std::make_shared<Args>();
  auto common = std::make_shared<Common>();
  auto* cmd = tx.add_subcommand(name, help);
  add_args(cmd, *args);
  add_common(cmd, *common);
  cmd->callback([args, common, make, &d] {
    d.action = [args, common, make] { return build(*common, [&] { return make(*args); }); };
  });
}

struct RangeArgs {
  std::string range, to, until, kind;
  CLI::Option* kind_opt = nullptr;
  CLI::Option* until_opt = nullptr;
};

void add_range(CLI::App* cmd, RangeArgs& a) {
  cmd->add_option("RESOURCE", a.range, kResourceHelp)->required()->check(resource_value());
}

// "90d", "12h", "30m", "3600s" or plain seconds.
Result<uint64_t> parse_duration(const std::string& text) {
  const std::string bad = "--delay '" + text + "' is not a duration (90d, 12h, 30m, 3600s or seconds)";
  if (text.empty() || text.size() > 12) return fail(bad);
  uint64_t unit = 1;
  std::string digits = text;
  switch (text.back()) {
    case 'd': unit = 86400; break;
    case 'h': unit = 3600; break;
    case 'm': unit = 60; break;
    case 's': unit = 1; break;
    default: digits.push_back('s');
  }
  digits.pop_back();
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return fail(bad);
  return std::stoull(digits) * unit;
}

// account_or_key_file with the option it came from.
Result<ledger::AccountId> option_account(const char* opt, const std::string& text) {
  auto a = account_or_key_file(text);
  if (!a) return fail(std::string(opt) + " " + a.error());
  return a;
}

struct RecoveryArgs {
  std::vector<std::string> accounts;
  int threshold = 1;
  std::string delay;
};

struct RecoverArgs {
  std::string account, new_key;
};

struct MetaArgs {
  std::string range;
  ledger::Metadata meta;
  std::vector<CLI::Option*> fields;
};

}  // namespace

void add_tx_build_commands(CLI::App& tx, Dispatch& d) {
  add_builder<RangeArgs>(
      tx, d, "delegate", "carve RESOURCE out of your holding to an account (allocation, assignment or lease)",
      [](CLI::App* cmd, RangeArgs& a) {
        add_range(cmd, a);
        cmd->add_option("--to", a.to, "receiving account")->required()->check(account_value());
        a.kind_opt = cmd->add_option("--kind", a.kind, "allocation (default), assignment or lease")
                         ->check(CLI::IsMember({"allocation", "assignment", "lease"}));
        a.until_opt = cmd->add_option("--until", a.until, "lease expiry, RFC 3339 (implies --kind lease)")
                          ->check(time_value());
      },
      [](const RangeArgs& a) -> Result<TxBody> {
        auto r = resource_arg(a.range);
        if (!r) return r.take_error();
        auto to = option_account("--to", a.to);
        if (!to) return to.take_error();
        ledger::DelegateBody b{*r, *to, ledger::HoldingKind::allocation, 0};
        if (a.kind_opt->count() > 0) b.kind = *ledger::parse_holding_kind(a.kind);
        else if (a.until_opt->count() > 0) b.kind = ledger::HoldingKind::lease;
        if (b.kind == ledger::HoldingKind::lease) {
          if (a.until_opt->count() == 0) return fail("--kind lease needs --until");
          b.lease_until = *parse_time(a.until);
        } else if (a.until_opt->count() > 0) {
          return fail("--until applies to a lease only, not to --kind " + a.kind);
        }
        return TxBody{b};
      });

  add_builder<RangeArgs>(
      tx, d, "transfer", "move all or part of your holding to an account; the recipient co-signs",
      [](CLI::App* cmd, RangeArgs& a) {
        add_range(cmd, a);
        cmd->add_option("--to", a.to, "receiving account")->required()->check(account_value());
      },
      [](const RangeArgs& a) -> Result<TxBody> {
        auto r = resource_arg(a.range);
        if (!r) return r.take_error();
        auto to = option_account("--to", a.to);
        if (!to) return to.take_error();
        return TxBody{ledger::TransferBody{*r, *to}};
      });

  add_builder<RangeArgs>(
      tx, d, "return", "give all or part of your holding back to the parent holder", add_range,
      [](const RangeArgs& a) -> Result<TxBody> {
        auto r = resource_arg(a.range);
        if (!r) return r.take_error();
        return TxBody{ledger::ReturnBody{*r}};
      });

  add_builder<RangeArgs>(
      tx, d, "revoke", "take back an expired lease you granted (exactly its range)", add_range,
      [](const RangeArgs& a) -> Result<TxBody> {
        auto r = resource_arg(a.range);
        if (!r) return r.take_error();
        return TxBody{ledger::RevokeBody{*r}};
      });

  add_builder<RangeArgs>(
      tx, d, "renew", "extend a lease you granted (exactly its range)",
      [](CLI::App* cmd, RangeArgs& a) {
        add_range(cmd, a);
        cmd->add_option("--until", a.until, "new expiry, RFC 3339")->required()->check(time_value());
      },
      [](const RangeArgs& a) -> Result<TxBody> {
        auto r = resource_arg(a.range);
        if (!r) return r.take_error();
        return TxBody{ledger::RenewBody{*r, *parse_time(a.until)}};
      });

  add_builder<RoaArgs>(tx, d, "authorize", "authorize an AS to originate PREFIX (a route-origin authorization)",
                       add_roa_args, roa_body<ledger::AuthorizeBody>);
  add_builder<RoaArgs>(tx, d, "withdraw", "withdraw a route-origin authorization", add_roa_args,
                       roa_body<ledger::WithdrawBody>);

  add_builder<MetaArgs>(
      tx, d, "set-metadata",
      "set the whois-style fields of your holding with exactly RESOURCE (fields not given are cleared)",
      [](CLI::App* cmd, MetaArgs& a) {
        cmd->add_option("RESOURCE", a.range, "the holding's exact range")->required()->check(resource_value());
        a.fields = {cmd->add_option("--name", a.meta.name, "name of the holder or network"),
                    cmd->add_option("--country", a.meta.country, "ISO 3166 two-letter country code"),
                    cmd->add_option("--source-registry", a.meta.source_registry, "registry the record came from"),
                    cmd->add_option("--source-handle", a.meta.source_handle, "handle or opaque-id there"),
                    cmd->add_option("--abuse-contact", a.meta.abuse_contact, "abuse contact address")};
      },
      [](const MetaArgs& a) -> Result<TxBody> {
        auto r = resource_arg(a.range);
        if (!r) return r.take_error();
        bool any = false;
        for (auto* f : a.fields) any = any || f->count() > 0;
        if (!any) return fail("set-metadata needs at least one of --name, --country, --source-registry, "
                              "--source-handle, --abuse-contact");
        ledger::Metadata m = a.meta;
        const std::pair<const char*, const std::string*> named[] = {
            {"--name", &m.name}, {"--country", &m.country}, {"--source-registry", &m.source_registry},
            {"--source-handle", &m.source_handle}, {"--abuse-contact", &m.abuse_contact}};
        for (const auto& [opt, value] : named)
          if (value->size() > ledger::kMaxMetadataField)
            return fail(std::string(opt) + " is " + std::to_string(value->size()) + " bytes; the cap is " +
                        std::to_string(ledger::kMaxMetadataField));
        if (!m.country.empty()) {
          if (m.country.size() != 2 || !std::isalpha(static_cast<unsigned char>(m.country[0])) ||
              !std::isalpha(static_cast<unsigned char>(m.country[1])))
            return fail("--country '" + m.country + "' is not a two-letter country code");
          for (auto& ch : m.country) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        }
        return TxBody{ledger::SetMetadataBody{*r, m}};
      });

  // rotate-key signs with both keys, so its second key rides in Common.
  auto common = std::make_shared<Common>();
  auto* cmd = tx.add_subcommand("rotate-key", "move your account to a new key; signs with the old and the new key");
  cmd->add_option("--new-key", common->new_key, "key file of the new key")->required();
  add_common(cmd, *common);
  cmd->callback([common, &d] {
    d.action = [common]() -> int {
      auto pk = crypto::read_key_file_public(common->new_key);
      if (!pk) return report(kExitFailure, pk.error());
      return build(*common, [&]() -> Result<TxBody> { return TxBody{ledger::RotateKeyBody{*pk}}; });
    };
  });

  add_builder<RecoveryArgs>(
      tx, d, "set-recovery",
      "name the accounts that may, M together, move your account to a new key after a delay you can cancel in",
      [](CLI::App* cmd, RecoveryArgs& a) {
        cmd->add_option("--recovery", a.accounts, "a recovery account or its key file (repeat, at most 7)")
            ->required();
        cmd->add_option("--threshold", a.threshold, "how many recovery accounts must sign a recovery (M)")
            ->default_val(1);
        cmd->add_option("--delay", a.delay, "how long a recovery waits, in block time: 90d, 12h, 30m, 3600s")
            ->required();
      },
      [](const RecoveryArgs& a) -> Result<TxBody> {
        ledger::SetRecoveryBody b;
        for (const auto& text : a.accounts) {
          auto acc = option_account("--recovery", text);
          if (!acc) return acc.take_error();
          b.accounts.push_back(*acc);
        }
        std::sort(b.accounts.begin(), b.accounts.end());
        if (std::adjacent_find(b.accounts.begin(), b.accounts.end()) != b.accounts.end())
          return fail("--recovery names one account twice");
        if (auto s = ledger::check_recovery_accounts(b.accounts); !s) return s.take_error();
        if (a.threshold < 1 || static_cast<size_t>(a.threshold) > b.accounts.size())
          return fail("--threshold " + std::to_string(a.threshold) + " must be between 1 and the " +
                      std::to_string(b.accounts.size()) + " recovery accounts");
        b.threshold = static_cast<uint8_t>(a.threshold);
        auto delay = parse_duration(a.delay);
        if (!delay) return delay.take_error();
        if (*delay < ledger::kMinRecoveryDelay || *delay > ledger::kMaxRecoveryDelay)
          return fail("--delay must be between 1h and 10 years (" + std::to_string(ledger::kMinRecoveryDelay) +
                      " to " + std::to_string(ledger::kMaxRecoveryDelay) + " seconds)");
        b.delay = *delay;
        return TxBody{b};
      });
  add_builder<RecoverArgs>(
      tx, d, "recover",
      "as a recovery account, start moving ACCOUNT to a new key; M recovery keys and the new key sign (tx sign)",
      [](CLI::App* cmd, RecoverArgs& a) {
        cmd->add_option("ACCOUNT", a.account, "the account to recover, or its key file")->required();
        cmd->add_option("--new-key", a.new_key, "the new key: an account id (nl...) or a key file")->required();
      },
      [](const RecoverArgs& a) -> Result<TxBody> {
        auto acc = option_account("ACCOUNT", a.account);
        if (!acc) return acc.take_error();
        auto nk = option_account("--new-key", a.new_key);
        if (!nk) return nk.take_error();
        if (*acc == *nk) return fail("--new-key is the account's own key; name a new one");
        return TxBody{ledger::RecoverBody{*acc, nk->key}};
      });
  add_builder<RecoverArgs>(
      tx, d, "cancel-recovery", "with your current key, stop a pending recovery of your account within its delay",
      [](CLI::App*, RecoverArgs&) {}, [](const RecoverArgs&) -> Result<TxBody> { return TxBody{ledger::CancelRecoveryBody{}}; });

  add_validator_update_command(tx, d);
}

}  // namespace nl::cli
