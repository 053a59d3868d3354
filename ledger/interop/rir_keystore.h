// The keystore of an import: one key per imported organisation
// ("<registry>-<opaque-id>", or "<registry>-<cc>-<date>" for a record
// without opaque-id), per registry ("afrinic") and for IANA ("iana").
//
// It is one file, DIR/keystore.jsonl, not one key file per account: on this
// machine creating a file costs 1-10 ms (8.8 ms with the fsync a key file
// gets), so 16k organisations would take minutes. Line 1 is a header; each
// further line is one organisation. Version 2 seals every organisation's
// seed under a key of its own, derived from the keystore passphrase
// (crypto/keystore_cipher.h); version 1 holds the seeds in hex,
// UNENCRYPTED (testnets). An organisation that took over its account
// (`numledger import handover`) keeps its line without a seed: the keystore
// then records the rotation instead of a key. The file is rewritten
// atomically, mode 0600. Specified in whitepaper/encoding.md, "Import keystore".
#pragma once
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "crypto/basics/result.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "crypto/keystore_cipher.h"
#include "ledger/account.h"

namespace nl::ledger {

// An organisation's rotation to a key of its own, as committed.
struct HandOver {
  crypto::PublicKey key;  // the organisation's own key
  crypto::Hash32 tx;      // the rotate-key transaction
  uint64_t height = 0;    // the block that committed it
};

class RirKeystore {
 public:
  static constexpr const char* kFileName = "keystore.jsonl";
  static constexpr const char* kPassphraseEnv = "NUMLEDGER_KEYSTORE_PASSPHRASE";

  // Opens DIR (created if missing) and reads its keystore file if there is
  // one. With a passphrase the keystore is (or, on save, becomes) version
  // 2, encrypted; without one an encrypted file is an error and a new
  // keystore is unencrypted.
  static Result<RirKeystore> open(const std::string& dir,
                                  const std::optional<std::string>& passphrase = std::nullopt);
  // Whether DIR's keystore file exists and says it is encrypted (a quick
  // look at the header, to know whether to ask for a passphrase).
  static bool is_encrypted(const std::string& dir);

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
  // The signing key of an account of this keystore; an error once the
  // organisation took its account over.
  Result<crypto::SecretKey> key(const AccountId& a) const;

  // Records that `org` rotated to its own key and forgets its seed.
  Status hand_over(const std::string& org, const HandOver& h);
  std::optional<HandOver> handed_over(const std::string& org) const;
  size_t handed_over_count() const;

  bool encrypted() const { return cipher_.has_value(); }
  size_t size() const { return by_org_.size(); }
  size_t created() const { return created_; }
  const std::string& path() const { return path_; }

  // Writes the file if anything changed (temporary file, fsync, rename).
  Status save();

 private:
  struct Entry {
    AccountId account;
    std::array<uint8_t, 32> seed{};
    std::optional<HandOver> handed_over;
  };
  Status read_header(const std::string& line, const std::string& where, const std::optional<std::string>& pass);
  Status read_entry(const std::string& line, const std::string& where);

  std::string path_;
  std::map<std::string, Entry> by_org_;
  std::unordered_map<AccountId, std::string, AccountIdHash> by_account_;  // only looked up
  std::optional<crypto::KeystoreCipher> cipher_;
  size_t created_ = 0;
  bool dirty_ = false;  // something to write besides new keys
};

}  // namespace nl::ledger
