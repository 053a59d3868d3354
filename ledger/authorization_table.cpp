#include "ledger/authorization_table.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "ledger/state_keys.h"

namespace nl::ledger {

namespace {

// keys::authorization: kind, family, first (16), last (16), max length, AS.
constexpr size_t kRangeEnd = 2 + 16 + 16;

Bytes key_prefix(Family f, u128 first) {
  Writer w;
  w.u8(keys::kAuthorization).u8(static_cast<uint8_t>(f)).u128v(first);
  return w.take();
}

Bytes key_prefix(const Resource& p) {
  Writer w;
  w.u8(keys::kAuthorization).u8(static_cast<uint8_t>(p.family)).u128v(p.first).u128v(p.last);
  return w.take();
}

// The prefix a well-formed authorization key names.
Resource prefix_of(ByteView key) {
  Reader r(key.subspan(1, kRangeEnd - 1));
  Resource p;
  p.family = static_cast<Family>(r.u8());
  p.first = r.u128v();
  p.last = r.u128v();
  return p;
}

const Bytes kFirstKey{keys::kAuthorization};
const Bytes kEndKey{static_cast<uint8_t>(keys::kAuthorization + 1)};

}  // namespace

AuthorizationTable::AuthorizationTable() : entries_(kFirstKey, kEndKey, "stored authorization") {}

void AuthorizationTable::read_from(std::shared_ptr<const StateReader> reader) {
  if (count_ != 0) throw std::logic_error("AuthorizationTable::read_from on a filled table");
  entries_.read_from(std::move(reader));
}

std::optional<Authorization> AuthorizationTable::find(const Bytes& key) const { return entries_.find(key); }

void AuthorizationTable::counted(const Bytes& key, bool was, bool now) {
  ++changes_;
  if (was == now) return;
  const Resource p = prefix_of(key);
  const int delta = now ? 1 : -1;
  count_ += delta;
  if (p.family == Family::asn) return;
  if (auto len = p.prefix_length()) by_length_[p.family == Family::ipv4 ? 0 : 1][*len] += delta;
}

void AuthorizationTable::insert(Bytes key, const Authorization& a) {
  counted(key, false, true);
  entries_.put(key, a);
}

void AuthorizationTable::erase(const Bytes& key) {
  counted(key, true, false);
  entries_.erase(key);
}

Status AuthorizationTable::load(ByteView key, ByteView value) {
  auto a = decode_value<Authorization>(value, "authorization");
  if (!a) return a.take_error();
  Bytes k = keys::authorization(a->prefix, a->max_length, a->asn);
  if (compare_keys(k, key) != 0)
    return fail("authorization " + a->prefix.to_string() + " is stored under key " + to_hex(key));
  counted(k, false, true);
  entries_.load(k, std::move(*a));
  return {};
}

void AuthorizationTable::restore(const Bytes& key, const std::optional<Bytes>& value) {
  counted(key, entries_.restore(key, value), value.has_value());
}

// The prefixes overlapping r either start inside r or contain r.first; the
// latter are r.first masked to each shorter length in use, one seek per
// length. Those sort before the former (their first is below r.first), so
// a page is the containing keys after `after`, then a scan from r.first.
std::vector<Bytes> AuthorizationTable::keys_overlapping(const Resource& r, const std::optional<Bytes>& after,
                                                        size_t limit) const {
  std::vector<Bytes> out;
  // Most changes meet no authorization at all.
  if (r.family == Family::asn || count_ == 0 || limit == 0) return out;
  const Family f = r.family;
  const int bits = family_bits(f);
  const auto& lengths = by_length_[f == Family::ipv4 ? 0 : 1];
  auto past_after = [&](ByteView k) { return !after || compare_keys(k, *after) > 0; };
  Cursor c(entries_);
  for (int len = 0; len < bits; ++len) {
    if (lengths[len] == 0) continue;
    u128 host = len == 0 ? family_max(f) : ((u128(1) << (bits - len)) - 1);
    u128 first = r.first & ~host;
    if (first == r.first) continue;  // found by the scan below
    const Bytes probe = key_prefix(Resource{f, first, first | host});
    for (c.seek(probe); c.valid() && compare_keys(c.key().first(kRangeEnd), probe) == 0; c.next())
      if (past_after(c.key())) out.emplace_back(c.key().begin(), c.key().end());
  }
  std::sort(out.begin(), out.end());
  if (out.size() >= limit) {
    out.resize(limit);
    return out;
  }
  c.seek(key_prefix(f, r.first));
  if (after && c.valid() && !past_after(c.key())) {
    c.seek(*after);
    if (c.valid() && compare_keys(c.key(), *after) == 0) c.next();
  }
  for (; c.valid() && out.size() < limit; c.next()) {
    const Resource p = prefix_of(c.key());
    if (p.family != f || p.first > r.last) break;
    out.emplace_back(c.key().begin(), c.key().end());
  }
  return out;
}

std::vector<AuthorizationTable::Keyed> AuthorizationTable::page(const std::optional<Bytes>& after,
                                                                size_t limit) const {
  std::vector<Keyed> out;
  if (limit == 0) return out;
  Cursor c(entries_);
  c.seek(after ? *after : kFirstKey);
  if (after && c.valid() && compare_keys(c.key(), *after) == 0) c.next();
  for (; c.valid() && out.size() < limit; c.next()) out.emplace_back(Bytes(c.key().begin(), c.key().end()), c.value());
  return out;
}

void AuthorizationTable::for_each(const std::function<bool(const Bytes&, const Authorization&)>& visit) const {
  Cursor c(entries_);
  for (c.seek(kFirstKey); c.valid(); c.next())
    if (!visit(Bytes(c.key().begin(), c.key().end()), c.value())) return;
}

}  // namespace nl::ledger
