// The keystore of an import: one testnet key per imported organisation
// ("<registry>-<opaque-id>", or "<registry>-<cc>-<date>" for a record
// without opaque-id), per registry ("afrinic") and for IANA ("iana").
//
// It is one file, DIR/keystore.jsonl, not one key file per account: on this
// machine creating a file costs 1-10 ms (8.8 ms with the fsync a key file
// gets), so 16k organisations would take minutes. Line 1 is a header; each
// further line is {"org", "account", "seed"} with the seed in hex,
// UNENCRYPTED. The file maps org -> account id (the index) and is rewritten
// atomically, mode 0600. `numledger import key` writes one account's
// ordinary key file for signing by hand.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/basics/result.h"
#include "ledger/account.h"

namespace nl::ledger {

class RirKeystore {
 public:
  static constexpr const char* kFileName = "keystore.jsonl";

  // Opens DIR (created if missing) and reads its keystore file if there is one.
  static Result<RirKeystore> open(const std::string& dir);

  // The account of `org`, generating a key the first time.
  AccountId account(const std::string& org);
  // Generates the keys of the orgs not yet in the store on `threads`
  // threads (key generation is most of an import's time). Returns how many
  // were made.
  size_t generate(const std::vector<std::string>& orgs, unsigned threads);
  std::optional<AccountId> find(const std::string& org) const;
  // Every organisation name, sorted (for a did-you-mean).
  std::vector<std::string> orgs() const;
  std::optional<std::string> org_of(const AccountId& a) const;
  // The signing key of an account of this keystore.
  Result<crypto::SecretKey> key(const AccountId& a) const;

  size_t size() const { return by_org_.size(); }
  size_t created() const { return created_; }
  const std::string& path() const { return path_; }

  // Writes the file if anything was added (temporary file, fsync, rename).
  Status save();

 private:
  struct Entry {
    AccountId account;
    std::array<uint8_t, 32> seed;
  };
  std::string path_;
  std::map<std::string, Entry> by_org_;
  std::map<AccountId, std::string> by_account_;
  size_t created_ = 0;
};

}  // namespace nl::ledger
