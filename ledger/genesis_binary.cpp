// The canonical genesis bytes (hashed for the genesis hash), their strict
// reader, and the compact file that is those bytes after a magic line.
#include <algorithm>

#include "crypto/domain_tags.h"
#include "ledger/genesis.h"

namespace nl::ledger {

namespace {

// A count is only a claim until its entries are read: a few bytes must not
// make the reader ask for gigabytes.
constexpr uint32_t kReserveAtMost = 1u << 16;

// Canonical: Resource || AccountId || HoldingKind || Metadata || str registered
//            || seq<GenesisHolding> children
void encode_holding(Writer& w, const GenesisHolding& h) {
  h.range.encode(w);
  h.holder.encode(w);
  w.u8(static_cast<uint8_t>(h.kind));
  h.meta.encode(w);
  w.str(h.registered);
  w.count(h.children.size());
  for (const auto& c : h.children) encode_holding(w, c);
}

// Throws DecodeError; the checks are the JSON reader's (check_genesis_holding).
GenesisHolding decode_holding(Reader& r, size_t depth) {
  if (depth > kMaxGenesisDepth)
    throw DecodeError("holdings are nested deeper than " + std::to_string(kMaxGenesisDepth) + " levels");
  GenesisHolding h;
  h.range = Resource::decode(r);
  h.holder = AccountId::decode(r);
  h.kind = static_cast<HoldingKind>(r.u8());
  h.meta = Metadata::decode(r);
  h.registered = r.str(8);
  if (auto s = check_genesis_holding(h); !s) throw DecodeError(s.error());
  const uint32_t n = r.count(kMaxGenesisEntries);
  h.children.reserve(std::min<uint32_t>(n, kReserveAtMost));
  for (uint32_t i = 0; i < n; ++i) h.children.push_back(decode_holding(r, depth + 1));
  return h;
}

}  // namespace

// Version 1 is the encoding of a genesis without imports, unchanged since
// before imports existed; version 2 appends the imported holdings and
// authorizations.
Bytes Genesis::encode() const {
  Writer w;
  encode_to(w);
  return w.take();
}

void Genesis::encode_to(Writer& w) const {
  const bool imports = !holdings.empty() || !authorizations.empty();
  w.u8(imports ? 2 : 1).str(chain_id).u64(genesis_time);
  validators.encode(w);
  w.count(roots.size());
  for (const auto& r : roots) {
    r.range.encode(w);
    r.holder.encode(w);
    r.meta.encode(w);
  }
  if (imports) {
    w.count(holdings.size());
    for (const auto& h : holdings) encode_holding(w, h);
    w.count(authorizations.size());
    for (const auto& a : authorizations) {
      a.prefix.encode(w);
      w.u8(a.max_length).u32(a.asn);
      a.issuer.encode(w);
    }
  }
}

Result<Genesis> Genesis::decode(ByteView bytes) {
  return decode_all<Genesis>(bytes, "genesis", [](Reader& r) {
    Genesis g;
    const uint8_t version = r.u8();
    if (version != 1 && version != 2) throw DecodeError("unknown genesis version " + std::to_string(version));
    g.chain_id = r.str(kMaxChainIdBytes);
    if (!valid_chain_id(g.chain_id))
      throw DecodeError("chain_id must be 1-" + std::to_string(kMaxChainIdBytes) +
                        " printable ASCII characters without spaces");
    g.genesis_time = r.u64();
    g.validators = ValidatorSet::decode(r);
    const uint32_t roots = r.count();
    for (uint32_t i = 0; i < roots; ++i) {
      GenesisRoot root;
      root.range = Resource::decode(r);
      root.holder = AccountId::decode(r);
      root.meta = Metadata::decode(r);
      if (auto s = root.meta.validate(); !s) throw DecodeError("root " + root.range.to_string() + ": " + s.error());
      g.roots.push_back(std::move(root));
    }
    if (version == 2) {
      const uint32_t n = r.count(kMaxGenesisEntries);
      g.holdings.reserve(std::min<uint32_t>(n, kReserveAtMost));
      for (uint32_t i = 0; i < n; ++i) g.holdings.push_back(decode_holding(r, 1));
      const uint32_t a = r.count(kMaxGenesisEntries);
      g.authorizations.reserve(std::min<uint32_t>(a, kReserveAtMost));
      for (uint32_t i = 0; i < a; ++i) {
        GenesisAuthorization x;
        x.prefix = Resource::decode(r);
        x.max_length = r.u8();
        if (x.max_length > 128) throw DecodeError("authorization max_length " + std::to_string(x.max_length) + " is over 128");
        x.asn = r.u32();
        x.issuer = AccountId::decode(r);
        g.authorizations.push_back(std::move(x));
      }
      // Version 2 without imports would hash as version 1: not canonical.
      if (g.holdings.empty() && g.authorizations.empty())
        throw DecodeError("version 2 with no imported holding or authorization; that genesis is version 1");
    }
    return g;
  });
}

std::string Genesis::to_binary_file() const {
  const Bytes b = binary_file_bytes();
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

Bytes Genesis::binary_file_bytes() const {
  Writer w;
  w.raw(as_bytes(kGenesisBinaryMagic));
  encode_to(w);
  return w.take();
}

crypto::Hash32 Genesis::hash_of_binary_file(ByteView file) {
  return crypto::tagged_hash(tags::kGenesis, file.subspan(kGenesisBinaryMagic.size()));
}

}  // namespace nl::ledger
