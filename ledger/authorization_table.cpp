#include "ledger/authorization_table.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "ledger/state_keys.h"

namespace nl::ledger {

namespace {

// keys::authorization: kind, family, first (16), last (16), max length, AS.
constexpr size_t kRangeEnd = 2 + 16 + 16;

int compare(ByteView a, ByteView b) {
  const size_t n = std::min(a.size(), b.size());
  if (int c = n ? std::memcmp(a.data(), b.data(), n) : 0; c != 0) return c;
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

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

Authorization decoded(ByteView value) {
  auto a = decode_all<Authorization>(value, "stored authorization", [](Reader& r) { return Authorization::decode(r); });
  // load() checked every stored entry when the chain opened.
  if (!a) throw std::runtime_error(a.error());
  return *a;
}

const Bytes kFirstKey{keys::kAuthorization};
const Bytes kEndKey{static_cast<uint8_t>(keys::kAuthorization + 1)};

}  // namespace

// The held entries merged over the disk's: a held key hides the disk's
// entry of the same key, and a held tombstone hides it altogether.
class AuthorizationTable::Cursor {
 public:
  explicit Cursor(const AuthorizationTable& t) : held_(t.held_), disk_(t.disk_cursor()), at_(held_.end()) {}

  void seek(ByteView key) {
    at_ = held_.lower_bound(Bytes(key.begin(), key.end()));
    if (disk_) disk_->seek(key);
    settle();
  }
  bool valid() const { return from_held_ || from_disk_; }
  void next() {
    if (from_held_)
      ++at_;
    else
      disk_->next();
    settle();
  }
  ByteView key() const { return from_held_ ? ByteView(at_->first) : disk_->key(); }
  Authorization value() const { return from_held_ ? *at_->second : decoded(disk_->value()); }

 private:
  void settle() {
    from_held_ = from_disk_ = false;
    for (;;) {
      const bool held = at_ != held_.end(), disk = disk_ && disk_->valid();
      if (!held && !disk) return;
      const int c = held && disk ? compare(at_->first, disk_->key()) : held ? -1 : 1;
      if (c > 0) {
        from_disk_ = true;
        return;
      }
      if (c == 0) disk_->next();  // hidden by the held entry
      if (at_->second) {
        from_held_ = true;
        return;
      }
      ++at_;  // a tombstone
    }
  }

  const std::map<Bytes, std::optional<Authorization>>& held_;
  std::unique_ptr<StateCursor> disk_;
  std::map<Bytes, std::optional<Authorization>>::const_iterator at_;
  bool from_held_ = false, from_disk_ = false;
};

void AuthorizationTable::read_from(std::shared_ptr<const StateReader> reader) {
  if (count_ != 0 || !held_.empty()) throw std::logic_error("AuthorizationTable::read_from on a filled table");
  reader_ = std::move(reader);
}

std::unique_ptr<StateCursor> AuthorizationTable::disk_cursor() const {
  return reader_ ? reader_->cursor(kFirstKey, kEndKey) : nullptr;
}

std::optional<Authorization> AuthorizationTable::find(const Bytes& key) const {
  if (auto it = held_.find(key); it != held_.end()) return it->second;
  if (!reader_) return std::nullopt;
  auto v = reader_->get(key);
  if (!v) return std::nullopt;
  return decoded(*v);
}

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
  held_.insert_or_assign(std::move(key), a);
}

void AuthorizationTable::erase(const Bytes& key) {
  counted(key, true, false);
  // A tombstone only hides what the store holds.
  if (reader_ && reader_->get(key))
    held_.insert_or_assign(key, std::nullopt);
  else
    held_.erase(key);
}

Status AuthorizationTable::load(ByteView key, ByteView value) {
  auto a = decode_all<Authorization>(value, "authorization", [](Reader& r) { return Authorization::decode(r); });
  if (!a) return a.take_error();
  Bytes k = keys::authorization(a->prefix, a->max_length, a->asn);
  if (compare(k, key) != 0)
    return fail("authorization " + a->prefix.to_string() + " is stored under key " + to_hex(key));
  counted(k, false, true);
  // Entries come in key order: a hint at the end makes each insert constant time.
  if (!reader_) held_.insert_or_assign(held_.end(), std::move(k), std::move(*a));
  return {};
}

void AuthorizationTable::restore(const Bytes& key, const std::optional<Bytes>& value) {
  // One read of the store serves both whether the key was present and
  // whether the value to restore is the store's.
  const std::optional<Bytes> stored = reader_ ? reader_->get(key) : std::nullopt;
  const auto held = held_.find(key);
  counted(key, held != held_.end() ? held->second.has_value() : stored.has_value(), value.has_value());
  // On disk, held only where it differs from the store: an undo leaves nothing.
  if (reader_ ? stored == value : !value) {
    if (held != held_.end()) held_.erase(held);
    return;
  }
  held_.insert_or_assign(key, value ? std::optional<Authorization>(decoded(*value)) : std::nullopt);
}

void AuthorizationTable::settle() {
  if (reader_) held_.clear();
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
  auto past_after = [&](ByteView k) { return !after || compare(k, *after) > 0; };
  Cursor c(*this);
  for (int len = 0; len < bits; ++len) {
    if (lengths[len] == 0) continue;
    u128 host = len == 0 ? family_max(f) : ((u128(1) << (bits - len)) - 1);
    u128 first = r.first & ~host;
    if (first == r.first) continue;  // found by the scan below
    const Bytes probe = key_prefix(Resource{f, first, first | host});
    for (c.seek(probe); c.valid() && compare(c.key().first(kRangeEnd), probe) == 0; c.next())
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
    if (c.valid() && compare(c.key(), *after) == 0) c.next();
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
  Cursor c(*this);
  c.seek(after ? *after : kFirstKey);
  if (after && c.valid() && compare(c.key(), *after) == 0) c.next();
  for (; c.valid() && out.size() < limit; c.next()) out.emplace_back(Bytes(c.key().begin(), c.key().end()), c.value());
  return out;
}

void AuthorizationTable::for_each(const std::function<bool(const Bytes&, const Authorization&)>& visit) const {
  Cursor c(*this);
  for (c.seek(kFirstKey); c.valid(); c.next())
    if (!visit(Bytes(c.key().begin(), c.key().end()), c.value())) return;
}

}  // namespace nl::ledger
