#include "ledger/interop/rir_import.h"

#include <algorithm>
#include <set>
#include <thread>
#include <tuple>

#include "ledger/interop/iana_registry.h"
#include "ledger/registry.h"
#include "ledger/interop/rir_vrp_import.h"

namespace nl::ledger {

std::string org_name(const RirRecord& r) {
  if (!r.opaque_id.empty()) return r.registry + "-" + r.opaque_id;
  return r.registry + "-" + (r.cc.empty() ? std::string("ZZ") : r.cc) + "-" + (r.date.empty() ? "00000000" : r.date);
}

std::string registry_org(const std::string& registry) { return registry; }

std::string ImportedRecord::org() const { return org_name(rec); }

HoldingKind record_kind(const RirRecord& r) {
  return r.status == RirStatus::assigned ? HoldingKind::assignment : HoldingKind::allocation;
}

Metadata record_metadata(const RirRecord& r) {
  Metadata m;
  m.country = r.cc;
  m.source_registry = r.registry;
  m.source_handle = r.opaque_id;
  return m;
}

namespace {

constexpr Family kFamilies[] = {Family::ipv4, Family::ipv6, Family::asn};

// "41.0.0.0/22 (afrinic-ORG1)"; with its place when it is the other party.
std::string describe(const ImportedRecord& r) { return r.rec.range.to_string() + " (" + r.org() + ")"; }
std::string describe_at(const ImportedRecord& r, const std::vector<std::string>& files) {
  return r.rec.range.to_string() + " (" + r.org() + ", " + files[r.file] + ":" + std::to_string(r.rec.line) + ")";
}

// IANA's designations of one family, sorted, with point lookup.
struct Designations {
  std::vector<IanaDesignation> rows;  // sorted by range

  // Index of the row containing `point`, if any.
  std::optional<size_t> at(u128 point) const {
    auto it = std::upper_bound(rows.begin(), rows.end(), point,
                               [](u128 p, const IanaDesignation& d) { return p < d.range.first; });
    if (it == rows.begin()) return std::nullopt;
    --it;
    if (it->range.last < point) return std::nullopt;
    return static_cast<size_t>(it - rows.begin());
  }
  // The first row with a registry that overlaps r, if any.
  const IanaDesignation* registry_row_overlapping(const Resource& r) const {
    auto it = std::upper_bound(rows.begin(), rows.end(), r.first,
                               [](u128 p, const IanaDesignation& d) { return p < d.range.first; });
    if (it != rows.begin() && std::prev(it)->range.last >= r.first) --it;
    for (; it != rows.end() && it->range.first <= r.last; ++it)
      if (!it->registry.empty()) return &*it;
    return nullptr;
  }
};

std::string kept_by_iana(const IanaDesignation* d) {
  return d ? d->range.to_string() + " (" + d->designation + ")" : std::string("space IANA has not designated");
}

// Where one record goes: under designation `row`, under the root, or nowhere.
struct Placement {
  enum { designation, root, left_out } where = root;
  size_t row = 0;
};

Placement place(const ImportedRecord& r, const Designations* ds, const std::vector<std::string>& files,
                std::vector<Inconsistency>& issues) {
  if (!ds || ds->rows.empty()) return {};
  const Resource& range = r.rec.range;
  auto row = ds->at(range.first);
  const IanaDesignation* d = row ? &ds->rows[*row] : nullptr;
  if (d && d->range.contains(range) && d->registry == r.rec.registry) return {Placement::designation, *row};
  const std::string what = describe(r) + " of " + r.rec.registry;
  auto report = [&](std::string detail) {
    issues.push_back({issue::kOutsideIana, files[r.file], r.rec.line, std::move(detail)});
  };
  // Inter-RIR transfers move space between registries without changing
  // IANA's designations: such a record goes under the designation that
  // holds it, so control answers stay right and the mismatch is reported.
  if (d && d->range.contains(range) && !d->registry.empty()) {
    report(what + " lies in " + d->range.to_string() + ", which IANA designates to " + d->registry + " (" +
           d->designation + "); imported under that designation");
    return {Placement::designation, *row};
  }
  if (const IanaDesignation* other = ds->registry_row_overlapping(range)) {
    report(what + " straddles the edge of " + other->range.to_string() + ", which IANA designates to " +
           other->registry + " (" + other->designation + "); no holding can contain it; left out");
    return {Placement::left_out, 0};
  }
  report(what + " lies in " + kept_by_iana(d) + ", which IANA keeps; imported under the IANA root");
  return {};
}

GenesisHolding record_holding(const ImportedRecord& r, RirKeystore& keys) {
  GenesisHolding h;
  h.range = r.rec.range;
  h.holder = keys.account(r.org());
  h.kind = record_kind(r.rec);
  h.meta = record_metadata(r.rec);
  h.registered = r.rec.date;
  return h;
}

}  // namespace

Result<ImportResult> import_rir(const ImportOptions& o, RirKeystore& keys) {
  ImportResult out;
  ImportReport& rep = out.report;
  const size_t keys_before = keys.size();
  auto say = [&](const std::string& line) {
    if (o.progress) o.progress(line);
  };

  std::map<Family, Designations> iana;
  for (auto [path, family] : {std::pair{&o.iana_ipv4, Family::ipv4}, std::pair{&o.iana_ipv6, Family::ipv6}}) {
    if (!*path) continue;
    auto csv = read_iana_csv(**path, family);
    if (!csv) return csv.take_error();
    for (auto& n : csv->nested) rep.inconsistencies.push_back({issue::kIanaNested, **path, n.line, std::move(n.detail)});
    std::sort(csv->rows.begin(), csv->rows.end(), [](const auto& a, const auto& b) { return a.range < b.range; });
    iana[family].rows = std::move(csv->rows);
  }

  // Read every file, keeping only what becomes holdings.
  std::vector<ImportedRecord> recs;
  for (size_t i = 0; i < o.stats_files.size(); ++i) {
    const std::string& path = o.stats_files[i];
    auto sum = read_rir_stats(path, [&](RirRecord&& r) {
      switch (r.status) {
        case RirStatus::available: rep.available[r.registry].add(r.range.family); return;
        case RirStatus::reserved: rep.reserved[r.registry].add(r.range.family); return;
        default: rep.records[r.registry].add(r.range.family);
      }
      recs.push_back({std::move(r), i});
    });
    if (!sum) return sum.take_error();
    say(path + ": " + std::to_string(sum->record_lines) + " record lines read");
    FileReport fr;
    fr.file = path;
    if (sum->version) {
      fr.registry = sum->version->registry;
      fr.serial = sum->version->serial;
      fr.declared_records = sum->version->records;
    }
    fr.record_lines = sum->record_lines;
    for (auto [f, n] : sum->declared) fr.declared.at(f) = n;
    for (auto [f, n] : sum->found) fr.found.at(f) = n;
    rep.files.push_back(std::move(fr));
    for (auto& is : sum->issues) rep.inconsistencies.push_back({std::move(is.kind), path, is.line, std::move(is.detail)});
  }

  // Two snapshots of one registry would make every record a duplicate:
  // what the user wants is a diff.
  for (size_t a = 0; a < rep.files.size(); ++a)
    for (size_t b = a + 1; b < rep.files.size(); ++b) {
      const FileReport &x = rep.files[a], &y = rep.files[b];
      if (x.registry.empty() || x.registry != y.registry) continue;
      return fail(x.file + " (serial " + x.serial + ") and " + y.file + " (serial " + y.serial +
                  ") are two snapshots of " + x.registry +
                  "; import rir takes one file of each registry. Import the older one, then take the ledger to the "
                  "newer with: numledger import diff OLD NEW --genesis GENESIS --keystore DIR --out DIR");
    }

  // Address order; at one start the wider range first, so a narrower
  // record inside it is the one reported.
  std::sort(recs.begin(), recs.end(), [](const ImportedRecord& a, const ImportedRecord& b) {
    const Resource &x = a.rec.range, &y = b.rec.range;
    if (x.family != y.family) return x.family < y.family;
    if (x.first != y.first) return x.first < y.first;
    if (x.last != y.last) return x.last > y.last;
    return std::tie(a.file, a.rec.line) < std::tie(b.file, b.rec.line);
  });

  // Place each record; `widest` is the accepted record reaching furthest.
  std::vector<Placement> placed(recs.size());
  std::vector<bool> accepted(recs.size(), false);
  std::map<Family, size_t> widest;
  for (size_t i = 0; i < recs.size(); ++i) {
    const ImportedRecord& r = recs[i];
    const Family f = r.rec.range.family;
    auto ds = iana.find(f);
    placed[i] = place(r, ds == iana.end() ? nullptr : &ds->second, o.stats_files, rep.inconsistencies);
    if (placed[i].where == Placement::left_out) continue;
    if (auto w = widest.find(f); w != widest.end() && r.rec.range.first <= recs[w->second].rec.range.last) {
      const ImportedRecord& prev = recs[w->second];
      bool dup = prev.rec.range == r.rec.range;
      rep.inconsistencies.push_back({dup ? issue::kDuplicate : issue::kOverlap, o.stats_files[r.file], r.rec.line,
                                     describe(r) + (dup ? " repeats " : " overlaps ") +
                                         describe_at(prev, o.stats_files) + "; left out"});
      continue;
    }
    accepted[i] = true;
    if (auto w = widest.find(f); w == widest.end() || r.rec.range.last > recs[w->second].rec.range.last) widest[f] = i;
  }

  // Every account's key at once, on all cores.
  {
    std::vector<std::string> orgs{kIanaOrg};
    for (const auto& [f, ds] : iana)
      for (const auto& d : ds.rows)
        if (!d.registry.empty()) orgs.push_back(registry_org(d.registry));
    for (size_t i = 0; i < recs.size(); ++i)
      if (accepted[i]) orgs.push_back(recs[i].org());
    const unsigned threads = o.key_threads ? o.key_threads : std::max(1u, std::thread::hardware_concurrency());
    const size_t made = keys.generate(orgs, threads);
    say(std::to_string(made) + " new keys generated on " + std::to_string(threads) + " threads");
  }

  // The tree: roots, designations under them, records under those.
  Genesis& g = out.genesis;
  g.chain_id = o.chain_id;
  g.genesis_time = o.genesis_time;
  for (const auto& v : o.validators) g.validators.validators.push_back({v.key, 1});
  std::sort(g.validators.validators.begin(), g.validators.validators.end());
  const AccountId iana_account = keys.account(kIanaOrg);
  std::set<AccountId> institutional{iana_account};
  // The accounts holding something, counted once the tree is placed: a
  // vector sorted once, not a set grown by 500k lookups.
  std::vector<AccountId> used{iana_account};
  for (Family f : kFamilies) {
    g.roots.push_back({Resource{f, 0, family_max(f)}, iana_account, Metadata{"IANA", "", "iana", "", ""}});
    ++rep.root_holdings;
    std::vector<GenesisHolding> top;
    std::map<size_t, size_t> row_to_top;  // designation row -> index in top
    // Each level's exact size: growing by doubling left up to half of
    // 500k holdings' vectors unused.
    std::map<size_t, size_t> under_row;  // designation row -> its records
    size_t under_root = 0;
    for (size_t i = 0; i < recs.size(); ++i) {
      if (!accepted[i] || recs[i].rec.range.family != f) continue;
      if (placed[i].where == Placement::designation) ++under_row[placed[i].row];
      else ++under_root;
    }
    top.reserve(under_root + under_row.size());
    if (auto ds = iana.find(f); ds != iana.end())
      for (size_t row = 0; row < ds->second.rows.size(); ++row) {
        const IanaDesignation& d = ds->second.rows[row];
        if (d.registry.empty()) continue;
        GenesisHolding h;
        h.range = d.range;
        h.holder = keys.account(registry_org(d.registry));
        institutional.insert(h.holder);
        used.push_back(h.holder);
        h.meta.name = d.designation;
        h.meta.source_registry = "iana";
        if (auto n = under_row.find(row); n != under_row.end()) h.children.reserve(n->second);
        row_to_top[row] = top.size();
        top.push_back(std::move(h));
        ++rep.designation_holdings;
      }
    for (size_t i = 0; i < recs.size(); ++i) {
      if (!accepted[i] || recs[i].rec.range.family != f) continue;
      GenesisHolding h = record_holding(recs[i], keys);
      used.push_back(h.holder);
      ++rep.record_holdings;
      if (placed[i].where == Placement::designation) top[row_to_top.at(placed[i].row)].children.push_back(std::move(h));
      else top.push_back(std::move(h));
    }
    std::stable_sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.range < b.range; });
    g.holdings.reserve(g.holdings.size() + top.size());
    for (auto& h : top) g.holdings.push_back(std::move(h));
  }
  std::sort(used.begin(), used.end());
  rep.accounts = static_cast<uint64_t>(std::unique(used.begin(), used.end()) - used.begin());
  used = {};
  // The accepted records, moved within their own vector rather than copied
  // into a second one.
  if (o.keep_records) {
    size_t kept = 0;
    for (size_t i = 0; i < recs.size(); ++i)
      if (accepted[i]) {
        if (kept != i) recs[kept] = std::move(recs[i]);
        ++kept;
      }
    recs.resize(kept);
    out.records = std::move(recs);
  }
  recs = {};

  // Load the tree as a node will: what is written is what nodes accept.
  // It applies no transaction, so no genesis hash (g is not final yet).
  out.tree_check = std::make_unique<Registry>(g.chain_id, crypto::Hash32{});
  Registry& reg = *out.tree_check;
  for (const auto& root : g.roots)
    if (auto s = reg.add_root(root.range, root.holder, root.meta); !s)
      return fail("internal: imported root " + root.range.to_string() + ": " + s.error());
  say(std::to_string(rep.record_holdings) + " holdings placed; loading the tree as a node will");
  if (auto s = reg.add_genesis_imports(g); !s) return fail("internal: the imported tree does not load: " + s.error());
  reg.discard_writes();  // never stored
  if (!o.vrp_files.empty()) {
    if (auto s = import_vrps(o.vrp_files, reg, institutional, keys, g, rep); !s) return s.take_error();
    say(std::to_string(rep.authorizations) + " of " + std::to_string(rep.vrps) + " VRPs became authorizations");
  }
  rep.new_accounts = keys.size() - keys_before;
  if (!o.keep_tree_check) out.tree_check.reset();
  return out;
}

}  // namespace nl::ledger
