#include "ledger/interop/rir_report.h"

#include <cstdio>

namespace nl::ledger {

using nlohmann::json;

namespace {

json counts_json(const TypeCounts& c) { return {{"ipv4", c.ipv4}, {"ipv6", c.ipv6}, {"asn", c.asn}}; }

json by_registry(const std::map<std::string, TypeCounts>& m) {
  json j = json::object();
  for (const auto& [reg, c] : m) j[reg] = counts_json(c);
  return j;
}

}  // namespace

std::map<std::string, uint64_t> ImportReport::inconsistencies_by_kind() const {
  std::map<std::string, uint64_t> out;
  for (const auto& i : inconsistencies) ++out[i.kind];
  return out;
}

json ImportReport::to_json() const {
  json files_j = json::array();
  for (const auto& f : files)
    files_j.push_back({{"file", f.file},
                       {"registry", f.registry},
                       {"serial", f.serial},
                       {"declared_records", f.declared_records},
                       {"record_lines", f.record_lines},
                       {"declared", counts_json(f.declared)},
                       {"found", counts_json(f.found)}});
  json list = json::array();
  for (const auto& i : inconsistencies)
    list.push_back({{"kind", i.kind}, {"file", i.file}, {"line", i.line}, {"detail", i.detail}});
  return {{"records", by_registry(records)},
          {"available", by_registry(available)},
          {"reserved", by_registry(reserved)},
          {"files", files_j},
          {"holdings", holdings()},
          {"root_holdings", root_holdings},
          {"designation_holdings", designation_holdings},
          {"record_holdings", record_holdings},
          {"accounts", accounts},
          {"new_accounts", new_accounts},
          {"vrps", vrps},
          {"authorizations", authorizations},
          {"inconsistency_counts", inconsistencies_by_kind()},
          {"inconsistencies", list}};
}

std::string ImportReport::summary() const {
  std::string out = "records read (allocated + assigned):\n";
  char buf[256];
  for (const auto& [reg, c] : records) {
    std::snprintf(buf, sizeof buf, "  %-10s ipv4 %8llu  ipv6 %8llu  asn %8llu\n", reg.c_str(),
                  static_cast<unsigned long long>(c.ipv4), static_cast<unsigned long long>(c.ipv6),
                  static_cast<unsigned long long>(c.asn));
    out += buf;
  }
  uint64_t avail = 0, res = 0;
  for (const auto& [reg, c] : available) avail += c.total();
  for (const auto& [reg, c] : reserved) res += c.total();
  std::snprintf(buf, sizeof buf, "available %llu and reserved %llu records read, not imported\n",
                static_cast<unsigned long long>(avail), static_cast<unsigned long long>(res));
  out += buf;
  std::snprintf(buf, sizeof buf,
                "holdings: %llu (%llu IANA roots, %llu IANA designations, %llu records); accounts: %llu (%llu new)\n",
                static_cast<unsigned long long>(holdings()), static_cast<unsigned long long>(root_holdings),
                static_cast<unsigned long long>(designation_holdings),
                static_cast<unsigned long long>(record_holdings), static_cast<unsigned long long>(accounts),
                static_cast<unsigned long long>(new_accounts));
  out += buf;
  if (vrps > 0) {
    std::snprintf(buf, sizeof buf, "authorizations: %llu from %llu VRPs\n",
                  static_cast<unsigned long long>(authorizations), static_cast<unsigned long long>(vrps));
    out += buf;
  }
  std::snprintf(buf, sizeof buf, "inconsistencies: %zu\n", inconsistencies.size());
  out += buf;
  for (const auto& [kind, n] : inconsistencies_by_kind()) {
    std::snprintf(buf, sizeof buf, "  %-24s %llu\n", kind.c_str(), static_cast<unsigned long long>(n));
    out += buf;
  }
  return out;
}

}  // namespace nl::ledger
