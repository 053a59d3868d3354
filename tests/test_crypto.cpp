#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "crypto/basics/bytes.h"
#include "crypto/domain_tags.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "crypto/key_file.h"
#include "crypto/merkle.h"

using namespace nl;
using namespace nl::crypto;
namespace fs = std::filesystem;

namespace {

Bytes hex(std::string_view s) {
  auto b = from_hex(s);
  REQUIRE(b);
  return *b;
}

template <size_t N>
std::array<uint8_t, N> hex_array(std::string_view s) {
  Bytes b = hex(s);
  REQUIRE(b.size() == N);
  std::array<uint8_t, N> a;
  std::copy(b.begin(), b.end(), a.begin());
  return a;
}

// A fresh directory per test, removed on scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path = fs::temp_directory_path() /
           ("nl-test-crypto-" + std::to_string(::getpid()) + "-" + std::to_string(stamp) + "-" +
            std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const char* name) const { return (path / name).string(); }
};

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct Rfc8032Vector {
  const char* seed;
  const char* pk;
  const char* msg;
  const char* sig;
};

// RFC 8032 section 7.1, TEST 1, 2 and 3.
const Rfc8032Vector kRfc8032[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
     "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
};

}  // namespace

TEST_CASE("ed25519: RFC 8032 test vectors 1-3") {
  for (const auto& v : kRfc8032) {
    CAPTURE(v.pk);
    SecretKey sk = SecretKey::from_seed(hex_array<32>(v.seed));
    CHECK(sk.public_key().hex() == v.pk);
    Bytes msg = hex(v.msg);
    Signature sig = sk.sign(msg);
    CHECK(sig.hex() == v.sig);
    CHECK(verify(sk.public_key(), msg, sig));

    Signature flipped = sig;
    flipped.b[10] ^= 0x01;
    CHECK_FALSE(verify(sk.public_key(), msg, flipped));
    Bytes other = msg;
    other.push_back(0x00);
    CHECK_FALSE(verify(sk.public_key(), other, sig));
    PublicKey wrong = sk.public_key();
    wrong.b[0] ^= 0x80;
    CHECK_FALSE(verify(wrong, msg, sig));
  }
}

TEST_CASE("hash: SHA-256 known answer and tagged hashing") {
  CHECK(sha256(as_bytes("abc")).hex() ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256(as_bytes("")).hex() ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // FIPS 180-4's two-block example, and a million 'a' fed in uneven pieces
  // across block boundaries (the CPU's SHA instructions take whole blocks).
  CHECK(sha256(as_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).hex() ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const std::string as(1000000, 'a');
  TaggedHasher streamed("");
  for (size_t at = 0, step = 1; at < as.size(); at += step, step = step % 97 + 1)
    streamed.add(as_bytes(std::string_view(as).substr(at, step)));
  // tagged_hash with the empty tag prefixes one zero byte.
  CHECK(streamed.finish() == sha256(as_bytes(std::string(1, '\0') + as)));
  CHECK(sha256(as_bytes(as)).hex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

  Hash32 a = tagged_hash(tags::kTxLeaf, as_bytes("payload"));
  Hash32 b = tagged_hash(tags::kStateLeaf, as_bytes("payload"));
  CHECK(a != b);
  CHECK(a != sha256(as_bytes("payload")));
  // tagged_hash is SHA-256(u8 len(tag) || tag || data).
  std::string framed = std::string(1, static_cast<char>(tags::kTxLeaf.size())) +
                       std::string(tags::kTxLeaf) + "payload";
  CHECK(a == sha256(as_bytes(framed)));
  // The incremental form agrees with the one-shot form.
  CHECK(TaggedHasher(tags::kTxLeaf).add(as_bytes("pay")).add(as_bytes("load")).finish() == a);
  CHECK(tagged_hash2(tags::kTxNode, a, b) != tagged_hash2(tags::kTxNode, b, a));
}

TEST_CASE("hex: round trip and rejection of bad input") {
  Bytes all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<uint8_t>(i);
  auto back = from_hex(to_hex(all));
  REQUIRE(back);
  CHECK(*back == all);
  CHECK(from_hex("DEADbeef") == Bytes{0xde, 0xad, 0xbe, 0xef});
  CHECK(from_hex("")->empty());
  CHECK_FALSE(from_hex("abc"));   // odd length
  CHECK_FALSE(from_hex("zz"));    // not hex
  CHECK_FALSE(from_hex("0x12"));  // no prefixes
  CHECK_FALSE(from_hex(" 12"));

  Hash32 h = sha256(as_bytes("x"));
  CHECK(Hash32::from_hex(h.hex()) == h);
  CHECK_FALSE(Hash32::from_hex("00"));
  CHECK(Hash32{}.is_zero());
  CHECK_FALSE(h.is_zero());
}

TEST_CASE("merkle_root: empty, one and three leaves") {
  CHECK(merkle_root(tags::kTxNode, {}).is_zero());
  Hash32 a = tagged_hash(tags::kTxLeaf, as_bytes("a"));
  Hash32 b = tagged_hash(tags::kTxLeaf, as_bytes("b"));
  Hash32 c = tagged_hash(tags::kTxLeaf, as_bytes("c"));
  Hash32 d = tagged_hash(tags::kTxLeaf, as_bytes("d"));
  CHECK(merkle_root(tags::kTxNode, {a}) == a);
  CHECK(merkle_root(tags::kTxNode, {a, b}) == tagged_hash2(tags::kTxNode, a, b));
  // The odd third leaf is promoted unchanged, not paired with itself.
  CHECK(merkle_root(tags::kTxNode, {a, b, c}) ==
        tagged_hash2(tags::kTxNode, tagged_hash2(tags::kTxNode, a, b), c));
  CHECK(merkle_root(tags::kTxNode, {a, b, c, d}) ==
        tagged_hash2(tags::kTxNode, tagged_hash2(tags::kTxNode, a, b),
                     tagged_hash2(tags::kTxNode, c, d)));
  CHECK(merkle_root(tags::kTxNode, {a, b, c}) != merkle_root(tags::kTxNode, {a, b, c, c}));
  CHECK(merkle_root(tags::kTxNode, {b, a}) != merkle_root(tags::kTxNode, {a, b}));
}

TEST_CASE("key file: unencrypted round trip, mode 0600") {
  TempDir dir;
  std::string path = dir.file("plain.key");
  SecretKey sk = SecretKey::generate();
  REQUIRE(save_key_file(path, sk, std::nullopt).ok());

  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  std::string text = read_text(path);
  CHECK(text.find("\"encryption\": \"none\"") != std::string::npos);
  CHECK(text.find("unencrypted testnet key") != std::string::npos);

  auto loaded = load_key_file(path);
  REQUIRE_MESSAGE(loaded.ok(), (loaded.ok() ? "" : loaded.error()));
  CHECK(loaded->seed() == sk.seed());
  CHECK(loaded->public_key() == sk.public_key());
  auto pub = read_key_file_public(path);
  REQUIRE(pub.ok());
  CHECK(*pub == sk.public_key());
}

TEST_CASE("key file: encrypted round trip and wrong passphrase") {
  TempDir dir;
  std::string path = dir.file("enc.key");
  SecretKey sk = SecretKey::generate();
  REQUIRE(save_key_file(path, sk, std::string("correct horse")).ok());

  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  std::string text = read_text(path);
  CHECK(text.find("argon2id+xchacha20poly1305") != std::string::npos);
  CHECK(text.find(to_hex(sk.seed())) == std::string::npos);

  auto pub = read_key_file_public(path);
  REQUIRE(pub.ok());
  CHECK(*pub == sk.public_key());

  auto loaded = load_key_file(path, std::string("correct horse"));
  REQUIRE_MESSAGE(loaded.ok(), (loaded.ok() ? "" : loaded.error()));
  CHECK(loaded->seed() == sk.seed());

  auto wrong = load_key_file(path, std::string("battery staple"));
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error() == path + ": wrong passphrase (decryption failed)");

  // The environment variable is the fallback when no argument is given.
  ::setenv("NUMLEDGER_PASSPHRASE", "correct horse", 1);
  auto from_env = load_key_file(path);
  ::unsetenv("NUMLEDGER_PASSPHRASE");
  REQUIRE_MESSAGE(from_env.ok(), (from_env.ok() ? "" : from_env.error()));
  CHECK(from_env->public_key() == sk.public_key());

  CHECK_FALSE(save_key_file(dir.file("empty.key"), sk, std::string()).ok());
}

TEST_CASE("key file: refuses to overwrite") {
  TempDir dir;
  std::string path = dir.file("k.key");
  SecretKey first = SecretKey::generate();
  REQUIRE(save_key_file(path, first, std::nullopt).ok());
  auto again = save_key_file(path, SecretKey::generate(), std::nullopt);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().find("refusing to overwrite") != std::string::npos);
  auto loaded = load_key_file(path);
  REQUIRE(loaded.ok());
  CHECK(loaded->public_key() == first.public_key());
}

TEST_CASE("key file: missing, garbage, truncated and corrupt files are errors") {
  TempDir dir;
  // `envelope_bad`: even the public key cannot be read.
  auto expect_error = [](const std::string& path, const std::string& needle,
                         bool envelope_bad = true) {
    auto r = load_key_file(path, std::string("pw"));
    REQUIRE_FALSE(r.ok());
    CHECK_MESSAGE(r.error().find(needle) != std::string::npos, r.error());
    if (envelope_bad) CHECK_FALSE(read_key_file_public(path).ok());
  };

  expect_error(dir.file("absent.key"), "cannot open");

  std::string garbage = dir.file("garbage.key");
  std::string bin(300, '\0');
  for (size_t i = 0; i < bin.size(); ++i) bin[i] = static_cast<char>(i * 37 + 11);
  write_text(garbage, bin);
  expect_error(garbage, ": not a numledger key file: ");

  SecretKey sk = SecretKey::generate();
  std::string good = dir.file("good.key");
  REQUIRE(save_key_file(good, sk, std::string("pw")).ok());
  std::string text = read_text(good);
  for (size_t cut : {size_t{0}, size_t{1}, text.size() / 3, text.size() / 2, text.size() - 3}) {
    std::string p = dir.file(("trunc" + std::to_string(cut) + ".key").c_str());
    write_text(p, text.substr(0, cut));
    expect_error(p, "not a numledger key file");
  }

  // Well-formed JSON of the wrong shape.
  for (const char* doc : {"[]", "42", "{}", "{\"type\":\"numledger-key\"}",
                          "{\"type\":\"numledger-key\",\"version\":2}",
                          "{\"type\":\"numledger-key\",\"version\":1,\"public_key\":\"zz\"}",
                          "{\"type\":\"numledger-key\",\"version\":\"1\"}"}) {
    std::string p = dir.file("shape.key");
    fs::remove(p);
    write_text(p, doc);
    expect_error(p, "not a numledger key file");
  }

  // A hostile KDF cost is refused before any work is done.
  {
    auto j = text;
    auto at = j.find("\"memlimit\": ");
    REQUIRE(at != std::string::npos);
    auto end = j.find_first_of(",\n}", at + 12);
    j.replace(at, end - at, "\"memlimit\": 1099511627776");
    std::string p = dir.file("hostile.key");
    write_text(p, j);
    expect_error(p, "kdf parameters", false);
  }

  // A public key that does not match the seed is reported as corrupt.
  {
    std::string plain = dir.file("plain.key");
    REQUIRE(save_key_file(plain, sk, std::nullopt).ok());
    std::string j = read_text(plain);
    std::string other = SecretKey::generate().public_key().hex();
    auto at = j.find(sk.public_key().hex());
    REQUIRE(at != std::string::npos);
    j.replace(at, other.size(), other);
    std::string p = dir.file("swapped.key");
    write_text(p, j);
    expect_error(p, "corrupt", false);
  }
}
