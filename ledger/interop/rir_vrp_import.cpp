#include "ledger/interop/rir_vrp_import.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <tuple>

#include "ledger/interop/vrp.h"
#include "ledger/interop/vrp_json_pipeline.h"

namespace nl::ledger {

namespace {

// A full Routinator output for every trust anchor is tens of MiB.
constexpr uint64_t kMaxVrpFileBytes = uint64_t{512} << 20;

// The file's size, refused past the limit.
Result<uint64_t> vrp_file_size(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return fail(path + ": cannot read: " + ec.message());
  if (size > kMaxVrpFileBytes) return fail(path + ": larger than 512 MiB; not a VRP file");
  return uint64_t{size};
}

Result<std::string> read_text(const std::string& path) {
  auto checked = vrp_file_size(path);
  if (!checked) return checked.take_error();
  const uint64_t size = *checked;
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(path + ": cannot open: " + std::strerror(errno));
  std::string text(size, '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (static_cast<uint64_t>(in.gcount()) != size) return fail(path + ": read failed");
  return text;
}

// A VRP file at a glance, read in blocks: which form it is (json when its
// first non-blank character is '{', as read_vrps decides) and at most how
// many entries it holds (json: one per '{'; csv: one per line).
struct VrpFileShape {
  bool json = false;
  size_t entries_at_most = 0;
};

Result<VrpFileShape> look_at(const std::string& path) {
  if (auto size = vrp_file_size(path); !size) return size.take_error();
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(path + ": cannot open: " + std::strerror(errno));
  VrpFileShape shape;
  std::optional<char> first;  // non-blank character
  size_t braces = 0, lines = 0;
  std::vector<char> block(1 << 20);
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    const auto end = block.begin() + in.gcount();
    if (!first)
      if (auto c = std::find_if(block.begin(), end, [](char c) { return c != ' ' && c != '\t' && c != '\r' && c != '\n'; });
          c != end)
        first = *c;
    braces += static_cast<size_t>(std::count(block.begin(), end, '{'));
    lines += static_cast<size_t>(std::count(block.begin(), end, '\n'));
  }
  if (!in.eof()) return fail(path + ": read failed");
  shape.json = first == '{';
  // A genesis holds no more authorizations than that; and room reserved
  // for a hostile file's braces is never written, so never resident.
  shape.entries_at_most = std::min<size_t>(shape.json ? braces : lines + 1, kMaxGenesisEntries);
  return shape;
}

// What makes two VRPs the same, (prefix, maxLength, ASN), in 32 bytes
// rather than a 64-byte tuple: 800k of them at full size.
struct SeenKey {
  u128 first = 0;     // the prefix's first address
  uint64_t rest = 0;  // family, prefix length, maxLength, ASN
  bool operator<(const SeenKey& o) const { return std::tie(first, rest) < std::tie(o.first, o.rest); }
};

SeenKey seen_key(const Vrp& v) {
  const auto length = static_cast<uint64_t>(*v.prefix.prefix_length());  // a Vrp's prefix is CIDR
  return {v.prefix.first, uint64_t(v.prefix.family) << 48 | length << 40 | uint64_t(v.max_length) << 32 | v.asn};
}

}  // namespace

Status import_vrps(const std::vector<std::string>& files, const Registry& reg,
                   const std::set<AccountId>& institutional, const RirKeystore& keys, Genesis& g,
                   ImportReport& rep) {
  auto who = [&](const AccountId& a) {
    auto org = keys.org_of(a);
    return org ? *org : a.to_string();
  };
  std::set<SeenKey> seen;
  for (const auto& path : files) {
    auto shape = look_at(path);
    if (!shape) return shape.take_error();
    const bool json = shape->json;
    // JSON has no useful line numbers; the issue's line is then the entry's
    // position in "roas" (counted from 1), and the detail says so.
    const std::string json_note = json ? " (the line field is the entry number in roas, from 1)" : "";
    // A file's invalid entries are reported before what its valid ones
    // became; all of it is undone when the file turns out not to be one.
    std::vector<Inconsistency> invalid, findings;
    std::vector<std::set<SeenKey>::iterator> added;  // to seen, by this file
    const size_t authorizations_before = g.authorizations.size();
    const uint64_t vrps_before = rep.vrps, authorized_before = rep.authorizations;
    auto undo = [&] {
      invalid.clear();
      findings.clear();
      for (auto it : added) seen.erase(it);
      added.clear();
      g.authorizations.resize(authorizations_before);
      rep.vrps = vrps_before;
      rep.authorizations = authorized_before;
    };
    auto consider = [&](uint64_t at, Result<Vrp>&& entry) {
      ++rep.vrps;
      if (!entry) {
        invalid.push_back({issue::kVrpInvalid, path, at, entry.error() + json_note + "; left out"});
        return;
      }
      const Vrp& v = *entry;
      // Named only when reported: most of 800k entries never are.
      auto report = [&](const char* kind, const std::string& why) {
        const std::string name = (json ? "roas[" + std::to_string(at - 1) + "]" + json_note + ": " : "") +
                                 v.prefix.to_string() + " maxLength " + std::to_string(v.max_length) + " AS" +
                                 std::to_string(v.asn);
        findings.push_back({kind, path, at, name + ": " + why});
      };
      auto [it, fresh] = seen.insert(seen_key(v));
      if (!fresh) {
        report(issue::kVrpDuplicate, "listed before; left out");
        return;
      }
      added.push_back(it);
      auto segs = reg.segments_covering(v.prefix);
      bool covered = !segs.empty() && segs.front().range.first <= v.prefix.first && segs.back().range.last >= v.prefix.last;
      for (size_t k = 1; k < segs.size(); ++k) covered = covered && segs[k].range.first == segs[k - 1].range.last + 1;
      if (!covered) {
        report(issue::kVrpUncovered, "part of the prefix is held by nobody; left out");
        return;
      }
      // One controller signs for itself; over several, the holder of the
      // deepest holding that covers them all signs the aggregate.
      AccountId issuer = reg.holding(segs.front().holding)->holder;
      std::optional<AccountId> other;
      for (const auto& s : segs)
        if (AccountId h = reg.holding(s.holding)->holder; h != issuer) other = h;
      if (other) {
        const auto around = reg.chain(v.prefix);
        if (around.empty()) {
          report(issue::kVrpSplit, "controlled in parts by " + who(issuer) + " and " + who(*other) +
                                       ", and no one holding covers all of it; left out");
          return;
        }
        issuer = around.back().holder;
      }
      // A registry or IANA never signed this; only holders authorize.
      if (institutional.count(issuer)) {
        report(issue::kVrpUncovered, "no imported record covers the prefix (its controller is " + who(issuer) +
                                         "); left out");
        return;
      }
      g.authorizations.push_back({v.prefix, v.max_length, v.asn, issuer});
      ++rep.authorizations;
    };
    // Nearly every entry becomes an authorization: room for one per object
    // (json) or line (csv) at once, rather than a vector doubling its way
    // there with twice the room at the end.
    g.authorizations.reserve(g.authorizations.size() + shape->entries_at_most);
    // JSON entries go to `consider` as they are parsed from the file (on
    // another core): its text and 800k VRPs held at once took 195 MB. Csv
    // is read whole.
    Status read;
    if (json) {
      std::ifstream in(path, std::ios::binary);
      if (!in) return fail(path + ": cannot open: " + std::strerror(errno));
      read = each_vrp_json_parallel(in, undo, consider);
    } else if (auto text = read_text(path); !text) {
      return text.take_error();
    } else if (auto file = read_vrps_csv(*text); !file) {
      read = file.take_error();
    } else {
      for (auto& bad : file->bad) consider(bad.position, fail(bad.detail));
      for (size_t i = 0; i < file->vrps.size(); ++i) consider(file->positions[i], std::move(file->vrps[i]));
    }
    if (!read) {
      undo();
      rep.inconsistencies.push_back({issue::kMalformed, path, 0, "not a Routinator json or csv VRP file: " + read.error()});
      continue;
    }
    for (auto* found : {&invalid, &findings})
      for (auto& is : *found) rep.inconsistencies.push_back(std::move(is));
  }
  return {};
}

}  // namespace nl::ledger
