// Seeded mutation runs over every decoder: hostile bytes must come back as
// an error value, never a crash, a hang or an exception escaping.
#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <random>

#include "ledger/block.h"
#include "ledger/chain.h"
#include "ledger/control_proof.h"
#include "ledger/genesis.h"
#include "ledger/state_commitment.h"
#include "ledger/transaction.h"
#include "support/process.h"

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

AccountId acct(uint8_t fill) { return AccountId{key(fill).public_key()}; }

// The one-validator chain of the proof test; transactions and votes bind its hash.
Genesis fuzz_genesis() {
  Genesis g;
  g.chain_id = "fuzz";
  g.genesis_time = 1700000000;
  g.validators.validators.push_back({key(100).public_key(), 1});
  g.roots.push_back({Resource::parse("10.0.0.0/8").value(), acct(1), {"root", "", "", "", ""}});
  return g;
}
const crypto::Hash32& fuzz_hash() {
  static const crypto::Hash32 h = fuzz_genesis().hash();
  return h;
}

Transaction delegate(const char* range, uint8_t from, uint8_t to, uint64_t nonce) {
  Transaction tx;
  tx.chain_id = "fuzz";
  tx.genesis_hash = fuzz_hash();
  tx.signer = acct(from);
  tx.nonce = nonce;
  tx.body = DelegateBody{Resource::parse(range).value(), acct(to), HoldingKind::allocation, 0};
  tx.sign(key(from));
  return tx;
}

// The single validator (key 100) certifies the block.
CommitCertificate certify(const Block& b) {
  CommitCertificate c{b.header.height, 0, b.header.hash(), {}};
  c.votes.push_back(
      {key(100).public_key(), key(100).sign(vote_sign_bytes(fuzz_hash(), c.height, 0, VoteType::precommit, c.block_hash))});
  return c;
}

// Structural mutations of a decoded proof, re-encoded: these get past the
// decoder far more often than byte noise, so they reach the verifier.
Bytes mutate_structure(ControlProof p, std::mt19937_64& rng) {
  auto& es = p.state.entries;
  auto& codes = p.state.codes;
  auto& hashes = p.state.hashes;
  auto any_entry = [&]() -> StateMultiproof::Entry& { return es[rng() % es.size()]; };
  auto two_entries = [&]() -> std::pair<StateMultiproof::Entry&, StateMultiproof::Entry&> {  // distinct ones
    size_t i = rng() % es.size(), j = (i + 1 + rng() % (es.size() - 1)) % es.size();
    return {es[i], es[j]};
  };
  auto flip = [&](Bytes& b) {
    if (!b.empty()) b[rng() % b.size()] ^= uint8_t(1u << (rng() % 8));
  };
  auto flip_hash = [&](crypto::Hash32& h) { h.b[rng() % h.b.size()] ^= uint8_t(1u << (rng() % 8)); };
  BlockHeader& header = p.headers.back().header;
  CommitCertificate& cert = *p.headers.back().cert;
  switch (rng() % 14) {
    case 0: {  // only the question changes: a range somewhere near the real one
      u128 span = u128(1) << (rng() % 20);
      u128 first = p.resource.first - std::min<u128>(p.resource.first, span) + u128(rng() % uint64_t(2 * span));
      p.resource.first = first;
      p.resource.last = first + u128(rng() % uint64_t(span));
      break;
    }
    case 1: {  // only the question changes: a sub-range of it
      u128 size = p.resource.last - p.resource.first;
      u128 a = p.resource.first + u128(rng() % uint64_t(size + 1));
      p.resource.first = a;
      p.resource.last = a + u128(rng() % uint64_t(p.resource.last - a + 1));
      break;
    }
    case 2:  // another family
      p.resource.family = p.resource.family == Family::ipv4 ? Family::ipv6 : Family::asn;
      break;
    case 3:  // drop an entry
      es.erase(es.begin() + rng() % es.size());
      break;
    case 4: {  // duplicate an entry
      StateMultiproof::Entry copy = any_entry();
      es.insert(es.begin() + rng() % (es.size() + 1), copy);
      break;
    }
    case 5:  // reorder the entries
      std::shuffle(es.begin(), es.end(), rng);
      break;
    case 6: {  // swap two entries' values (or keys)
      auto [a, b] = two_entries();
      if (rng() % 2) std::swap(a.value, b.value);
      else std::swap(a.key, b.key);
      break;
    }
    case 7:  // tamper with a value: a segment or holding the state never had
      flip(any_entry().value);
      break;
    case 8:  // tamper with a key
      flip(any_entry().key);
      break;
    case 9:  // tamper with the tree's shape
      switch (rng() % 3) {
        case 0: codes[rng() % codes.size()] = uint8_t(rng() % 4); break;
        case 1: codes.erase(codes.begin() + rng() % codes.size()); break;
        default: codes.insert(codes.begin() + rng() % codes.size(), uint8_t(rng() % 4));
      }
      break;
    case 10:  // tamper with the tree's hashes
      if (hashes.empty()) break;
      switch (rng() % 3) {
        case 0: flip_hash(hashes[rng() % hashes.size()]); break;
        case 1: hashes.erase(hashes.begin() + rng() % hashes.size()); break;
        default: std::swap(hashes.front(), hashes.back());
      }
      break;
    case 11:  // tamper with the header
      switch (rng() % 4) {
        case 0: flip_hash(header.state_root); break;
        case 1: header.height += 1; break;
        case 2: header.time += 1 + rng() % 1000; break;
        default: flip_hash(header.validator_set_hash);
      }
      break;
    case 12:  // tamper with the certificate
      switch (rng() % 4) {
        case 0: cert.votes.clear(); break;
        case 1: cert.votes.push_back(cert.votes.front()); break;
        case 2: cert.round += 1; break;
        default: cert.votes.front().sig.b[rng() % 64] ^= 1;
      }
      break;
    default: {  // a made-up segment for the whole resource, under a real key
      StateMultiproof::Entry fake = es.front();
      Writer w;
      Segment{p.resource, 1}.encode(w);  // holding #1: the root
      fake.value = w.take();
      es.push_back(fake);
    }
  }
  return p.encode();
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
  auto vote = [](const char* block) {
    return SignedVote::make(fuzz_hash(), 2, 0, VoteType::prevote, crypto::sha256(as_bytes(block)), key(4));
  };
  b.evidence = {VoteEvidence::make(vote("a"), vote("b")).value()};
  b.header.evidence_root = evidence_root(b.evidence);
  b.last_commit = CommitCertificate{2, 0, crypto::sha256(as_bytes("x")), {{key(3).public_key(), {}}}};
  hammer(b.encode(), 20000, [](const Bytes& in) { return Block::decode(in).ok(); });
  hammer(b.last_commit->encode(), 20000, [](const Bytes& in) { return CommitCertificate::decode(in).ok(); });
  hammer(b.evidence[0].encode(), 20000, [](const Bytes& in) {
    auto e = Evidence::decode(in);
    if (e.ok()) (void)e->check(fuzz_hash(), ValidatorSet{{{key(4).public_key(), 1}}});
    return e.ok();
  });
}

TEST_CASE("validator-update decoder survives hostile bytes") {
  Transaction tx;
  tx.chain_id = "fuzz";
  tx.signer = AccountId{key(1).public_key()};
  tx.nonce = 1;
  ValidatorUpdateBody body;
  for (uint8_t k = 10; k < 16; ++k) body.changes.push_back({key(k).public_key(), uint64_t{k % 3u}});
  std::sort(body.changes.begin(), body.changes.end());
  tx.body = body;
  for (uint8_t k = 1; k < 12; ++k) tx.sign(key(k));  // more than the 8 other kinds may carry
  hammer(tx.encode(), 20000, [](const Bytes& b) {
    auto r = Transaction::decode(b);
    if (r.ok()) (void)r->check_signatures();
    return r.ok();
  });
}

TEST_CASE("proof decoder and verifier survive hostile bytes") {
  // A real, certified proof from a one-validator chain, so the verifier gets
  // past the validator set and certificate checks into the Merkle paths and
  // the segment coverage logic.
  test::TempDir dir("nl-fuzz-proof");
  Genesis g = fuzz_genesis();
  auto opened = Chain::open(dir / "ledger", g);
  REQUIRE_MESSAGE(opened.ok(), opened.error());
  Chain& chain = **opened;
  auto commit = [&](std::vector<Transaction> txs, uint64_t time) {
    auto p = chain.propose(txs, time, key(100).public_key(), SignatureCheck::verify);
    REQUIRE(p.rejected.empty());
    REQUIRE(p.block.txs.size() == txs.size());
    REQUIRE(chain.commit(p, certify(p.block)).ok());
  };
  commit({delegate("10.1.0.0/16", 1, 2, 1), delegate("10.2.0.0/16", 1, 3, 2), delegate("10.3.0.0/16", 1, 4, 3)},
         1700000100);
  // Carve a piece out of 10.1.0.0/16 so that the /16 is answered by three
  // segments (two holders) and proofs carry several entries.
  commit({delegate("10.1.5.0/24", 2, 3, 1)}, 1700000200);

  struct Query {
    std::string resource;
    std::vector<AccountId> holders;  // the true answer, part by part
  };
  for (const Query& q : {Query{"10.1.7.0/24", {acct(2)}}, Query{"10.1.0.0/16", {acct(2), acct(3), acct(2)}}}) {
    CAPTURE(q.resource);
    auto proof = chain.prove_control(Resource::parse(q.resource).value());
    REQUIRE_MESSAGE(proof.ok(), proof.error());
    const Bytes file = proof->encode();
    auto real = verify_control_proof(ControlProof::decode(file).value(), g);
    REQUIRE_MESSAGE(real.ok(), real.error());
    REQUIRE(real->parts.size() == q.holders.size());
    for (size_t i = 0; i < q.holders.size(); ++i) CHECK(real->parts[i].holding.holder == q.holders[i]);
    CHECK(real->height == 2);

    // Is this part one of the real answer's, segment and holding alike?
    auto genuine = [&](const ControlAnswer::Part& part) {
      for (const auto& r : real->parts)
        if (r.segment == part.segment && r.holding == part.holding) return true;
      return false;
    };
    std::mt19937_64 rng(777);
    const int runs = 12000;
    int decoded = 0, refused_after_decode = 0, verified = 0, verified_other_resource = 0;
    for (int i = 0; i < runs; ++i) {
      Bytes in = rng() % 2 ? mutate(file, rng) : mutate_structure(*proof, rng);
      if (rng() % 8 == 0) in = mutate(in, rng);  // both at once, now and then
      std::optional<ControlProof> d;
      std::optional<Result<ControlAnswer>> ans;
      auto attempt = [&] {
        auto r = ControlProof::decode(in);
        if (!r.ok()) return;
        d = std::move(*r);
        ans = verify_control_proof(*d, g);
      };
      CHECK_NOTHROW(attempt());
      if (!d) continue;
      ++decoded;
      if (!ans->ok()) {
        ++refused_after_decode;
        continue;
      }
      ++verified;
      const ControlAnswer& a = **ans;
      INFO("mutation " << i << " verified for " << d->resource.to_string());
      // Whatever the mutation, the evidence is the real evidence: the holder
      // can't be forged.
      CHECK(a.height == real->height);
      CHECK(a.time == real->time);
      REQUIRE(!a.parts.empty());
      for (const auto& part : a.parts) CHECK(genuine(part));
      if (d->resource == proof->resource) {
        // Same question, same answer.
        REQUIRE(a.parts.size() == real->parts.size());
        for (size_t k = 0; k < a.parts.size(); ++k) {
          CHECK(a.parts[k].segment == real->parts[k].segment);
          CHECK(a.parts[k].holding.holder == q.holders[k]);
        }
      } else {
        // Another question the same evidence answers: still the true holders.
        ++verified_other_resource;
      }
    }
    MESSAGE(q.resource << ": " << runs << " mutations, " << decoded << " decoded, " << refused_after_decode
                       << " decoded but refused, " << verified << " verified (" << verified_other_resource
                       << " for another resource)");
    CHECK(decoded < runs);                     // the decoder refuses plenty
    CHECK(refused_after_decode > runs / 10);   // and the verifier is really exercised
    CHECK(verified < decoded);
    CHECK(verified_other_resource > 0);        // resource-only mutations reach the coverage logic
  }
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
