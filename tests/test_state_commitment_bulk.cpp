// StateCommitment::from_leaves: the tree a restart builds in one pass must
// be the very tree put() builds, proofs and later changes included.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "ledger/state_commitment.h"
#include "support/state_tree_data.h"

using namespace nl;
using namespace nl::ledger;
using namespace nl::test::state_tree_data;

TEST_CASE("state commitment: a tree built from its leaves in one pass is the tree put() builds") {
  for (uint64_t n : {0, 1, 2, 3, 17, 1000, 70000}) {  // 70,000: the halves on two threads
    CAPTURE(n);
    auto ids = iota_ids(n);
    std::mt19937_64 rng(n);
    std::shuffle(ids.begin(), ids.end(), rng);
    std::vector<StateCommitment::LeafHashes> leaves;
    for (uint64_t id : ids) leaves.push_back(StateCommitment::leaf_of(key_of(id), value_of(id)));
    StateCommitment bulk = StateCommitment::from_leaves(std::move(leaves));
    StateCommitment one_by_one = build(ids);
    CHECK_FALSE(bulk.dirty());
    CHECK(bulk.size() == n);
    CHECK(bulk.root() == one_by_one.root());
    std::map<uint64_t, uint64_t> model;
    for (uint64_t id : ids) model[id] = 0;
    CHECK(bulk.root() == reference_root(model));
    // The same shape: every proof is the same bytes.
    for (size_t i = 0; i < std::min<size_t>(n, 200); ++i) {
      auto a = bulk.prove(key_of(ids[i]));
      auto b = one_by_one.prove(key_of(ids[i]));
      REQUIRE(a);
      REQUIRE(b);
      CHECK(encode(*a) == encode(*b));
    }
    // And it keeps working as a live tree: changes, snapshots and undo.
    if (n < 3) continue;
    auto snap = bulk.snapshot();
    bulk.put(key_of(ids[0]), value_of(ids[0], 5));
    bulk.erase(key_of(ids[1]));
    bulk.put(key_of(n + 1), value_of(n + 1));
    bulk.flush();
    one_by_one.put(key_of(ids[0]), value_of(ids[0], 5));
    one_by_one.erase(key_of(ids[1]));
    one_by_one.put(key_of(n + 1), value_of(n + 1));
    one_by_one.flush();
    CHECK(bulk.root() == one_by_one.root());
    bulk.restore(snap);
    CHECK(bulk.root() == reference_root(model));
  }
}

TEST_CASE("state commitment: from_leaves keeps a key's last value when it is given twice, as put() does") {
  std::vector<StateCommitment::LeafHashes> leaves;
  for (uint64_t id : {1, 2, 3}) leaves.push_back(StateCommitment::leaf_of(key_of(id), value_of(id)));
  leaves.push_back(StateCommitment::leaf_of(key_of(2), value_of(2, 7)));
  StateCommitment t = StateCommitment::from_leaves(std::move(leaves));
  CHECK(t.size() == 3);
  CHECK(t.root() == reference_root(std::map<uint64_t, uint64_t>{{1, 0}, {2, 7}, {3, 0}}));
}
