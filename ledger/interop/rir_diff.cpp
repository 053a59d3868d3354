#include "ledger/interop/rir_diff.h"

#include <map>

#include "ledger/registry.h"

namespace nl::ledger {

namespace {

// Builds, signs and applies transactions against the evolving registry.
class TxMaker {
 public:
  TxMaker(Registry& reg, const Genesis& g, RirKeystore& keys, RirDiff& out)
      : reg_(reg), chain_id_(g.chain_id), genesis_hash_(reg.genesis_hash()), ctx_{1, g.genesis_time}, keys_(keys), out_(out) {}

  // Appends the transaction if the rules accept it, else records why not.
  bool make(const AccountId& signer, TxBody body, const std::vector<AccountId>& cosigners, const std::string& file,
            uint64_t line) {
    Transaction tx;
    tx.chain_id = chain_id_;
    tx.genesis_hash = genesis_hash_;
    tx.signer = signer;
    tx.nonce = reg_.next_nonce(signer);
    tx.body = std::move(body);
    std::vector<AccountId> signers{signer};
    signers.insert(signers.end(), cosigners.begin(), cosigners.end());
    for (const auto& a : signers) {
      auto key = keys_.key(a);
      if (!key) return refuse(tx, file, line, key.error());
      tx.sign(*key);
    }
    // Signed here, just now: the signatures need no second check.
    if (auto s = reg_.apply(tx, ctx_, SignatureCheck::already_verified); !s) return refuse(tx, file, line, s.error());
    out_.txs.push_back(std::move(tx));
    return true;
  }

 private:
  bool refuse(const Transaction& tx, const std::string& file, uint64_t line, const std::string& why) {
    out_.inexpressible.push_back({"refused", file, line, tx.describe() + ": " + why});
    return false;
  }

  Registry& reg_;
  std::string chain_id_;
  crypto::Hash32 genesis_hash_;
  BlockContext ctx_;
  RirKeystore& keys_;
  RirDiff& out_;
};

}  // namespace

Result<RirDiff> diff_rir(const Genesis& g, const crypto::Hash32& genesis_hash,
                         const std::vector<ImportedRecord>& old_records,
                         const std::vector<std::string>& old_files, const std::vector<ImportedRecord>& new_records,
                         const std::vector<std::string>& new_files, RirKeystore& keys) {
  Registry reg(g.chain_id, genesis_hash);
  for (const auto& root : g.roots)
    if (auto s = reg.add_root(root.range, root.holder, root.meta); !s)
      return fail("the old genesis does not load: root " + root.range.to_string() + ": " + s.error());
  if (auto s = reg.add_genesis_imports(g); !s) return fail("the old genesis does not load: " + s.error());

  std::map<Resource, const ImportedRecord*> old_at, new_at;
  for (const auto& r : old_records) old_at[r.rec.range] = &r;
  for (const auto& r : new_records) new_at[r.rec.range] = &r;
  // The same holding on both sides: the range and the kind stay.
  auto kept = [&](const ImportedRecord& o) -> const ImportedRecord* {
    auto n = new_at.find(o.rec.range);
    return n != new_at.end() && record_kind(n->second->rec) == record_kind(o.rec) ? n->second : nullptr;
  };

  RirDiff d;
  TxMaker tx(reg, g, keys, d);
  auto file_of = [](const std::vector<std::string>& files, const ImportedRecord& r) {
    return r.file < files.size() ? files[r.file] : std::string();
  };

  for (const auto& [range, o] : old_at) {
    if (kept(*o)) continue;
    if (tx.make(keys.account(o->org()), ReturnBody{range}, {}, file_of(old_files, *o), o->rec.line)) ++d.returns;
  }

  for (const auto& [range, o] : old_at) {
    const ImportedRecord* n = kept(*o);
    if (!n) continue;
    const std::string file = file_of(new_files, *n);
    const AccountId to = keys.account(n->org());
    const Metadata want = record_metadata(n->rec);
    if (n->org() != o->org()) {
      if (tx.make(keys.account(o->org()), TransferBody{range, to}, {to}, file, n->rec.line)) {
        ++d.transfers;
        if (tx.make(to, SetMetadataBody{range, want}, {}, file, n->rec.line)) ++d.metadata_updates;
      }
      continue;
    }
    bool changed = false;
    if (record_metadata(o->rec) != want) {
      changed = true;
      if (tx.make(to, SetMetadataBody{range, want}, {}, file, n->rec.line)) ++d.metadata_updates;
    }
    if (o->rec.date != n->rec.date) {
      changed = true;
      d.inexpressible.push_back({"date-changed", file, n->rec.line,
                                 range.to_string() + " (" + n->org() + "): registration date " + o->rec.date +
                                     " became " + n->rec.date + "; holdings carry no date"});
    }
    if (!changed) ++d.unchanged;
  }

  for (const auto& [range, n] : new_at) {
    if (auto o = old_at.find(range); o != old_at.end() && kept(*o->second)) continue;
    const std::string file = file_of(new_files, *n);
    auto chain = reg.chain(range);
    if (chain.empty()) {
      d.inexpressible.push_back({"refused", file, n->rec.line, range.to_string() + " lies in no holding"});
      continue;
    }
    const AccountId to = keys.account(n->org());
    if (tx.make(chain.back().holder, DelegateBody{range, to, record_kind(n->rec), 0}, {}, file, n->rec.line)) {
      ++d.delegations;
      if (tx.make(to, SetMetadataBody{range, record_metadata(n->rec)}, {}, file, n->rec.line)) ++d.metadata_updates;
    }
  }
  return d;
}

}  // namespace nl::ledger
