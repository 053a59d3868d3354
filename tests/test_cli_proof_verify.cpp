// numledger proof verify against real proofs from a one-validator chain, and
// the refusals of damaged proofs and wrong geneses, each with its cause.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "crypto/key_file.h"
#include "ledger/chain.h"
#include "ledger/control_proof.h"
#include "ledger/genesis.h"
#include "support/cli_fixture.h"

using namespace nl;
using namespace nl::test;

TEST_CASE("cli: proof verify accepts a real proof and refuses damaged ones") {
  Cli c;
  std::string v = c.new_key("v.key"), a = c.new_key("a.key"), b = c.new_key("b.key");
  REQUIRE(c.run({"genesis", "new", "--chain-id", "testchain", "--validator", v, "--root", "10.0.0.0/8=" + a,
                 "--out", c.path("genesis.json"), "--time", "1700000000"}).code == 0);
  REQUIRE(c.run({"tx", "delegate", "10.1.0.0/16", "--to", b, "--key", c.path("a.key"), "--out", c.path("d.json"),
                 "--genesis", c.path("genesis.json"), "--nonce", "1"}).code == 0);

  // Commit the CLI-built transaction in a one-validator chain, as the node would.
  std::string proof_bytes;
  {
    auto g = ledger::Genesis::load(c.path("genesis.json"));
    REQUIRE(g.ok());
    auto chain = ledger::Chain::open(c.path("ledger"), *g);
    REQUIRE_MESSAGE(chain.ok(), (chain.ok() ? "" : chain.error()));
    auto vk = crypto::load_key_file(c.path("v.key"));
    REQUIRE(vk.ok());
    auto proposed = (*chain)->propose({read_tx(c.path("d.json"))}, 1700000100, vk->public_key(),
                                      ledger::SignatureCheck::verify);
    REQUIRE_MESSAGE(proposed.rejected.empty(), proposed.rejected[0].reason);
    ledger::CommitCertificate cert;
    cert.height = proposed.block.header.height;
    cert.block_hash = proposed.block.header.hash();
    cert.votes.push_back({vk->public_key(), vk->sign(ledger::vote_sign_bytes(g->hash(), cert.height, 0,
                                                                             ledger::VoteType::precommit,
                                                                             cert.block_hash))});
    REQUIRE((*chain)->commit(proposed, cert).ok());
    auto p = (*chain)->prove_control(*ledger::Resource::parse("10.1.0.0/16"));
    REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error()));
    Bytes enc = p->encode();
    proof_bytes.assign(enc.begin(), enc.end());
  }
  spit(c.path("p.proof"), proof_bytes);
  auto ok = c.run({"proof", "verify", c.path("p.proof"), "--genesis", c.path("genesis.json")});
  REQUIRE_MESSAGE(ok.code == 0, ok.err);
  CHECK(contains(ok.out, "valid: 10.1.0.0/16 is controlled by " + b));
  CHECK(contains(ok.out, "allocation"));
  CHECK(contains(ok.out, "at height 1"));
  CHECK(contains(ok.out, "2023-11-14T22:15:00Z"));

  // Another chain's genesis does not vouch for it.
  REQUIRE(c.run({"genesis", "new", "--chain-id", "otherchain", "--validator", v, "--root", "10.0.0.0/8=" + a,
                 "--out", c.path("other.json")}).code == 0);
  auto other = c.run({"proof", "verify", c.path("p.proof"), "--genesis", c.path("other.json")});
  CHECK(other.code == 1);
  CHECK(contains(other.err, "invalid proof"));

  std::string flipped = proof_bytes;
  flipped[flipped.size() / 2] ^= 0x40;
  const std::map<std::string, std::string> bad = {
      {"empty.proof", ""},
      {"magic.proof", "NLPF"},
      {"random.proof", std::string(300, '\x5a')},
      {"truncated.proof", proof_bytes.substr(0, proof_bytes.size() - 7)},
      {"half.proof", proof_bytes.substr(0, proof_bytes.size() / 2)},
      {"trailing.proof", proof_bytes + "x"},
      {"flipped.proof", flipped},
      {"json.proof", slurp(c.path("d.json"))},
  };
  for (const auto& [name, data] : bad) {
    spit(c.path(name), data);
    auto r = c.run({"proof", "verify", c.path(name), "--genesis", c.path("genesis.json")});
    CHECK_MESSAGE(r.code == 1, name << ": exit " << r.code);
    CHECK_MESSAGE(contains(r.err, "invalid proof: "), name << ": " << r.err);
    CHECK_MESSAGE(contains(r.err, name), name << ": " << r.err);
    CHECK(r.out.empty());
  }
  auto no_genesis = c.run({"proof", "verify", c.path("p.proof"), "--genesis", c.path("d.json")});
  CHECK(no_genesis.code == 1);
  CHECK(contains(no_genesis.err, "d.json"));
  CHECK_MESSAGE(contains(no_genesis.err, "is this a genesis file?"), no_genesis.err);
  CHECK_FALSE(contains(no_genesis.err, "json.exception"));

  // Another genesis with the same chain id: the real cause, not "the validators changed".
  std::string w = c.new_key("w.key");
  REQUIRE(c.run({"genesis", "new", "--chain-id", "testchain", "--validator", w, "--root", "10.0.0.0/8=" + a,
                 "--out", c.path("twin.json")}).code == 0);
  auto twin = c.run({"proof", "verify", c.path("p.proof"), "--genesis", c.path("twin.json")});
  CHECK(twin.code == 1);
  CHECK_MESSAGE(contains(twin.err, "the proof changes no validators before it"), twin.err);
  CHECK_MESSAGE(contains(twin.err, "another chain with the chain id 'testchain'"), twin.err);
}
