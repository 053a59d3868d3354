// The holders of a replay (bench_replay) submitting their transactions
// through the network as holders would: each transaction, already signed
// by its holder's key (`numledger import diff`), goes to that holder's node
// in POST /api/v1/txs batches, in apply order. A node admits a transaction
// against its committed state only, so one that depends on another
// holder's change not yet committed (a delegation of space a return frees,
// the new holder's set-metadata after a delegation) is refused and sent
// again after the next block, as a holder would retry; an account keeps
// at most `window` transactions ahead of its committed nonce (the node's
// per-account bound). Header-only, like bench_testnet_net.h.
#pragma once
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench/batch_submit.h"  // kBatchBodyBytes
#include "bench/bench_testnet_net.h"
#include "node/client/http_client.h"

namespace nl::bench {

// One transaction file of `import diff`.
struct ReplayTx {
  std::string id, hex, kind, signer;
  uint64_t nonce = 0;
  size_t bytes = 0;  // canonical encoding
};

struct SubmitOptions {
  size_t batch = 1000;     // a node takes 1000 a request
  size_t window = 200;     // below the node's 256 per account
  double stall_s = 300;    // give up after this long without a commit
};

struct SubmitFigures {
  size_t committed = 0;
  std::vector<double> submit_to_commit_ms;     // from the accepted submission
  std::vector<double> first_try_to_commit_ms;  // from the holder's first attempt, retries included
  std::map<std::string, size_t> refusals;      // attempts refused, by the node's status word
  std::map<std::string, std::vector<std::string>> reasons;  // a few examples of each
  size_t requests = 0, resent_after_stall = 0;
  size_t resent_after_drop = 0;  // admitted, then dropped by a node's re-check: sent again
  double seconds = 0;  // first post to last commit
  std::string gave_up;  // empty: every transaction committed
};

class ReplaySubmitter {
 public:
  ReplaySubmitter(const Testnet& net, size_t nodes, const CommitWatcher& watcher, const std::vector<ReplayTx>& txs,
                  SubmitOptions opts)
      : net_(net), nodes_(std::max<size_t>(1, nodes)), watcher_(watcher), txs_(txs), opts_(opts), state_(txs.size()) {
    std::map<std::string, size_t> signer_index;
    for (size_t i = 0; i < txs_.size(); ++i) {
      auto [it, fresh] = signer_index.try_emplace(txs_[i].signer, by_signer_.size());
      if (fresh) by_signer_.emplace_back();
      by_signer_[it->second].push_back(i);
    }
    first_open_.assign(by_signer_.size(), 0);
  }

  SubmitFigures run() {
    SubmitFigures f;
    const auto t0 = Clock::now();
    auto last_commit = t0, last_progress = t0;
    size_t committed = 0;
    bool resent = false;
    std::vector<std::unique_ptr<node::HttpClient>> clients;
    for (size_t n = 0; n < nodes_; ++n) clients.push_back(std::make_unique<node::HttpClient>(net_.url(n)));
    while (committed < txs_.size()) {
      const uint64_t blocks = watcher_.blocks();
      const size_t now_committed = sweep_commits();
      if (now_committed > committed) {
        committed = now_committed;
        last_commit = Clock::now();
        resent = false;
      }
      if (committed == txs_.size()) break;
      const double idle = seconds_since(last_commit);
      if (idle > opts_.stall_s) {
        f.gave_up = std::to_string(txs_.size() - committed) + " transactions not committed after " +
                    std::to_string(static_cast<int>(opts_.stall_s)) + " s without a commit";
        break;
      }
      // A long wait without a commit: a node may have dropped what it had
      // admitted (a re-check after a block); send those again.
      if (idle > opts_.stall_s / 10 && !resent) {
        resent = true;
        for (size_t i = 0; i < state_.size(); ++i)
          if (auto& s = state_[i]; s.accepted && !s.committed) {
            // What the node says of it, for the report.
            if (f.resent_after_stall < 3) {
              auto r = clients[node_of(i)]->request("GET", "/api/v1/tx/" + txs_[i].id, "", std::chrono::seconds(10));
              note_reason(f, "resent", txs_[i].kind + " " + txs_[i].id.substr(0, 16) + ": " +
                                           (r.ok() ? r->body.substr(0, 300) : r.error()));
            }
            s.accepted.reset();
            s.refused_at = 0;
            ++f.resent_after_stall;
          }
      }
      check_heads(clients, f);
      auto due = due_now(blocks);
      if (due.empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      } else {
        // Per node, in apply order, `batch` at a time.
        std::vector<std::vector<size_t>> per_node(nodes_);
        for (size_t i : due) per_node[node_of(i)].push_back(i);
        for (size_t n = 0; n < nodes_; ++n)
          for (const auto& part : requests(per_node[n])) post(*clients[n], part, blocks, f);
      }
      if (seconds_since(last_progress) > 5) {
        last_progress = Clock::now();
        std::fprintf(stderr, "replay: %zu of %zu committed, %llu blocks, %.0f s\n", committed, txs_.size(),
                     static_cast<unsigned long long>(watcher_.blocks()), seconds_since(t0));
      }
    }
    f.committed = committed;
    std::optional<Clock::time_point> last;
    for (size_t i = 0; i < txs_.size(); ++i) {
      const auto& s = state_[i];
      if (!s.committed) continue;
      if (!last || *s.committed > *last) last = s.committed;
      if (s.accepted) f.submit_to_commit_ms.push_back(ms(*s.accepted, *s.committed));
      if (s.first_try) f.first_try_to_commit_ms.push_back(ms(*s.first_try, *s.committed));
    }
    f.seconds = last ? std::chrono::duration<double>(*last - t0).count() : 0;
    return f;
  }

 private:
  struct State {
    std::optional<Clock::time_point> first_try, accepted, committed;
    std::optional<Clock::time_point> asked;  // when its node was last asked about it
    uint64_t refused_at = 0;  // blocks seen when last refused: retried after the next
    bool refused = false;
  };

  static double ms(Clock::time_point a, Clock::time_point b) {
    return std::max(0.0, std::chrono::duration<double, std::milli>(b - a).count());
  }

  // Each holder talks to one node, the same every time.
  size_t node_of(size_t i) const { return std::hash<std::string>{}(txs_[i].signer) % nodes_; }

  // Notes commits the watcher saw; the count committed.
  size_t sweep_commits() {
    size_t n = 0;
    for (size_t s = 0; s < by_signer_.size(); ++s) {
      const auto& list = by_signer_[s];
      size_t& open = first_open_[s];
      for (size_t k = open; k < list.size() && k < open + opts_.window + 1; ++k) {
        State& st = state_[list[k]];
        if (st.committed) continue;
        if (auto at = watcher_.committed(txs_[list[k]].id)) st.committed = at;
      }
      while (open < list.size() && state_[list[open]].committed) ++open;
    }
    for (const auto& s : state_) n += s.committed.has_value();
    return n;
  }

  // What to send now, in apply order: per account, within the window of
  // its first uncommitted transaction, not waiting in a node, and not
  // refused since the last block.
  std::vector<size_t> due_now(uint64_t blocks) const {
    std::vector<size_t> due;
    for (size_t s = 0; s < by_signer_.size(); ++s) {
      const auto& list = by_signer_[s];
      for (size_t k = first_open_[s]; k < list.size() && k < first_open_[s] + opts_.window; ++k) {
        const State& st = state_[list[k]];
        if (st.committed || st.accepted) continue;
        if (st.refused && st.refused_at >= blocks) continue;
        due.push_back(list[k]);
      }
    }
    std::sort(due.begin(), due.end());
    return due;
  }

  // A node admits a transaction against its committed state alone, so one
  // admitted behind its account's earlier transactions can be dropped when
  // they commit (whitepaper/security.md, "Mempool admission"). As a holder
  // would, ask about the first open transaction of each account that has
  // waited a while, and send it again if its node dropped it.
  void check_heads(std::vector<std::unique_ptr<node::HttpClient>>& clients, SubmitFigures& f) {
    constexpr auto kWait = std::chrono::seconds(3);
    constexpr size_t kMaxAsks = 50;  // per pass: the nodes' API is not the bottleneck to add
    const auto now = Clock::now();
    size_t asked = 0;
    for (size_t s = 0; s < by_signer_.size() && asked < kMaxAsks; ++s) {
      if (first_open_[s] >= by_signer_[s].size()) continue;
      const size_t i = by_signer_[s][first_open_[s]];
      State& st = state_[i];
      if (!st.accepted || st.committed || now - *st.accepted < kWait || (st.asked && now - *st.asked < kWait)) continue;
      st.asked = now;
      ++asked;
      auto r = clients[node_of(i)]->request("GET", "/api/v1/tx/" + txs_[i].id, "", std::chrono::seconds(10));
      if (!r.ok()) continue;
      auto j = nlohmann::json::parse(r->body, nullptr, false);
      const std::string status = j.is_object() ? j.value("status", "") : "";
      if (status != "dropped" && status != "unknown") continue;
      note_reason(f, "dropped", txs_[i].kind + ": " + (j.is_object() ? j.value("reason", "") : ""));
      ++f.resent_after_drop;
      st.accepted.reset();
      st.refused = false;
    }
  }

  // `idx` cut into requests of at most `batch` entries and kBatchBodyBytes.
  std::vector<std::vector<size_t>> requests(const std::vector<size_t>& idx) const {
    std::vector<std::vector<size_t>> out;
    size_t bytes = 0;
    for (size_t i : idx) {
      const size_t size = txs_[i].hex.size() + 4;
      if (out.empty() || out.back().size() >= opts_.batch || bytes + size > kBatchBodyBytes) {
        out.emplace_back();
        bytes = 0;
      }
      out.back().push_back(i);
      bytes += size;
    }
    return out;
  }

  void post(node::HttpClient& client, const std::vector<size_t>& part, uint64_t blocks, SubmitFigures& f) {
    nlohmann::json body = {{"txs", nlohmann::json::array()}};
    for (size_t i : part) body["txs"].push_back(txs_[i].hex);
    const auto at = Clock::now();
    for (size_t i : part)
      if (!state_[i].first_try) state_[i].first_try = at;
    ++f.requests;
    auto r = client.request("POST", "/api/v1/txs", body.dump(), std::chrono::seconds(120));
    auto j = r.ok() && r->status == 200 ? nlohmann::json::parse(r->body, nullptr, false) : nlohmann::json();
    if (!j.is_object() || !j["results"].is_array() || j["results"].size() != part.size()) {
      // The node is busy or restarting: everything is retried after a block.
      f.refusals["no-answer"] += part.size();
      note_reason(f, "no-answer", r.ok() ? "HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 200) : r.error());
      for (size_t i : part) {
        state_[i].refused = true;
        state_[i].refused_at = blocks;
      }
      return;
    }
    for (size_t k = 0; k < part.size(); ++k) {
      State& st = state_[part[k]];
      const std::string status = j["results"][k].value("status", "");
      if (status == "pending") {
        if (!st.accepted) st.accepted = at;
        st.refused = false;
      } else if (status == "committed") {
        if (!st.accepted) st.accepted = at;
      } else {
        ++f.refusals[status.empty() ? "invalid" : status];
        note_reason(f, status, j["results"][k].value("error", ""));
        if (status == "invalid") {
          const std::string why = j["results"][k].value("error", "");
          die("transaction " + txs_[part[k]].id + " is invalid: " + why);
        }
        st.refused = true;
        st.refused_at = blocks;
      }
    }
  }

  // The first reasons of each kind of refusal, for the report.
  static void note_reason(SubmitFigures& f, const std::string& status, const std::string& why) {
    auto& list = f.reasons[status];
    if (list.size() < 3 && std::find(list.begin(), list.end(), why) == list.end()) list.push_back(why);
  }

  const Testnet& net_;
  size_t nodes_;
  const CommitWatcher& watcher_;
  const std::vector<ReplayTx>& txs_;
  SubmitOptions opts_;
  std::vector<State> state_;
  std::vector<std::vector<size_t>> by_signer_;  // per account, its transactions in nonce order
  std::vector<size_t> first_open_;               // per account, its first uncommitted position
};

}  // namespace nl::bench
