#include "ledger/interop/rir_keystore.h"

#include <set>
#include <thread>

#include <sodium.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "crypto/basics/durable_file.h"
#include "ledger/interop/line_reader.h"

namespace nl::ledger {

namespace {

using nlohmann::json;

constexpr const char* kType = "numledger-keystore";

}  // namespace

Result<RirKeystore> RirKeystore::open(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(dir + ": cannot create keystore directory: " + ec.message());
  RirKeystore ks;
  ks.path_ = (std::filesystem::path(dir) / kFileName).string();
  if (!std::filesystem::exists(ks.path_, ec)) return ks;

  auto reader = LineReader::open(ks.path_);
  if (!reader) return reader.take_error();
  std::string_view line;
  const std::string bad = ks.path_ + ": not a numledger keystore: ";
  while (reader->next(line)) {
    const std::string where = ks.path_ + ":" + std::to_string(reader->line_number()) + ": ";
    if (reader->cut()) return fail(where + "line too long");
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail(where + "not a JSON object");
    if (reader->line_number() == 1) {
      // j.value() throws when a field has another type; check by hand.
      auto type = j.find("type"), version = j.find("version");
      auto shown = [](const json& v) {
        std::string d = v.dump();
        return d.size() > 64 ? d.substr(0, 64) + "..." : d;
      };
      const std::string want = "; the first line must be {\"type\": \"numledger-keystore\", \"version\": 1}";
      if (type == j.end() || !type->is_string() || type->get_ref<const std::string&>() != kType)
        return fail(where + "not a numledger keystore: \"type\" is " +
                    (type == j.end() ? std::string("missing") : shown(*type)) + want);
      if (version == j.end() || !version->is_number_integer())
        return fail(where + "\"version\" is " + (version == j.end() ? std::string("missing") : shown(*version)) +
                    ", not a whole number" + want);
      if (*version != 1)
        return fail(where + "keystore version " + shown(*version) + " is not supported (only 1)" + want);
      continue;
    }
    auto org = j.find("org"), account = j.find("account"), seed = j.find("seed");
    if (org == j.end() || !org->is_string() || account == j.end() || !account->is_string() || seed == j.end() ||
        !seed->is_string())
      return fail(where + "an entry needs \"org\", \"account\" and \"seed\" strings");
    const std::string& name = org->get_ref<const std::string&>();
    if (name.empty() || name.size() > 256) return fail(where + "org name is empty or longer than 256 bytes");
    auto acct = AccountId::parse(account->get_ref<const std::string&>());
    if (!acct) return fail(where + acct.error());
    auto raw = from_hex(seed->get_ref<const std::string&>());
    if (!raw || raw->size() != 32) return fail(where + "seed is not 32 bytes of hex");
    Entry e{*acct, {}};
    std::memcpy(e.seed.data(), raw->data(), 32);
    sodium_memzero(raw->data(), raw->size());
    if (!ks.by_org_.emplace(name, e).second) return fail(where + "org '" + name + "' is listed twice");
    if (!ks.by_account_.emplace(*acct, name).second)
      return fail(where + "account " + acct->to_string() + " is listed for two orgs");
  }
  if (!reader->error().empty()) return fail(reader->error());
  if (reader->line_number() == 0) return fail(bad + "the file is empty");
  return ks;
}

AccountId RirKeystore::account(const std::string& org) {
  if (auto it = by_org_.find(org); it != by_org_.end()) return it->second.account;
  auto key = crypto::SecretKey::generate();
  Entry e{AccountId{key.public_key()}, key.seed()};
  by_org_.emplace(org, e);
  by_account_.emplace(e.account, org);
  ++created_;
  return e.account;
}

size_t RirKeystore::generate(const std::vector<std::string>& orgs, unsigned threads) {
  std::vector<const std::string*> missing;
  std::set<std::string_view> seen;
  for (const auto& org : orgs)
    if (!by_org_.count(org) && seen.insert(org).second) missing.push_back(&org);
  std::vector<Entry> made(missing.size());
  auto work = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      auto key = crypto::SecretKey::generate();
      made[i] = Entry{AccountId{key.public_key()}, key.seed()};
    }
  };
  threads = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(missing.size() / 256 + 1)));
  std::vector<std::thread> pool;
  const size_t per = (missing.size() + threads - 1) / threads;
  for (unsigned t = 1; t < threads; ++t)
    pool.emplace_back(work, std::min(missing.size(), t * per), std::min(missing.size(), (t + 1) * per));
  work(0, std::min(missing.size(), per));
  for (auto& t : pool) t.join();
  for (size_t i = 0; i < missing.size(); ++i) {
    by_org_.emplace(*missing[i], made[i]);
    by_account_.emplace(made[i].account, *missing[i]);
    sodium_memzero(made[i].seed.data(), made[i].seed.size());
  }
  created_ += missing.size();
  return missing.size();
}

std::optional<AccountId> RirKeystore::find(const std::string& org) const {
  auto it = by_org_.find(org);
  if (it == by_org_.end()) return std::nullopt;
  return it->second.account;
}

std::vector<std::string> RirKeystore::orgs() const {
  std::vector<std::string> out;
  out.reserve(by_org_.size());
  for (const auto& [org, e] : by_org_) out.push_back(org);
  return out;
}

std::optional<std::string> RirKeystore::org_of(const AccountId& a) const {
  auto it = by_account_.find(a);
  if (it == by_account_.end()) return std::nullopt;
  return it->second;
}

Result<crypto::SecretKey> RirKeystore::key(const AccountId& a) const {
  auto it = by_account_.find(a);
  if (it == by_account_.end()) return fail(path_ + ": holds no key for " + a.to_string());
  const Entry& e = by_org_.at(it->second);
  auto key = crypto::SecretKey::from_seed(e.seed);
  if (key.public_key() != a.key)
    return fail(path_ + ": the seed of org '" + it->second + "' does not belong to account " + a.to_string());
  return key;
}

Status RirKeystore::save() {
  std::error_code ec;
  if (created_ == 0 && std::filesystem::exists(path_, ec)) return {};
  std::string text = json{{"type", kType}, {"version", 1}, {"warning", "unencrypted testnet keys"}}.dump() + "\n";
  for (const auto& [org, e] : by_org_)
    text += json{{"org", org}, {"account", e.account.to_string()}, {"seed", to_hex(e.seed)}}.dump() + "\n";
  Status st = crypto::replace_file(path_, as_bytes(text), 0600);
  sodium_memzero(text.data(), text.size());
  if (!st) return st;
  created_ = 0;
  return {};
}

}  // namespace nl::ledger
