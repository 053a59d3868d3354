#include "ledger/interop/rir_keystore.h"

#include <set>
#include <thread>

#include <sodium.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "crypto/basics/durable_file.h"
#include "crypto/basics/json_fields.h"
#include "ledger/interop/line_reader.h"

namespace nl::ledger {

namespace {

using nlohmann::json;

constexpr const char* kType = "numledger-keystore";
const std::string kWant =
    "; the first line must be {\"type\": \"numledger-keystore\", \"version\": 1 or 2, ...} "
    "(whitepaper/encoding.md, \"Import keystore\")";

std::string shown(const json& v) {
  std::string d = v.dump(-1, ' ', false, json::error_handler_t::replace);
  return d.size() > 64 ? d.substr(0, 64) + "..." : d;
}

// A fixed-size hex string member, or a reason naming it.
template <size_t N>
Result<std::array<uint8_t, N>> hex_member(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return fail(std::string("\"") + name + "\" is missing or not a string");
  auto raw = from_hex(it->get_ref<const std::string&>());
  if (!raw || raw->size() != N)
    return fail(std::string("\"") + name + "\" is not " + std::to_string(N) + " bytes of hex");
  std::array<uint8_t, N> out;
  std::memcpy(out.data(), raw->data(), N);
  sodium_memzero(raw->data(), raw->size());
  return out;
}

Result<HandOver> read_hand_over(const json& j) {
  if (!j.is_object()) return fail("\"handed_over\" is not an object");
  auto key = hex_member<32>(j, "key");
  if (!key) return fail("handed_over: " + key.error());
  auto tx = hex_member<32>(j, "tx");
  if (!tx) return fail("handed_over: " + tx.error());
  auto height = json_uint_member(j, "height", "handed_over: \"height\"");
  if (!height) return height.take_error();
  HandOver h;
  h.key.b = *key;
  h.tx.b = *tx;
  h.height = *height;
  return h;
}

json hand_over_json(const HandOver& h) { return {{"key", h.key.hex()}, {"tx", h.tx.hex()}, {"height", h.height}}; }

}  // namespace

bool RirKeystore::is_encrypted(const std::string& dir) {
  const auto path = (std::filesystem::path(dir) / kFileName).string();
  auto reader = LineReader::open(path);
  if (!reader) return false;
  std::string_view line;
  if (!reader->next(line) || reader->cut()) return false;
  json j = json::parse(line, nullptr, false);
  return j.is_object() && j.contains("encryption") && j["encryption"] != "none";
}

Status RirKeystore::read_header(const std::string& line, const std::string& where,
                                const std::optional<std::string>& pass) {
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(where + "not a JSON object");
  // j.value() throws when a field has another type; check by hand.
  auto type = j.find("type"), version = j.find("version");
  if (type == j.end() || !type->is_string() || type->get_ref<const std::string&>() != kType)
    return fail(where + "not a numledger keystore: \"type\" is " +
                (type == j.end() ? std::string("missing") : shown(*type)) + kWant);
  if (version == j.end() || !version->is_number_integer())
    return fail(where + "\"version\" is " + (version == j.end() ? std::string("missing") : shown(*version)) +
                ", not a whole number" + kWant);
  if (*version != 1 && *version != 2)
    return fail(where + "keystore version " + shown(*version) + " is not supported (only 1 and 2)" + kWant);
  if (*version == 1) {
    // An unencrypted keystore opened with a passphrase is encrypted on save.
    if (pass) {
      cipher_.reset();
      auto c = crypto::KeystoreCipher::derive(*pass, crypto::KeystoreCipher::fresh_kdf());
      if (!c) return fail(path_ + ": " + c.error());
      cipher_.emplace(std::move(*c));
      dirty_ = true;
    }
    return {};
  }
  auto enc = j.find("encryption");
  if (enc == j.end() || *enc != crypto::KeystoreCipher::kName)
    return fail(where + "version 2 needs \"encryption\": \"" + crypto::KeystoreCipher::kName + "\"");
  if (!pass)
    return fail(path_ + ": the keystore is encrypted and no passphrase was given; set " + kPassphraseEnv);
  auto kdf_it = j.find("kdf");
  if (kdf_it == j.end() || !kdf_it->is_object()) return fail(where + "\"kdf\" is missing or not an object");
  crypto::KeystoreCipher::Kdf kdf;
  auto ops = json_uint_member(*kdf_it, "opslimit", "kdf \"opslimit\"");
  if (!ops) return fail(where + ops.error());
  auto mem = json_uint_member(*kdf_it, "memlimit", "kdf \"memlimit\"");
  if (!mem) return fail(where + mem.error());
  auto salt = hex_member<crypto::KeystoreCipher::kSaltBytes>(*kdf_it, "salt");
  if (!salt) return fail(where + "kdf " + salt.error());
  auto check = hex_member<32>(j, "check");
  if (!check) return fail(where + check.error());
  kdf.opslimit = *ops;
  kdf.memlimit = *mem;
  kdf.salt = *salt;
  auto c = crypto::KeystoreCipher::derive(*pass, kdf);
  if (!c) return fail(where + c.error());
  if (sodium_memcmp(c->check().data(), check->data(), 32) != 0)
    return fail(path_ + ": wrong keystore passphrase (the header's check value differs)");
  cipher_.emplace(std::move(*c));
  return {};
}

Status RirKeystore::read_entry(const std::string& line, const std::string& where) {
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(where + "not a JSON object");
  auto org = j.find("org"), account = j.find("account");
  if (org == j.end() || !org->is_string() || account == j.end() || !account->is_string())
    return fail(where + "an entry needs \"org\" and \"account\" strings, and a seed or \"handed_over\"");
  const std::string& name = org->get_ref<const std::string&>();
  if (name.empty() || name.size() > 256) return fail(where + "org name is empty or longer than 256 bytes");
  auto acct = AccountId::parse(account->get_ref<const std::string&>());
  if (!acct) return fail(where + acct.error());
  Entry e{*acct, {}, std::nullopt};
  if (auto h = j.find("handed_over"); h != j.end()) {
    auto ho = read_hand_over(*h);
    if (!ho) return fail(where + ho.error());
    e.handed_over = *ho;
  } else if (cipher_ && !dirty_) {
    crypto::KeystoreCipher::Sealed s;
    auto nonce = hex_member<crypto::KeystoreCipher::kNonceBytes>(j, "nonce");
    if (!nonce) return fail(where + nonce.error() + " (an encrypted entry needs \"nonce\" and \"ciphertext\")");
    auto ct = hex_member<crypto::KeystoreCipher::kSealedBytes>(j, "ciphertext");
    if (!ct) return fail(where + ct.error() + " (an encrypted entry needs \"nonce\" and \"ciphertext\")");
    s.nonce = *nonce;
    s.ciphertext = *ct;
    auto seed = cipher_->open(name, acct->key, s);
    if (!seed) return fail(where + "org '" + name + "': " + seed.error());
    e.seed = *seed;
    sodium_memzero(seed->data(), seed->size());
  } else {
    auto seed = hex_member<32>(j, "seed");
    if (!seed) return fail(where + "an entry needs \"org\", \"account\" and \"seed\" strings: " + seed.error());
    e.seed = *seed;
    sodium_memzero(seed->data(), seed->size());
  }
  if (!by_org_.emplace(name, e).second) return fail(where + "org '" + name + "' is listed twice");
  sodium_memzero(e.seed.data(), e.seed.size());
  if (!by_account_.emplace(*acct, name).second)
    return fail(where + "account " + acct->to_string() + " is listed for two orgs");
  return {};
}

Result<RirKeystore> RirKeystore::open(const std::string& dir, const std::optional<std::string>& passphrase) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(dir + ": cannot create keystore directory: " + ec.message());
  RirKeystore ks;
  ks.path_ = (std::filesystem::path(dir) / kFileName).string();
  if (!std::filesystem::exists(ks.path_, ec)) {
    if (passphrase) {
      auto c = crypto::KeystoreCipher::derive(*passphrase, crypto::KeystoreCipher::fresh_kdf());
      if (!c) return fail(ks.path_ + ": " + c.error());
      ks.cipher_.emplace(std::move(*c));
      ks.dirty_ = true;
    }
    return ks;
  }

  auto reader = LineReader::open(ks.path_);
  if (!reader) return reader.take_error();
  std::string_view line;
  while (reader->next(line)) {
    const std::string where = ks.path_ + ":" + std::to_string(reader->line_number()) + ": ";
    if (reader->cut()) return fail(where + "line too long");
    Status st = reader->line_number() == 1 ? ks.read_header(std::string(line), where, passphrase)
                                           : ks.read_entry(std::string(line), where);
    if (!st) return st.take_error();
  }
  if (!reader->error().empty()) return fail(reader->error());
  if (reader->line_number() == 0) return fail(ks.path_ + ": not a numledger keystore: the file is empty");
  return ks;
}

AccountId RirKeystore::account(const std::string& org) {
  if (auto it = by_org_.find(org); it != by_org_.end()) return it->second.account;
  auto key = crypto::SecretKey::generate();
  Entry e{AccountId{key.public_key()}, key.seed(), std::nullopt};
  by_org_.emplace(org, e);
  by_account_.emplace(e.account, org);
  sodium_memzero(e.seed.data(), e.seed.size());
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
      made[i] = Entry{AccountId{key.public_key()}, key.seed(), std::nullopt};
    }
  };
  threads = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(missing.size() / 256 + 1)));
  std::vector<std::thread> pool;
  const size_t per = (missing.size() + threads - 1) / threads;
  for (unsigned t = 1; t < threads; ++t)
    pool.emplace_back(work, std::min(missing.size(), t * per), std::min(missing.size(), (t + 1) * per));
  work(0, std::min(missing.size(), per));
  for (auto& t : pool) t.join();
  by_account_.reserve(by_account_.size() + missing.size());
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
  if (e.handed_over)
    return fail(path_ + ": org '" + it->second + "' took its account over at height " +
                std::to_string(e.handed_over->height) + " (now key " + e.handed_over->key.hex() +
                "); the keystore no longer holds its key");
  auto key = crypto::SecretKey::from_seed(e.seed);
  if (key.public_key() != a.key)
    return fail(path_ + ": the seed of org '" + it->second + "' does not belong to account " + a.to_string());
  return key;
}

Status RirKeystore::hand_over(const std::string& org, const HandOver& h) {
  auto it = by_org_.find(org);
  if (it == by_org_.end()) return fail(path_ + ": no organisation '" + org + "'");
  sodium_memzero(it->second.seed.data(), it->second.seed.size());
  it->second.handed_over = h;
  dirty_ = true;
  return {};
}

std::optional<HandOver> RirKeystore::handed_over(const std::string& org) const {
  auto it = by_org_.find(org);
  if (it == by_org_.end()) return std::nullopt;
  return it->second.handed_over;
}

size_t RirKeystore::handed_over_count() const {
  size_t n = 0;
  for (const auto& [org, e] : by_org_) n += e.handed_over.has_value();
  return n;
}

Status RirKeystore::save() {
  std::error_code ec;
  if (created_ == 0 && !dirty_ && std::filesystem::exists(path_, ec)) return {};
  json header = {{"type", kType}, {"version", cipher_ ? 2 : 1}};
  if (cipher_) {
    const auto& kdf = cipher_->kdf();
    header["encryption"] = crypto::KeystoreCipher::kName;
    header["kdf"] = {{"opslimit", kdf.opslimit}, {"memlimit", kdf.memlimit}, {"salt", to_hex(kdf.salt)}};
    header["check"] = to_hex(cipher_->check());
  } else {
    header["encryption"] = "none";
    header["warning"] = "unencrypted testnet keys";
  }
  std::string text = header.dump() + "\n";
  for (const auto& [org, e] : by_org_) {
    json line = {{"org", org}, {"account", e.account.to_string()}};
    if (e.handed_over) {
      line["handed_over"] = hand_over_json(*e.handed_over);
    } else if (cipher_) {
      auto s = cipher_->seal(org, e.account.key, e.seed);
      line["nonce"] = to_hex(s.nonce);
      line["ciphertext"] = to_hex(s.ciphertext);
    } else {
      line["seed"] = to_hex(e.seed);
    }
    text += line.dump() + "\n";
    if (line.contains("seed")) sodium_memzero(line["seed"].get_ref<std::string&>().data(), 64);
  }
  Status st = crypto::replace_file(path_, as_bytes(text), 0600);
  sodium_memzero(text.data(), text.size());
  if (!st) return st;
  created_ = 0;
  dirty_ = false;
  return {};
}

}  // namespace nl::ledger
