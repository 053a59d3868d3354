#include "ledger/account.h"

#include <cstring>

#include "crypto/domain_tags.h"
#include "crypto/hash.h"

namespace nl::ledger {

namespace {
constexpr const char* kAlphabet = "abcdefghijklmnopqrstuvwxyz234567";  // RFC 4648 base32, lower case
constexpr size_t kRawLen = 36;                                         // key + checksum
constexpr size_t kTextLen = 2 + (kRawLen * 8 + 4) / 5;                 // "nl" + 58

std::array<uint8_t, 4> checksum(const crypto::PublicKey& k) {
  auto h = crypto::tagged_hash(tags::kAccountChecksum, k.b);
  return {h.b[0], h.b[1], h.b[2], h.b[3]};
}
}  // namespace

std::string AccountId::to_string() const {
  uint8_t raw[kRawLen];
  std::memcpy(raw, key.b.data(), 32);
  auto c = checksum(key);
  std::memcpy(raw + 32, c.data(), 4);
  std::string out = "nl";
  uint32_t buf = 0;
  int bits = 0;
  for (uint8_t b : raw) {
    buf = buf << 8 | b;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buf >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buf << (5 - bits)) & 31]);
  return out;
}

Result<AccountId> AccountId::parse(std::string_view text) {
  if (text.size() != kTextLen || text.substr(0, 2) != "nl")
    return fail("'" + std::string(text.substr(0, 80)) + "' is not an account id (expected 'nl' and " +
                std::to_string(kTextLen - 2) + " base32 characters)");
  uint8_t raw[kRawLen];
  size_t n = 0;
  uint32_t buf = 0;
  int bits = 0;
  for (char c : text.substr(2)) {
    const char* p = std::strchr(kAlphabet, c);
    if (!p || c == 0) return fail("account id contains '" + std::string(1, c) + "', which is not base32");
    buf = buf << 5 | static_cast<uint32_t>(p - kAlphabet);
    bits += 5;
    if (bits >= 8) {
      if (n < kRawLen) raw[n++] = static_cast<uint8_t>(buf >> (bits - 8));
      bits -= 8;
    }
  }
  if (n != kRawLen || (buf & ((1u << bits) - 1)) != 0) return fail("account id has a malformed tail");
  AccountId id;
  std::memcpy(id.key.b.data(), raw, 32);
  auto c = checksum(id.key);
  if (std::memcmp(c.data(), raw + 32, 4) != 0)
    return fail("account id checksum mismatch: '" + std::string(text) + "' is mistyped");
  return id;
}

}  // namespace nl::ledger
