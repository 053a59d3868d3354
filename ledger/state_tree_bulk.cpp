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
using state_tree::GroupRecord;
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
  // path's first `depth` bits, appended to `frag` as it stands in the group
  // above it: at a group depth its reference alone (its own record, holding
  // the rest, emitted), elsewhere its nodes in pre-order.
  void build(size_t lo, size_t hi, unsigned depth, const Hash32& path, std::vector<ChildRef>& frag) {
    if (lo == hi || stopped) {
      frag.push_back({});
      return;
    }
    if (hi - lo == 1) {
      frag.push_back({ChildRef::leaf, leaves[lo].leaf_hash, leaves[lo].key_hash});
      return;
    }
    const size_t mid = static_cast<size_t>(
        std::partition_point(leaves.begin() + static_cast<std::ptrdiff_t>(lo),
                             leaves.begin() + static_cast<std::ptrdiff_t>(hi),
                             [depth](const auto& l) { return state_tree::bit_at(l.key_hash, depth) == 0; }) -
        leaves.begin());
    auto subtree = [&](std::vector<ChildRef>& out) {
      inner(
          out,
          [&](std::vector<ChildRef>& o) {
            build(lo, mid, depth + 1, state_tree::child_path(path, depth, 0), o);
            return o.size();
          },
          [&](std::vector<ChildRef>& o) { build(mid, hi, depth + 1, state_tree::child_path(path, depth, 1), o); });
    };
    if (!state_tree::is_group_depth(depth)) return subtree(frag);
    GroupRecord rec;
    subtree(rec.nodes);
    frag.push_back(close(rec, depth, path));
  }

  // An inner node appended to `out`: its marker, then its left subtree
  // (`left` appends it and returns out's size after), then its right; the
  // marker's hash is its two children's.
  template <class Left, class Right>
  static void inner(std::vector<ChildRef>& out, Left&& left, Right&& right) {
    const size_t at = out.size();
    out.push_back({ChildRef::inner, {}, {}});
    const size_t right_at = left(out);
    right(out);
    out[at].hash = state_tree::inner_hash(out[at + 1].hash, out[right_at].hash);
  }

  // A group's record emitted; the reference to its top returned.
  ChildRef close(const GroupRecord& rec, unsigned depth, const Hash32& path) {
    if (sink) {
      batch.push_back({state_tree::node_key(depth, path), rec.encode()});
      if (batch.size() >= batch_size) flush();
    }
    return {ChildRef::inner, rec.nodes[0].hash, {}};
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
  std::vector<ChildRef> top_frag;
  if (sorted.size() < kParallelLeaves) {
    top.build(0, sorted.size(), 0, Hash32{}, top_frag);
  } else {
    // The two halves on two threads: hashing is most of the work.
    const size_t mid = static_cast<size_t>(
        std::partition_point(sorted.begin(), sorted.end(),
                             [](const auto& l) { return state_tree::bit_at(l.key_hash, 0) == 0; }) -
        sorted.begin());
    Walk right_walk{sorted, s, top.batch_size, sink_mu, stopped, error};
    auto right = std::async(std::launch::async, [&] {
      std::vector<ChildRef> frag;
      right_walk.build(mid, sorted.size(), 1, state_tree::child_path(Hash32{}, 0, 1), frag);
      right_walk.flush();
      return frag;
    });
    GroupRecord rec;
    Walk::inner(rec.nodes, [&](std::vector<ChildRef>& out) {
      top.build(0, mid, 1, state_tree::child_path(Hash32{}, 0, 0), out);
      return out.size();
    }, [&](std::vector<ChildRef>& out) {
      auto r = right.get();
      out.insert(out.end(), r.begin(), r.end());
    });
    top_frag.push_back(top.close(rec, 0, Hash32{}));
  }
  root.root = top_frag.at(0);
  top.flush();
  if (error) return fail(*error);
  return root;
}

}  // namespace nl::ledger
