// numledger tx sign / tx show: working with an existing transaction file.
#include <algorithm>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/tx_file.h"
#include "crypto/key_file.h"
#include "node/client/terminal_passphrase.h"
#include "node/client/json_views.h"

namespace nl::cli {

namespace {

using ledger::AccountId;
using ledger::Transaction;
using nlohmann::json;

bool signature_ok(const ledger::TxSignature& s, const Bytes& msg) {
  return crypto::verify(s.key, msg, s.sig);
}

// Signatures the rules need that the file lacks: the signer's own (by the
// account's original key; after a rotation the node knows better) and the
// co-signers'.
std::vector<CoSigner> missing_signatures(const Transaction& tx) {
  std::vector<CoSigner> out;
  // Validators co-sign a validator-update, so other signatures say nothing
  // about the signer's own.
  const bool update = std::holds_alternative<ledger::ValidatorUpdateBody>(tx.body);
  if (tx.signatures.empty() || (update && !tx.signed_by(tx.signer.key))) out.push_back({"signer", tx.signer.key});
  for (const auto& co : required_cosigners(tx))
    if (!tx.signed_by(co.key)) out.push_back(co);
  return out;
}

int run_sign(const std::string& path, const std::string& key_path, bool as_signer) {
  auto tx = read_tx_file(path);
  if (!tx) return report(kExitFailure, tx.error());
  Bytes msg = tx->signing_bytes();
  for (const auto& s : tx->signatures)
    if (!signature_ok(s, msg))
      return report(kExitFailure, path + ": the signature by " + AccountId{s.key}.to_string() +
                                      " does not verify; refusing to add to a damaged transaction");
  auto key = node::load_key_file_asking(key_path);
  if (!key) return report(kExitFailure, key.error());
  const uint32_t max = ledger::max_signatures(ledger::body_kind(tx->body));
  if (tx->signatures.size() >= max && !tx->signed_by(key->public_key()))
    return report(kExitFailure, path + ": already carries the maximum of " + std::to_string(max) + " signatures");
  const auto me = AccountId{key->public_key()};
  bool party = me == tx->signer;
  for (const auto& co : required_cosigners(*tx)) party = party || co.key == key->public_key();
  const bool update = std::holds_alternative<ledger::ValidatorUpdateBody>(tx->body);
  // Who may co-sign these is on the chain (the validators, the recovery
  // accounts), not in the file.
  const bool open = update || std::holds_alternative<ledger::RecoverBody>(tx->body);
  if (!party && !open && !as_signer)
    return report(kExitFailure, path + ": " + me.to_string() + " is neither the signer " + tx->signer.to_string() +
                                    " nor a required co-signer; nothing was signed. If the signer's account was "
                                    "rotated or recovered to this key, pass --as-signer");
  bool again = tx->signed_by(key->public_key());
  tx->sign(*key);
  if (auto s = write_tx_file(path, *tx); !s) return report(kExitFailure, s.error());

  std::printf("%s %s by %s\n", again ? "re-signed" : "signed", path.c_str(), me.to_string().c_str());
  if (update && !party)
    std::printf("signed as a validator: it counts if %s is a validator of the height that commits it\n",
                me.to_string().c_str());
  else if (!party && open)
    std::printf("signed as a recovery account: it counts if %s is one of the recovery accounts of the account "
                "it recovers\n",
                me.to_string().c_str());
  else if (!party)
    std::printf("signed for %s with --as-signer: it counts if that account's key is now this one\n",
                tx->signer.to_string().c_str());
  auto missing = missing_signatures(*tx);
  for (const auto& m : missing)
    std::printf("still missing: the signature of the %s %s\n", m.role.c_str(),
                AccountId{m.key}.to_string().c_str());
  if (update)
    std::printf("%zu signature%s present; validators holding more than 2/3 of the voting power must be among them "
                "(the node checks when it applies the update)\n",
                tx->signatures.size(), tx->signatures.size() == 1 ? "" : "s");
  else if (missing.empty())
    std::printf("all required signatures are present\n");
  return kExitOk;
}

int run_show(const std::string& path, bool as_json) {
  auto tx = read_tx_file(path);
  if (!tx) return report(kExitFailure, tx.error());
  Bytes msg = tx->signing_bytes();
  std::vector<bool> ok;
  bool all_ok = true;
  for (const auto& s : tx->signatures) {
    ok.push_back(signature_ok(s, msg));
    all_ok = all_ok && ok.back();
  }
  auto missing = missing_signatures(*tx);

  if (as_json) {
    json j = node::tx_json(*tx);
    j["genesis_hash"] = tx->genesis_hash.hex();
    for (size_t i = 0; i < tx->signatures.size() && i < j["signatures"].size(); ++i)
      j["signatures"][i]["valid"] = static_cast<bool>(ok[i]);
    json m = json::array();
    for (const auto& c : missing) m.push_back({{"role", c.role}, {"account", AccountId{c.key}.to_string()}});
    j["missing_signatures"] = m;
    j["signatures_valid"] = all_ok;
    j["size"] = tx->encode().size();
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    // The same fields as the JSON view, in the order a person reads them.
    json j = node::tx_json(*tx);
    auto line = [](std::string name, const std::string& v) {
      std::replace(name.begin(), name.end(), '_', ' ');
      std::printf("%-12s %s\n", name.c_str(), v.c_str());
    };
    line("kind", j["kind"].get<std::string>());
    line("id", j["id"].get<std::string>());
    line("chain id", tx->chain_id);
    line("genesis", tx->genesis_hash.hex());
    line("signer", tx->signer.to_string());
    line("nonce", std::to_string(tx->nonce));
    static const char* kSkip[] = {"kind", "id", "chain_id", "genesis_hash", "signer", "nonce", "summary", "signatures"};
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (std::find(std::begin(kSkip), std::end(kSkip), it.key()) != std::end(kSkip)) continue;
      if (it->is_array()) {  // validator-update changes
        std::printf("%s:\n", it.key().c_str());
        for (const auto& e : *it)
          std::printf("  %s power %s\n", e.value("account", std::string("?")).c_str(),
                      e.contains("power") ? e["power"].dump().c_str() : "?");
      } else if (it->is_object()) {
        std::printf("%s:\n", it.key().c_str());
        for (auto f = it->begin(); f != it->end(); ++f)
          std::printf("  %-18s %s\n", f.key().c_str(), f->is_string() ? f->get<std::string>().c_str() : f->dump().c_str());
      } else {
        line(it.key(), it->is_string() ? it->get<std::string>() : it->dump());
      }
    }
    line("summary", tx->describe());
    std::printf("signatures:\n");
    for (size_t i = 0; i < tx->signatures.size(); ++i)
      std::printf("  %-4s %s\n", ok[i] ? "ok" : "BAD", AccountId{tx->signatures[i].key}.to_string().c_str());
    if (tx->signatures.empty()) std::printf("  (none)\n");
    for (const auto& m : missing)
      std::printf("missing      signature of the %s %s\n", m.role.c_str(), AccountId{m.key}.to_string().c_str());
    if (std::holds_alternative<ledger::ValidatorUpdateBody>(tx->body))
      std::printf("needs        signatures of validators holding more than 2/3 of the voting power\n");
  }
  if (!all_ok) return report(kExitFailure, path + ": a signature does not verify");
  return kExitOk;
}

}  // namespace

void add_tx_sign_show_commands(CLI::App& tx, Dispatch& d) {
  struct SignOpts {
    std::string file, key;
    bool as_signer = false;
  };
  auto s = std::make_shared<SignOpts>();
  auto* sign = tx.add_subcommand(
      "sign",
      "add your (co-)signature to a transaction file, in place; a key that is neither the signer nor a required "
      "co-signer is refused (exit 1) unless --as-signer");
  sign->add_option("FILE", s->file, "transaction file")->required();
  sign->add_option("--key", s->key, "key file to sign with")->required();
  sign->add_flag("--as-signer", s->as_signer,
                 "this key signs for the signer's account (its key was rotated or recovered to this one)");
  sign->callback([s, &d] { d.action = [s] { return run_sign(s->file, s->key, s->as_signer); }; });

  struct ShowOpts {
    std::string file;
    bool json = false;
  };
  auto o = std::make_shared<ShowOpts>();
  auto* show = tx.add_subcommand("show", "decode a transaction file and check its signatures");
  show->add_option("FILE", o->file, "transaction file")->required();
  show->add_flag("--json", o->json, "print a JSON object");
  show->callback([o, &d] { d.action = [o] { return run_show(o->file, o->json); }; });
}

}  // namespace nl::cli
