#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "crypto/domain_tags.h"
#include "crypto/hash.h"
#include "ledger/canonical.h"
#include "ledger/state_commitment.h"
#include "support/state_tree_data.h"

using namespace nl;
using namespace nl::ledger;
using nl::crypto::Hash32;

using namespace nl::test::state_tree_data;

TEST_CASE("state commitment: empty, single and small trees match the definition") {
  StateCommitment t;
  CHECK(t.root().is_zero());
  CHECK(t.size() == 0);
  CHECK_FALSE(t.prove(key_of(1)));

  t.put(key_of(1), value_of(1));
  CHECK(t.size() == 1);
  t.flush();
  CHECK(t.root() == leaf_of(key_of(1), value_of(1)));
  auto p = t.prove(key_of(1));
  REQUIRE(p);
  CHECK(p->depth == 0);
  CHECK(p->siblings.empty());
  CHECK(verify_state_proof(t.root(), key_of(1), value_of(1), *p));

  std::map<uint64_t, uint64_t> model{{1, 0}};
  std::mt19937_64 rng(7);
  for (int step = 0; step < 2000; ++step) {
    uint64_t id = rng() % 64;
    if (rng() % 3 == 0) {
      t.erase(key_of(id));
      model.erase(id);
    } else {
      uint64_t ver = rng() % 4;
      t.put(key_of(id), value_of(id, ver));
      model[id] = ver;
    }
    REQUIRE(t.size() == model.size());
    t.flush();
    REQUIRE(t.root() == reference_root(model));
  }
}

TEST_CASE("state commitment: root is independent of insertion order") {
  auto ids = iota_ids(600);
  Hash32 expected = build(ids).root();
  std::mt19937_64 rng(42);
  for (int round = 0; round < 6; ++round) {
    std::shuffle(ids.begin(), ids.end(), rng);
    StateCommitment t;
    // Stale values first, then the final ones, in a different order again.
    for (size_t i = 0; i < ids.size(); i += 3) t.put(key_of(ids[i]), value_of(ids[i], 9));
    for (uint64_t id : ids) t.put(key_of(id), value_of(id));
    t.flush();
    CHECK(t.size() == ids.size());
    CHECK(t.root() == expected);
  }
  std::map<uint64_t, uint64_t> model;
  for (uint64_t id : ids) model[id] = 0;
  CHECK(expected == reference_root(model));
}

TEST_CASE("state commitment: put replaces and erase returns to earlier roots") {
  StateCommitment t = build(iota_ids(300));
  Hash32 before = t.root();
  t.put(key_of(5), value_of(5, 1));
  t.flush();
  CHECK(t.size() == 300);
  CHECK(t.root() != before);
  t.put(key_of(5), value_of(5));
  t.flush();
  CHECK(t.root() == before);

  t.put(key_of(1000), value_of(1000));
  t.flush();
  CHECK(t.root() != before);
  t.erase(key_of(1000));
  t.flush();
  CHECK(t.root() == before);
  t.erase(key_of(99999));  // absent: no change
  t.flush();
  CHECK(t.root() == before);
  CHECK(t.size() == 300);

  // Erasing half leaves exactly the tree of the other half.
  auto ids = iota_ids(300);
  std::mt19937_64 rng(3);
  std::shuffle(ids.begin(), ids.end(), rng);
  std::vector<uint64_t> kept(ids.begin() + 150, ids.end());
  for (size_t i = 0; i < 150; ++i) t.erase(key_of(ids[i]));
  t.flush();
  CHECK(t.size() == 150);
  CHECK(t.root() == build(kept).root());

  for (uint64_t id : kept) t.erase(key_of(id));
  t.flush();
  CHECK(t.size() == 0);
  CHECK(t.root().is_zero());
  CHECK_FALSE(t.prove(key_of(kept[0])));
}

TEST_CASE("state commitment: every key of a few thousand has a verifying proof") {
  const uint64_t n = 3000;
  StateCommitment t = build(iota_ids(n));
  Hash32 root = t.root();
  for (uint64_t id = 0; id < n; ++id) {
    auto p = t.prove(key_of(id));
    REQUIRE(p);
    REQUIRE(p->present.size() == (p->depth + 7u) / 8u);
    REQUIRE(verify_state_proof(root, key_of(id), value_of(id), *p));
  }
  CHECK_FALSE(t.prove(key_of(n)));
  CHECK_FALSE(t.prove(key_of(n + 12345)));

  // Moving the tree keeps its contents.
  StateCommitment moved = std::move(t);
  CHECK(moved.root() == root);
  CHECK(moved.size() == n);
}

TEST_CASE("state commitment: proofs fail for wrong value, key, sibling or root") {
  StateCommitment t = build(iota_ids(2000));
  Hash32 root = t.root();
  for (uint64_t id : {0u, 17u, 1999u}) {
    auto p = t.prove(key_of(id));
    REQUIRE(p);
    REQUIRE_FALSE(p->siblings.empty());
    CHECK(verify_state_proof(root, key_of(id), value_of(id), *p));
    CHECK_FALSE(verify_state_proof(root, key_of(id), value_of(id, 1), *p));
    CHECK_FALSE(verify_state_proof(root, key_of(id + 1), value_of(id), *p));
    CHECK_FALSE(verify_state_proof(root, key_of(id + 1), value_of(id + 1), *p));

    Hash32 other_root = root;
    other_root.b[31] ^= 1;
    CHECK_FALSE(verify_state_proof(other_root, key_of(id), value_of(id), *p));
    CHECK_FALSE(verify_state_proof(Hash32{}, key_of(id), value_of(id), *p));

    for (size_t s = 0; s < p->siblings.size(); ++s) {
      StateProof bad = *p;
      bad.siblings[s].b[s % 32] ^= 0x40;
      CHECK_FALSE(verify_state_proof(root, key_of(id), value_of(id), bad));
    }
    StateProof shorter = *p;
    shorter.siblings.pop_back();
    CHECK_FALSE(verify_state_proof(root, key_of(id), value_of(id), shorter));
    StateProof deeper = *p;
    deeper.depth += 1;
    CHECK_FALSE(verify_state_proof(root, key_of(id), value_of(id), deeper));
    StateProof flipped = *p;
    flipped.present[0] ^= 0x80;
    CHECK_FALSE(verify_state_proof(root, key_of(id), value_of(id), flipped));
  }
}

TEST_CASE("state proof: encode/decode round trip and garbage") {
  StateCommitment t = build(iota_ids(1000));
  for (uint64_t id = 0; id < 1000; id += 37) {
    auto p = t.prove(key_of(id));
    REQUIRE(p);
    Bytes enc = encode(*p);
    CHECK(enc.size() == 2 + p->present.size() + 4 + 32 * p->siblings.size());
    StateProof back = decode(enc);
    CHECK(back.depth == p->depth);
    CHECK(back.present == p->present);
    CHECK(back.siblings == p->siblings);
    CHECK(encode(back) == enc);
    CHECK(verify_state_proof(t.root(), key_of(id), value_of(id), back));
  }

  auto p = t.prove(key_of(3));
  REQUIRE(p);
  Bytes good = encode(*p);
  // Truncated at every length.
  for (size_t n = 0; n < good.size(); ++n)
    CHECK_THROWS_AS(decode(Bytes(good.begin(), good.begin() + n)), DecodeError);

  // Depth above 256.
  CHECK_THROWS_AS(decode(Bytes{0x01, 0x01}), DecodeError);
  // Count disagrees with the bitmap: depth 8, bitmap 0b1000'0001, count 1.
  Bytes mismatch{0x00, 0x08, 0x81, 0x00, 0x00, 0x00, 0x01};
  mismatch.resize(mismatch.size() + 32, 0x11);
  CHECK_THROWS_AS(decode(mismatch), DecodeError);
  // A set bit past the depth: depth 3, bitmap 0b0001'0000, count 1.
  Bytes padding{0x00, 0x03, 0x10, 0x00, 0x00, 0x00, 0x01};
  padding.resize(padding.size() + 32, 0x11);
  CHECK_THROWS_AS(decode(padding), DecodeError);
  // A huge count with no data behind it.
  CHECK_THROWS_AS(decode(Bytes{0x00, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff}), DecodeError);

  // Random bytes either decode to a well-formed proof or throw DecodeError.
  std::mt19937_64 rng(11);
  for (int i = 0; i < 2000; ++i) {
    Bytes junk(rng() % 80);
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    if (i % 2 && junk.size() >= 2) junk[0] = 0, junk[1] = static_cast<uint8_t>(rng() % 16);
    try {
      Reader r(junk);
      StateProof q = StateProof::decode(r);
      CHECK(q.present.size() == (q.depth + 7u) / 8u);
    } catch (const DecodeError&) {
    }
  }
}

TEST_CASE("state commitment: proofs stay shallow at 100,000 entries") {
  const uint64_t n = 100000;
  StateCommitment t = build(iota_ids(n));
  CHECK(t.size() == n);
  unsigned max_depth = 0;
  for (uint64_t id = 0; id < n; ++id) {
    auto p = t.prove(key_of(id));
    REQUIRE(p);
    max_depth = std::max<unsigned>(max_depth, p->depth);
  }
  MESSAGE("max proof depth at 100k entries: " << max_depth);
  CHECK(max_depth < 40);
}

namespace {

// Fixed datasets whose roots and proofs were recorded from the earlier
// implementation, which rehashed the whole path on every put/erase, before
// hashing became deferred: they pin the definition (leaf and inner
// formulas, collapse rule, proof format) across that change.
StateCommitment pinned_a() {  // 'H'+u64 i for i < 1000, values from i
  StateCommitment t;
  for (uint64_t i = 0; i < 1000; ++i) t.put(key_of(i), value_of(i));
  t.flush();
  return t;
}

StateCommitment pinned_b() {  // A, then erase i % 3 == 0 and rewrite i % 5 == 0
  StateCommitment t = pinned_a();
  for (uint64_t i = 0; i < 1000; i += 3) t.erase(key_of(i));
  for (uint64_t i = 0; i < 1000; i += 5) t.put(key_of(i), value_of(i, 1));
  t.erase(key_of(5000));  // absent
  t.flush();
  return t;
}

// Random puts and erases over 3000 ids, flushed every `flush_every` steps.
StateCommitment pinned_c(int flush_every) {
  StateCommitment t;
  std::mt19937_64 rng(2024);
  for (int step = 0; step < 20000; ++step) {
    uint64_t id = rng() % 3000;
    if (rng() % 4 == 0)
      t.erase(key_of(id));
    else
      t.put(key_of(id), value_of(id, rng() % 8));
    if ((step + 1) % flush_every == 0) t.flush();
  }
  t.flush();
  return t;
}

StateCommitment pinned_d() {  // a single entry
  StateCommitment t;
  t.put(key_of(7), value_of(7));
  t.flush();
  return t;
}

// Hash of the encoded proofs of every 7th id below 1000 present in `t`.
Hash32 proofs_digest(const StateCommitment& t) {
  Writer w;
  for (uint64_t i = 0; i < 1000; i += 7)
    if (auto p = t.prove(key_of(i))) p->encode(w);
  return crypto::sha256(w.data());
}

std::string hex_of(const Hash32& h) { return h.hex(); }

}  // namespace

TEST_CASE("state commitment: roots and proofs of fixed datasets are pinned") {
  StateCommitment a = pinned_a(), b = pinned_b(), d = pinned_d();
  CHECK(a.size() == 1000);
  CHECK(hex_of(a.root()) == "f184dc2c51a94c6f21213c52778b6f9f6f470407487b660c502b52dcc4786812");
  CHECK(hex_of(proofs_digest(a)) == "488ee84699a3fc65503dcb5f37dfb5056e5cc4f7b7c8707483ccc2aeb000a581");
  CHECK(b.size() == 733);
  CHECK(hex_of(b.root()) == "4ec8ce584cffaec8464bff0c4ed11ff89d2d790d8537744609ba4839e975828d");
  CHECK(hex_of(proofs_digest(b)) == "4119c2fe75d9ecdb3e4c3d50c845a68b607aab46b5a6be3f951a456c2410fac9");
  // The same random history flushed once, every 64 steps and every step.
  for (int every : {1000000, 64, 1}) {
    CAPTURE(every);
    StateCommitment c = pinned_c(every);
    CHECK(c.size() == 2236);
    CHECK(hex_of(c.root()) == "015cd59ab9ddadc92327370a8935736f66b1d4a24c947310e2e7fe978a9cca93");
    CHECK(hex_of(proofs_digest(c)) == "53c52f0ce53c1123f1db68a0d01962d571e8ff2619f00d3581999d852d20a22a");
  }
  CHECK(d.size() == 1);
  CHECK(hex_of(d.root()) == "1d802da7768f34e8d3ea8b53c95678c0e5b81245968b172387426950a224bf32");

  // The pinned roots are also the from-scratch definition.
  std::map<uint64_t, uint64_t> model;
  for (uint64_t i = 0; i < 1000; ++i) model[i] = 0;
  CHECK(a.root() == reference_root(model));
  for (uint64_t i = 0; i < 1000; i += 3) model.erase(i);
  for (uint64_t i = 0; i < 1000; i += 5) model[i] = 1;
  CHECK(b.root() == reference_root(model));
}

TEST_CASE("state commitment: reading a dirty tree throws until flush()") {
  StateCommitment t;
  CHECK_FALSE(t.dirty());
  CHECK(t.root().is_zero());  // a fresh tree is clean
  t.flush();                  // and flushing it is harmless
  CHECK(t.root().is_zero());

  t.put(key_of(1), value_of(1));
  CHECK(t.dirty());
  CHECK_THROWS_AS(t.root(), std::logic_error);
  CHECK_THROWS_AS(t.prove(key_of(1)), std::logic_error);
  try {
    (void)t.root();
  } catch (const std::logic_error& e) {
    CHECK(std::string(e.what()) == "state commitment read before flush()");
  }
  t.flush();
  CHECK_FALSE(t.dirty());
  CHECK(t.root() == leaf_of(key_of(1), value_of(1)));
  CHECK(t.prove(key_of(1)));

  // Any write dirties the tree, including ones that change nothing.
  for (int kind = 0; kind < 3; ++kind) {
    StateCommitment u = build(iota_ids(50));
    Hash32 before = u.root();
    if (kind == 0) u.put(key_of(3), value_of(3));  // same value
    if (kind == 1) u.erase(key_of(777));           // absent key
    if (kind == 2) u.put(key_of(3), value_of(3, 1)), u.put(key_of(3), value_of(3));
    CHECK_THROWS_AS(u.root(), std::logic_error);
    CHECK_THROWS_AS(u.prove(key_of(3)), std::logic_error);
    u.flush();
    CHECK(u.root() == before);
  }

  // Erasing everything leaves a dirty, then clean, empty tree.
  StateCommitment e = build(iota_ids(20));
  for (uint64_t id = 0; id < 20; ++id) e.erase(key_of(id));
  CHECK_THROWS_AS(e.root(), std::logic_error);
  e.flush();
  CHECK(e.root().is_zero());
}

TEST_CASE("state commitment: interleaved batches match a fresh tree of the final set") {
  std::mt19937_64 rng(99);
  std::map<uint64_t, uint64_t> model;
  StateCommitment t;
  // Put batch, flush, erase batch, flush, and so on.
  for (int round = 0; round < 8; ++round) {
    for (int i = 0; i < 700; ++i) {
      uint64_t id = rng() % 2000, ver = rng() % 5;
      t.put(key_of(id), value_of(id, ver));
      model[id] = ver;
    }
    t.flush();
    StateCommitment fresh;
    for (auto [id, ver] : model) fresh.put(key_of(id), value_of(id, ver));
    fresh.flush();
    REQUIRE(t.root() == fresh.root());

    for (int i = 0; i < 400; ++i) {
      uint64_t id = rng() % 2000;
      t.erase(key_of(id));
      model.erase(id);
    }
    t.flush();
    StateCommitment fresh2;
    for (auto [id, ver] : model) fresh2.put(key_of(id), value_of(id, ver));
    fresh2.flush();
    REQUIRE(t.size() == model.size());
    REQUIRE(t.root() == fresh2.root());
    REQUIRE(t.root() == reference_root(model));
  }
  // Mixed batches: puts, erases and re-puts of the same keys in one batch.
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 300; ++i) {
      uint64_t id = rng() % 600;
      if (rng() % 3 == 0) {
        t.erase(key_of(id));
        model.erase(id);
      } else {
        uint64_t ver = rng() % 5;
        t.put(key_of(id), value_of(id, ver));
        model[id] = ver;
      }
    }
    t.flush();
    REQUIRE(t.size() == model.size());
    REQUIRE(t.root() == reference_root(model));
  }
  // Every present key still proves against the batched root.
  for (auto [id, ver] : model) {
    auto p = t.prove(key_of(id));
    REQUIRE(p);
    REQUIRE(verify_state_proof(t.root(), key_of(id), value_of(id, ver), *p));
  }
}

TEST_CASE("state commitment: flush hashes each dirty node once") {
  const uint64_t n = 20000;
  StateCommitment t = build(iota_ids(n));
  uint64_t h0 = t.hash_count();
  t.flush();  // clean: nothing to do
  CHECK(t.hash_count() == h0);

  // One update of an existing key: key, value and leaf hash, then one inner
  // hash per node on its path (the proof depth).
  auto p = t.prove(key_of(17));
  REQUIRE(p);
  t.put(key_of(17), value_of(17, 1));
  CHECK(t.hash_count() == h0 + 3);  // put hashes no inner node
  t.flush();
  CHECK(t.hash_count() == h0 + 3 + p->depth);

  // A batch of value updates: exactly one inner hash per distinct node on
  // the union of their paths, i.e. per distinct (depth, key-hash prefix).
  std::mt19937_64 rng(5);
  std::vector<uint64_t> batch;
  for (int i = 0; i < 2000; ++i) batch.push_back(rng() % n);
  std::set<std::pair<unsigned, Hash32>> nodes;
  uint64_t path_sum = 0;
  for (uint64_t id : batch) {
    auto q = t.prove(key_of(id));
    REQUIRE(q);
    path_sum += q->depth;
    Hash32 kh = kh_of(key_of(id)), prefix{};
    for (unsigned d = 0; d < q->depth; ++d) {
      nodes.emplace(d, prefix);
      if (bit_at(kh, d)) prefix.b[d / 8] |= static_cast<uint8_t>(0x80u >> (d % 8));
    }
  }
  uint64_t h1 = t.hash_count();
  for (uint64_t id : batch) t.put(key_of(id), value_of(id, 2));
  CHECK(t.hash_count() == h1 + 3 * batch.size());
  t.flush();
  uint64_t inner = t.hash_count() - h1 - 3 * batch.size();
  CHECK(inner == nodes.size());
  MESSAGE("2000 updates in a 20k tree: " << inner << " inner hashes batched vs " << path_sum
                                         << " one path at a time");
  CHECK(inner * 2 < path_sum);
}
