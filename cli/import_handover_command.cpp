// numledger import handover: an imported organisation takes its account
// over. Its rotate-key (signed by the keystore's key and its own) is
// committed, and the keystore then forgets the organisation's seed and
// records the rotation. Two ways (whitepaper/governance.md, "Keys to the
// holders"): with --new-key the command signs and submits the rotation;
// without, the organisation did it itself (import key, then tx rotate-key)
// and the command checks the node and records what it finds.
#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/node_client.h"
#include "cli/passphrases.h"
#include "ledger/interop/rir_keystore.h"
#include "ledger/transaction.h"
#include "node/client/terminal_passphrase.h"

namespace nl::cli {

namespace {

using nlohmann::json;

struct HandoverOpts {
  std::string keystore, org, new_key, node;
  unsigned timeout = 60;
  bool json = false;
};

// The rotate-key, signed by both keys, sent to the node; its commit.
Result<ledger::HandOver> rotate(const NodeClient& node, const ledger::AccountId& account, const crypto::SecretKey& old,
                                const crypto::SecretKey& own) {
  auto chain = node.chain();
  if (!chain) return chain.take_error();
  auto nonce = node.next_nonce(account);
  if (!nonce) return fail("fetching the nonce of " + account.to_string() + ": " + nonce.error());
  ledger::Transaction tx;
  tx.chain_id = chain->chain_id;
  tx.genesis_hash = chain->genesis_hash;
  tx.signer = account;
  tx.nonce = *nonce;
  tx.body = ledger::RotateKeyBody{own.public_key()};
  tx.sign(old);
  tx.sign(own);
  const json req = {{"tx", to_hex(tx.encode())}};
  auto r = node.request("POST", "/api/v1/tx", req.dump());
  if (!r) return r.take_error();
  const std::string id = tx.id().hex();
  const bool done = r->status == 200 || (r->status == 409 && r->body.is_object() &&
                                         r->body.value("status", std::string()) == "committed");
  if (!done || !r->body.is_object() || !r->body.contains("height") || !r->body["height"].is_number_unsigned())
    return fail("node did not commit the rotate-key " + id + " (HTTP " + std::to_string(r->status) +
                "): " + r->reason());
  return ledger::HandOver{own.public_key(), tx.id(), r->body["height"].get<uint64_t>()};
}

// The rotation the organisation made itself: the account's key on the node
// differs from the keystore's, and its last key change says where.
Result<ledger::HandOver> find_rotation(const NodeClient& node, const ledger::AccountId& account) {
  auto a = node.get("/api/v1/account/" + encode_path_segment(account.to_string()));
  if (!a) return fail("asking the node for " + account.to_string() + ": " + a.error());
  auto key_hex = crypto::Hash32::from_hex(a->value("current_key", std::string()));
  if (!key_hex) return fail("the node's answer for " + account.to_string() + " has no current_key");
  const crypto::PublicKey current_key{key_hex->b};
  const crypto::PublicKey* current = &current_key;
  if (*current == account.key)
    return fail(account.to_string() +
                " still signs with the key the import made: the organisation has not rotated yet. Pass --new-key "
                "FILE to rotate now, or let it run: numledger tx rotate-key --key HANDED.key --new-key OWN.key "
                "--out r.tx && numledger tx submit r.tx");
  const json hist = a->value("key_history", json::array());
  for (auto it = hist.rbegin(); it != hist.rend(); ++it) {
    const std::string kind = it->value("kind", std::string());
    if (kind != "rotate-key" && kind != "recover") continue;
    auto id = crypto::Hash32::from_hex(it->value("id", std::string()));
    if (!id) break;
    return ledger::HandOver{*current, *id, it->value("height", uint64_t{0})};
  }
  return fail("the node names key " + current->hex() + " for " + account.to_string() +
              " but no rotate-key or recover in its key history");
}

int run_handover(const HandoverOpts& o) {
  if (o.node.empty()) return report(kExitUsage, "no node named: pass --node URL or set NUMLEDGER_NODE");
  if (!path_exists((std::filesystem::path(o.keystore) / ledger::RirKeystore::kFileName).string()))
    return report(kExitFailure, o.keystore + ": no keystore here (no " + ledger::RirKeystore::kFileName +
                                    "; numledger import rir --keystore writes one)");
  auto pass = keystore_passphrase(o.keystore, false);
  if (!pass) return report(kExitUsage, pass.error());
  auto keys = ledger::RirKeystore::open(o.keystore, *pass);
  if (!keys) return report(kExitFailure, keys.error());
  auto account = keys->find(o.org);
  if (!account) return report(kExitFailure, keys->path() + ": no organisation '" + o.org + "'");
  if (auto h = keys->handed_over(o.org))
    return report(kExitFailure, "'" + o.org + "' already took its account over: key " + h->key.hex() +
                                    ", rotate-key " + h->tx.hex() + " at height " + std::to_string(h->height));
  NodeClient node(o.node, std::chrono::seconds(o.timeout));
  Result<ledger::HandOver> done = fail("");
  if (!o.new_key.empty()) {
    auto own = node::load_key_file_asking(o.new_key);
    if (!own) return report(kExitFailure, own.error());
    if (own->public_key() == account->key)
      return report(kExitUsage, o.new_key + " holds the key the import made; hand over to a key of the organisation's own");
    auto old = keys->key(*account);
    if (!old) return report(kExitFailure, old.error());
    done = rotate(node, *account, *old, *own);
  } else {
    done = find_rotation(node, *account);
  }
  if (!done) return report(kExitFailure, "'" + o.org + "': " + done.error());
  if (auto s = keys->hand_over(o.org, *done); !s) return report(kExitFailure, s.error());
  if (auto s = keys->save(); !s) return report(kExitFailure, s.error());
  if (o.json) {
    const json j = {{"org", o.org},          {"account", account->to_string()}, {"key", done->key.hex()},
                    {"tx", done->tx.hex()},  {"height", done->height},          {"keystore", keys->path()},
                    {"handed_over", keys->handed_over_count()}, {"organisations", keys->size()}};
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }
  std::printf("%s (%s) now signs with its own key %s: rotate-key %s committed at height %llu\n", o.org.c_str(),
              account->to_string().c_str(), done->key.hex().c_str(), done->tx.hex().c_str(),
              static_cast<unsigned long long>(done->height));
  std::printf("%s no longer holds its key (%zu of %zu organisations handed over)\n", keys->path().c_str(),
              keys->handed_over_count(), keys->size());
  return kExitOk;
}

}  // namespace

void add_handover_command(CLI::App& imp, Dispatch& d) {
  auto [cmd, o] = add_command<HandoverOpts>(
      imp, "handover",
      "an imported organisation takes its account over: its rotate-key to a key of its own is committed "
      "(part of its custody chain), then the keystore forgets its seed",
      d, run_handover);
  cmd->add_option("--keystore", o->keystore, "keystore directory (NUMLEDGER_KEYSTORE_PASSPHRASE if encrypted)")
      ->required();
  cmd->add_option("--org", o->org, "organisation (\"afrinic-F36B9F4B\")")->required();
  cmd->add_option("--new-key", o->new_key,
                  "the organisation's own key file: sign and submit the rotation now; without it, the rotation the "
                  "organisation submitted itself is looked up and recorded");
  add_node_option(cmd, o->node);
  cmd->add_option("--timeout", o->timeout, "seconds to wait for the node to commit")->capture_default_str();
  cmd->add_flag("--json", o->json, "print {org, account, key, tx, height, keystore, handed_over, organisations}");
}

}  // namespace nl::cli
