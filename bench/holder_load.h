// The holders of an imported genesis as a load generator (bench_testnet
// --genesis): each signs, with its own key from the import's keystore,
// transactions on what the genesis gave it, as a holder in daily use would:
//   - set-metadata on one of its holdings (a new name; the holding's entry),
//   - authorize a route origin for the first CIDR prefix of one of its IP
//     holdings (a new authorization entry, under a private-use ASN),
//   - withdraw one of the origin authorizations it issued in the genesis
//     (an entry deleted).
// None depends on another's commit, so a node admits each at once; each
// holder's nonces are counted here from the node's next_nonce.
// Header-only, like bench_testnet_net.h.
#pragma once
#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "bench/batch_submit.h"
#include "bench/bench_testnet_net.h"
#include "ledger/genesis.h"
#include "ledger/interop/rir_keystore.h"

namespace nl::bench {

class HolderLoad {
 public:
  // Up to `accounts` holders of `genesis_path` that `keystore_dir` holds keys
  // for, drawn with `seed`; transactions for chain `genesis_hash` (a
  // testnet's genesis differs from the import's by its validators).
  HolderLoad(const std::string& genesis_path, const crypto::Hash32& genesis_hash, const std::string& keystore_dir,
             size_t accounts, uint64_t seed)
      : genesis_hash_(genesis_hash) {
    auto g = ledger::Genesis::load(genesis_path);
    if (!g) die(genesis_path + ": " + g.error());
    chain_id_ = g->chain_id;
    auto keys = ledger::RirKeystore::open(keystore_dir);
    if (!keys) die(keystore_dir + ": " + keys.error());
    std::map<ledger::AccountId, Assets> by_account;
    collect(g->holdings, by_account);
    for (const auto& a : g->authorizations)
      if (auto it = by_account.find(a.issuer); it != by_account.end()) it->second.authorizations.push_back(a);
    std::vector<ledger::AccountId> accounts_with_keys;
    for (auto& [account, h] : by_account)
      if (keys->key(account)) accounts_with_keys.push_back(account);
    std::mt19937_64 rng(seed);
    std::shuffle(accounts_with_keys.begin(), accounts_with_keys.end(), rng);
    accounts_with_keys.resize(std::min(accounts, accounts_with_keys.size()));
    for (const auto& account : accounts_with_keys)
      holders_.push_back(Holder{*keys->key(account), std::move(by_account.at(account))});
    if (holders_.empty()) die(keystore_dir + ": no key for any holder of " + genesis_path);
  }

  size_t holders() const { return holders_.size(); }
  ledger::AccountId account(size_t k) const { return ledger::AccountId{holders_[k].key.public_key()}; }
  // The nonce holder k's next transaction takes (the node's next_nonce).
  void set_next_nonce(size_t k, uint64_t n) { holders_[k].next_nonce = n; }
  // Asks node `url` for every holder's next nonce.
  void read_nonces(const std::string& url) {
    node::HttpClient client(url);
    for (size_t k = 0; k < holders_.size(); ++k) {
      auto r = client.request("GET", "/api/v1/account/" + account(k).to_string() + "?limit=1", "", std::chrono::seconds(30));
      auto j = r.ok() && r->status == 200 ? json::parse(r->body, nullptr, false) : json();
      if (!j.is_object() || !j["next_nonce"].is_number_unsigned())
        die("account " + account(k).to_string() + ": no next_nonce (" + (r.ok() ? r->body.substr(0, 200) : r.error()) + ")");
      set_next_nonce(k, j["next_nonce"].get<uint64_t>());
    }
  }

  // `n` transactions, dealt round-robin over the holders: list k is
  // holder k's, in nonce order.
  std::vector<std::vector<LoadTx>> sign(size_t n) {
    std::vector<std::vector<LoadTx>> out(holders_.size());
    for (size_t i = 0; i < n; ++i) {
      const size_t k = i % holders_.size();
      auto tx = sign_tx(chain_id_, genesis_hash_, holders_[k].key, next_body(holders_[k]), holders_[k].next_nonce++);
      out[k].push_back({tx.id().hex(), to_hex(tx.encode())});
    }
    return out;
  }
  // How many of each kind were signed so far.
  const std::map<std::string, size_t>& signed_by_kind() const { return by_kind_; }

 private:
  // What the genesis gave a holder.
  struct Assets {
    std::vector<ledger::GenesisHolding> holdings;  // without their children
    std::vector<ledger::GenesisAuthorization> authorizations;  // issued by it
  };
  struct Holder {
    crypto::SecretKey key;
    Assets assets;
    uint64_t next_nonce = 1;
    size_t step = 0, withdrawn = 0;
  };

  static void collect(const std::vector<ledger::GenesisHolding>& list, std::map<ledger::AccountId, Assets>& out) {
    for (const auto& h : list) {
      ledger::GenesisHolding flat = h;
      flat.children.clear();
      out[h.holder].holdings.push_back(std::move(flat));
      collect(h.children, out);
    }
  }

  // The largest CIDR prefix that starts where r starts and lies inside it.
  static ledger::Resource first_prefix(const ledger::Resource& r) {
    const int bits = ledger::family_bits(r.family);
    for (int len = 0; len <= bits; ++len) {
      const ledger::u128 host = len == 0 ? ledger::family_max(r.family) : ((ledger::u128(1) << (bits - len)) - 1);
      if ((r.first & host) == 0 && r.first + host <= r.last && r.first + host >= r.first)
        return {r.family, r.first, r.first + host};
    }
    return {r.family, r.first, r.first};
  }

  // The holder's next transaction: set-metadata, authorize, withdraw in
  // turn, over its holdings in turn; a kind it has nothing for is skipped.
  ledger::TxBody next_body(Holder& h) {
    for (;;) {
      const size_t step = h.step++;
      const auto& holding = h.assets.holdings[(step / 3) % h.assets.holdings.size()];
      if (step % 3 == 0) {
        ++by_kind_["set-metadata"];
        ledger::Metadata meta = holding.meta;
        meta.name = "bench " + std::to_string(++names_);
        return ledger::SetMetadataBody{holding.range, meta};
      }
      if (step % 3 == 1 && holding.range.family != ledger::Family::asn) {
        ++by_kind_["authorize"];
        const ledger::Resource p = first_prefix(holding.range);
        // Private-use ASNs (RFC 6996), a new one each time: never a
        // genesis authorization's key.
        const uint32_t asn = 4200000000u + static_cast<uint32_t>(authorized_++ % 94967294u);
        return ledger::AuthorizeBody{p, static_cast<uint8_t>(*p.prefix_length()), asn};
      }
      if (step % 3 == 2 && h.withdrawn < h.assets.authorizations.size()) {
        ++by_kind_["withdraw"];
        const auto& a = h.assets.authorizations[h.withdrawn++];
        return ledger::WithdrawBody{a.prefix, a.max_length, a.asn};
      }
    }
  }

  std::string chain_id_;
  crypto::Hash32 genesis_hash_;
  std::vector<Holder> holders_;
  std::map<std::string, size_t> by_kind_;
  uint64_t names_ = 0, authorized_ = 0;
};

}  // namespace nl::bench
