// numledger tx submit FILE FILE...: many transactions in POST /api/v1/txs
// batches, progress on stderr, then a summary naming every refusal.
#include "cli/submit_batch.h"

#include <chrono>
#include <cstdio>
#include <thread>

#include "cli/cli_common.h"
#include "cli/exit_codes.h"
#include "cli/node_client.h"
#include "cli/tx_file.h"
#include "cli/terminal_progress.h"

namespace nl::cli {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// Under the node's request body limit (2 x 64 KiB + 4 KiB) with room for
// the JSON around the entries.
constexpr size_t kBatchBodyBytes = 120 * 1024;

struct Entry {
  std::string file, id, hex;
  std::string status = "unsent";  // then pending, committed, rejected, busy, invalid, dropped
  std::string error;
  uint64_t height = 0;
};

bool refused(const Entry& e) { return e.status != "pending" && e.status != "committed"; }

void progress(const std::vector<Entry>& all, size_t sent, const char* what) {
  size_t ok = 0, bad = 0, done = 0;
  for (const auto& e : all) {
    if (e.status == "unsent") continue;
    ok += !refused(e);
    bad += refused(e);
    done += e.status == "committed";
  }
  progress_line("submit", std::string(what) + " " + std::to_string(sent) + "/" + std::to_string(all.size()) + "; " +
                             std::to_string(ok) + " accepted (" + std::to_string(done) + " committed), " +
                             std::to_string(bad) + " refused");
}

// One batch, the entries at `idx`: fills in each one's verdict, or fails
// when the node did not answer it.
Status send_batch(const NodeClient& node, std::vector<Entry>& all, const std::vector<size_t>& idx) {
  json req{{"txs", json::array()}};
  for (size_t i : idx) req["txs"].push_back(all[i].hex);
  auto r = node.request("POST", "/api/v1/txs", req.dump());
  if (!r) return fail(r.error());
  if (r->status == 404) return fail("the node has no POST /api/v1/txs (an older numledgerd); submit files one by one");
  if (r->status != 200 || !r->body.is_object() || !r->body["results"].is_array() ||
      r->body["results"].size() != idx.size())
    return fail("node answered the batch with HTTP " + std::to_string(r->status) + ": " + r->reason());
  for (const json& res : r->body["results"]) {
    const size_t k = res.value("index", idx.size());
    if (k >= idx.size()) return fail("node answered an index outside the batch");
    Entry& e = all[idx[k]];
    e.status = res.value("status", std::string("invalid"));
    e.error = res.value("error", std::string());
    e.height = res.value("height", uint64_t{0});
  }
  return {};
}

// `idx` cut into requests of at most `batch` entries and kBatchBodyBytes.
std::vector<std::vector<size_t>> batches(const std::vector<Entry>& all, const std::vector<size_t>& idx, size_t batch) {
  std::vector<std::vector<size_t>> out;
  size_t bytes = 0;
  for (size_t i : idx) {
    const size_t size = all[i].hex.size() + 4;
    if (out.empty() || out.back().size() >= batch || bytes + size > kBatchBodyBytes) {
      out.emplace_back();
      bytes = 0;
    }
    out.back().push_back(i);
    bytes += size;
  }
  return out;
}

// "busy" means too far ahead of the account's committed nonce (more than
// 255): sent again while the chain catches up, until `patience` passes
// without one of them getting in.
void resend_busy(const NodeClient& node, std::vector<Entry>& all, size_t batch, std::chrono::seconds patience) {
  auto last_progress = Clock::now();
  for (;;) {
    std::vector<size_t> busy;
    for (size_t i = 0; i < all.size(); ++i)
      if (all[i].status == "busy") busy.push_back(i);
    if (busy.empty() || Clock::now() - last_progress > patience) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    for (const auto& idx : batches(all, busy, batch))
      if (!send_batch(node, all, idx)) return;  // unreachable: they stay busy, and are named
    size_t left = 0;
    for (size_t i : busy) left += all[i].status == "busy";
    if (left < busy.size()) last_progress = Clock::now();
    progress(all, all.size(), "busy ones sent again;");
  }
}

// Polls each pending transaction in order until it is committed or dropped;
// gives up after `patience` without any change.
void wait_for_commit(const NodeClient& node, std::vector<Entry>& all, std::chrono::seconds patience) {
  auto last_change = Clock::now(), last_report = Clock::now();
  for (size_t i = 0; i < all.size();) {
    Entry& e = all[i];
    if (e.status != "pending") {
      ++i;
      continue;
    }
    auto r = node.request("GET", "/api/v1/tx/" + e.id);
    const std::string status = r && r->body.is_object() ? r->body.value("status", std::string()) : std::string();
    if (status == "committed" || status == "dropped") {
      e.status = status;
      e.height = r->body.value("height", uint64_t{0});
      e.error = r->body.value("reason", std::string());
      last_change = Clock::now();
      ++i;
      continue;
    }
    if (Clock::now() - last_change > patience) return;
    if (Clock::now() - last_report > std::chrono::seconds(2)) {
      progress(all, all.size(), "waiting for commit;");
      last_report = Clock::now();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

int run_submit_batch(const std::vector<std::string>& files, const std::string& node_url, size_t batch, bool no_wait,
                     unsigned timeout, bool as_json) {
  std::vector<Entry> all(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    all[i].file = files[i];
    auto tx = read_tx_file(files[i]);
    if (!tx) {
      all[i].status = "invalid";
      all[i].error = tx.error();
      continue;
    }
    all[i].id = tx->id().hex();
    all[i].hex = to_hex(tx->encode());
  }
  NodeClient node(node_url, std::chrono::seconds(timeout));
  // Files that did not read stay out of the batches with their reason.
  std::vector<size_t> readable;
  for (size_t i = 0; i < all.size(); ++i)
    if (all[i].status == "unsent") readable.push_back(i);
  size_t sent = all.size() - readable.size();
  for (const auto& idx : batches(all, readable, batch)) {
    if (auto s = send_batch(node, all, idx); !s)
      return report(kExitFailure, "batch of " + files[idx.front()] + " .. " + files[idx.back()] + ": " + s.error());
    sent += idx.size();
    progress(all, sent, "sent");
  }
  resend_busy(node, all, batch, std::chrono::seconds(timeout));
  if (!no_wait) wait_for_commit(node, all, std::chrono::seconds(timeout));

  size_t committed = 0, pending = 0, bad = 0;
  json refusals = json::array();
  for (const auto& e : all) {
    committed += e.status == "committed";
    pending += e.status == "pending";
    if (refused(e)) {
      ++bad;
      refusals.push_back({{"file", e.file}, {"id", e.id}, {"status", e.status}, {"error", e.error}});
    }
  }
  if (as_json) {
    json j{{"submitted", all.size()}, {"committed", committed}, {"pending", pending}, {"refused", bad},
           {"refusals", refusals}};
    std::printf("%s\n", j.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  } else {
    for (const auto& r : refusals)
      std::printf("%s: %s%s%s\n", r["file"].get<std::string>().c_str(), r["status"].get<std::string>().c_str(),
                  r["error"].get<std::string>().empty() ? "" : ": ", r["error"].get<std::string>().c_str());
    std::printf("submitted %zu: %zu committed, %zu pending, %zu refused\n", all.size(), committed, pending, bad);
  }
  if (!no_wait && pending > 0)
    return report(kExitFailure, std::to_string(pending) + " still pending after " + std::to_string(timeout) +
                                    " s without progress; see numledger tx status ID");
  return bad > 0 ? kExitFailure : kExitOk;
}

}  // namespace nl::cli
