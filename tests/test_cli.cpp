// The numledger command line, run as a real process: offline commands,
// transaction files, proof verification and exit codes. No node is started
// here; the end-to-end test covers the node-facing commands.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/key_file.h"
#include "ledger/chain.h"
#include "ledger/control_proof.h"
#include "ledger/genesis.h"
#include "ledger/transaction.h"
#include "support/cli_fixture.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace nl;
using namespace nl::test;

namespace {


// A chain named without a node: its id and genesis hash (any 32 bytes here).
const std::vector<std::string> kOffline = {"--chain-id", "testchain", "--genesis-hash", std::string(64, 'a'),
                                           "--nonce", "1"};

std::vector<std::string> cat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("cli: key new and key show agree on the account id") {
  Cli c;
  std::string id = c.new_key("a.key");
  CHECK(id.rfind("nl", 0) == 0);
  auto show = c.run({"key", "show", c.path("a.key")});
  CHECK(show.code == 0);
  CHECK(show.out == id + "\n");
  CHECK(ledger::AccountId::parse(id).ok());

  // Never overwrites a key file.
  auto again = c.run({"key", "new", "--out", c.path("a.key"), "--no-passphrase"});
  CHECK(again.code == 1);
  CHECK(contains(again.err, "a.key"));
  CHECK(c.run({"key", "show", c.path("a.key")}).out == id + "\n");

  // Encrypted with the passphrase from the environment; show needs none.
  auto enc = c.run({"key", "new", "--out", c.path("b.key")}, {{"NUMLEDGER_PASSPHRASE", "correct horse"}});
  REQUIRE_MESSAGE(enc.code == 0, enc.err);
  CHECK(c.run({"key", "show", c.path("b.key")}).out == enc.out);
  CHECK(crypto::load_key_file(c.path("b.key"), std::string("correct horse")).ok());

  // No passphrase source and no terminal: a usage error, nothing written.
  auto none = c.run({"key", "new", "--out", c.path("c.key")});
  CHECK(none.code == 2);
  CHECK(contains(none.err, "NUMLEDGER_PASSPHRASE"));
  CHECK(!fs::exists(c.path("c.key")));

  auto missing = c.run({"key", "show", c.path("nope.key")});
  CHECK(missing.code == 1);
  CHECK(contains(missing.err, "nope.key"));
}

TEST_CASE("cli: genesis new writes a genesis that loads") {
  Cli c;
  std::string v = c.new_key("v.key"), a = c.new_key("a.key");
  auto r = c.run({"genesis", "new", "--chain-id", "testchain", "--validator", v, "--root", "10.0.0.0/8=" + a,
                  "AS64496-AS64511=" + a, "--out", c.path("genesis.json"), "--time", "1700000000"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  auto g = ledger::Genesis::load(c.path("genesis.json"));
  REQUIRE(g.ok());
  CHECK(g->chain_id == "testchain");
  CHECK(g->genesis_time == 1700000000);
  REQUIRE(g->validators.validators.size() == 1);
  CHECK(ledger::AccountId{g->validators.validators[0].key}.to_string() == v);
  REQUIRE(g->roots.size() == 2);
  CHECK(g->roots[0].range.to_string() == "10.0.0.0/8");
  CHECK(contains(r.out, g->hash().hex()));

  // A key file may stand for its account.
  auto kf = c.run({"genesis", "new", "--chain-id", "x", "--validator", c.path("v.key"), "--root",
                   "10.0.0.0/8=" + c.path("a.key"), "--out", c.path("g2.json")});
  CHECK(kf.code == 0);

  // Overlapping roots, a bad account, an existing file, a missing option.
  auto overlap = c.run({"genesis", "new", "--chain-id", "x", "--validator", v, "--root", "10.0.0.0/8=" + a,
                        "10.1.0.0/16=" + a, "--out", c.path("g3.json")});
  CHECK(overlap.code == 2);
  CHECK(contains(overlap.err, "overlaps"));
  auto typo = v;
  typo[5] = typo[5] == 'a' ? 'b' : 'a';
  CHECK(c.run({"genesis", "new", "--chain-id", "x", "--validator", typo, "--root", "10.0.0.0/8=" + a, "--out",
               c.path("g4.json")}).code == 2);
  CHECK(c.run({"genesis", "new", "--chain-id", "x", "--validator", v, "--root", "10.0.0.0/8=" + a, "--out",
               c.path("genesis.json")}).code == 1);
  CHECK(c.run({"genesis", "new", "--chain-id", "x", "--validator", v, "--out", c.path("g5.json")}).code == 2);
}

TEST_CASE("cli: every transaction kind builds offline") {
  Cli c;
  std::string a = c.new_key("a.key"), b = c.new_key("b.key");
  c.new_key("new.key");
  auto acct = [](const std::string& s) { return *ledger::AccountId::parse(s); };
  auto build = [&](std::vector<std::string> args) {
    args = cat(cat(std::move(args), {"--key", c.path("a.key"), "--out", c.path("tx.json")}), kOffline);
    auto r = c.run(args);
    REQUIRE_MESSAGE(r.code == 0, r.err);
    auto tx = read_tx(c.path("tx.json"));
    CHECK(tx.chain_id == "testchain");
    CHECK(tx.nonce == 1);
    CHECK(tx.signer == acct(a));
    CHECK(tx.check_signatures().ok());
    return std::make_pair(tx, r);
  };
  auto range = [](const char* s) { return *ledger::Resource::parse(s); };

  auto [del, del_run] = build({"tx", "delegate", "10.1.0.0/16", "--to", b});
  CHECK(std::get<ledger::DelegateBody>(del.body) ==
        ledger::DelegateBody{range("10.1.0.0/16"), acct(b), ledger::HoldingKind::allocation, 0});
  CHECK(contains(del_run.out, del.id().hex()));

  auto [lease, _1] = build({"tx", "delegate", "10.2.0.0/16", "--to", b, "--kind", "lease", "--until",
                            "2027-01-01T00:00:00Z"});
  CHECK(std::get<ledger::DelegateBody>(lease.body).lease_until == 1798761600);
  auto [assign, _2] = build({"tx", "delegate", "AS64500", "--to", b, "--kind", "assignment"});
  CHECK(std::get<ledger::DelegateBody>(assign.body).kind == ledger::HoldingKind::assignment);

  auto [xfer, xfer_run] = build({"tx", "transfer", "10.3.0.0/16", "--to", b});
  CHECK(std::get<ledger::TransferBody>(xfer.body) == ledger::TransferBody{range("10.3.0.0/16"), acct(b)});
  CHECK(contains(xfer_run.out, "must co-sign"));
  CHECK(!xfer.signed_by(acct(b).key));

  auto [ret, _3] = build({"tx", "return", "10.4.0.0/16"});
  CHECK(std::get<ledger::ReturnBody>(ret.body).range == range("10.4.0.0/16"));
  auto [rev, _4] = build({"tx", "revoke", "10.2.0.0/16"});
  CHECK(std::get<ledger::RevokeBody>(rev.body).range == range("10.2.0.0/16"));
  auto [renew, _5] = build({"tx", "renew", "10.2.0.0/16", "--until", "1800000000"});
  CHECK(std::get<ledger::RenewBody>(renew.body).until == 1800000000);

  auto [auth, _6] = build({"tx", "authorize", "10.1.0.0/16", "--asn", "AS64496"});
  CHECK(std::get<ledger::AuthorizeBody>(auth.body) == ledger::AuthorizeBody{range("10.1.0.0/16"), 16, 64496});
  auto [auth6, _7] = build({"tx", "authorize", "2001:db8::/32", "--asn", "64497", "--max-length", "48"});
  CHECK(std::get<ledger::AuthorizeBody>(auth6.body).max_length == 48);
  auto [wd, _8] = build({"tx", "withdraw", "10.1.0.0/16", "--asn", "AS64496", "--max-length", "24"});
  CHECK(std::get<ledger::WithdrawBody>(wd.body) == ledger::WithdrawBody{range("10.1.0.0/16"), 24, 64496});

  auto [meta, _9] = build({"tx", "set-metadata", "10.0.0.0/8", "--name", "Example Net", "--country", "nl",
                           "--abuse-contact", "abuse@example.net"});
  const auto& m = std::get<ledger::SetMetadataBody>(meta.body).meta;
  CHECK(m.name == "Example Net");
  CHECK(m.country == "NL");
  CHECK(m.abuse_contact == "abuse@example.net");

  auto [rot, _10] = build({"tx", "rotate-key", "--new-key", c.path("new.key")});
  auto new_pk = crypto::read_key_file_public(c.path("new.key"));
  REQUIRE(new_pk.ok());
  CHECK(std::get<ledger::RotateKeyBody>(rot.body).new_key == *new_pk);
  CHECK(rot.signed_by(*new_pk));
  CHECK(rot.signed_by(acct(a).key));

  // Key recovery: accounts or key files name the recovery accounts.
  auto [setrec, _11] = build({"tx", "set-recovery", "--recovery", b, "--recovery", c.path("new.key"), "--threshold",
                              "2", "--delay", "30d"});
  const auto& pol = std::get<ledger::SetRecoveryBody>(setrec.body);
  CHECK(pol.threshold == 2);
  CHECK(pol.accounts.size() == 2);
  CHECK(pol.delay == 30 * 86400);
  CHECK(std::is_sorted(pol.accounts.begin(), pol.accounts.end()));
  auto [rec, rec_run] = build({"tx", "recover", b, "--new-key", c.path("new.key")});
  CHECK(std::get<ledger::RecoverBody>(rec.body) == ledger::RecoverBody{acct(b), *new_pk});
  CHECK(contains(rec_run.out, "the new key " + ledger::AccountId{*new_pk}.to_string() + " must co-sign"));
  CHECK(contains(rec_run.out, "the other recovery accounts co-sign"));
  auto [cancel, _12] = build({"tx", "cancel-recovery"});
  CHECK(std::holds_alternative<ledger::CancelRecoveryBody>(cancel.body));
  // Durations and thresholds out of bounds are usage errors.
  for (auto bad : std::vector<std::vector<std::string>>{
           {"--delay", "30x", "--recovery", b}, {"--delay", "59m", "--recovery", b},
           {"--delay", "1d", "--recovery", b, "--threshold", "2"}, {"--delay", "1d", "--recovery", "nope"}}) {
    auto r = c.run(cat(cat(cat({"tx", "set-recovery"}, bad), {"--key", c.path("a.key"), "--out", c.path("x.json")}),
                       kOffline));
    CHECK_MESSAGE(r.code == 2, r.err);
  }
}

TEST_CASE("cli: tx builders refuse bad arguments with a usage error") {
  Cli c;
  std::string b = c.new_key("b.key");
  c.new_key("a.key");
  auto with = [&](std::vector<std::string> args, bool offline = true) {
    args = cat(std::move(args), {"--key", c.path("a.key"), "--out", c.path("tx.json")});
    return c.run(offline ? cat(args, kOffline) : args);
  };
  auto missing = with({"tx", "return", "10.0.0.0/8"}, false);
  CHECK(missing.code == 2);
  CHECK(contains(missing.err, "--chain-id"));
  CHECK(contains(missing.err, "--node"));
  auto no_nonce = c.run({"tx", "return", "10.0.0.0/8", "--key", c.path("a.key"), "--out", c.path("tx.json"),
                         "--chain-id", "x"});
  CHECK(no_nonce.code == 2);
  CHECK(contains(no_nonce.err, "--nonce"));
  // The chain id alone does not say which chain: transactions bind the genesis hash.
  auto id_only = c.run({"tx", "return", "10.0.0.0/8", "--key", c.path("a.key"), "--out", c.path("tx.json"),
                        "--chain-id", "x", "--nonce", "1"});
  CHECK(id_only.code == 2);
  CHECK(contains(id_only.err, "--genesis"));
  CHECK(c.run({"tx", "return", "10.0.0.0/8", "--key", c.path("a.key"), "--out", c.path("tx.json"), "--chain-id",
               "x", "--nonce", "1", "--genesis-hash", "abc"}).code == 2);

  CHECK(with({"tx", "delegate", "10.0.0.0/33", "--to", b}).code == 2);
  CHECK(with({"tx", "delegate", "10.0.0.0/8", "--to", "nlnotanaccount"}).code == 2);
  CHECK(with({"tx", "delegate", "10.0.0.0/8", "--to", b, "--kind", "lease"}).code == 2);
  CHECK(with({"tx", "delegate", "10.0.0.0/8", "--to", b, "--kind", "bogus"}).code == 2);
  CHECK(with({"tx", "delegate", "10.0.0.0/8", "--to", b, "--kind", "allocation", "--until", "1800000000"}).code == 2);
  CHECK(with({"tx", "renew", "10.0.0.0/8", "--until", "2027-02-30T00:00:00Z"}).code == 2);
  CHECK(with({"tx", "renew", "10.0.0.0/8", "--until", "next tuesday"}).code == 2);
  CHECK(with({"tx", "authorize", "10.0.0.0/8", "--asn", "AS64496", "--max-length", "7"}).code == 2);
  CHECK(with({"tx", "authorize", "10.0.0.0/8", "--asn", "AS64496", "--max-length", "33"}).code == 2);
  CHECK(with({"tx", "authorize", "AS64496", "--asn", "AS64496"}).code == 2);
  CHECK(with({"tx", "authorize", "10.0.0.0-10.0.2.255", "--asn", "AS64496"}).code == 2);
  CHECK(with({"tx", "authorize", "10.0.0.0/8", "--asn", "ASX"}).code == 2);
  CHECK(with({"tx", "set-metadata", "10.0.0.0/8"}).code == 2);
  CHECK(with({"tx", "set-metadata", "10.0.0.0/8", "--country", "Netherlands"}).code == 2);
  CHECK(with({"tx", "set-metadata", "10.0.0.0/8", "--name", std::string(300, 'x')}).code == 2);
  CHECK(with({"tx", "transfer", "10.0.0.0/8"}).code == 2);  // --to is required
  CHECK(with({"tx", "return", "10.0.0.0/8", "--nonce", "minus one"}).code == 2);
  CHECK(!fs::exists(c.path("tx.json")));

  // A key file that is not one is bad input, not a usage error.
  spit(c.path("junk.key"), "{\"type\":\"something\"}");
  auto junk = c.run(cat({"tx", "return", "10.0.0.0/8", "--key", c.path("junk.key"), "--out", c.path("tx.json")},
                        kOffline));
  CHECK(junk.code == 1);
  CHECK(contains(junk.err, "junk.key"));
}

TEST_CASE("cli: tx sign adds the co-signature and tx show reports it") {
  Cli c;
  c.new_key("a.key");
  std::string b = c.new_key("b.key");
  c.new_key("x.key");
  auto built = c.run(cat({"tx", "transfer", "10.3.0.0/16", "--to", b, "--key", c.path("a.key"), "--out",
                          c.path("t.json")}, kOffline));
  REQUIRE(built.code == 0);
  auto before = read_tx(c.path("t.json"));

  auto show = c.run({"tx", "show", c.path("t.json")});
  CHECK(show.code == 0);
  CHECK(contains(show.out, "transfer"));
  CHECK(contains(show.out, "10.3.0.0/16"));
  CHECK(contains(show.out, "testchain"));
  CHECK(contains(show.out, before.id().hex()));
  CHECK(contains(show.out, "ok"));
  CHECK(contains(show.out, "recipient " + b));

  auto sign = c.run({"tx", "sign", c.path("t.json"), "--key", c.path("b.key")});
  REQUIRE_MESSAGE(sign.code == 0, sign.err);
  CHECK(contains(sign.out, b));
  CHECK(contains(sign.out, "all required signatures"));
  auto after = read_tx(c.path("t.json"));
  CHECK(after.id() == before.id());
  CHECK(after.signatures.size() == 2);
  CHECK(after.signed_by(ledger::AccountId::parse(b)->key));
  CHECK(after.check_signatures().ok());

  auto js = c.run({"tx", "show", c.path("t.json"), "--json"});
  REQUIRE(js.code == 0);
  json j = json::parse(js.out);
  CHECK(j["kind"] == "transfer");
  CHECK(j["to"] == b);
  CHECK(j["nonce"] == 1);
  CHECK(j["signatures_valid"] == true);
  CHECK(j["signatures"].size() == 2);
  CHECK(j["missing_signatures"].empty());

  // A third party is refused and nothing is written; with --as-signer (a
  // rotated key) it signs, and signing twice replaces.
  auto x = c.run({"tx", "sign", c.path("t.json"), "--key", c.path("x.key")});
  CHECK(x.code == 1);
  CHECK(contains(x.err, "is neither the signer"));
  CHECK(contains(x.err, "--as-signer"));
  CHECK(read_tx(c.path("t.json")).signatures.size() == 2);
  x = c.run({"tx", "sign", c.path("t.json"), "--key", c.path("x.key"), "--as-signer"});
  CHECK(x.code == 0);
  CHECK(contains(x.out, "with --as-signer"));
  CHECK(c.run({"tx", "sign", c.path("t.json"), "--key", c.path("x.key"), "--as-signer"}).code == 0);
  CHECK(read_tx(c.path("t.json")).signatures.size() == 3);

  // A damaged signature: show says BAD and exits 1; sign refuses to add.
  auto tx = read_tx(c.path("t.json"));
  tx.signatures[0].sig.b[7] ^= 1;
  json doc = json::parse(slurp(c.path("t.json")));
  doc["tx"] = to_hex(tx.encode());
  spit(c.path("bad.json"), doc.dump());
  auto bad = c.run({"tx", "show", c.path("bad.json")});
  CHECK(bad.code == 1);
  CHECK(contains(bad.out, "BAD"));
  CHECK(contains(bad.err, "bad.json"));
  auto refuse = c.run({"tx", "sign", c.path("bad.json"), "--key", c.path("b.key")});
  CHECK(refuse.code == 1);
  CHECK(contains(refuse.err, "does not verify"));
  CHECK(json::parse(c.run({"tx", "show", c.path("bad.json"), "--json"}).out)["signatures_valid"] == false);
}

TEST_CASE("cli: garbage transaction files are refused without a crash") {
  Cli c;
  c.new_key("a.key");
  auto built = c.run(cat({"tx", "return", "10.0.0.0/8", "--key", c.path("a.key"), "--out", c.path("t.json")},
                         kOffline));
  REQUIRE(built.code == 0);
  json good = json::parse(slurp(c.path("t.json")));
  std::string hex = good["tx"];

  std::mt19937 rng(42);
  std::string random(4096, '\0');
  for (auto& ch : random) ch = static_cast<char>(rng());
  json truncated = good;
  truncated["tx"] = hex.substr(0, hex.size() - 20);
  json odd = good;
  odd["tx"] = hex.substr(0, hex.size() - 1);
  json edited = good;
  edited["id"] = std::string(64, '0');
  json wrong_kind = good;
  wrong_kind["tx"] = hex.substr(0, 2) + "ff" + hex.substr(4);

  const std::map<std::string, std::string> files = {
      {"empty.json", ""},
      {"random.bin", random},
      {"array.json", "[1,2,3]"},
      {"cut.json", good.dump().substr(0, 60)},
      {"wrongtype.json", slurp(c.path("a.key"))},
      {"truncated.json", truncated.dump()},
      {"odd.json", odd.dump()},
      {"nothex.json", json{{"type", "numledger-tx"}, {"version", 1}, {"tx", "zz"}}.dump()},
      {"edited.json", edited.dump()},
      {"trailing.json", json{{"type", "numledger-tx"}, {"version", 1}, {"tx", hex + "00"}}.dump()},
      {"version.json", json{{"type", "numledger-tx"}, {"version", 9}, {"tx", hex}}.dump()},
  };
  for (const auto& [name, data] : files) {
    spit(c.path(name), data);
    for (const auto& cmd : std::vector<std::vector<std::string>>{
             {"tx", "show", c.path(name)},
             {"tx", "show", c.path(name), "--json"},
             {"tx", "sign", c.path(name), "--key", c.path("a.key")},
             {"tx", "submit", c.path(name), "--node", "http://127.0.0.1:1"}}) {
      auto r = c.run(cmd);
      CHECK_MESSAGE(r.code == 1, name << " " << cmd[1] << ": exit " << r.code << " " << r.err);
      CHECK_MESSAGE(contains(r.err, name), name << ": " << r.err);
    }
    CHECK(slurp(c.path(name)) == data);  // sign never rewrote it
  }
  CHECK(contains(c.run({"tx", "show", c.path("wrongtype.json")}).err, "numledger-key"));
  CHECK(contains(c.run({"tx", "show", c.path("truncated.json")}).err, "transaction"));
  CHECK(contains(c.run({"tx", "show", c.path("edited.json")}).err, "\"id\""));
  CHECK(c.run({"tx", "show", c.path("missing.json")}).code == 1);
  CHECK(c.run({"tx", "show", c.dir}).code == 1);
}

TEST_CASE("cli: exit codes for usage errors, help and unreachable nodes") {
  Cli c;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {},
           {"frobnicate"},
           {"tx"},
           {"key"},
           {"key", "new"},
           {"key", "show", "--bogus", "x"},
           {"proof", "verify", "p.proof"},
           {"query"},
           {"query", "not-a-resource"},
           {"query", "account"},
           {"history", "10.0.0.0/8", "--limit", "0"},
           {"tx", "submit"},
       }) {
    auto r = c.run(args);
    CHECK_MESSAGE(r.code == 2, "args[0]=" << (args.empty() ? "" : args[0]) << " exit " << r.code << " " << r.err);
  }
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"key", "--help"}, {"key", "new", "--help"}, {"genesis", "new", "--help"},
           {"tx", "--help"}, {"tx", "delegate", "--help"}, {"tx", "rotate-key", "--help"}, {"tx", "sign", "--help"},
           {"tx", "submit", "--help"}, {"query", "--help"}, {"query", "account", "--help"}, {"history", "--help"},
           {"proof", "get", "--help"}, {"proof", "verify", "--help"}}) {
    auto r = c.run(args);
    CHECK_MESSAGE(r.code == 0, args.back() << " " << r.err);
    CHECK(contains(r.out, "Usage"));
  }
  // Commands that need a node say so (usage) when none is named ...
  CHECK(c.run({"query", "10.0.0.0/8"}).code == 2);
  CHECK(c.run({"proof", "get", "10.0.0.0/8", "--out", c.path("p")}).code == 2);
  // ... and fail with the reason when it cannot be reached.
  auto down = c.run({"query", "10.0.0.0/8", "--node", "http://127.0.0.1:1"});
  CHECK(down.code == 1);
  CHECK(contains(down.err, "127.0.0.1:1"));
  auto env = c.run({"query", "account", c.new_key("a.key")}, {{"NUMLEDGER_NODE", "http://127.0.0.1:1"}});
  CHECK(env.code == 1);
  CHECK(contains(env.err, "cannot reach"));
}
