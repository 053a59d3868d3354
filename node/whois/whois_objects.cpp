#include "node/whois/whois_objects.h"

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

std::string registered_text(const HoldingView& v) {
  if (v.registered_by.empty()) return moment_text(v.registered);
  return rfc3339(v.registered.time) + " (" + v.registered_by + " registration date; in the ledger since height " +
         std::to_string(v.registered.height) + ")";
}

}  // namespace

std::string_view holding_object_type(const Resource& r) {
  switch (r.family) {
    case Family::ipv4: return "inetnum";
    case Family::ipv6: return "inet6num";
    case Family::asn: return r.first == r.last ? "aut-num" : "as-block";
  }
  return "inetnum";
}

std::string holding_object(const HoldingView& v) {
  const Holding& h = v.holding;
  std::string out;
  attribute(out, holding_object_type(h.range), range_text(h.range));
  if (!h.meta.name.empty()) attribute(out, h.range.family == Family::asn ? "as-name" : "netname", h.meta.name);
  if (!h.meta.country.empty()) attribute(out, "country", h.meta.country);
  attribute(out, "status", status_text(h.kind));
  if (h.kind == HoldingKind::lease)
    attribute(out, "lease-until", rfc3339(h.lease_until) + (v.expired_lease() ? " (expired)" : ""));
  attribute(out, "org", h.holder.to_string());
  attribute(out, "handle", holding_handle(h.id));
  if (v.parent) attribute(out, "parent", holding_handle(v.parent->id) + " (" + range_text(v.parent->range) + ")");
  if (!h.meta.abuse_contact.empty()) attribute(out, "abuse-mailbox", h.meta.abuse_contact);
  if (!h.meta.source_registry.empty() || !h.meta.source_handle.empty()) {
    std::string from = "imported from " + (h.meta.source_registry.empty() ? "another registry" : h.meta.source_registry);
    if (!h.meta.source_handle.empty()) from += ", record " + h.meta.source_handle;
    attribute(out, "remarks", from);
  }
  attribute(out, "created", registered_text(v));
  attribute(out, "last-modified", moment_text(v.last_changed));
  attribute(out, "source", "NUMLEDGER");
  return out;
}

std::string organisation_object(const AccountView& v) {
  std::string out;
  attribute(out, kOrganisationType, v.account.to_string());
  attribute(out, "remarks", "A numledger account: it controls what it holds by signing with its key.");
  attribute(out, "holdings", std::to_string(v.holding_count));
  for (const Holding& h : v.holdings) {
    std::string line = holding_handle(h.id) + " " + range_text(h.range);
    if (!h.meta.source_handle.empty()) line += " (" + h.meta.source_registry + "-" + h.meta.source_handle + ")";
    attribute(out, "holding", line);
  }
  if (v.holding_count > v.holdings.size())
    attribute(out, "remarks", "and " + std::to_string(v.holding_count - v.holdings.size()) +
                                  " more holdings; the JSON API pages through them all (/api/v1/account/ACCOUNT).");
  attribute(out, "source", "NUMLEDGER");
  return out;
}

}  // namespace nl::node
