#include "node/whois/whois_answer.h"

#include <string_view>

#include "node/http/holding_lookup.h"
#include "node/client/json_views.h"

namespace nl::node {

using namespace nl::ledger;

namespace {

// RIR servers pad "attribute:" to 16 columns.
void attribute(std::string& out, std::string_view name, std::string_view value) {
  std::string key = std::string(name) + ":";
  if (key.size() < 16) key.resize(16, ' ');
  else key += ' ';
  out += key;
  out += value;
  out += '\n';
}

std::string range_text(const Resource& r) {
  switch (r.family) {
    case Family::ipv4:
      return format_ipv4(r.first) + " - " + format_ipv4(r.last);
    case Family::ipv6:
      return r.prefix_length() ? r.to_string() : format_ipv6(r.first) + " - " + format_ipv6(r.last);
    case Family::asn:
      return r.first == r.last ? r.to_string() : "AS" + format_u128(r.first) + " - AS" + format_u128(r.last);
  }
  return r.to_string();
}

const char* object_class(const Resource& r) {
  switch (r.family) {
    case Family::ipv4: return "inetnum";
    case Family::ipv6: return "inet6num";
    case Family::asn: return r.first == r.last ? "aut-num" : "as-block";
  }
  return "inetnum";
}

const char* status_text(HoldingKind k) {
  switch (k) {
    case HoldingKind::allocation: return "ALLOCATED";
    case HoldingKind::assignment: return "ASSIGNED";
    case HoldingKind::lease: return "LEASED";
  }
  return "ALLOCATED";
}

std::string moment_text(const LedgerMoment& m) {
  return rfc3339(m.time) + " (height " + std::to_string(m.height) + ")";
}

LedgerMoment tip(const SharedChain& shared) {
  auto lk = shared.read_lock();
  const Chain& chain = shared.chain();
  return {chain.height(), chain.tip_header().time};
}

std::string header(const Chain& chain, const LedgerMoment& at) {
  return "% This is the numledger whois service (RFC 3912).\n"
         "% Objects are holdings of the ledger of chain '" + chain.genesis().chain_id + "' at height " +
         std::to_string(at.height) + " (" + rfc3339(at.time) + ").\n"
         "% Control rests on the holder's signatures, not on this server: check it offline\n"
         "% with 'numledger proof get RESOURCE' and 'numledger proof verify'.\n\n";
}

std::string object(const HoldingView& v) {
  const Holding& h = v.holding;
  std::string out;
  attribute(out, object_class(h.range), range_text(h.range));
  if (!h.meta.name.empty()) attribute(out, h.range.family == Family::asn ? "as-name" : "netname", h.meta.name);
  if (!h.meta.country.empty()) attribute(out, "country", h.meta.country);
  attribute(out, "status", status_text(h.kind));
  if (h.kind == HoldingKind::lease)
    attribute(out, "lease-until", rfc3339(h.lease_until) + (v.expired_lease() ? " (expired)" : ""));
  attribute(out, "org", h.holder.to_string());
  attribute(out, "handle", holding_handle(h.id));
  if (h.parent != 0)
    attribute(out, "parent", holding_handle(h.parent) + (v.parent ? " (" + range_text(v.parent->range) + ")" : ""));
  if (!h.meta.abuse_contact.empty()) attribute(out, "abuse-mailbox", h.meta.abuse_contact);
  if (!h.meta.source_registry.empty() || !h.meta.source_handle.empty()) {
    std::string from = "imported from " + (h.meta.source_registry.empty() ? "another registry" : h.meta.source_registry);
    if (!h.meta.source_handle.empty()) from += ", record " + h.meta.source_handle;
    attribute(out, "remarks", from);
  }
  attribute(out, "created", moment_text(v.registered));
  attribute(out, "last-modified", moment_text(v.last_changed));
  attribute(out, "source", "NUMLEDGER");
  return out;
}

}  // namespace

std::string whois_answer(const SharedChain& shared, const std::string& query) {
  const Chain& chain = shared.chain();
  auto error = [&](const std::string& lines) { return header(chain, tip(shared)) + lines + "\n"; };
  std::string_view q = query;
  while (!q.empty() && (q.front() == ' ' || q.front() == '\t')) q.remove_prefix(1);
  if (q.empty()) return error("%ERROR:106: no search key specified\n");
  if (q.front() == '-')
    return error("%ERROR:111: invalid option supplied\n"
                 "% Flags are not supported; send one address, prefix, range or AS number.\n");
  auto r = parse_whois_query(q);
  if (!r) return error("%ERROR:101: no entries found\n% " + r.error() + "\n");
  auto found = lookup_holding(shared, *r);
  if (!found) return error("%ERROR:100: internal software error\n% cannot read the ledger: " + found.error() + "\n");
  if (!*found) return error("%ERROR:101: no entries found\n% No holding contains " + query_text(*r) + ".\n");
  // The header names the height the object was read at, under the same lock.
  return header(chain, (*found)->served_at) + "% The most specific holding that contains " + query_text(*r) +
         ":\n\n" + object(**found) + "\n";
}

}  // namespace nl::node
