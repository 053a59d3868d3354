// Submitting a load through POST /api/v1/txs, as a busy client does: one
// thread and one kept connection per node; holder k's transactions go to
// node k % nodes, in nonce order, many holders' in one request. A request
// takes the next transaction of each of its node's holders in turn, so
// every holder advances at the same pace. A transaction the node is too
// busy to take ("busy") is sent again in the next request; one it refuses
// ("rejected") is counted, with the first reason. Header-only, like
// bench_testnet_net.h.
#pragma once
#include <algorithm>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_testnet_net.h"
#include "node/client/http_client.h"

namespace nl::bench {

// Under the node's request body limit (2 x 64 KiB + 4 KiB), as `numledger
// tx submit` cuts its batches (cli/submit_batch.cpp).
inline constexpr size_t kBatchBodyBytes = 120 * 1024;

// One signed transaction to submit.
struct LoadTx {
  std::string id, hex;  // transaction id, canonical bytes in hex
};

struct BatchOutcome {
  // Per holder, per transaction: when the request that got it admitted
  // began; max() if it was refused.
  std::vector<std::vector<Clock::time_point>> accepted_at;
  size_t accepted = 0, rejected = 0, busy_resent = 0, requests = 0;
  std::string first_rejection;
  Clock::time_point t0, t_end;  // first request began, last returned
};

// Sends `work` (list k: holder k's transactions) to the first `nodes` nodes
// of `net`, at most `batch` a request. With `per_second` > 0 the whole load
// is offered at that rate; otherwise as fast as the nodes answer.
inline BatchOutcome submit_in_batches(const Testnet& net, size_t nodes, const std::vector<std::vector<LoadTx>>& work,
                                      size_t batch, double per_second) {
  BatchOutcome o;
  o.accepted_at.resize(work.size());
  for (size_t k = 0; k < work.size(); ++k) o.accepted_at[k].assign(work[k].size(), Clock::time_point::max());
  std::mutex mu;
  o.t0 = Clock::now();
  std::vector<std::thread> threads;
  for (size_t n = 0; n < nodes; ++n)
    threads.emplace_back([&, n] {
      // This node's transactions as (holder, position), position by position.
      std::vector<std::pair<size_t, size_t>> order;
      size_t longest = 0;
      for (size_t k = n; k < work.size(); k += nodes) longest = std::max(longest, work[k].size());
      for (size_t j = 0; j < longest; ++j)
        for (size_t k = n; k < work.size(); k += nodes)
          if (j < work[k].size()) order.emplace_back(k, j);
      const double node_rate = per_second / static_cast<double>(nodes);
      node::HttpClient client(net.url(n));
      size_t next = 0, sent = 0, accepted = 0, rejected = 0, resent = 0, requests = 0;
      std::vector<std::pair<size_t, size_t>> again;  // busy: first in the next request
      while (next < order.size() || !again.empty()) {
        std::vector<std::pair<size_t, size_t>> part = std::move(again);
        again.clear();
        size_t bytes = 0;
        for (const auto& [k, j] : part) bytes += work[k][j].hex.size() + 4;
        while (next < order.size() && part.size() < batch) {
          const auto& [k, j] = order[next];
          if (bytes + work[k][j].hex.size() + 4 > kBatchBodyBytes && !part.empty()) break;
          bytes += work[k][j].hex.size() + 4;
          part.push_back(order[next++]);
        }
        if (node_rate > 0) {  // this request is due when the ones before it have been offered
          std::this_thread::sleep_until(o.t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                                                   static_cast<double>(sent) / node_rate)));
        }
        nlohmann::json body = {{"txs", nlohmann::json::array()}};
        for (const auto& [k, j] : part) body["txs"].push_back(work[k][j].hex);
        const auto at = Clock::now();
        ++requests;
        auto r = client.request("POST", "/api/v1/txs", body.dump(), std::chrono::seconds(120));
        auto j = r.ok() && r->status == 200 ? nlohmann::json::parse(r->body, nullptr, false) : nlohmann::json();
        if (!j.is_object() || !j["results"].is_array() || j["results"].size() != part.size()) {
          // No verdicts (the node is busy or its answer was cut): all again.
          resent += part.size();
          again = std::move(part);
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
          continue;
        }
        for (size_t i = 0; i < part.size(); ++i) {
          const auto [k, p] = part[i];
          const std::string status = j["results"][i].value("status", "");
          if (status == "pending" || status == "committed") {
            o.accepted_at[k][p] = at;
            ++accepted;
            ++sent;
          } else if (status == "busy") {
            ++resent;
            again.push_back(part[i]);
          } else {
            ++rejected;
            ++sent;
            std::lock_guard lk(mu);
            if (o.first_rejection.empty()) o.first_rejection = status + ": " + j["results"][i].value("error", "");
          }
        }
        if (!again.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      std::lock_guard lk(mu);
      o.accepted += accepted;
      o.rejected += rejected;
      o.busy_resent += resent;
      o.requests += requests;
    });
  for (auto& t : threads) t.join();
  o.t_end = Clock::now();
  return o;
}

}  // namespace nl::bench
