#include "node/http/api.h"

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <shared_mutex>

#include "ledger/interop/rir_export.h"
#include "node/http/api_paging.h"
#include "node/client/json_views.h"
#include "node/http/rdap.h"

namespace nl::node {

using nlohmann::json;
using namespace nl::ledger;

// Client bytes can reach a message (a chain id, a path); never let invalid
// UTF-8 turn a 4xx into a 500.
static std::string dump(const json& j, int indent = -1) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace) + "\n";
}

HttpResponse json_error(unsigned status, const std::string& reason) {
  return {status, dump(json{{"error", reason}}), "application/json"};
}

// A body built once and sent to every client from the same bytes.
static HttpResponse shared_json(std::shared_ptr<const std::string> body) {
  HttpResponse r{200, {}, "application/json"};
  r.shared_body = std::move(body);
  return r;
}

HttpResponse json_ok(const json& j) { return {200, dump(j, 2), "application/json"}; }
static HttpResponse ok(const json& j) { return json_ok(j); }

std::string url_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

Api::Api(SharedChain& chain, ConsensusDriver& driver) : shared_(chain), chain_(chain.chain()), driver_(driver) {}

void Api::handle(HttpRequest req, Responder respond) {
  std::string target = req.target, query;
  if (auto q = target.find('?'); q != std::string::npos) {
    query = target.substr(q + 1);
    target = target.substr(0, q);
  }
  if (target == kRdapRoot || target.rfind(kRdapPathPrefix, 0) == 0) return respond(rdap_response(shared_, req));
  static const std::string prefix = "/api/v1/";
  if (target.rfind(prefix, 0) != 0) return respond(json_error(404, "no such endpoint: " + target));
  std::string rest = target.substr(prefix.size());
  auto slash = rest.find('/');
  std::string route = rest.substr(0, slash);
  std::string arg = slash == std::string::npos ? "" : url_decode(rest.substr(slash + 1));

  if (route == "tx" && arg.empty()) {
    if (req.method != "POST") return respond(json_error(405, "use POST to submit a transaction"));
    return submit(req, std::move(respond));
  }
  if (route == "txs" && arg.empty()) {
    if (req.method != "POST") return respond(json_error(405, "use POST to submit transactions"));
    return submit_batch(req, std::move(respond));
  }
  if (route == "evidence" && arg.empty() && req.method == "POST") {
    try {
      return respond(submit_evidence(req));
    } catch (const std::exception& e) {
      return respond(json_error(500, std::string("internal error: ") + e.what()));
    }
  }
  if (req.method != "GET") return respond(json_error(405, "method " + req.method + " not allowed on " + target));
  try {
    if (route == "status" && arg.empty()) return respond(status());
    if (route == "peers" && arg.empty()) return respond(peers());
    if (route == "block") return respond(block(arg));
    if (route == "tx") return respond(tx(arg));
    if (route == "resource") return respond(resource(arg, query));
    if (route == "account") return respond(account(arg, query));
    if (route == "history") return respond(history(arg, query));
    if (route == "proof") return respond(proof(arg));
    if (route == "authorizations" && arg.empty()) return respond(authorizations(query));
    if (route == "evidence" && arg.empty()) return respond(evidence(query));
    if (route == "validators" && arg.empty()) return respond(validators(query));
    if (route == "rir") return respond(rir_export(arg));
  } catch (const std::exception& e) {
    return respond(json_error(500, std::string("internal error: ") + e.what()));
  }
  respond(json_error(404, "no such endpoint: " + target));
}

HttpResponse Api::status() const {
  const DriverStatus consensus = driver_.status();
  const size_t peers = driver_.peers().size();
  auto lk = shared_.read_lock();
  const auto& tip = chain_.tip_header();
  return ok({{"chain_id", chain_.genesis().chain_id},
             {"genesis_hash", chain_.genesis_hash().hex()},
             {"height", chain_.height()},
             {"tip_hash", chain_.tip_hash().hex()},
             {"state_root", chain_.state_root().hex()},
             {"time", tip.time},
             {"time_rfc3339", rfc3339(tip.time)},
             {"holdings", chain_.registry().holding_count()},
             {"mempool", driver_.mempool().size()},
             {"validators", chain_.validators_at(chain_.height() + 1).validators.size()},
             {"peers", peers},
             {"node_key", consensus.node_key.hex()},
             {"validator", consensus.validator},
             {"consensus_height", consensus.height},
             {"round", consensus.round}});
}

HttpResponse Api::peers() const {
  json list = json::array();
  for (const auto& p : driver_.peers())
    list.push_back({{"key", p.key.hex()},
                    {"address", p.address},
                    {"outbound", p.outbound},
                    {"validator", p.validator},
                    {"height", p.best_height}});
  return ok({{"peers", list}});
}

Result<Transaction> Api::parse_submitted(const std::string& hex) const {
  auto refuse = [this](const char* label, std::string why) -> Result<Transaction> {
    driver_.note_refused(label);
    return fail(std::move(why));
  };
  auto bytes = from_hex(hex);
  if (!bytes) return refuse("malformed", "\"tx\" is not valid hex");
  auto tx = Transaction::decode(*bytes);
  if (!tx) return refuse("malformed", tx.error());
  if (tx->chain_id != chain_.genesis().chain_id)
    return refuse("wrong_chain",
                  "wrong chain id '" + tx->chain_id + "' (this node serves '" + chain_.genesis().chain_id + "')");
  if (tx->genesis_hash != chain_.genesis_hash())
    return refuse("wrong_chain", "wrong genesis hash " + tx->genesis_hash.hex() + " (this node serves " +
                                     chain_.genesis_hash().hex() + "): the transaction was signed for another chain");
  if (auto s = tx->check_signatures(); !s) return refuse("signature", s.error());
  return tx;
}

void Api::submit(const HttpRequest& req, Responder respond) {
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("tx") || !body["tx"].is_string())
    return respond(json_error(400, "request body must be JSON {\"tx\": \"<hex of the canonical transaction>\"}"));
  auto tx = parse_submitted(body["tx"].get<std::string>());
  if (!tx) return respond(json_error(400, tx.error()));
  auto id = tx->id();
  // Without the state lock (find_tx needs none): a submission must not
  // hold an I/O thread, which peers' frames also need, while a block is
  // checked or committed under the lock.
  if (auto loc = chain_.store().find_tx(id))
    return respond({409,
                    dump(json{{"error", "transaction " + id.hex() + " is already committed at height " +
                                            std::to_string(loc->height)},
                              {"status", "committed"},
                              {"id", id.hex()},
                              {"height", loc->height}}),
                    "application/json"});
  const bool wait = !(body.contains("wait") && body["wait"].is_boolean() && !body["wait"].get<bool>());
  // Answered once: at admission when refused or not waiting, else when it
  // commits or is dropped.
  auto shared = std::make_shared<Responder>(std::move(respond));
  auto admitted = [shared, wait, id](Admission a) {
    if (a.verdict == Admission::Verdict::refused)
      return (*shared)({409, dump(json{{"error", a.reason}, {"status", "rejected"}, {"id", id.hex()}}),
                        "application/json"});
    if (a.verdict == Admission::Verdict::busy) return (*shared)(json_error(503, a.reason));
    // Not waiting: the client polls /api/v1/tx/<id>.
    if (!wait) (*shared)({202, dump(json{{"status", "pending"}, {"id", id.hex()}}), "application/json"});
  };
  SubmitCallback done;
  if (wait)
    done = [shared](SubmitResult r) {
      switch (r.outcome) {
        case SubmitResult::Outcome::committed:
          return (*shared)(ok({{"status", "committed"}, {"id", r.tx_id.hex()}, {"height", r.height}}));
        case SubmitResult::Outcome::rejected:
          return (*shared)({409, dump(json{{"error", r.reason}, {"status", "dropped"}, {"id", r.tx_id.hex()}}),
                            "application/json"});
        case SubmitResult::Outcome::unavailable:
          return (*shared)(json_error(503, r.reason));
      }
    };
  driver_.submit(std::move(*tx), std::move(admitted), std::move(done));
}

static Result<uint64_t> parse_u64(const std::string& s, const char* what) {
  if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos)
    return fail(std::string(what) + " '" + s.substr(0, 40) + "' is not a decimal number");
  return std::stoull(s);
}

HttpResponse Api::block(const std::string& arg) const {
  auto h = parse_u64(arg, "height");
  if (!h) return json_error(400, h.error());
  auto lk = shared_.read_lock();
  auto b = chain_.store().block(*h);
  if (!b) return json_error(404, b.error());
  json txs = json::array();
  for (const auto& t : b->txs) txs.push_back(tx_json(t));
  json evidence = json::array();
  for (const auto& e : b->evidence) evidence.push_back(evidence_json(e));
  json j = {{"header", header_json(b->header)}, {"txs", txs}, {"evidence", evidence}};
  if (b->last_commit) j["last_commit"] = cert_json(*b->last_commit);
  if (auto c = chain_.store().cert(*h)) j["commit"] = cert_json(*c);
  return ok(j);
}

HttpResponse Api::tx(const std::string& arg) const {
  auto id = crypto::Hash32::from_hex(arg);
  if (!id) return json_error(400, "transaction id must be 64 hex digits");
  auto lk = shared_.read_lock();
  auto loc = chain_.store().find_tx(*id);
  if (!loc) {
    const PoolStatus p = driver_.pool_status(*id);
    if (p.state == PoolStatus::State::pending) return ok({{"status", "pending"}, {"id", arg}});
    if (p.state == PoolStatus::State::dropped)
      return ok({{"status", "dropped"}, {"id", arg}, {"reason", p.reason}});
    return {404,
            dump(json{{"status", "unknown"},
                      {"id", arg},
                      {"error", "transaction " + arg + " is not committed, not waiting here, and not dropped lately"}}),
            "application/json"};
  }
  auto b = chain_.store().block(loc->height);
  if (!b || loc->index >= b->txs.size()) return json_error(500, "transaction index points at a missing block");
  json j = tx_json(b->txs[loc->index]);
  j["status"] = "committed";
  j["height"] = loc->height;
  j["index"] = loc->index;
  return ok(j);
}

HttpResponse Api::proof(const std::string& arg) const {
  auto r = Resource::parse(arg);
  if (!r) return json_error(400, r.error());
  auto lk = shared_.read_lock();
  auto p = chain_.prove_control(*r);
  if (!p) return json_error(404, p.error());
  return ok({{"resource", r->to_string()}, {"height", p->state_header().header.height}, {"proof", to_hex(p->encode())}});
}

HttpResponse Api::rir_export(const std::string& registry) const {
  // Registry names in the statistics files: afrinic, apnic, arin, iana, lacnic, ripencc.
  if (registry.empty() || registry.size() > 16 ||
      !std::all_of(registry.begin(), registry.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }))
    return json_error(400, "registry must be 1-16 lowercase letters or digits, as in the statistics files (e.g. afrinic)");
  auto lk = shared_.read_lock();
  const uint64_t height = chain_.height();
  {
    std::lock_guard g(exports_mu_);
    auto it = exports_.find(registry);
    if (it != exports_.end() && it->second.height == height) return shared_json(it->second.body);
  }
  auto ex = ledger::export_rir(chain_, registry);
  auto body = std::make_shared<const std::string>(
      dump(json{{"registry", registry}, {"height", height}, {"records", ex.records}, {"text", ex.text}}));
  if (ex.records == 0) return shared_json(body);  // names no registry here: not worth a slot
  std::lock_guard g(exports_mu_);
  if (exports_.size() >= kMaxCachedExports && !exports_.count(registry)) exports_.erase(exports_.begin());
  exports_[registry] = CachedExport{height, body};
  return shared_json(body);
}

// The same checks the block rules make, so that a submitter hears now why
// its evidence would be dropped.
HttpResponse Api::submit_evidence(const HttpRequest& req) {
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("evidence") || !body["evidence"].is_string())
    return json_error(400, "request body must be JSON {\"evidence\": \"<hex of the canonical evidence>\"}");
  auto bytes = from_hex(body["evidence"].get<std::string>());
  if (!bytes) return json_error(400, "\"evidence\" is not valid hex");
  auto ev = Evidence::decode(*bytes);
  if (!ev) return json_error(400, ev.error());
  {
    auto lk = shared_.read_lock();
    const uint64_t h = ev->height(), next = chain_.height() + 1;
    if (h == 0) return json_error(400, "evidence is for height 0; heights start at 1");
    // Evidence of the height being decided now rides a later block.
    if (h > next)
      return json_error(400, "evidence is for height " + std::to_string(h) + ", beyond the next height " +
                                 std::to_string(next));
    if (next - std::min(h, next) > kEvidenceMaxAge)
      return json_error(400, "evidence for height " + std::to_string(h) + " is older than " +
                                 std::to_string(kEvidenceMaxAge) + " heights");
    if (auto s = ev->check(chain_.genesis_hash(), chain_.validators_at(h)); !s) return json_error(400, s.error());
    for (const auto& c : chain_.registry().evidence_of(ev->offender()))
      if (c.evidence.state_key() == ev->state_key())
        return json_error(409, "this equivocation is already committed at height " + std::to_string(c.committed_height));
  }
  const std::string id = ev->id().hex();
  if (!driver_.submit_evidence(std::move(*ev)))
    return json_error(503, "the evidence queue is full or the node is stopping; retry later");
  return {202, dump(json{{"status", "pending"}, {"id", id}}), "application/json"};
}

HttpResponse Api::validators(const std::string& query) const {
  std::optional<uint64_t> want;
  if (auto param = query_param(query, "height")) {
    auto h = parse_u64(*param, "height");
    if (!h) return json_error(400, h.error());
    if (*h == 0) return json_error(400, "height must be 1 or more");
    want = *h;
  }
  auto lk = shared_.read_lock();
  const uint64_t known = chain_.height() + kValidatorUpdateDelay;
  const uint64_t h = want.value_or(chain_.height() + 1);
  if (h > known)
    return json_error(404, "the validator set of height " + std::to_string(h) + " is not known yet: sets are fixed up to " +
                               std::to_string(kValidatorUpdateDelay) + " heights past the tip (" +
                               std::to_string(known) + ")");
  const auto& sets = chain_.registry().validator_sets();
  auto it = sets.upper_bound(h);
  uint64_t from = it == sets.begin() ? 1 : std::prev(it)->first;
  json j = validator_set_json(chain_.validators_at(h));
  j["height"] = h;
  j["from_height"] = from;
  j["tip_height"] = chain_.height();
  json changes = json::array();
  for (const auto& [f, set] : sets)
    changes.push_back({{"from_height", f}, {"hash", set.hash().hex()}, {"validators", set.validators.size()},
                       {"total_power", set.total_power()}});
  j["history"] = changes;
  return ok(j);
}

}  // namespace nl::node
