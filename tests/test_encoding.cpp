// Golden byte vectors for the canonical encoding (whitepaper/encoding.md).
// If one of these changes, the protocol changed: every signature and hash
// made before is invalidated. Update the whitepaper in the same commit.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "crypto/domain_tags.h"
#include "ledger/block.h"
#include "ledger/canonical.h"
#include "ledger/genesis.h"
#include "ledger/registry.h"
#include "ledger/state_commitment.h"
#include "ledger/transaction.h"
#include "support/fixtures.h"

using namespace nl;
using namespace nl::ledger;

namespace {

crypto::SecretKey key(uint8_t fill) { return test::seeded_key(fill); }

Resource res(const char* s) { return Resource::parse(s).value(); }

// The genesis hash the golden transactions and votes bind: SHA-256("genesis").
crypto::Hash32 golden_genesis() { return crypto::sha256(as_bytes("genesis")); }

Transaction make(TxBody body) {
  Transaction tx;
  tx.chain_id = "golden";
  tx.genesis_hash = golden_genesis();
  tx.signer = AccountId{key(1).public_key()};
  tx.nonce = 7;
  tx.body = std::move(body);
  tx.sign(key(1));
  return tx;
}

std::map<std::string, Transaction> golden_txs() {
  AccountId to{key(2).public_key()};
  Metadata md{"Example Net", "NL", "ripencc", "ORG-EX1-RIPE", "abuse@example.net"};
  return {
      {"delegate", make(DelegateBody{res("10.1.0.0/16"), to, HoldingKind::lease, 1800000000})},
      {"transfer", make(TransferBody{res("10.1.0.0-10.1.2.255"), to})},
      {"return", make(ReturnBody{res("2001:db8::/48")})},
      {"revoke", make(RevokeBody{res("10.1.0.0/16")})},
      {"renew", make(RenewBody{res("10.1.0.0/16"), 1900000000})},
      {"authorize", make(AuthorizeBody{res("10.1.0.0/16"), 24, 64496})},
      {"withdraw", make(WithdrawBody{res("10.1.0.0/16"), 24, 64496})},
      {"set-metadata", make(SetMetadataBody{res("AS64496-AS64511"), md})},
      {"rotate-key", make(RotateKeyBody{key(3).public_key()})},
      {"validator-update", [] {
         std::vector<Validator> changes = {{key(4).public_key(), 2}, {key(5).public_key(), 0}};
         std::sort(changes.begin(), changes.end());
         Transaction tx = make(ValidatorUpdateBody{changes});
         tx.sign(key(4));  // a validator's co-signature
         return tx;
       }()},
      {"set-recovery", [] {
         SetRecoveryBody b{2, {AccountId{key(4).public_key()}, AccountId{key(5).public_key()}}, 30 * 86400};
         std::sort(b.accounts.begin(), b.accounts.end());
         return make(b);
       }()},
      {"recover", [] {
         Transaction tx = make(RecoverBody{AccountId{key(2).public_key()}, key(3).public_key()});
         tx.sign(key(3));  // the new key's co-signature
         return tx;
       }()},
      {"cancel-recovery", make(CancelRecoveryBody{})},
  };
}

BlockHeader golden_header() {
  BlockHeader h;
  h.chain_id = "golden";
  h.height = 42;
  h.time = 1700000000;
  h.prev_hash = crypto::sha256(as_bytes("prev"));
  h.tx_root = crypto::sha256(as_bytes("txs"));
  h.state_root = crypto::sha256(as_bytes("state"));
  h.validator_set_hash = crypto::sha256(as_bytes("validators"));
  h.evidence_root = crypto::sha256(as_bytes("evidence"));
  h.proposer = key(9).public_key();
  return h;
}

// key(6) precommits two different blocks at height 41, round 2.
Evidence golden_evidence() {
  auto vote = [](const char* block) {
    return SignedVote::make(golden_genesis(), 41, 2, VoteType::precommit, crypto::sha256(as_bytes(block)), key(6));
  };
  return VoteEvidence::make(vote("block-a"), vote("block-b")).value();
}

// The signed encoding of each transaction kind: the unsigned part, then the
// signatures (Ed25519 signing is deterministic, so these bytes are fixed).
const std::map<std::string, std::string> kGoldenTx = {
#include "golden_tx_vectors.inc"
};

const std::string kGoldenHeader =
#include "golden_header_vector.inc"
    ;

const std::string kGoldenEvidence =
#include "golden_evidence_vector.inc"
    ;

// The ids and hashes of the vectors above and of tests/golden_genesis.json
// ("tx/<kind>", "block", "evidence", "genesis", "validator-set");
// tests/tools/check_golden.py recomputes them from encoding.md alone.
const std::map<std::string, std::string> kGoldenIds = {
#include "golden_ids.inc"
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("golden: every transaction kind encodes to the pinned bytes") {
  bool print = std::getenv("NL_PRINT_GOLDEN") != nullptr;
  if (print)
    for (const auto& [name, tx] : golden_txs())
      std::cout << "    {\"" << name << "\", \"" << to_hex(tx.encode()) << "\"},\n";
  for (const auto& [name, tx] : golden_txs()) {
    std::string hex = to_hex(tx.encode());
    CAPTURE(name);
    REQUIRE(kGoldenTx.count(name) == 1);
    CHECK(kGoldenTx.at(name) == hex);
    auto back = Transaction::decode(tx.encode());
    REQUIRE(back.ok());
    CHECK(back->encode() == tx.encode());
    CHECK(back->check_signatures().ok());
  }
}

TEST_CASE("golden: block header bytes and hash") {
  auto h = golden_header();
  Writer w;
  h.encode(w);
  std::string hex = to_hex(w.data());
  if (std::getenv("NL_PRINT_GOLDEN")) std::cout << "header " << hex << "\nhash " << h.hash().hex() << "\n";
  CHECK(hex == kGoldenHeader);
  CHECK(w.data().size() == 1 + 4 + 6 + 8 + 8 + 32 * 6);
}

TEST_CASE("golden: evidence bytes, its leaf in the evidence root, and a block carrying it") {
  auto ev = golden_evidence();
  std::string hex = to_hex(ev.encode());
  if (std::getenv("NL_PRINT_GOLDEN")) std::cout << "evidence " << hex << "\n";
  CHECK(hex == kGoldenEvidence);
  CHECK(ev.encode().size() == 2 * (8 + 4 + 1 + 32 + 32 + 64));
  CHECK(ev.check(golden_genesis(), ValidatorSet{{{key(6).public_key(), 1}}}).ok());
  // One leaf: the root is the leaf; none: 32 zero bytes.
  CHECK(evidence_root({ev}) == crypto::tagged_hash(tags::kEvidenceLeaf, ev.encode()));
  CHECK(evidence_root({}) == crypto::Hash32{});
  CHECK(evidence_root({ev, ev}) == crypto::tagged_hash2(tags::kEvidenceNode, evidence_root({ev}), evidence_root({ev})));

  // Evidence sits after the transactions, before the last commit.
  Block b;
  b.header = golden_header();
  b.txs.push_back(golden_txs().at("delegate"));
  b.evidence.push_back(ev);
  Bytes bytes = b.encode();
  Writer prefix;
  b.header.encode(prefix);
  prefix.count(1);
  b.txs[0].encode(prefix);
  prefix.count(1);
  ev.encode(prefix);
  prefix.boolean(false);
  CHECK(bytes == prefix.data());
  auto back = Block::decode(bytes);
  REQUIRE(back.ok());
  CHECK(back->evidence == b.evidence);
  // More than kMaxBlockEvidence pieces do not decode.
  b.evidence.assign(kMaxBlockEvidence + 1, ev);
  CHECK(Block::decode(b.encode()).error().find("count") != std::string::npos);
}

TEST_CASE("signature limits: 8 for ordinary kinds, every validator plus the submitter for validator-update") {
  auto tx = golden_txs().at("delegate");
  for (uint8_t k = 20; tx.signatures.size() < kMaxTxSignatures + 1; ++k) tx.sign(key(k));
  auto r = Transaction::decode(tx.encode());
  REQUIRE(!r.ok());
  CHECK(r.error().find("a delegate transaction carries at most 8 signatures; this one has 9") != std::string::npos);
  CHECK(tx.check_signatures().error().find("at most 8 signatures") != std::string::npos);

  // The largest validator-update: kMaxValidators changes, kMaxValidators + 1 signatures.
  ValidatorUpdateBody body;
  for (size_t i = 0; i < kMaxValidators; ++i) {
    std::array<uint8_t, 32> seed{};
    seed[0] = uint8_t(i), seed[1] = 0xA5;
    body.changes.push_back({crypto::SecretKey::from_seed(seed).public_key(), 1});
  }
  std::sort(body.changes.begin(), body.changes.end());
  Transaction big = make(body);
  for (size_t i = 0; big.signatures.size() < kMaxValidatorUpdateSignatures; ++i) {
    std::array<uint8_t, 32> seed{};
    seed[0] = uint8_t(i), seed[1] = 0x5A;
    big.sign(crypto::SecretKey::from_seed(seed));
  }
  Bytes bytes = big.encode();
  CHECK(bytes.size() <= kMaxTxBytes);
  auto back = Transaction::decode(bytes);
  REQUIRE_MESSAGE(back.ok(), back.error());
  CHECK(back->check_signatures().ok());
  big.sign(key(99));  // one more than allowed
  CHECK(Transaction::decode(big.encode()).error().find("at most 257 signatures") != std::string::npos);

  // The change list is a sorted set with 1..kMaxValidators entries.
  auto unsorted = make(ValidatorUpdateBody{{body.changes[1], body.changes[0]}});
  CHECK(Transaction::decode(unsorted.encode()).error().find("not sorted") != std::string::npos);
  auto empty = make(ValidatorUpdateBody{});
  CHECK(Transaction::decode(empty.encode()).error().find("no change") != std::string::npos);
}

TEST_CASE("signing bytes start with the domain tag and bind chain id, genesis hash and nonce") {
  auto tx = golden_txs().at("transfer");
  Bytes sb = tx.signing_bytes();
  REQUIRE(sb.size() > tags::kTransaction.size() + 1);
  CHECK(sb[0] == tags::kTransaction.size());
  CHECK(std::string(sb.begin() + 1, sb.begin() + 1 + sb[0]) == tags::kTransaction);
  // u8 version 2 || str "golden" || fixed[32] genesis hash || signer ...
  const size_t at = 1 + tags::kTransaction.size();
  CHECK(sb[at] == 2);
  const size_t genesis_at = at + 1 + 4 + std::string("golden").size();
  const crypto::Hash32 genesis = golden_genesis();
  CHECK(Bytes(sb.begin() + genesis_at, sb.begin() + genesis_at + 32) == Bytes(genesis.b.begin(), genesis.b.end()));
  auto other_chain = tx;
  other_chain.chain_id = "other";
  CHECK(other_chain.id() != tx.id());
  CHECK(!other_chain.check_signatures().ok());  // old signature does not carry over
  auto other_genesis = tx;  // same chain id, another genesis
  other_genesis.genesis_hash = crypto::sha256(as_bytes("another genesis"));
  CHECK(other_genesis.id() != tx.id());
  CHECK(!other_genesis.check_signatures().ok());
  auto replay = tx;
  replay.nonce += 1;
  CHECK(!replay.check_signatures().ok());
}

TEST_CASE("decoding refuses non-canonical and hostile bytes") {
  auto tx = golden_txs().at("delegate");
  Bytes b = tx.encode();
  SUBCASE("truncated at every length") {
    for (size_t n = 0; n < b.size(); ++n)
      CHECK_FALSE(Transaction::decode(ByteView(b.data(), n)).ok());
  }
  SUBCASE("trailing garbage") {
    Bytes t = b;
    t.push_back(0);
    auto r = Transaction::decode(t);
    REQUIRE(!r.ok());
    CHECK(r.error().find("trailing") != std::string::npos);
  }
  SUBCASE("unknown kind and version") {
    Bytes t = b;
    t[0] = 3;
    CHECK(Transaction::decode(t).error().find("version") != std::string::npos);
  }
  SUBCASE("oversized") {
    Bytes big(kMaxTxBytes + 1, 0);
    CHECK(Transaction::decode(big).error().find("cap") != std::string::npos);
  }
  SUBCASE("duplicate signatures are not canonical") {
    auto t2 = tx;
    t2.signatures.push_back(t2.signatures[0]);
    CHECK(Transaction::decode(t2.encode()).error().find("ascending") != std::string::npos);
  }
}

TEST_CASE("commit certificate verification counts voting power") {
  ValidatorSet vs;
  for (uint8_t i = 1; i <= 4; ++i) vs.validators.push_back({key(i).public_key(), 1});
  std::sort(vs.validators.begin(), vs.validators.end());
  CommitCertificate c;
  c.height = 5;
  c.block_hash = crypto::sha256(as_bytes("block"));
  auto vote = [&](uint8_t i) {
    return VoteSignature{key(i).public_key(),
                         key(i).sign(vote_sign_bytes(golden_genesis(), 5, 0, VoteType::precommit, c.block_hash))};
  };
  std::vector<VoteSignature> votes = {vote(1), vote(2)};
  auto sorted = [&] {
    std::sort(c.votes.begin(), c.votes.end(), [](auto& a, auto& b) { return a.validator < b.validator; });
  };
  c.votes = votes;
  sorted();
  CHECK(vs.verify_commit(golden_genesis(), c).error().find("more than 2/3") != std::string::npos);
  c.votes.push_back(vote(3));
  sorted();
  CHECK(vs.verify_commit(golden_genesis(), c).ok());
  CHECK(!vs.verify_commit(crypto::sha256(as_bytes("another genesis")), c).ok());
  c.votes.push_back(vote(7));  // not a validator
  sorted();
  CHECK(vs.verify_commit(golden_genesis(), c).error().find("not a validator") != std::string::npos);
}

TEST_CASE("golden: transaction ids, block hash, evidence id, genesis and validator-set hashes") {
  const std::string dir = NL_SOURCE_DIR;
  const std::string json = read_file(dir + "/tests/golden_genesis.json");
  auto g = Genesis::from_json(json);
  REQUIRE_MESSAGE(g.ok(), g.error());
  // It is a genesis a chain opens with: roots, imports and authorization load.
  Registry reg(g->chain_id, g->hash());
  REQUIRE(reg.set_genesis_validators(g->validators).ok());
  for (const auto& r : g->roots) REQUIRE(reg.add_root(r.range, r.holder, r.meta).ok());
  auto imports = reg.add_genesis_imports(*g);
  REQUIRE_MESSAGE(imports.ok(), imports.error());
  // whitepaper/encoding.md shows this file verbatim as its example.
  CHECK(read_file(dir + "/whitepaper/encoding.md").find(json) != std::string::npos);

  std::map<std::string, std::string> got;
  for (const auto& [name, tx] : golden_txs()) got["tx/" + name] = tx.id().hex();
  got["block"] = golden_header().hash().hex();
  got["evidence"] = golden_evidence().id().hex();
  got["genesis"] = g->hash().hex();
  got["validator-set"] = g->validators.hash().hex();
  if (std::getenv("NL_PRINT_GOLDEN"))
    for (const auto& [name, hex] : got) std::cout << "    {\"" << name << "\", \"" << hex << "\"},\n";
  CHECK(got.size() == kGoldenIds.size());
  for (const auto& [name, hex] : got) {
    CAPTURE(name);
    REQUIRE(kGoldenIds.count(name) == 1);
    CHECK(kGoldenIds.at(name) == hex);
  }
  // The ids are the tagged hashes encoding.md names.
  auto tx = golden_txs().at("delegate");
  CHECK(tx.id() == crypto::tagged_hash(tags::kTransaction, ByteView(tx.signing_bytes()).subspan(1 + tags::kTransaction.size())));
  Writer vs;
  g->validators.encode(vs);
  CHECK(g->validators.hash() == crypto::tagged_hash(tags::kValidatorSet, vs.data()));
  CHECK(golden_evidence().id() == crypto::tagged_hash(tags::kEvidence, golden_evidence().encode()));
}

// encoding.md, "State proof of one key", followed literally: siblings root
// first, the present bitmap most significant bit first, zero siblings left
// out, the sibling on the right where the key hash has a 0 bit.
TEST_CASE("state proof of one key: the bytes and the walk encoding.md states") {
  auto bit = [](const uint8_t* bytes, unsigned i) { return (bytes[i / 8] >> (7 - i % 8)) & 1; };
  auto verify = [&](const crypto::Hash32& root, const Bytes& key, const Bytes& value, const Bytes& proof) {
    Reader r(proof);
    const unsigned d = r.u16();
    Bytes present(((d + 7) / 8));
    for (auto& b : present) b = r.u8();
    std::vector<crypto::Hash32> sib(r.count());
    for (auto& s : sib) s.b = r.fixed<32>();
    r.expect_done();
    const crypto::Hash32 kh = crypto::tagged_hash(tags::kStateKey, key);
    Writer leaf;
    leaf.raw(ByteView(kh.b)).raw(ByteView(crypto::tagged_hash(tags::kStateLeaf, value).b));
    crypto::Hash32 h = crypto::tagged_hash(tags::kStateLeaf, leaf.data());
    size_t j = sib.size();
    for (unsigned i = d; i-- > 0;) {
      crypto::Hash32 s{};
      if (bit(present.data(), i)) s = sib.at(--j);
      h = bit(kh.b.data(), i) == 0 ? crypto::tagged_hash2(tags::kStateNode, h, s)
                                   : crypto::tagged_hash2(tags::kStateNode, s, h);
    }
    return j == 0 && h == root;
  };
  StateCommitment tree;
  std::vector<Bytes> keys;
  for (int i = 0; i < 300; ++i) {
    Bytes k = {'H', 0, 0, 0, 0, 0, 0, uint8_t(i >> 8), uint8_t(i)};
    tree.put(k, Bytes{uint8_t(i), 7});
    keys.push_back(k);
  }
  tree.flush();
  bool zero_sibling_seen = false;
  for (int i = 0; i < 300; ++i) {
    auto p = tree.prove(keys[i]);
    REQUIRE(p);
    Writer w;
    p->encode(w);
    CHECK(verify(tree.root(), keys[i], Bytes{uint8_t(i), 7}, w.data()));
    CHECK_FALSE(verify(tree.root(), keys[i], Bytes{uint8_t(i), 8}, w.data()));
    zero_sibling_seen = zero_sibling_seen || p->siblings.size() < p->depth;
  }
  CHECK(zero_sibling_seen);  // some path passes a node with one empty child
  // One entry alone: depth 0, the root is its leaf.
  StateCommitment one;
  one.put(keys[0], Bytes{0, 7});
  one.flush();
  Writer w;
  one.prove(keys[0])->encode(w);
  CHECK(w.data() == Bytes{0, 0, 0, 0, 0, 0});
  CHECK(verify(one.root(), keys[0], Bytes{0, 7}, w.data()));
}
