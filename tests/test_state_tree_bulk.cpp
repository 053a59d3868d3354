// write_whole_tree (state_tree_bulk.h): the records it makes from sorted
// leaves are exactly those of the tree built in memory and persisted whole,
// its root is that tree's, batches keep their bound, and a sink's error
// stops it.
#include <doctest/doctest.h>

#include <map>

#include "ledger/state_commitment.h"
#include "ledger/state_tree_bulk.h"
#include "support/state_tree_data.h"

using namespace nl;
using namespace nl::ledger;
using namespace nl::test::state_tree_data;

namespace {

std::vector<StateCommitment::LeafHashes> leaves_of(size_t n) {
  std::vector<StateCommitment::LeafHashes> out;
  for (uint64_t i = 0; i < n; ++i) out.push_back(StateCommitment::leaf_of(key_of(i), value_of(i)));
  return out;
}

std::map<Bytes, Bytes> as_map(const std::vector<state_tree::NodeWrite>& writes) {
  std::map<Bytes, Bytes> out;
  for (const auto& w : writes) {
    REQUIRE(w.value.has_value());
    CHECK(out.emplace(w.key, *w.value).second);  // each place once
  }
  return out;
}

}  // namespace

TEST_CASE("state tree bulk: the records and root of the tree built in memory, whatever the size") {
  // 70,000 leaves take the two-thread path.
  for (size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{3}, size_t{257}, size_t{70000}}) {
    CAPTURE(n);
    StateCommitment whole = StateCommitment::from_leaves(leaves_of(n));
    auto persisted = as_map(whole.persist(nullptr, 0));
    const Bytes root_record = persisted.at(Bytes{});
    persisted.erase(Bytes{});

    auto leaves = leaves_of(n);
    sort_leaves(leaves);
    std::vector<state_tree::NodeWrite> got;
    size_t biggest_batch = 0;
    auto root = write_whole_tree(
        leaves,
        [&](std::vector<state_tree::NodeWrite>&& batch) {
          biggest_batch = std::max(biggest_batch, batch.size());
          for (auto& w : batch) got.push_back(std::move(w));
          return Status::success();
        },
        100);
    REQUIRE_MESSAGE(root.ok(), root.error());
    CHECK(root->encode() == root_record);
    CHECK(root->size == n);
    CHECK(as_map(got) == persisted);
    CHECK(biggest_batch <= 100);

    auto root_only = write_whole_tree(leaves, nullptr);
    REQUIRE(root_only.ok());
    CHECK(root_only->root.hash == whole.root());
  }
}

TEST_CASE("state tree bulk: sort_leaves keeps a key's last value, as put() does") {
  auto leaves = leaves_of(3);
  leaves.push_back(StateCommitment::leaf_of(key_of(1), value_of(1, 9)));
  sort_leaves(leaves);
  REQUIRE(leaves.size() == 3);
  bool found = false;
  for (const auto& l : leaves)
    if (l.key_hash == kh_of(key_of(1))) {
      CHECK(l.leaf_hash == leaf_of(key_of(1), value_of(1, 9)));
      found = true;
    }
  CHECK(found);
}

TEST_CASE("state tree bulk: the first error a sink returns stops the walk and is returned") {
  for (size_t n : {size_t{500}, size_t{70000}}) {
    CAPTURE(n);
    auto leaves = leaves_of(n);
    sort_leaves(leaves);
    size_t calls = 0;
    auto r = write_whole_tree(
        leaves,
        [&](std::vector<state_tree::NodeWrite>&&) {
          ++calls;
          return fail("disk full");
        },
        10);
    REQUIRE(!r.ok());
    CHECK(r.error() == "disk full");
    CHECK(calls == 1);
  }
}
