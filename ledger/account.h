// Accounts are named by the Ed25519 public key that opened them. The text
// form carries a checksum so a mistyped account is refused, never funded:
//   "nl" + base32(pubkey || first 4 bytes of tagged_hash(account, pubkey))
#pragma once
#include <compare>
#include <string>
#include <string_view>

#include "crypto/ed25519.h"
#include "crypto/keyed_hash.h"
#include "crypto/basics/result.h"
#include "ledger/canonical.h"

namespace nl::ledger {

struct AccountId {
  crypto::PublicKey key;
  auto operator<=>(const AccountId&) const = default;

  std::string to_string() const;
  static Result<AccountId> parse(std::string_view text);

  void encode(Writer& w) const { w.fixed(key.b); }
  static AccountId decode(Reader& r) { return AccountId{crypto::PublicKey{r.fixed<32>()}}; }
};

// For hash tables keyed by account (crypto/keyed_hash.h: keys anyone grinds).
struct AccountIdHash {
  size_t operator()(const AccountId& a) const noexcept { return crypto::keyed_hash64(a.key.b); }
};

}  // namespace nl::ledger
