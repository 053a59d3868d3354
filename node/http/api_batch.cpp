// POST /api/v1/txs: a batch of transactions, each admitted or refused on
// its own, answered together once every one has its verdict. It never
// waits for commit: a client polls /api/v1/tx/<id>, as after "wait": false.
#include <atomic>
#include <nlohmann/json.hpp>

#include "node/http/api.h"

namespace nl::node {

using ledger::Transaction;
using nlohmann::json;

namespace {

// What a batch holds while its verdicts come in on the driver's strand.
struct BatchAnswer {
  explicit BatchAnswer(size_t n, Responder r) : results(n), left(n), respond(std::move(r)) {}
  std::vector<json> results;
  std::atomic<size_t> left;
  Responder respond;

  void settle(size_t i, json result) {
    results[i] = std::move(result);
    if (left.fetch_sub(1) == 1) finish();
  }
  void finish() {
    size_t accepted = 0;
    for (const auto& r : results) accepted += r.value("status", "") == "pending" || r.value("status", "") == "committed";
    json body{{"accepted", accepted}, {"refused", results.size() - accepted}, {"results", std::move(results)}};
    respond({200, body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n", "application/json"});
  }
};

}  // namespace

void Api::submit_batch(const HttpRequest& req, Responder respond) {
  json body = json::parse(req.body, nullptr, false);
  const json* list = nullptr;
  if (!body.is_discarded() && body.is_object() && body.contains("txs")) list = &body["txs"];
  if (!list || !list->is_array())
    return respond(json_error(400, "request body must be JSON {\"txs\": [\"<hex of a canonical transaction>\", ...]}"));
  if (list->empty()) return respond(json_error(400, "\"txs\" is empty"));
  if (list->size() > kMaxBatchTxs)
    return respond(json_error(413, "\"txs\" has " + std::to_string(list->size()) + " entries; at most " +
                                       std::to_string(kMaxBatchTxs) + " in one request"));
  auto answer = std::make_shared<BatchAnswer>(list->size(), std::move(respond));
  // Parse all first: the driver may answer the first before the last is sent.
  std::vector<std::optional<Transaction>> txs(list->size());
  for (size_t i = 0; i < list->size(); ++i) {
    const json& e = (*list)[i];
    auto tx = e.is_string() ? parse_submitted(e.get<std::string>())
                            : Result<Transaction>(fail("entry is not a string of hex"));
    if (!tx) {
      answer->results[i] = {{"index", i}, {"status", "invalid"}, {"error", tx.error()}};
      continue;
    }
    const auto id = tx->id();
    if (auto loc = chain_.store().find_tx(id)) {
      answer->results[i] = {{"index", i}, {"id", id.hex()}, {"status", "committed"}, {"height", loc->height}};
      continue;
    }
    txs[i] = std::move(*tx);
  }
  size_t settled = 0;
  for (const auto& t : txs) settled += !t;
  if (settled == txs.size()) return answer->finish();
  answer->left -= settled;
  for (size_t i = 0; i < txs.size(); ++i) {
    if (!txs[i]) continue;
    const std::string id = txs[i]->id().hex();
    driver_.submit(
        std::move(*txs[i]),
        [answer, i, id](Admission a) {
          switch (a.verdict) {
            case Admission::Verdict::admitted:
              return answer->settle(i, {{"index", i}, {"id", id}, {"status", "pending"}});
            case Admission::Verdict::refused:
              return answer->settle(i, {{"index", i}, {"id", id}, {"status", "rejected"}, {"error", a.reason}});
            case Admission::Verdict::busy:
              return answer->settle(i, {{"index", i}, {"id", id}, {"status", "busy"}, {"error", a.reason}});
          }
        },
        nullptr);
  }
}

}  // namespace nl::node
