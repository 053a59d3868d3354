#include "crypto/key_file.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "crypto/basics/durable_file.h"
#include "crypto/basics/json_fields.h"

namespace nl::crypto {

namespace {

using nlohmann::json;

constexpr const char* kType = "numledger-key";
constexpr const char* kEncNone = "none";
constexpr const char* kEncArgon = "argon2id+xchacha20poly1305";
constexpr const char* kPassEnv = "NUMLEDGER_PASSPHRASE";
// A key file is a few hundred bytes; refuse to slurp anything much larger.
constexpr size_t kMaxFileBytes = 64 * 1024;

static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);

// Wipes a byte buffer on every exit path.
template <class Buf>
struct Wipe {
  Buf& b;
  ~Wipe() { sodium_memzero(b.data(), b.size()); }
};

std::string sys_error(const std::string& path, const std::string& what) {
  return path + ": " + what + ": " + std::strerror(errno);
}

Result<std::string> read_small_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(sys_error(path, "cannot open key file"));
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string e = sys_error(path, "cannot read key file");
      ::close(fd);
      return fail(e);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > kMaxFileBytes) {
      ::close(fd);
      return fail(path + ": not a numledger key file: larger than 64 KiB");
    }
  }
  ::close(fd);
  return out;
}

// A fixed-size hex field of the key file, or a reason it is unusable.
template <size_t N>
Result<std::array<uint8_t, N>> hex_field(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return fail(std::string("missing field \"") + name + "\"");
  auto bytes = nl::from_hex(it->get_ref<const std::string&>());
  if (!bytes || bytes->size() != N)
    return fail(std::string("field \"") + name + "\" is not " + std::to_string(N) + " bytes of hex");
  std::array<uint8_t, N> out;
  std::memcpy(out.data(), bytes->data(), N);
  sodium_memzero(bytes->data(), bytes->size());
  return out;
}

Result<uint64_t> uint_field(const json& j, const char* name) {
  return json_uint_member(j, name, std::string("field \"") + name + "\"");
}

struct Parsed {
  json doc;
  PublicKey pk;
  std::string encryption;
};

// Checks the envelope every key file shares; errors name the file.
Result<Parsed> parse_key_file(const std::string& path) {
  auto text = read_small_file(path);
  if (!text) return text.take_error();
  const std::string bad = path + ": not a numledger key file: ";
  Parsed p;
  p.doc = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (p.doc.is_discarded()) return fail(bad + "invalid JSON");
  if (!p.doc.is_object()) return fail(bad + "not a JSON object");
  auto type = p.doc.find("type");
  if (type == p.doc.end() || !type->is_string() || type->get_ref<const std::string&>() != kType)
    return fail(bad + "\"type\" is not \"" + kType + "\"");
  auto version = uint_field(p.doc, "version");
  if (!version) return fail(bad + version.error());
  if (*version != 1) return fail(bad + "unsupported version " + std::to_string(*version));
  auto pk = hex_field<32>(p.doc, "public_key");
  if (!pk) return fail(bad + pk.error());
  p.pk.b = *pk;
  auto enc = p.doc.find("encryption");
  if (enc == p.doc.end() || !enc->is_string()) return fail(bad + "missing field \"encryption\"");
  p.encryption = enc->get<std::string>();
  if (p.encryption != kEncNone && p.encryption != kEncArgon)
    return fail(bad + "unknown encryption \"" + p.encryption + "\"");
  return p;
}

Result<std::string> resolve_passphrase(const std::string& path, const std::optional<std::string>& given,
                                       const PassphrasePrompt& prompt) {
  if (given) return *given;
  if (const char* env = std::getenv(kPassEnv)) return std::string(env);
  if (prompt) return prompt(path);
  return fail(path + ": key file is encrypted and no passphrase was given; set " + kPassEnv);
}

// Argon2id over the passphrase; fails only when memory runs out.
Status derive_key(std::array<uint8_t, 32>& key, const std::string& passphrase,
                  const std::array<uint8_t, crypto_pwhash_SALTBYTES>& salt, uint64_t ops,
                  uint64_t mem) {
  if (crypto_pwhash(key.data(), key.size(), passphrase.data(), passphrase.size(), salt.data(),
                    ops, static_cast<size_t>(mem), crypto_pwhash_ALG_ARGON2ID13) != 0)
    return fail("key derivation failed (out of memory?)");
  return {};
}

}  // namespace

Status save_key_file(const std::string& path, const SecretKey& key,
                     const std::optional<std::string>& passphrase) {
  init();
  json doc;
  doc["type"] = kType;
  doc["version"] = 1;
  doc["public_key"] = key.public_key().hex();
  if (!passphrase) {
    doc["encryption"] = kEncNone;
    doc["warning"] = "unencrypted testnet key";
    doc["seed"] = to_hex(key.seed());
  } else {
    if (passphrase->empty())
      return fail(path + ": empty passphrase; save without one for an unencrypted testnet key");
    const uint64_t ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    const uint64_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    std::array<uint8_t, crypto_pwhash_SALTBYTES> salt;
    std::array<uint8_t, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES> nonce;
    randombytes_buf(salt.data(), salt.size());
    randombytes_buf(nonce.data(), nonce.size());
    std::array<uint8_t, 32> k{};
    Wipe<std::array<uint8_t, 32>> wipe{k};
    if (auto s = derive_key(k, *passphrase, salt, ops, mem); !s) return fail(path + ": " + s.error());
    std::array<uint8_t, 32 + crypto_aead_xchacha20poly1305_ietf_ABYTES> ct;
    const auto& pk = key.public_key().b;
    // The public key is associated data, so it cannot be swapped silently.
    crypto_aead_xchacha20poly1305_ietf_encrypt(ct.data(), nullptr, key.seed().data(),
                                               key.seed().size(), pk.data(), pk.size(), nullptr,
                                               nonce.data(), k.data());
    doc["encryption"] = kEncArgon;
    doc["kdf"] = {{"opslimit", ops}, {"memlimit", mem}, {"salt", to_hex(salt)}};
    doc["nonce"] = to_hex(nonce);
    doc["ciphertext"] = to_hex(ct);
  }
  std::string text = doc.dump(2) + "\n";
  Wipe<std::string> wipe_text{text};

  // O_EXCL makes the no-overwrite check atomic; fchmod pins the mode
  // whatever the umask.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return fail(path + ": already exists; refusing to overwrite a key file");
    return fail(sys_error(path, "cannot create key file"));
  }
  Status st = write_all(fd, as_bytes(text), path);
  if (st && ::fchmod(fd, 0600) != 0) st = fail(sys_error(path, "chmod failed"));
  if (st && ::fsync(fd) != 0) st = fail(sys_error(path, "fsync failed"));
  if (::close(fd) != 0 && st) st = fail(sys_error(path, "close failed"));
  if (!st) {
    ::unlink(path.c_str());
    return st;
  }
  // Make the new directory entry durable too; the key itself is written.
  (void)sync_parent_dir(path);
  return {};
}

Result<SecretKey> load_key_file(const std::string& path, const std::optional<std::string>& passphrase,
                                const PassphrasePrompt& prompt) {
  init();
  auto parsed = parse_key_file(path);
  if (!parsed) return parsed.take_error();
  const json& doc = parsed->doc;
  const std::string bad = path + ": not a numledger key file: ";
  std::array<uint8_t, 32> seed{};
  Wipe<std::array<uint8_t, 32>> wipe_seed{seed};

  if (parsed->encryption == kEncNone) {
    auto s = hex_field<32>(doc, "seed");
    if (!s) return fail(bad + s.error());
    seed = *s;
    sodium_memzero(s->data(), s->size());
  } else {
    auto kdf = doc.find("kdf");
    if (kdf == doc.end() || !kdf->is_object()) return fail(bad + "missing field \"kdf\"");
    auto ops = uint_field(*kdf, "opslimit");
    if (!ops) return fail(bad + ops.error());
    auto mem = uint_field(*kdf, "memlimit");
    if (!mem) return fail(bad + mem.error());
    // A hostile file must not make us burn gigabytes or hours.
    if (*ops < crypto_pwhash_OPSLIMIT_MIN || *ops > crypto_pwhash_OPSLIMIT_MODERATE ||
        *mem < crypto_pwhash_MEMLIMIT_MIN || *mem > crypto_pwhash_MEMLIMIT_MODERATE)
      return fail(bad + "kdf parameters out of the accepted range");
    auto salt = hex_field<crypto_pwhash_SALTBYTES>(*kdf, "salt");
    if (!salt) return fail(bad + salt.error());
    auto nonce = hex_field<crypto_aead_xchacha20poly1305_ietf_NPUBBYTES>(doc, "nonce");
    if (!nonce) return fail(bad + nonce.error());
    auto ct = hex_field<32 + crypto_aead_xchacha20poly1305_ietf_ABYTES>(doc, "ciphertext");
    if (!ct) return fail(bad + ct.error());

    auto pass = resolve_passphrase(path, passphrase, prompt);
    if (!pass) return pass.take_error();
    Wipe<std::string> wipe_pass{*pass};
    std::array<uint8_t, 32> k{};
    Wipe<std::array<uint8_t, 32>> wipe_k{k};
    if (auto s = derive_key(k, *pass, *salt, *ops, *mem); !s) return fail(path + ": " + s.error());
    const auto& pk = parsed->pk.b;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(seed.data(), nullptr, nullptr, ct->data(),
                                                   ct->size(), pk.data(), pk.size(),
                                                   nonce->data(), k.data()) != 0)
      return fail(path + ": wrong passphrase (decryption failed)");
  }
  SecretKey key = SecretKey::from_seed(seed);
  if (key.public_key() != parsed->pk)
    return fail(path + ": corrupt key file: public key does not match the secret seed");
  return key;
}

Result<PublicKey> read_key_file_public(const std::string& path) {
  auto parsed = parse_key_file(path);
  if (!parsed) return parsed.take_error();
  return parsed->pk;
}

}  // namespace nl::crypto
