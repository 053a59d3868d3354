#include "node/http/holding_lookup.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <functional>
#include <limits>
#include <tuple>
#include <vector>

namespace nl::node {

using namespace nl::ledger;

std::string holding_handle(HoldingId id) { return "NLH-" + std::to_string(id); }

std::optional<HoldingId> parse_holding_handle(std::string_view text) {
  if (text.size() < 5 || text.size() > 4 + 20) return std::nullopt;
  for (size_t i = 0; i < 4; ++i)
    if (std::toupper(static_cast<unsigned char>(text[i])) != "NLH-"[i]) return std::nullopt;
  const std::string_view digits = text.substr(4);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
  errno = 0;
  const unsigned long long id = std::strtoull(std::string(digits).c_str(), nullptr, 10);
  if (errno == ERANGE) return std::nullopt;
  return static_cast<HoldingId>(id);
}

bool unregistered_default(const Holding& h) {
  return h.parent == 0 && h.range.first == 0 && h.range.last == family_max(h.range.family);
}

std::string printable_excerpt(std::string_view text, size_t max) {
  std::string out;
  for (char c : text.substr(0, max)) out.push_back(c >= 0x20 && c <= 0x7e ? c : '?');
  if (text.size() > max) out += "...";
  return out;
}

std::string query_text(const Resource& q) {
  if (q.first != q.last || q.family == Family::asn) return q.to_string();
  return q.family == Family::ipv4 ? format_ipv4(q.first) : format_ipv6(q.first);
}

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Result<Resource> parse_asplain(std::string_view digits, std::string_view original) {
  const std::string shown = "'" + printable_excerpt(original) + "'";
  if (!all_digits(digits)) return fail(shown + " is not an AS number (decimal digits, optionally after 'AS')");
  if (digits.size() > 1 && digits[0] == '0') return fail(shown + ": AS number has a leading zero");
  if (digits.size() > 10 || std::stoull(std::string(digits)) > std::numeric_limits<uint32_t>::max())
    return fail(shown + ": AS number is out of range (0-4294967295)");
  const u128 v = std::stoull(std::string(digits));
  return Resource{Family::asn, v, v};
}

Result<uint64_t> block_time(const Chain& chain, uint64_t height) {
  if (height == 0) return chain.genesis().genesis_time;
  auto b = chain.store().block(height);
  if (!b) return b.take_error();
  return b->header.time;
}

bool adjacent(const Resource& r, const Resource& h) {
  if (r.family != h.family) return false;
  return (h.first > 0 && r.last == h.first - 1) || (h.last < family_max(h.family) && r.first == h.last + 1);
}

// Whether `tx`, committed after `h` was created, rewrote h's own fields
// (holder, range, lease expiry, metadata). Callers go newest first, so h's
// current holder is the one such a transaction saw. A split keeps one
// remainder under h's id (registry.cpp split_out), so the piece taken
// away is adjacent to h's range now. A child moved under h by an ancestor's
// return is not counted: that rewrites the child's parent, not h.
bool rewrote(const Transaction& tx, const Holding& h) {
  return std::visit(
      [&](const auto& b) -> bool {
        using B = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<B, SetMetadataBody>) {
          return b.range == h.range && tx.signer == h.holder;
        } else if constexpr (std::is_same_v<B, RenewBody>) {
          return h.kind == HoldingKind::lease && b.range == h.range && tx.signer != h.holder;
        } else if constexpr (std::is_same_v<B, TransferBody>) {
          return (b.range == h.range && b.to == h.holder) || (adjacent(b.range, h.range) && tx.signer == h.holder);
        } else if constexpr (std::is_same_v<B, ReturnBody>) {
          return adjacent(b.range, h.range) && tx.signer == h.holder;
        } else {
          return false;  // delegate, revoke, authorizations and key rotation leave h's fields alone
        }
      },
      tx.body);
}

// The last committed block that rewrote `h`, or nullopt if none since it
// was created. Candidates are the transactions naming exactly h's range or
// a range adjacent to it; two point probes of the history index, newest
// first and stopping at h's creation, find them without collecting every
// transaction of h's descendants.
Result<std::optional<LedgerMoment>> last_change(const Chain& chain, const Holding& h) {
  const Resource& range = h.range;
  const Family f = range.family;
  std::vector<TxLocation> candidates;
  auto probe = [&](const Resource& at) {
    return chain.store().for_each_history(at, std::nullopt, [&](TxLocation e) {
      if (e.height <= h.created_height) return false;
      candidates.push_back(e);
      return true;
    });
  };
  if (auto s = probe(Resource{f, range.first > 0 ? range.first - 1 : range.first, range.first}); !s)
    return s.take_error();
  if (range.last < family_max(f))
    if (auto s = probe(Resource{f, range.last + 1, range.last + 1}); !s) return s.take_error();
  std::sort(candidates.begin(), candidates.end(), std::greater<>());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  std::optional<Block> block;
  for (const auto& e : candidates) {
    if (!block || block->header.height != e.height) {
      auto b = chain.store().block(e.height);
      if (!b) return b.take_error();
      block = std::move(*b);
    }
    if (e.index >= block->txs.size())
      return fail("history names transaction " + std::to_string(e.index) + " of block " + std::to_string(e.height) +
                  ", which has " + std::to_string(block->txs.size()));
    const Transaction& tx = block->txs[e.index];
    const auto named = named_range(tx.body);
    if (named && (*named == range || adjacent(*named, range)) && rewrote(tx, h))
      return std::optional<LedgerMoment>(LedgerMoment{e.height, block->header.time});
  }
  return std::optional<LedgerMoment>{};
}

}  // namespace

Result<Resource> parse_ip_query(std::string_view text) {
  const std::string shown = "'" + printable_excerpt(text) + "'";
  if (text.empty()) return fail("empty query: give an IP address or a CIDR prefix");
  if (text.find('-') != std::string_view::npos)
    return fail(shown + " is a range; an ip query is one address or one CIDR prefix");
  auto r = Resource::parse(text);
  if (!r) return fail(shown + " is not an IP address or CIDR prefix: " + printable_excerpt(r.error(), 200));
  if (r->family == ledger::Family::asn) return fail(shown + " is not an IP address or CIDR prefix");
  return r;
}

Result<Resource> parse_autnum_query(std::string_view text) {
  if (text.empty()) return fail("empty query: give an AS number");
  std::string_view digits = text;
  if (digits.size() > 2 && (digits[0] == 'A' || digits[0] == 'a') && (digits[1] == 'S' || digits[1] == 's'))
    digits.remove_prefix(2);
  return parse_asplain(digits, text);
}

Result<Resource> parse_whois_query(std::string_view text) {
  text = trim(text);
  if (text.empty()) return fail("no search key specified");
  if (all_digits(text)) return parse_asplain(text, text);
  std::string compact(text);
  // RIR whois prints ranges as "A - B"; accept them back.
  if (auto dash = text.find('-'); dash != std::string_view::npos && text.find('-', dash + 1) == std::string_view::npos)
    compact = std::string(trim(text.substr(0, dash))) + "-" + std::string(trim(text.substr(dash + 1)));
  auto r = Resource::parse(compact);
  if (!r)
    return fail("'" + printable_excerpt(text) + "' is not an address, prefix, range or AS number: " +
                printable_excerpt(r.error(), 200));
  return r;
}

namespace {

// The view of h; the caller holds the read lock.
Result<HoldingView> view_of(const SharedChain& shared, const Holding& h) {
  const Chain& chain = shared.chain();
  HoldingView v;
  v.holding = h;
  if (h.parent != 0)
    if (const auto p = chain.registry().holding(h.parent); p && !unregistered_default(*p)) v.parent = *p;
  v.served_at = {chain.height(), chain.tip_header().time};
  v.chain_id = chain.genesis().chain_id;
  auto created = block_time(chain, h.created_height);
  if (!created) return created.take_error();
  const LedgerMoment created_at{h.created_height, *created};
  v.registered = created_at;
  if (auto date = shared.chain().genesis_records().registered(h)) {
    v.registered.time = *date;
    v.registered_by = h.meta.source_registry;
  }
  auto changed = last_change(chain, h);
  if (!changed) return changed.take_error();
  v.last_changed = changed->value_or(created_at);
  return v;
}

}  // namespace

Result<std::optional<HoldingView>> lookup_holding(const SharedChain& shared, const Resource& query) {
  auto lk = shared.read_lock();
  const auto covering = shared.chain().registry().chain(query);
  if (covering.empty() || unregistered_default(covering.back())) return std::optional<HoldingView>{};
  auto v = view_of(shared, covering.back());
  if (!v) return v.take_error();
  return std::optional<HoldingView>(std::move(*v));
}

Result<std::optional<HoldingView>> lookup_holding(const SharedChain& shared, HoldingId id) {
  auto lk = shared.read_lock();
  const std::optional<Holding> h = shared.chain().registry().holding(id);
  if (!h) return std::optional<HoldingView>{};
  auto v = view_of(shared, *h);
  if (!v) return v.take_error();
  return std::optional<HoldingView>(std::move(*v));
}

}  // namespace nl::node
