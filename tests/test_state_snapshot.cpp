// StateCommitment snapshots: O(1) to take and restore, and writes after a
// snapshot copy the nodes they change, so every snapshot keeps its root and
// its proofs whatever happens to the live tree.
#include <doctest/doctest.h>

#include <map>
#include <random>
#include <stdexcept>
#include <string>

#include "ledger/state_commitment.h"

using namespace nl;
using namespace nl::ledger;

namespace {

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

StateCommitment tree_of(const std::map<std::string, std::string>& entries) {
  StateCommitment t;
  for (const auto& [k, v] : entries) t.put(text(k), text(v));
  t.flush();
  return t;
}

bool proves(const StateCommitment& t, const crypto::Hash32& root, const std::string& k, const std::string& v) {
  auto p = t.prove(text(k));
  return p && verify_state_proof(root, text(k), text(v), *p);
}

}  // namespace

TEST_CASE("state snapshot: restore brings back the root, size and proofs, and writes never reach a snapshot") {
  std::mt19937_64 rng(7);
  std::map<std::string, std::string> first;
  for (int i = 0; i < 3000; ++i) first["key" + std::to_string(rng() % 100000)] = "v" + std::to_string(i);
  StateCommitment live = tree_of(first);
  const crypto::Hash32 root1 = live.root();
  const auto snap1 = live.snapshot();

  // A batch that replaces, erases (present and absent keys) and adds.
  std::map<std::string, std::string> second = first;
  int n = 0;
  for (auto it = first.begin(); it != first.end(); ++it, ++n) {
    if (n % 3 == 0) {
      live.put(text(it->first), text("changed"));
      second[it->first] = "changed";
    } else if (n % 7 == 0) {
      live.erase(text(it->first));
      second.erase(it->first);
    }
  }
  live.erase(text("absent-key"));
  for (int i = 0; i < 500; ++i) {
    const std::string k = "new" + std::to_string(i);
    live.put(text(k), text("n"));
    second[k] = "n";
  }
  live.flush();
  const crypto::Hash32 root2 = live.root();
  CHECK(root2 == tree_of(second).root());  // copying on write changes no hash
  CHECK(live.size() == second.size());
  const auto snap2 = live.snapshot();

  live.restore(snap1);
  CHECK(!live.dirty());
  CHECK(live.root() == root1);
  CHECK(live.size() == first.size());
  for (const auto& [k, v] : first) REQUIRE(proves(live, root1, k, v));

  // Writes on top of the restored tree leave the other snapshot alone.
  live.put(text("after"), text("x"));
  live.erase(text(first.begin()->first));
  live.flush();
  CHECK(live.root() != root1);
  live.restore(snap2);
  CHECK(live.root() == root2);
  for (const auto& [k, v] : second) REQUIRE(proves(live, root2, k, v));
  live.restore(snap1);
  CHECK(live.root() == root1);
}

TEST_CASE("state snapshot: a dirty tree has none, and an empty tree's snapshot restores to empty") {
  StateCommitment t;
  const auto empty = t.snapshot();
  t.put(text("a"), text("1"));
  CHECK_THROWS_AS((void)t.snapshot(), std::logic_error);
  t.flush();
  CHECK(t.size() == 1);
  t.restore(empty);
  CHECK(t.size() == 0);
  CHECK(t.root() == crypto::Hash32{});
}
