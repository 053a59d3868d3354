// The state multiproof: one proof for many keys, shared nodes once, that
// reaches the tree's root; and every non-canonical or tampered form is
// refused with its reason.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>

#include "ledger/state_commitment.h"
#include "ledger/state_multiproof.h"

using namespace nl;
using namespace nl::ledger;

namespace {

Bytes key_of(uint64_t id) {
  Writer w;
  w.u8('H').u64(id);
  return w.take();
}
Bytes value_of(uint64_t id) {
  Writer w;
  w.u64(id * 7919).str("value");
  return w.take();
}
std::vector<StateMultiproof::Entry> entries_of(const std::vector<uint64_t>& ids) {
  std::vector<StateMultiproof::Entry> out;
  for (auto id : ids) out.push_back({key_of(id), value_of(id)});
  return out;
}
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

StateMultiproof round_trip(const StateMultiproof& p) {
  Writer w;
  p.encode(w);
  Bytes b = w.take();
  Reader r(b);
  StateMultiproof back = StateMultiproof::decode(r);
  CHECK(r.done());
  return back;
}

}  // namespace

TEST_CASE("state multiproof: random subsets of random trees reach the root, and are smaller than single proofs") {
  std::mt19937_64 rng(5);
  for (size_t n : {1, 2, 3, 17, 1000}) {
    StateCommitment t;
    for (uint64_t i = 0; i < n; ++i) t.put(key_of(i), value_of(i));
    t.flush();
    for (int round = 0; round < 20; ++round) {
      std::vector<uint64_t> ids;
      size_t k = 1 + rng() % std::min<size_t>(n, 64);
      for (size_t j = 0; j < k; ++j) ids.push_back(rng() % n);
      auto p = t.prove_many(entries_of(ids));
      REQUIRE(p);
      auto root = state_multiproof_root(round_trip(*p));
      REQUIRE_MESSAGE(root.ok(), root.error());
      CHECK(*root == t.root());
      if (n == 1000 && k > 8) {
        size_t singles = 0;
        for (auto id : ids) singles += t.prove(key_of(id))->siblings.size();
        CHECK(p->hashes.size() < singles);  // shared siblings appear once
      }
    }
  }
  StateCommitment t;
  for (uint64_t i = 0; i < 10; ++i) t.put(key_of(i), value_of(i));
  t.flush();
  CHECK_FALSE(t.prove_many(entries_of({3, 99})));  // 99 is absent
  // A wrong value is a different leaf: the root differs.
  auto p = t.prove_many(entries_of({3, 4}));
  p->entries[0].value.push_back(1);
  CHECK(*state_multiproof_root(*p) != t.root());
}

TEST_CASE("state multiproof: non-canonical and malformed walks are refused, each with its reason") {
  StateCommitment t;
  for (uint64_t i = 0; i < 50; ++i) t.put(key_of(i), value_of(i));
  t.flush();
  const StateMultiproof good = *t.prove_many(entries_of({1, 2, 3}));
  REQUIRE(state_multiproof_root(good).ok());
  auto reason = [](const StateMultiproof& p) {
    auto r = state_multiproof_root(p);
    return r.ok() ? std::string("accepted") : r.error();
  };
  SUBCASE("a zero hash in place of an empty subtree") {
    StateMultiproof p = good;
    p.hashes[0] = crypto::Hash32{};
    CHECK(contains(reason(p), "zero hash"));
  }
  SUBCASE("an inner node with no entry below it") {
    StateMultiproof p;
    p.entries = good.entries;
    p.codes = {StateMultiproof::inner, StateMultiproof::hash, StateMultiproof::hash};
    p.hashes = {t.root(), t.root()};
    CHECK(contains(reason(p), "no entry below it"));
  }
  SUBCASE("a leaf beside an empty subtree") {
    StateCommitment one;
    one.put(key_of(1), value_of(1));
    one.flush();
    StateMultiproof p = *one.prove_many(entries_of({1}));
    REQUIRE(p.codes == std::vector<uint8_t>{StateMultiproof::leaf});
    p.codes = {StateMultiproof::inner, StateMultiproof::leaf, StateMultiproof::empty};
    CHECK(contains(reason(p), "beside an empty subtree"));
  }
  SUBCASE("a key listed twice") {
    StateMultiproof p = good;
    p.entries.insert(p.entries.begin() + 1, p.entries[0]);
    CHECK(contains(reason(p), "twice"));
  }
  SUBCASE("entries in another order: placed where their keys do not lead") {
    StateMultiproof p = good;
    std::swap(p.entries[0], p.entries[2]);
    CHECK(contains(reason(p), "where its key does not lead"));
  }
  SUBCASE("codes, hashes or entries left over or missing") {
    StateMultiproof p = good;
    p.codes.push_back(StateMultiproof::empty);
    CHECK(contains(reason(p), "codes left over"));
    p = good;
    p.hashes.push_back(t.root());
    CHECK(contains(reason(p), "hashes left over"));
    p = good;
    p.entries.push_back({key_of(40), value_of(40)});
    CHECK(contains(reason(p), "never reaches"));
    p = good;
    p.codes.pop_back();
    CHECK(contains(reason(p), "ends in the middle"));
    p = good;
    p.entries.clear();
    CHECK(contains(reason(p), "fewer entries"));
  }
  SUBCASE("padding bits must be zero") {
    Writer w;
    good.encode(w);
    Bytes b = w.take();
    // The codes' last byte sits just before u32 m and the m hashes.
    const size_t last_code_byte = b.size() - 4 - 32 * good.hashes.size() - 1;
    if (good.codes.size() % 4 != 0) {
      b[last_code_byte] |= 1;
      Reader r(b);
      CHECK_THROWS_WITH_AS(StateMultiproof::decode(r), "state multiproof padding bits are not zero", DecodeError);
    }
  }
}

TEST_CASE("state multiproof: keep_only gives what prove_many gives for the entries kept") {
  std::mt19937_64 rng(11);
  for (size_t n : {2, 3, 17, 1000}) {
    StateCommitment t;
    for (uint64_t i = 0; i < n; ++i) t.put(key_of(i), value_of(i));
    t.flush();
    for (int round = 0; round < 20; ++round) {
      std::vector<uint64_t> ids, kept;
      const size_t k = 2 + rng() % std::min<size_t>(n - 1, 32);
      for (size_t j = 0; j < k; ++j) ids.push_back(rng() % n);
      for (size_t j = 0; j < ids.size(); ++j)
        if (j == 0 || rng() % 2) kept.push_back(ids[j]);
      auto all = t.prove_many(entries_of(ids));
      REQUIRE(all);
      auto narrowed = all->keep_only([&](const StateMultiproof::Entry& e) {
        return std::any_of(kept.begin(), kept.end(), [&](uint64_t id) { return key_of(id) == e.key; });
      });
      REQUIRE_MESSAGE(narrowed.ok(), narrowed.error());
      CHECK(*narrowed == *t.prove_many(entries_of(kept)));
      CHECK(state_multiproof_root(*narrowed).value() == t.root());
    }
  }
  StateCommitment t;
  for (uint64_t i = 0; i < 5; ++i) t.put(key_of(i), value_of(i));
  t.flush();
  auto p = t.prove_many(entries_of({1, 2}));
  REQUIRE(p);
  auto none = p->keep_only([](const StateMultiproof::Entry&) { return false; });
  REQUIRE(!none.ok());
  CHECK(contains(none.error(), "would prove no entry"));
  StateMultiproof broken = *p;
  broken.hashes.push_back(broken.hashes.empty() ? crypto::Hash32{} : broken.hashes.front());
  CHECK(!broken.keep_only([](const StateMultiproof::Entry&) { return true; }).ok());
}
