// Seeded mutation runs over every decoder: hostile bytes must come back as
// an error value, never a crash, a hang or an exception escaping.
#include <doctest/doctest.h>

#include <random>

#include "ledger/block.h"
#include "ledger/control_proof.h"
#include "ledger/genesis.h"
#include "ledger/state_commitment.h"
#include "ledger/transaction.h"

using namespace nl;
using namespace nl::ledger;

namespace {

crypto::SecretKey key(uint8_t fill) {
  std::array<uint8_t, 32> seed;
  seed.fill(fill);
  return crypto::SecretKey::from_seed(seed);
}

Bytes mutate(Bytes b, std::mt19937_64& rng) {
  switch (rng() % 5) {
    case 0:  // flip bits
      for (int i = 0, n = 1 + rng() % 4; i < n && !b.empty(); ++i) b[rng() % b.size()] ^= uint8_t(1u << (rng() % 8));
      break;
    case 1:  // truncate
      b.resize(b.empty() ? 0 : rng() % b.size());
      break;
    case 2:  // extend with junk
      for (int i = 0, n = 1 + rng() % 64; i < n; ++i) b.push_back(uint8_t(rng()));
      break;
    case 3:  // overwrite a 4-byte window with a large length
      if (b.size() >= 4) {
        size_t at = rng() % (b.size() - 3);
        b[at] = 0xff, b[at + 1] = 0xff, b[at + 2] = uint8_t(rng()), b[at + 3] = uint8_t(rng());
      }
      break;
    default:  // random bytes
      b.assign(rng() % 300, 0);
      for (auto& x : b) x = uint8_t(rng());
  }
  return b;
}

template <class F>
void hammer(const Bytes& seed, int runs, F&& decode) {
  std::mt19937_64 rng(12345);
  int accepted = 0;
  for (int i = 0; i < runs; ++i) {
    Bytes in = mutate(seed, rng);
    bool ok = false;
    CHECK_NOTHROW(ok = decode(in));
    accepted += ok;
  }
  // Most mutations must be refused; some (e.g. flips inside a signature or
  // a hash) still decode, and that is fine for a decoder.
  CHECK(accepted < runs);
}

}  // namespace

TEST_CASE("transaction decoder survives hostile bytes") {
  Transaction tx;
  tx.chain_id = "fuzz";
  tx.signer = AccountId{key(1).public_key()};
  tx.nonce = 1;
  tx.body = SetMetadataBody{Resource::parse("10.0.0.0/8").value(), {"n", "NL", "r", "h", "a"}};
  tx.sign(key(1));
  hammer(tx.encode(), 20000, [](const Bytes& b) {
    auto r = Transaction::decode(b);
    if (r.ok()) (void)r->check_signatures();
    return r.ok();
  });
}

TEST_CASE("block and certificate decoders survive hostile bytes") {
  Block b;
  b.header.chain_id = "fuzz";
  b.header.height = 3;
  Transaction tx;
  tx.chain_id = "fuzz";
  tx.signer = AccountId{key(1).public_key()};
  tx.body = RotateKeyBody{key(2).public_key()};
  tx.sign(key(1));
  b.txs = {tx, tx};
  b.last_commit = CommitCertificate{2, 0, crypto::sha256(as_bytes("x")), {{key(3).public_key(), {}}}};
  hammer(b.encode(), 20000, [](const Bytes& in) { return Block::decode(in).ok(); });
  hammer(b.last_commit->encode(), 20000, [](const Bytes& in) { return CommitCertificate::decode(in).ok(); });
}

TEST_CASE("proof decoder and verifier survive hostile bytes") {
  StateCommitment sc;
  for (uint8_t i = 0; i < 50; ++i) sc.put(Bytes{'H', i}, Bytes{i, i});
  sc.flush();
  ControlProof p;
  p.resource = Resource::parse("10.0.0.0/24").value();
  p.header.chain_id = "fuzz";
  p.header.state_root = sc.root();
  p.entries.push_back({Bytes{'H', 7}, Bytes{7, 7}, *sc.prove(Bytes{'H', 7})});
  Genesis g;
  g.chain_id = "fuzz";
  g.validators.validators.push_back({key(9).public_key(), 1});
  hammer(p.encode(), 20000, [&](const Bytes& in) {
    auto d = ControlProof::decode(in);
    if (d.ok()) CHECK(!verify_control_proof(*d, g).ok());  // never certified, never valid
    return d.ok();
  });
}

TEST_CASE("genesis JSON parser survives hostile text") {
  std::string good = R"({"chain_id":"x","genesis_time":1,"validators":[{"account":")" +
                     AccountId{key(1).public_key()}.to_string() +
                     R"(","power":1}],"roots":[{"resource":"10.0.0.0/8","holder":")" +
                     AccountId{key(2).public_key()}.to_string() + R"("}]})";
  REQUIRE(Genesis::from_json(good).ok());
  Bytes seed(good.begin(), good.end());
  hammer(seed, 5000, [](const Bytes& in) {
    return Genesis::from_json(std::string_view(reinterpret_cast<const char*>(in.data()), in.size())).ok();
  });
  CHECK(!Genesis::from_json(R"({"chain_id":"x","genesis_time":-1,"validators":[],"roots":[]})").ok());
  CHECK(!Genesis::from_json(R"({"chain_id":7})").ok());
  CHECK(!Genesis::from_json("[]").ok());
}
