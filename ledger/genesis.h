// The genesis: chain id, initial validators, root holdings and, for a
// ledger bootstrapped from institutional data, the imported holdings nested
// under the roots and their origin authorizations. Its JSON file is what
// operators exchange; its hash is taken over the canonical encoding, never
// over JSON (whitepaper/encoding.md).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "crypto/basics/result.h"
#include "ledger/block.h"
#include "ledger/holding.h"
#include "ledger/validator_set.h"

namespace nl::ledger {

struct GenesisRoot {
  Resource range;
  AccountId holder;
  Metadata meta;
};

// A holding below a root, nested by containment: each child lies inside its
// parent, siblings are disjoint. A top-level one's parent is the root that
// contains it (roots are disjoint, so there is exactly one). In JSON:
//   "holdings": [{"resource", "holder", "kind" (absent = allocation),
//                 metadata fields, "registered", "children": [...]}, ...]
struct GenesisHolding {
  Resource range;
  AccountId holder;
  HoldingKind kind = HoldingKind::allocation;  // allocation or assignment
  Metadata meta;
  // The registration date the source registry gave (YYYYMMDD) or empty. The
  // ledger state has no date field; the genesis keeps it so an export can
  // give it back.
  std::string registered;
  std::vector<GenesisHolding> children;

  bool operator==(const GenesisHolding&) const = default;
};

// An origin authorization in force from the start, issued by the effective
// controller of its prefix.
struct GenesisAuthorization {
  Resource prefix;
  uint8_t max_length = 0;
  uint32_t asn = 0;
  AccountId issuer;
  auto operator<=>(const GenesisAuthorization&) const = default;
};

// Deeper nesting than this is refused when reading (a hostile file must
// not exhaust the stack); imported trees are four levels deep.
inline constexpr size_t kMaxGenesisDepth = 32;

struct Genesis {
  std::string chain_id;
  uint64_t genesis_time = 0;
  ValidatorSet validators;
  std::vector<GenesisRoot> roots;
  std::vector<GenesisHolding> holdings;  // top level, under the roots
  std::vector<GenesisAuthorization> authorizations;

  // Every imported holding, nested ones included.
  size_t holding_count() const;

  // The canonical bytes (whitepaper/encoding.md, "Genesis"); the hash is
  // over them, never over a file's JSON.
  Bytes encode() const;
  static Result<Genesis> decode(ByteView bytes);  // strict: the same checks as from_json
  crypto::Hash32 hash() const;
  std::string to_json() const;
  static Result<Genesis> from_json(std::string_view text);
  // The compact file: kGenesisBinaryMagic, then encode(). At a million
  // entries it reads several times faster than the JSON (genesis_binary.cpp).
  std::string to_binary_file() const;
  // The same bytes built in one buffer, and the genesis hash taken from
  // them: a large import writes and hashes its genesis without encoding it
  // three times (110 MB each at full size).
  Bytes binary_file_bytes() const;
  static crypto::Hash32 hash_of_binary_file(ByteView file);  // file: binary_file_bytes()
  // Either form, told apart by the magic.
  static Result<Genesis> load(const std::string& path);
  enum class Format { json, binary };
  Status save(const std::string& path, Format format = Format::json) const;

 private:
  void encode_to(Writer& w) const;  // encode()'s bytes, appended to w
};

// What both file forms check of one holding besides its range and holder:
// not a lease, valid metadata, registered empty or YYYYMMDD.
Status check_genesis_holding(const GenesisHolding& h);

// The first bytes of a compact genesis file; never the start of JSON.
inline constexpr std::string_view kGenesisBinaryMagic = "numledger-genesis/1\n";
// Holdings at one level, and authorizations, in a compact file.
inline constexpr uint32_t kMaxGenesisEntries = 1u << 24;

}  // namespace nl::ledger
