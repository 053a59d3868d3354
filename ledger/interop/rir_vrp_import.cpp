#include "ledger/interop/rir_vrp_import.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <tuple>

#include "ledger/interop/vrp.h"

namespace nl::ledger {

namespace {

// A full Routinator output for every trust anchor is tens of MiB.
constexpr uint64_t kMaxVrpFileBytes = uint64_t{512} << 20;

Result<std::string> read_text(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return fail(path + ": cannot read: " + ec.message());
  if (size > kMaxVrpFileBytes) return fail(path + ": larger than 512 MiB; not a VRP file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(path + ": cannot open: " + std::strerror(errno));
  std::string text(size, '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (static_cast<uint64_t>(in.gcount()) != size) return fail(path + ": read failed");
  return text;
}

}  // namespace

Status import_vrps(const std::vector<std::string>& files, const Registry& reg,
                   const std::set<AccountId>& institutional, const RirKeystore& keys, Genesis& g,
                   ImportReport& rep) {
  auto who = [&](const AccountId& a) {
    auto org = keys.org_of(a);
    return org ? *org : a.to_string();
  };
  std::set<std::tuple<Resource, uint8_t, uint32_t>> seen;
  for (const auto& path : files) {
    auto text = read_text(path);
    if (!text) return text.take_error();
    auto file = read_vrps(*text);
    if (!file) {
      rep.inconsistencies.push_back({issue::kMalformed, path, 0, "not a Routinator json or csv VRP file: " + file.error()});
      continue;
    }
    // JSON has no useful line numbers; the issue's line is then the entry's
    // position in "roas" (counted from 1), and the detail says so.
    const std::string json_note = file->json ? " (the line field is the entry number in roas, from 1)" : "";
    for (const auto& bad : file->bad) {
      ++rep.vrps;
      rep.inconsistencies.push_back({issue::kVrpInvalid, path, bad.position, bad.detail + json_note + "; left out"});
    }
    for (size_t i = 0; i < file->vrps.size(); ++i) {
      const Vrp& v = file->vrps[i];
      const uint64_t at = file->positions[i];
      ++rep.vrps;
      const std::string name = (file->json ? "roas[" + std::to_string(at - 1) + "]" + json_note + ": " : "") +
                               v.prefix.to_string() + " maxLength " + std::to_string(v.max_length) + " AS" +
                               std::to_string(v.asn);
      auto report = [&](const char* kind, const std::string& why) {
        rep.inconsistencies.push_back({kind, path, at, name + ": " + why});
      };
      if (!seen.insert({v.prefix, v.max_length, v.asn}).second) {
        report(issue::kVrpDuplicate, "listed before; left out");
        continue;
      }
      auto segs = reg.segments_covering(v.prefix);
      bool covered = !segs.empty() && segs.front().range.first <= v.prefix.first && segs.back().range.last >= v.prefix.last;
      for (size_t k = 1; k < segs.size(); ++k) covered = covered && segs[k].range.first == segs[k - 1].range.last + 1;
      if (!covered) {
        report(issue::kVrpUncovered, "part of the prefix is held by nobody; left out");
        continue;
      }
      // One controller signs for itself; over several, the holder of the
      // deepest holding that covers them all signs the aggregate.
      AccountId issuer = reg.holding(segs.front().holding)->holder;
      const AccountId* other = nullptr;
      for (const auto& s : segs)
        if (reg.holding(s.holding)->holder != issuer) other = &reg.holding(s.holding)->holder;
      if (other) {
        const auto around = reg.chain(v.prefix);
        if (around.empty()) {
          report(issue::kVrpSplit, "controlled in parts by " + who(issuer) + " and " + who(*other) +
                                       ", and no one holding covers all of it; left out");
          continue;
        }
        issuer = around.back()->holder;
      }
      // A registry or IANA never signed this; only holders authorize.
      if (institutional.count(issuer)) {
        report(issue::kVrpUncovered, "no imported record covers the prefix (its controller is " + who(issuer) +
                                         "); left out");
        continue;
      }
      g.authorizations.push_back({v.prefix, v.max_length, v.asn, issuer});
      ++rep.authorizations;
    }
  }
  return {};
}

}  // namespace nl::ledger
