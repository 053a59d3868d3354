// The API's paged lists (api_paging.h): /resource, /account,
// /authorizations, /evidence and /history. Each answers at most `limit` entries and a
// cursor to the next page; /history reads RocksDB only, without the state
// lock, so a busy query never holds up a commit.
#include <nlohmann/json.hpp>
#include <shared_mutex>

#include "node/http/api.h"
#include "node/http/api_paging.h"
#include "node/client/json_views.h"

namespace nl::node {

using nlohmann::json;
using namespace nl::ledger;

namespace {

json cursor_or_null(bool more, CursorList list, const Bytes& position) {
  return more ? json(make_cursor(list, position)) : json(nullptr);
}

// Lists are read one entry past the page: its presence says more follow.
template <class V>
bool trim_to_page(V& list, size_t limit) {
  if (list.size() <= limit) return false;
  list.pop_back();
  return true;
}

// A page of a list keyed by state key: the entries' JSON and the next cursor.
template <class T, class View>
std::pair<json, json> keyed_page(std::vector<std::pair<Bytes, T>> list, size_t limit, CursorList kind, View view) {
  const bool more = trim_to_page(list, limit);
  json out = json::array();
  for (const auto& [key, v] : list) out.push_back(view(v));
  return {out, cursor_or_null(more, kind, list.empty() ? Bytes{} : list.back().first)};
}

// Where a /resource page ended, in each of its two lists.
enum class ListState : uint8_t { from_start = 0, after = 1, done = 2 };
struct ResourcePosition {
  ListState segments = ListState::from_start;
  u128 segment_after = 0;  // first address of the last segment given
  ListState authorizations = ListState::from_start;
  Bytes authorization_after;  // state key of the last authorization given

  Bytes encode() const {
    Writer w;
    w.u8(static_cast<uint8_t>(segments)).u128v(segment_after).u8(static_cast<uint8_t>(authorizations));
    w.bytes(authorization_after);
    return w.take();
  }
  static Result<ResourcePosition> decode(ByteView b) {
    try {
      Reader r(b);
      ResourcePosition p;
      p.segments = static_cast<ListState>(r.u8());
      p.segment_after = r.u128v();
      p.authorizations = static_cast<ListState>(r.u8());
      p.authorization_after = r.bytes(256);
      r.expect_done();
      if (static_cast<uint8_t>(p.segments) > 2 || static_cast<uint8_t>(p.authorizations) > 2)
        return fail("cursor is not one this API gave out");
      return p;
    } catch (const DecodeError&) {
      return fail("cursor is not one this API gave out");
    }
  }
};

}  // namespace

HttpResponse Api::resource(const std::string& arg, const std::string& query) const {
  auto r = Resource::parse(arg);
  if (!r) return json_error(400, r.error());
  auto page = parse_page(query, CursorList::resource);
  if (!page) return json_error(400, page.error());
  ResourcePosition at;
  if (page->cursor) {
    auto p = ResourcePosition::decode(*page->cursor);
    if (!p) return json_error(400, p.error());
    at = std::move(*p);
  }
  auto lk = shared_.read_lock();
  const auto& reg = chain_.registry();
  if (!page->cursor && reg.segments_covering(*r, std::nullopt, 1).empty())
    return json_error(404, r->to_string() + " is not held by anyone");

  ResourcePosition next = at;
  json segments = json::array();
  if (at.segments != ListState::done) {
    auto after = at.segments == ListState::after ? std::optional<u128>(at.segment_after) : std::nullopt;
    auto segs = reg.segments_covering(*r, after, page->limit + 1);
    const bool more = trim_to_page(segs, page->limit);
    for (const auto& s : segs) {
      const std::optional<Holding> h = reg.holding(s.holding);
      segments.push_back(
          {{"range", s.range.to_string()}, {"holding", s.holding}, {"holder", h ? h->holder.to_string() : ""}});
    }
    next.segments = more ? ListState::after : ListState::done;
    if (!segs.empty()) next.segment_after = segs.back().range.first;
  }
  json auths = json::array();
  if (at.authorizations != ListState::done) {
    auto after = at.authorizations == ListState::after ? std::optional<Bytes>(at.authorization_after) : std::nullopt;
    auto list = reg.authorizations_overlapping(*r, after, page->limit + 1);
    const bool more = trim_to_page(list, page->limit);
    for (const auto& [key, a] : list) auths.push_back(authorization_json(a));
    next.authorizations = more ? ListState::after : ListState::done;
    if (!list.empty()) next.authorization_after = list.back().first;
  }
  json chain = json::array();
  for (const Holding& h : reg.chain(*r)) chain.push_back(holding_json(h));
  const auto cover = reg.coverage(*r);
  const bool more = next.segments != ListState::done || next.authorizations != ListState::done;
  return json_ok({{"resource", r->to_string()},
                  {"height", chain_.height()},
                  {"segments", segments},
                  {"chain", chain},
                  {"authorizations", auths},
                  {"fully_held", cover.fully_held},
                  {"holder", cover.sole ? json(cover.sole->holder.to_string()) : json(nullptr)},
                  {"holding", cover.sole ? holding_json(*cover.sole) : json(nullptr)},
                  {"next_cursor", cursor_or_null(more, CursorList::resource, next.encode())}});
}

HttpResponse Api::account(const std::string& arg, const std::string& query) const {
  auto a = AccountId::parse(arg);
  if (!a) return json_error(400, a.error());
  auto page = parse_page(query, CursorList::account);
  if (!page) return json_error(400, page.error());
  std::optional<HoldingId> after;
  if (page->cursor) {
    if (page->cursor->size() != 8) return json_error(400, "cursor is not one this API gave out");
    after = Reader(*page->cursor).u64();
  }
  auto lk = shared_.read_lock();
  const auto& reg = chain_.registry();
  auto list = reg.holdings_of(*a, after, page->limit + 1);
  const bool more = trim_to_page(list, page->limit);
  json holdings = json::array();
  for (const Holding& h : list) holdings.push_back(holding_json(h));
  Writer pos;
  if (!list.empty()) pos.u64(list.back().id);
  // The key that signs now: a recovery in effect by the tip's time counts.
  const uint64_t now = chain_.tip_header().time;
  json recovery = nullptr, pending = nullptr;
  if (auto rs = reg.recovery(*a)) {
    json accounts = json::array();
    for (const auto& r : rs->accounts) accounts.push_back(r.to_string());
    recovery = {{"threshold", rs->threshold}, {"accounts", accounts}, {"delay_seconds", rs->delay}};
    if (rs->pending && !rs->in_effect(now))
      pending = {{"new_key", rs->pending->new_key.hex()},
                 {"effective_at", rfc3339(rs->pending->effective_at)},
                 {"effective_at_unix", rs->pending->effective_at},
                 {"started_height", rs->pending->started_height},
                 {"started_by", rs->pending->started_by.to_string()}};
  }
  // Its key changes (rotate-key and the recovery kinds), the newest
  // kMaxKeyHistory, oldest first.
  std::vector<TxLocation> changes;
  if (auto s = chain_.store().for_each_key_change(*a, [&](TxLocation at) { changes.push_back(at); }); !s)
    return json_error(500, s.error());
  json key_history = json::array();
  const size_t first = changes.size() > kMaxKeyHistory ? changes.size() - kMaxKeyHistory : 0;
  for (size_t i = first; i < changes.size(); ++i) {
    auto b = chain_.store().block(changes[i].height);
    if (!b) return json_error(500, "key history names height " + std::to_string(changes[i].height) + ": " + b.error());
    if (changes[i].index >= b->txs.size()) return json_error(500, "key history names a transaction past its block's end");
    const Transaction& tx = b->txs[changes[i].index];
    if (key_changed_account(tx) != *a) continue;  // another account with the same index prefix
    key_history.push_back({{"height", changes[i].height},
                           {"time", rfc3339(b->header.time)},
                           {"id", tx.id().hex()},
                           {"kind", std::string(ledger::tx_kind_name(ledger::body_kind(tx.body)))}});
  }
  // What it signed that waits in this node's mempool (query mine).
  json pending_txs = json::array();
  for (const Transaction& tx : driver_.mempool().waiting_of(*a))
    pending_txs.push_back({{"id", tx.id().hex()},
                           {"nonce", tx.nonce},
                           {"kind", std::string(ledger::tx_kind_name(ledger::body_kind(tx.body)))},
                           {"description", tx.describe()}});
  return json_ok({{"account", a->to_string()},
                  {"next_nonce", reg.next_nonce(*a)},
                  {"pending_txs", pending_txs},
                  {"current_key", reg.effective_key(*a, now).hex()},
                  {"key_history", key_history},
                  {"recovery", recovery},
                  {"pending_recovery", pending},
                  {"chain_id", chain_.genesis().chain_id},
                  {"holdings", holdings},
                  {"holding_count", reg.holding_count_of(*a)},
                  {"height", chain_.height()},
                  {"next_cursor", cursor_or_null(more, CursorList::account, pos.take())}});
}

HttpResponse Api::authorizations(const std::string& query) const {
  auto page = parse_page(query, CursorList::authorizations);
  if (!page) return json_error(400, page.error());
  auto lk = shared_.read_lock();
  const auto& reg = chain_.registry();
  auto [out, next] = keyed_page(reg.authorizations(page->cursor, page->limit + 1), page->limit,
                                CursorList::authorizations, [](const Authorization& a) { return authorization_json(a); });
  return json_ok(
      {{"authorizations", out}, {"total", reg.authorization_count()}, {"height", chain_.height()}, {"next_cursor", next}});
}

HttpResponse Api::evidence(const std::string& query) const {
  auto page = parse_page(query, CursorList::evidence);
  if (!page) return json_error(400, page.error());
  auto lk = shared_.read_lock();
  const auto& reg = chain_.registry();
  auto [out, next] =
      keyed_page(reg.evidence(page->cursor, page->limit + 1), page->limit, CursorList::evidence,
                 [](const CommittedEvidence& c) { return evidence_json(c.evidence, c.committed_height); });
  return json_ok({{"evidence", out},
                  {"total", reg.evidence_count()},
                  {"height", chain_.height()},
                  {"pending", driver_.mempool().evidence_pending()},
                  {"next_cursor", next}});
}

HttpResponse Api::history(const std::string& arg, const std::string& query) const {
  auto r = Resource::parse(arg);
  if (!r) return json_error(400, r.error());
  auto page = parse_page(query, CursorList::history);
  if (!page) return json_error(400, page.error());
  std::optional<TxLocation> before;
  if (page->cursor) {
    if (page->cursor->size() != 12) return json_error(400, "cursor is not one this API gave out");
    Reader c(*page->cursor);
    before = TxLocation{c.u64(), c.u32()};
  }
  if (auto s = history_index::check_query(*r); !s) return json_error(400, s.error());
  // No state lock: the index is read from one RocksDB snapshot and
  // committed blocks never change.
  const BlockStore& store = chain_.store();
  auto found = store.history(*r, page->limit, before);
  if (!found) return json_error(500, found.error());
  uint64_t height = store.tip_height();
  json entries = json::array();
  std::optional<Block> block;  // entries of one block come together: decode it once
  for (const TxLocation& e : found->entries) {
    if (!block || block->header.height != e.height) {
      auto b = store.block(e.height);
      if (!b) return json_error(500, "history names height " + std::to_string(e.height) + ": " + b.error());
      block = std::move(*b);
    }
    if (e.index >= block->txs.size()) return json_error(500, "history names a transaction past its block's end");
    json t = tx_json(block->txs[e.index]);
    t["height"] = e.height;
    t["index"] = e.index;
    t["time"] = rfc3339(block->header.time);
    entries.push_back(t);
    height = std::max(height, e.height);
  }
  Writer pos;
  if (found->next) pos.u64(found->next->height).u32(found->next->index);
  return json_ok({{"resource", r->to_string()},
                  {"entries", entries},
                  {"order", "newest first"},
                  {"height", height},
                  {"next_cursor", cursor_or_null(found->next.has_value(), CursorList::history, pos.take())}});
}

}  // namespace nl::node
