// The /p2p frame codec: every kind round-trips, every cap and bound is
// enforced with a reason that names the kind, decoding is strict (prefixes,
// trailing bytes, version, tag), and hostile bytes never crash it: whatever
// decodes re-encodes to the same bytes.
#include <doctest/doctest.h>

#include <random>
#include <stdexcept>

#include "crypto/domain_tags.h"
#include "ledger/canonical.h"
#include "ledger/state_commitment.h"
#include "node/transport/p2p_message.h"
#include "support/consensus_net.h"
#include "support/fixtures.h"

using namespace nl;
using namespace nl::node::p2p;
using namespace nl::test;

namespace {

crypto::Hash32 hash_of(std::string_view s) { return crypto::sha256(as_bytes(s)); }

Hello sample_hello() {
  Hello h;
  h.chain_id = kTestChain;
  h.genesis_hash = hash_of("genesis");
  h.node_key = seeded_key(7).public_key();
  h.best_height = 42;
  h.nonce.fill(0x5a);
  h.validator = true;
  return h;
}

CertifiedBlock sample_block(uint64_t height, size_t txs) {
  ledger::Block b;
  b.header.chain_id = kTestChain;
  b.header.height = height;
  b.header.time = 1700000000 + height;
  b.header.prev_hash = hash_of("prev");
  b.header.proposer = seeded_key(100).public_key();
  for (size_t i = 0; i < txs; ++i) b.txs.push_back(delegate("10.1.0.0/16", 1, 2, i + 1));
  b.header.tx_root = ledger::tx_root(b.txs);
  if (height > 1) b.last_commit = certify(b, {100, 101});
  return CertifiedBlock{b, certify(b, {100, 101, 102})};
}

// An anchor and a chunk as state sync sends them; not a consistent pair
// (the codec checks layout, not meaning).
ledger::SnapshotAnchor sample_anchor() {
  ledger::SnapshotAnchor a;
  const CertifiedBlock b = sample_block(4, 2);
  a.base = b.block;
  a.cert = b.cert;
  a.set_changes.headers.push_back({sample_block(2, 0).block.header, sample_block(2, 0).cert});
  a.set_changes.changes.push_back({0, delegate("10.6.0.0/16", 1, 2, 1), {0, 1, {}}});
  a.chunk_bits = 3;
  return a;
}

ledger::SnapshotChunk sample_chunk() {
  ledger::StateCommitment tree;
  std::vector<ledger::StateMultiproof::Entry> entries;
  for (uint8_t i = 0; i < 5; ++i) {
    const Bytes key{'H', 0, 0, 0, 0, 0, 0, 0, i}, value = value_bytes("entry " + std::to_string(i));
    tree.put(key, value);
    entries.push_back({key, value});
  }
  tree.flush();
  entries.pop_back();
  return {3, 5, *tree.prove_many(entries)};
}

std::vector<P2pMessage> samples() {
  const Bytes value = value_bytes("a block");
  return {
      sample_hello(),
      HelloAuth{seeded_key(7).sign(as_bytes("x"))},
      TxMessage{delegate("10.2.0.0/16", 1, 3, 9)},
      ConsensusMessage{proposal_by(100, 5, 1, -1, value)},
      ConsensusMessage{prevote_by(101, 5, 1, value_id(value))},
      ConsensusMessage{consensus::Decision{5, value_id(value), value, cert_by({100, 101, 102}, 5, 1, value_id(value))}},
      StatusMessage{17, hash_of("tip")},
      GetBlocks{3, kMaxBlocksPerRequest},
      Blocks{},
      Blocks{{sample_block(1, 0), sample_block(2, 3)}},
      TxsMessage{{delegate("10.3.0.0/16", 1, 4, 1)}},
      TxsMessage{{delegate("10.3.0.0/16", 1, 4, 2), delegate("10.4.0.0/16", 2, 5, 3), delegate("10.5.0.0/16", 3, 6, 4)}},
      GetSnapshot{},
      SnapshotOffer{},
      SnapshotOffer{sample_anchor()},
      GetChunk{9, 5},
      Chunk{9, 5, std::nullopt},
      Chunk{9, 5, sample_chunk()},
  };
}

// A txs frame built by hand: count field `count`, then the encodings of `txs`.
Bytes raw_txs_frame(uint32_t count, const std::vector<ledger::Transaction>& txs) {
  ledger::Writer w;
  w.u8(kP2pVersion).u8(static_cast<uint8_t>(Tag::txs)).u32(count);
  for (const auto& tx : txs) tx.encode(w);
  return w.take();
}

// A frame of exactly `size` bytes with a valid version and `tag`, the rest garbage.
Bytes padded_frame(Tag tag, size_t size) {
  Bytes f(size, 0xee);
  f[0] = kP2pVersion;
  f[1] = static_cast<uint8_t>(tag);
  return f;
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

// Transactions compare by their encodings (they have no operator==).
std::vector<Bytes> encodings(const std::vector<ledger::Transaction>& txs) {
  std::vector<Bytes> out;
  for (const auto& tx : txs) out.push_back(tx.encode());
  return out;
}

}  // namespace

TEST_CASE("every kind round-trips to the same bytes and tag") {
  for (const auto& m : samples()) {
    const Bytes enc = encode(m);
    REQUIRE(enc.size() >= 2);
    CHECK(enc[0] == kP2pVersion);
    CHECK(enc[1] == static_cast<uint8_t>(tag_of(m)));
    CHECK(enc.size() <= max_frame_bytes(tag_of(m)));
    auto dec = decode(enc);
    REQUIRE_MESSAGE(dec.ok(), tag_name(tag_of(m)) << ": " << (dec.ok() ? "" : dec.error()));
    CHECK(dec->index() == m.index());
    CHECK(encode(*dec) == enc);
  }
  // Field by field for the handshake, which has no other codec behind it.
  auto h = decode(encode(sample_hello()));
  REQUIRE(h.ok());
  CHECK(std::get<Hello>(*h) == sample_hello());
  const TxsMessage batch{{delegate("10.3.0.0/16", 1, 4, 2), delegate("10.4.0.0/16", 2, 5, 3)}};
  auto t = decode(encode(batch));
  REQUIRE(t.ok());
  CHECK(encodings(std::get<TxsMessage>(*t).txs) == encodings(batch.txs));
  auto b = decode(encode(Blocks{{sample_block(1, 0), sample_block(2, 3)}}));
  REQUIRE(b.ok());
  const auto& blocks = std::get<Blocks>(*b).blocks;
  REQUIRE(blocks.size() == 2);
  CHECK(blocks[1].block.header == sample_block(2, 3).block.header);
  CHECK(blocks[1].block.txs.size() == 3);
  CHECK(blocks[1].cert == sample_block(2, 3).cert);
}

TEST_CASE("a frame one byte over its kind's cap is refused, naming the kind, before any field is read") {
  for (uint8_t t = 1; t <= static_cast<uint8_t>(Tag::chunk); ++t) {
    const Tag tag = static_cast<Tag>(t);
    auto r = decode(padded_frame(tag, max_frame_bytes(tag) + 1));
    REQUIRE(!r.ok());
    CHECK_MESSAGE(contains(r.error(), "p2p " + std::string(tag_name(tag)) + " frame"), r.error());
    CHECK_MESSAGE(contains(r.error(), "exceeds the cap of " + std::to_string(max_frame_bytes(tag))), r.error());
    // At the cap the frame's size passes and the garbage inside is what
    // fails (for consensus, the inner message's own, smaller cap).
    auto at = decode(padded_frame(tag, max_frame_bytes(tag)));
    REQUIRE(!at.ok());
    CHECK_MESSAGE(!contains(at.error(), "frame of " + std::to_string(max_frame_bytes(tag))), at.error());
  }
  Bytes unknown = padded_frame(Tag::blocks, kMaxFrameBytes + 1);
  unknown[1] = 200;
  auto huge = decode(unknown);
  REQUIRE(!huge.ok());
  CHECK(contains(huge.error(), "largest cap"));
}

TEST_CASE("decoding is strict: prefixes, trailing bytes, version and tag") {
  for (const auto& m : samples()) {
    const Bytes enc = encode(m);
    const std::string kind(tag_name(tag_of(m)));
    for (size_t n = 0; n < enc.size(); ++n)
      CHECK_MESSAGE(!decode(ByteView(enc).first(n)).ok(), kind << ": prefix of " << n << " bytes decoded");
    Bytes trailing = enc;
    trailing.push_back(0);
    auto t = decode(trailing);
    REQUIRE(!t.ok());
    CHECK_MESSAGE(contains(t.error(), "trailing"), t.error());
    CHECK_MESSAGE(contains(t.error(), kind), t.error());
    for (uint8_t v : {0, 2, 255}) {
      Bytes bad = enc;
      bad[0] = v;
      auto r = decode(bad);
      REQUIRE(!r.ok());
      CHECK(contains(r.error(), "unsupported version " + std::to_string(v)));
    }
    for (uint8_t tag : {0, 13, 200, 255}) {
      Bytes bad = enc;
      bad[1] = tag;
      auto r = decode(bad);
      REQUIRE(!r.ok());
      CHECK(contains(r.error(), "unknown tag " + std::to_string(tag)));
    }
  }
  auto empty = decode(Bytes{});
  REQUIRE(!empty.ok());
  CHECK(contains(empty.error(), "too short"));
}

TEST_CASE("field bounds") {
  SUBCASE("get_blocks: from >= 1 and count in 1..kMaxBlocksPerRequest") {
    CHECK(decode(encode(GetBlocks{1, 1})).ok());
    CHECK(decode(encode(GetBlocks{1, kMaxBlocksPerRequest})).ok());
    auto from0 = decode(encode(GetBlocks{0, 1}));
    REQUIRE(!from0.ok());
    CHECK(contains(from0.error(), "p2p get_blocks frame: first height 0"));
    for (uint32_t c : {0u, kMaxBlocksPerRequest + 1, 0xffffffffu}) {
      auto r = decode(encode(GetBlocks{1, c}));
      REQUIRE(!r.ok());
      CHECK_MESSAGE(contains(r.error(), "count " + std::to_string(c)), r.error());
    }
  }
  SUBCASE("blocks: at most kMaxBlocksPerRequest per frame") {
    Blocks many;
    many.blocks.assign(kMaxBlocksPerRequest + 1, sample_block(1, 0));
    CHECK_THROWS_AS(encode(many), std::length_error);
    many.blocks.pop_back();
    Bytes enc = encode(many);
    CHECK(decode(enc).ok());
    // Raise the count field (right after version and tag) by one.
    enc[5] = static_cast<uint8_t>(kMaxBlocksPerRequest + 1);
    auto r = decode(enc);
    REQUIRE(!r.ok());
    CHECK_MESSAGE(contains(r.error(), "p2p blocks frame: count 65 exceeds cap 64"), r.error());
  }
  SUBCASE("blocks: a block that does not decode is named") {
    Bytes enc = encode(Blocks{{sample_block(1, 0)}});
    enc[2 + 4 + 4] ^= 0xff;  // first byte of the block's chain id length
    auto r = decode(enc);
    REQUIRE(!r.ok());
    CHECK_MESSAGE(contains(r.error(), "p2p blocks frame: "), r.error());
  }
  SUBCASE("hello: a boolean is 0 or 1; the chain id is at most 64 bytes") {
    Bytes enc = encode(sample_hello());
    enc.back() = 2;
    auto r = decode(enc);
    REQUIRE(!r.ok());
    CHECK(contains(r.error(), "p2p hello frame: boolean byte 2"));
    Hello h = sample_hello();
    h.chain_id.assign(65, 'c');
    auto long_id = decode(encode(h));
    REQUIRE(!long_id.ok());
    CHECK(contains(long_id.error(), "p2p hello frame"));
  }
  SUBCASE("tx and consensus bodies go through their own strict decoders") {
    Bytes tx = encode(TxMessage{delegate("10.2.0.0/16", 1, 3, 9)});
    tx[2] = 9;  // transaction version
    auto r = decode(tx);
    REQUIRE(!r.ok());
    CHECK_MESSAGE(contains(r.error(), "p2p tx frame: transaction: unsupported transaction version 9"), r.error());
    Bytes cm = encode(ConsensusMessage{prevote_by(101, 5, 1, value_id(value_bytes("v")))});
    cm[3] = 9;  // consensus message tag
    auto c = decode(cm);
    REQUIRE(!c.ok());
    CHECK_MESSAGE(contains(c.error(), "p2p consensus frame: consensus message: unknown message tag 9"), c.error());
  }
}

TEST_CASE("txs: each transaction as a tx frame carries it, 1..4096 of them, within 8 MiB") {
  const auto a = delegate("10.3.0.0/16", 1, 4, 1), b = delegate("10.4.0.0/16", 2, 5, 3);
  SUBCASE("the layout: u32 count, then each transaction's encoding") {
    const Bytes enc = encode(TxsMessage{{a, b}});
    CHECK(enc == raw_txs_frame(2, {a, b}));
    Bytes body(enc.begin() + 2 + 4, enc.begin() + 2 + 4 + static_cast<long>(a.encode().size()));
    CHECK(body == a.encode());
    CHECK(ByteView(encode(TxMessage{a})).subspan(2).size() == a.encode().size());
  }
  SUBCASE("order and copies are kept: a batch is a list, not a set") {
    const TxsMessage m{{b, a, b}};
    auto r = decode(encode(m));
    REQUIRE(r.ok());
    CHECK(encodings(std::get<TxsMessage>(*r).txs) == encodings(m.txs));
  }
  SUBCASE("an empty list is malformed, both ways") {
    CHECK_THROWS_AS(encode(TxsMessage{}), std::length_error);
    auto r = decode(raw_txs_frame(0, {}));
    REQUIRE(!r.ok());
    CHECK_MESSAGE(contains(r.error(), "p2p txs frame: no transactions"), r.error());
  }
  SUBCASE("at most kMaxTxsPerFrame transactions") {
    REQUIRE(kMaxTxsPerFrame == 4096);
    std::vector<ledger::Transaction> full(kMaxTxsPerFrame, a);
    const Bytes enc = encode(TxsMessage{full});
    auto ok = decode(enc);
    REQUIRE_MESSAGE(ok.ok(), ok.error());
    CHECK(std::get<TxsMessage>(*ok).txs.size() == kMaxTxsPerFrame);
    full.push_back(a);
    CHECK_THROWS_AS(encode(TxsMessage{full}), std::length_error);
    // 4097 real transactions, and a count of 4097 in front of fewer: both
    // refused on the count, before any transaction is read.
    auto over = decode(raw_txs_frame(kMaxTxsPerFrame + 1, full));
    REQUIRE(!over.ok());
    CHECK_MESSAGE(contains(over.error(), "p2p txs frame: count 4097 exceeds cap 4096"), over.error());
    auto lying = decode(raw_txs_frame(kMaxTxsPerFrame + 1, {a}));
    REQUIRE(!lying.ok());
    CHECK_MESSAGE(contains(lying.error(), "count 4097 exceeds cap 4096"), lying.error());
    auto huge = decode(raw_txs_frame(0xffffffffu, {a}));
    REQUIRE(!huge.ok());
    CHECK_MESSAGE(contains(huge.error(), "count 4294967295 exceeds cap 4096"), huge.error());
  }
  SUBCASE("the byte cap: at the cap the size passes, one byte over is refused before the count is read") {
    REQUIRE(kMaxTxsFrameBytes == 8u * 1024 * 1024);
    REQUIRE(kMaxTxsFrameBytes < kMaxFrameBytes);
    // A valid count and transaction, padded with bytes that follow them.
    Bytes at = raw_txs_frame(1, {a});
    at.resize(kMaxTxsFrameBytes, 0);
    auto r = decode(at);
    REQUIRE(!r.ok());
    CHECK_MESSAGE(contains(r.error(), "trailing bytes"), r.error());
    at.push_back(0);
    auto over = decode(at);
    REQUIRE(!over.ok());
    CHECK_MESSAGE(contains(over.error(), "p2p txs frame of " + std::to_string(kMaxTxsFrameBytes + 1) +
                                             " bytes exceeds the cap of " + std::to_string(kMaxTxsFrameBytes)),
                  over.error());
  }
  SUBCASE("a count larger than the transactions that follow, or a broken one, names the transaction") {
    auto short_list = decode(raw_txs_frame(3, {a, b}));
    REQUIRE(!short_list.ok());
    CHECK_MESSAGE(contains(short_list.error(), "p2p txs frame: transaction 2: "), short_list.error());
    Bytes enc = encode(TxsMessage{{a, b}});
    enc[2 + 4 + a.encode().size()] = 9;  // the second transaction's version byte
    auto bad = decode(enc);
    REQUIRE(!bad.ok());
    CHECK_MESSAGE(contains(bad.error(), "p2p txs frame: transaction 1: unsupported transaction version 9"),
                  bad.error());
  }
}

TEST_CASE("auth_sign_bytes is domain-separated and binds every input") {
  const Nonce n1{}, n2 = [] {
    Nonce n{};
    n[0] = 1;
    return n;
  }();
  const auto k1 = seeded_key(1).public_key(), k2 = seeded_key(2).public_key();
  const Bytes base = auth_sign_bytes("c", hash_of("g"), n1, k1);
  REQUIRE(base[0] == tags::kP2pAuth.size());
  CHECK(std::string(base.begin() + 1, base.begin() + 1 + base[0]) == tags::kP2pAuth);
  CHECK(base.size() == 1 + tags::kP2pAuth.size() + 4 + 1 + 32 + 32 + 32);
  CHECK(auth_sign_bytes("d", hash_of("g"), n1, k1) != base);
  CHECK(auth_sign_bytes("c", hash_of("h"), n1, k1) != base);
  CHECK(auth_sign_bytes("c", hash_of("g"), n2, k1) != base);
  CHECK(auth_sign_bytes("c", hash_of("g"), n1, k2) != base);
}

TEST_CASE("random and mutated frames never crash, what decodes re-encodes identically") {
  std::mt19937_64 rng(20240404);
  std::vector<Bytes> seeds;
  for (const auto& m : samples()) seeds.push_back(encode(m));
  size_t decoded = 0;
  for (int i = 0; i < 4000; ++i) {
    Bytes f;
    switch (i % 3) {
      case 0: {  // pure noise, sometimes with a valid header
        f.resize(rng() % 700);
        for (auto& b : f) b = static_cast<uint8_t>(rng());
        if (f.size() >= 2 && rng() % 2) {
          f[0] = kP2pVersion;
          f[1] = static_cast<uint8_t>(1 + rng() % static_cast<uint8_t>(Tag::chunk));
        }
        break;
      }
      case 1: {  // a valid frame with a few bytes changed
        f = seeds[rng() % seeds.size()];
        for (int k = 1 + static_cast<int>(rng() % 4); k > 0; --k) f[rng() % f.size()] = static_cast<uint8_t>(rng());
        break;
      }
      default: {  // a valid frame cut short or extended
        f = seeds[rng() % seeds.size()];
        if (rng() % 2)
          f.resize(rng() % f.size());
        else
          for (int k = 1 + static_cast<int>(rng() % 8); k > 0; --k) f.push_back(static_cast<uint8_t>(rng()));
        break;
      }
    }
    auto r = decode(f);
    if (r.ok()) {
      ++decoded;
      CHECK(encode(*r) == f);
    } else {
      CHECK(!r.error().empty());
    }
  }
  // Mutating a signature or hash byte still decodes: the codec does not verify.
  CHECK(decoded > 0);
}
