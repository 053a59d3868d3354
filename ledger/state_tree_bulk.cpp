#include "ledger/state_tree_bulk.h"

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <optional>
#include <string>

#include "ledger/state_tree_hashes.h"

namespace nl::ledger {

using crypto::Hash32;
using state_tree::ChildRef;
using state_tree::InnerRecord;
using state_tree::NodeWrite;
using Leaves = std::vector<StateCommitment::LeafHashes>;

namespace {

// Below this a second thread costs more than it saves (as in from_leaves).
constexpr size_t kParallelLeaves = 65536;

// One thread's walk: its own batch, handed to the shared sink when full.
struct Walk {
  const Leaves& leaves;
  const TreeRecordSink* sink;
  size_t batch_size;
  std::mutex& sink_mu;
  std::atomic<bool>& stopped;
  std::optional<std::string>& error;
  std::vector<NodeWrite> batch{};

  void flush() {
    if (batch.empty()) return;
    std::lock_guard lock(sink_mu);
    if (!stopped) {
      if (Status s = (*sink)(std::move(batch)); !s) {
        error = s.error();
        stopped = true;
      }
    }
    batch.clear();
  }

  // The subtree at `depth` on `path` over the leaves [lo, hi), which share
  // path's first `depth` bits: its reference, its inner records emitted.
  ChildRef build(size_t lo, size_t hi, unsigned depth, const Hash32& path) {
    ChildRef ref;
    if (lo == hi || stopped) return ref;
    if (hi - lo == 1) {
      ref.kind = ChildRef::leaf;
      ref.hash = leaves[lo].leaf_hash;
      ref.key_hash = leaves[lo].key_hash;
      return ref;
    }
    const size_t mid = static_cast<size_t>(
        std::partition_point(leaves.begin() + static_cast<std::ptrdiff_t>(lo),
                             leaves.begin() + static_cast<std::ptrdiff_t>(hi),
                             [depth](const auto& l) { return state_tree::bit_at(l.key_hash, depth) == 0; }) -
        leaves.begin());
    InnerRecord rec;
    rec.child[0] = build(lo, mid, depth + 1, state_tree::child_path(path, depth, 0));
    rec.child[1] = build(mid, hi, depth + 1, state_tree::child_path(path, depth, 1));
    return close(rec, depth, path);
  }

  ChildRef close(const InnerRecord& rec, unsigned depth, const Hash32& path) {
    ChildRef ref;
    ref.kind = ChildRef::inner;
    ref.hash = state_tree::inner_hash(rec.child[0].hash, rec.child[1].hash);
    if (sink) {
      batch.push_back({state_tree::node_key(depth, path), rec.encode()});
      if (batch.size() >= batch_size) flush();
    }
    return ref;
  }
};

}  // namespace

void sort_leaves(Leaves& leaves) {
  std::stable_sort(leaves.begin(), leaves.end(), [](const auto& a, const auto& b) { return a.key_hash < b.key_hash; });
  size_t kept = 0;
  for (size_t i = 0; i < leaves.size(); ++i) {
    if (i + 1 < leaves.size() && leaves[i + 1].key_hash == leaves[i].key_hash) continue;
    leaves[kept++] = leaves[i];
  }
  leaves.resize(kept);
}

Result<state_tree::RootRecord> write_whole_tree(const Leaves& sorted, const TreeRecordSink& sink, size_t batch) {
  std::mutex sink_mu;
  std::atomic<bool> stopped{false};
  std::optional<std::string> error;
  const TreeRecordSink* s = sink ? &sink : nullptr;
  Walk top{sorted, s, std::max<size_t>(batch, 1), sink_mu, stopped, error};
  state_tree::RootRecord root;
  root.size = sorted.size();
  if (sorted.size() < kParallelLeaves) {
    root.root = top.build(0, sorted.size(), 0, Hash32{});
  } else {
    // The two halves on two threads: hashing is most of the work.
    const size_t mid = static_cast<size_t>(
        std::partition_point(sorted.begin(), sorted.end(),
                             [](const auto& l) { return state_tree::bit_at(l.key_hash, 0) == 0; }) -
        sorted.begin());
    Walk right_walk{sorted, s, top.batch_size, sink_mu, stopped, error};
    auto right = std::async(std::launch::async, [&] {
      ChildRef r = right_walk.build(mid, sorted.size(), 1, state_tree::child_path(Hash32{}, 0, 1));
      right_walk.flush();
      return r;
    });
    InnerRecord rec;
    rec.child[0] = top.build(0, mid, 1, state_tree::child_path(Hash32{}, 0, 0));
    rec.child[1] = right.get();
    root.root = top.close(rec, 0, Hash32{});
  }
  top.flush();
  if (error) return fail(*error);
  return root;
}

}  // namespace nl::ledger
