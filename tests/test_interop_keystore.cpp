// The import keystore encrypted per organisation, and the hand-over: an
// imported organisation's key handed to it under a passphrase of its own,
// then its rotation to its own key committed by a real numledgerd, recorded
// in the keystore (which forgets the seed) and carried in the custody chain
// of its proofs.
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "crypto/key_file.h"
#include "crypto/keystore_cipher.h"
#include "ledger/interop/rir_keystore.h"
#include "support/fixtures.h"
#include "support/node_wait.h"
#include "support/process.h"
#include "support/rir_data.h"

using namespace nl;
using namespace nl::ledger;
using namespace nl::test;
using nlohmann::json;

namespace {

const std::string kCli = NL_BIN_DIR "/numledger";
const std::string kNode = NL_BIN_DIR "/numledgerd";
const std::string kPass = "keystore passphrase 1";

std::string seed_hex(RirKeystore& ks, const std::string& org) { return to_hex(ks.key(*ks.find(org))->seed()); }

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("keystore: sealed per organisation; a wrong passphrase, a moved or altered entry are refused") {
  TempDir dir("nl-keystore");
  std::string a_seed, b_seed;
  {
    auto ks = RirKeystore::open(dir / "ks", kPass);
    REQUIRE(ks.ok());
    CHECK(ks->encrypted());
    ks->account("afrinic-A");
    ks->generate({"afrinic-B", "afrinic-C"}, 2);
    a_seed = seed_hex(*ks, "afrinic-A");
    b_seed = seed_hex(*ks, "afrinic-B");
    REQUIRE(ks->save().ok());
  }
  const std::string file = dir / "ks/keystore.jsonl";
  const std::string text = slurp(file);
  CHECK_FALSE(has(text, a_seed));  // no seed in the clear
  CHECK_FALSE(has(text, b_seed));
  CHECK_FALSE(has(text, "\"seed\""));
  CHECK(has(text, "\"version\":2"));
  CHECK(RirKeystore::is_encrypted(dir / "ks"));
  const auto mode = std::filesystem::status(file).permissions() & std::filesystem::perms::all;
  CHECK(mode == (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));

  auto again = RirKeystore::open(dir / "ks", kPass);
  REQUIRE_MESSAGE(again.ok(), again.error());
  CHECK(again->size() == 3);
  CHECK(seed_hex(*again, "afrinic-A") == a_seed);

  auto none = RirKeystore::open(dir / "ks");
  REQUIRE_FALSE(none.ok());
  CHECK_MESSAGE(has(none.error(), "encrypted and no passphrase was given; set NUMLEDGER_KEYSTORE_PASSPHRASE"),
                none.error());
  auto wrong = RirKeystore::open(dir / "ks", std::string("another passphrase"));
  REQUIRE_FALSE(wrong.ok());
  CHECK_MESSAGE(has(wrong.error(), "wrong keystore passphrase"), wrong.error());

  // Org B's sealed seed put on org A's line: A's key does not open it.
  std::vector<std::string> lines;
  {
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
  }
  REQUIRE(lines.size() == 4);
  json a = json::parse(lines[1]), b = json::parse(lines[2]);
  REQUIRE(a["org"] == "afrinic-A");
  a["nonce"] = b["nonce"];
  a["ciphertext"] = b["ciphertext"];
  write_text(file, lines[0] + "\n" + a.dump() + "\n" + lines[2] + "\n" + lines[3] + "\n");
  auto moved = RirKeystore::open(dir / "ks", kPass);
  REQUIRE_FALSE(moved.ok());
  CHECK_MESSAGE(has(moved.error(), file + ":2: org 'afrinic-A': the sealed seed does not open"), moved.error());
  // A hostile header cannot ask for gigabytes of Argon2id memory.
  json h = json::parse(lines[0]);
  h["kdf"]["memlimit"] = uint64_t{1} << 40;
  write_text(file, h.dump() + "\n");
  auto greedy = RirKeystore::open(dir / "ks", kPass);
  REQUIRE_FALSE(greedy.ok());
  CHECK_MESSAGE(has(greedy.error(), "kdf parameters out of the accepted range"), greedy.error());
}

TEST_CASE("keystore: one org's sealing key is its own; an unencrypted keystore is encrypted when a passphrase is given") {
  auto c = crypto::KeystoreCipher::derive(kPass, crypto::KeystoreCipher::fresh_kdf());
  REQUIRE(c.ok());
  CHECK(c->org_key("afrinic-A") != c->org_key("afrinic-B"));
  CHECK(c->org_key("afrinic-A") != c->check());
  const auto seed = seeded_key(7).seed();
  const auto pk = seeded_key(7).public_key();
  auto sealed = c->seal("afrinic-A", pk, seed);
  CHECK(c->open("afrinic-A", pk, sealed).value() == seed);
  CHECK_FALSE(c->open("afrinic-B", pk, sealed).ok());               // another org
  CHECK_FALSE(c->open("afrinic-A", seeded_key(8).public_key(), sealed).ok());  // another account
  sealed.ciphertext[0] ^= 1;
  CHECK_FALSE(c->open("afrinic-A", pk, sealed).ok());

  TempDir dir("nl-keystore-upgrade");
  std::string seed_a;
  {
    auto ks = RirKeystore::open(dir / "ks");
    REQUIRE(ks.ok());
    CHECK_FALSE(ks->encrypted());
    ks->account("afrinic-A");
    seed_a = seed_hex(*ks, "afrinic-A");
    REQUIRE(ks->save().ok());
  }
  CHECK(has(slurp(dir / "ks/keystore.jsonl"), seed_a));
  CHECK_FALSE(RirKeystore::is_encrypted(dir / "ks"));
  {
    auto ks = RirKeystore::open(dir / "ks", kPass);
    REQUIRE(ks.ok());
    CHECK(ks->encrypted());
    REQUIRE(ks->save().ok());
  }
  CHECK_FALSE(has(slurp(dir / "ks/keystore.jsonl"), seed_a));
  auto ks = RirKeystore::open(dir / "ks", kPass);
  REQUIRE(ks.ok());
  CHECK(seed_hex(*ks, "afrinic-A") == seed_a);

  // A hand-over forgets the seed and survives a save.
  const AccountId a = *ks->find("afrinic-A");
  REQUIRE(ks->hand_over("afrinic-A", {seeded_key(9).public_key(), crypto::sha256(as_bytes("tx")), 12}).ok());
  REQUIRE(ks->save().ok());
  auto after = RirKeystore::open(dir / "ks", kPass);
  REQUIRE(after.ok());
  CHECK(after->find("afrinic-A") == a);
  REQUIRE(after->handed_over("afrinic-A"));
  CHECK(after->handed_over("afrinic-A")->height == 12);
  CHECK(after->handed_over("afrinic-A")->key == seeded_key(9).public_key());
  auto key = after->key(a);
  REQUIRE_FALSE(key.ok());
  CHECK_MESSAGE(has(key.error(), "took its account over at height 12"), key.error());
}

TEST_CASE("import rir encrypts the keystore; import key hands one org its key; import handover commits its rotation") {
  TempDir dir("nl-handover");
  write_text(dir / "stats", "2|afrinic|20240101|3|19700101|20240101|+0000\n"
                            "afrinic|ZA|ipv4|41.0.0.0|1024|20200101|allocated|ORG1\n"
                            "afrinic|KE|ipv4|41.0.4.0|1024|20200101|allocated|ORG2\n"
                            "afrinic|NG|ipv4|41.0.8.0|1024|20200101|allocated|ORG3\n");
  const std::string validator_key = dir / "validator.key";
  REQUIRE(crypto::save_key_file(validator_key, seeded_key(100), std::nullopt).ok());
  const std::vector<std::string> ks_env = {"NUMLEDGER_KEYSTORE_PASSPHRASE=" + kPass};

  // Without a passphrase and without a terminal: a usage error naming both ways out.
  auto r = run({kCli, "import", "rir", dir / "stats", "--chain-id", "hand", "--validator", validator_key, "--out",
                dir / "g.json", "--keystore", dir / "ks"});
  CHECK(r.code == 2);
  CHECK_MESSAGE(has(r.err, "NUMLEDGER_KEYSTORE_PASSPHRASE"), r.err);
  CHECK_MESSAGE(has(r.err, "--no-passphrase"), r.err);
  CHECK_FALSE(std::filesystem::exists(dir / "g.json"));

  r = run({kCli, "import", "rir", dir / "stats", "--chain-id", "hand", "--validator", validator_key, "--out",
           dir / "g.json", "--keystore", dir / "ks", "--json"},
          ks_env);
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(json::parse(r.out)["keystore_encrypted"] == true);
  CHECK(RirKeystore::is_encrypted(dir / "ks"));
  // The keystore's passphrase must be right to read it at all.
  r = run({kCli, "import", "key", "--keystore", dir / "ks", "--org", "afrinic-ORG1", "--out", dir / "x.key"},
          {"NUMLEDGER_KEYSTORE_PASSPHRASE=wrong passphrase", "NUMLEDGER_PASSPHRASE=org one passphrase"});
  CHECK(r.code == 1);
  CHECK_MESSAGE(has(r.err, "wrong keystore passphrase"), r.err);

  r = run({kCli, "import", "key", "--keystore", dir / "nope", "--org", "afrinic-ORG1", "--out", dir / "x.key"}, ks_env);
  CHECK(r.code == 1);
  CHECK_MESSAGE(has(r.err, "no keystore here"), r.err);
  CHECK_FALSE(std::filesystem::exists(dir / "nope"));  // a mistyped directory is not created

  // Each org's key handed out under its own passphrase.
  std::vector<std::string> env1 = ks_env, env2 = ks_env;
  env1.push_back("NUMLEDGER_PASSPHRASE=org one passphrase");
  env2.push_back("NUMLEDGER_PASSPHRASE=org two passphrase");
  r = run({kCli, "import", "key", "--keystore", dir / "ks", "--org", "afrinic-ORG1", "--out", dir / "org1.key", "--json"},
          env1);
  REQUIRE_MESSAGE(r.code == 0, r.err);
  const std::string org1 = json::parse(r.out)["account"];
  CHECK(json::parse(r.out)["encrypted"] == true);
  r = run({kCli, "import", "key", "--keystore", dir / "ks", "--org", "ORG2", "--out", dir / "org2.key"}, env2);
  CHECK(r.code == 1);
  CHECK_MESSAGE(has(r.err, "did you mean 'afrinic-ORG2'"), r.err);
  r = run({kCli, "import", "key", "--keystore", dir / "ks", "--org", "afrinic-ORG2", "--out", dir / "org2.key"}, env2);
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK_FALSE(crypto::load_key_file(dir / "org1.key", std::string("org two passphrase")).ok());
  CHECK_FALSE(crypto::load_key_file(dir / "org1.key", kPass).ok());
  auto k1 = crypto::load_key_file(dir / "org1.key", std::string("org one passphrase"));
  REQUIRE(k1.ok());
  CHECK(AccountId{k1->public_key()}.to_string() == org1);
  // The orgs' own keys.
  for (const char* own : {"own1.key", "own2.key"}) {
    r = run({kCli, "key", "new", "--no-passphrase", "--out", dir / own});
    REQUIRE_MESSAGE(r.code == 0, r.err);
  }

  const int port = free_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  Daemon node;
  node.start({kNode, "--home", dir / "home", "--genesis", dir / "g.json", "--validator-key", validator_key,
              "--listen", "127.0.0.1:" + std::to_string(port)},
             dir / "node.log");
  REQUIRE_MESSAGE(api_answers(url, std::chrono::seconds(30)), node.log());

  // Not rotated yet: nothing to record.
  r = run({kCli, "import", "handover", "--keystore", dir / "ks", "--org", "afrinic-ORG3", "--node", url}, ks_env);
  CHECK(r.code == 1);
  CHECK_MESSAGE(has(r.err, "has not rotated yet"), r.err);

  // ORG1: the registry's operator runs the rotation with the org's own key.
  r = run({kCli, "import", "handover", "--keystore", dir / "ks", "--org", "afrinic-ORG1", "--new-key", dir / "own1.key",
           "--node", url, "--json"},
          ks_env);
  REQUIRE_MESSAGE(r.code == 0, r.err);
  json h = json::parse(r.out);
  CHECK(h["account"] == org1);
  CHECK(h["height"].get<uint64_t>() >= 1);
  CHECK(h["handed_over"] == 1);
  CHECK(h["key"] == crypto::read_key_file_public(dir / "own1.key")->hex());
  r = run({kCli, "import", "key", "--keystore", dir / "ks", "--org", "afrinic-ORG1", "--out", dir / "again.key"}, env1);
  CHECK(r.code == 1);
  CHECK_MESSAGE(has(r.err, "took its account over"), r.err);
  r = run({kCli, "import", "handover", "--keystore", dir / "ks", "--org", "afrinic-ORG1", "--new-key", dir / "own1.key",
           "--node", url},
          ks_env);
  CHECK(r.code == 1);
  CHECK_MESSAGE(has(r.err, "already took its account over"), r.err);

  // ORG2 rotates by itself with the key it was handed; the registry then records it.
  r = run({kCli, "tx", "rotate-key", "--key", dir / "org2.key", "--new-key", dir / "own2.key", "--node", url, "--out",
           dir / "r2.tx"},
          env2);
  REQUIRE_MESSAGE(r.code == 0, r.err);
  r = run({kCli, "tx", "submit", dir / "r2.tx", "--node", url});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  r = run({kCli, "import", "handover", "--keystore", dir / "ks", "--org", "afrinic-ORG2", "--node", url}, ks_env);
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK_MESSAGE(has(r.out, "2 of "), r.out);

  // The handed-out key no longer signs for ORG1; its own key does.
  r = run({kCli, "tx", "authorize", "41.0.0.0/22", "--asn", "AS36994", "--key", dir / "org1.key", "--node", url, "--out",
           dir / "old.tx"},
          env1);
  REQUIRE_MESSAGE(r.code == 0, r.err);
  r = run({kCli, "tx", "submit", dir / "old.tx", "--node", url});
  CHECK(r.code == 1);
  r = run({kCli, "tx", "authorize", "41.0.0.0/22", "--asn", "AS36994", "--key", dir / "own1.key", "--signer", org1, "--node",
           url, "--out", dir / "new.tx"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  r = run({kCli, "tx", "submit", dir / "new.tx", "--node", url});
  CHECK_MESSAGE(r.code == 0, r.err);

  // The rotations are in the custody chains of the two orgs' proofs.
  for (const char* range : {"41.0.0.0/22", "41.0.4.0/22"}) {
    CAPTURE(range);
    r = run({kCli, "proof", "get", range, "--node", url, "--out", dir / "p.proof"});
    REQUIRE_MESSAGE(r.code == 0, r.err);
    r = run({kCli, "proof", "verify", dir / "p.proof", "--genesis", dir / "g.json", "--json"});
    REQUIRE_MESSAGE(r.code == 0, r.err << r.out);
    CHECK(json::parse(r.out)["custody"]["key_changes"].get<uint64_t>() >= 1);
  }
  CHECK(node.kill(SIGTERM) == 0);
}
