#include "cli/node_client.h"

#include <cctype>

#include "node/client/http_client.h"

namespace nl::cli {

using nlohmann::json;

std::string NodeReply::reason() const {
  if (body.is_object()) {
    auto it = body.find("error");
    if (it != body.end() && it->is_string()) return it->get<std::string>();
  }
  return "node answered HTTP " + std::to_string(status);
}

NodeClient::NodeClient(std::string url, std::chrono::seconds timeout) : timeout_(timeout) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.find("://") == std::string::npos) url = "http://" + url;
  base_ = std::move(url);
}

Result<NodeReply> NodeClient::request(const std::string& method, const std::string& target,
                                      const std::string& body, std::chrono::seconds timeout) const {
  auto r = node::http_request(base_, method, target, body,
                              timeout.count() > 0 ? timeout : timeout_);
  if (!r) {
    // The client's reason usually names the URL already; don't say it twice.
    if (r.error().find(base_) != std::string::npos) return r.take_error();
    return fail("cannot reach node " + base_ + ": " + r.error());
  }
  NodeReply reply;
  reply.status = r->status;
  reply.body = json::parse(r->body, nullptr, false);
  if (reply.body.is_discarded()) reply.body = nullptr;
  return reply;
}

Result<json> NodeClient::get(const std::string& target) const {
  auto r = request("GET", target);
  if (!r) return r.take_error();
  if (r->status != 200) return fail(r->reason());
  if (!r->body.is_object())
    return fail("node " + base_ + " sent an answer that is not a JSON object for " + target);
  return std::move(r->body);
}

Result<ChainIdentity> NodeClient::chain() const {
  auto s = get("/api/v1/status");
  if (!s) return s.take_error();
  ChainIdentity c;
  auto it = s->find("chain_id");
  if (it == s->end() || !it->is_string() || it->get<std::string>().empty())
    return fail("node " + base_ + " did not report a chain id");
  c.chain_id = it->get<std::string>();
  it = s->find("genesis_hash");
  std::optional<crypto::Hash32> h;
  if (it != s->end() && it->is_string()) h = crypto::Hash32::from_hex(it->get<std::string>());
  if (!h) return fail("node " + base_ + " did not report a genesis hash");
  c.genesis_hash = *h;
  return c;
}

Result<uint64_t> NodeClient::next_nonce(const ledger::AccountId& account) const {
  auto a = get("/api/v1/account/" + encode_path_segment(account.to_string()));
  if (!a) return a.take_error();
  auto it = a->find("next_nonce");
  if (it == a->end() || !it->is_number_unsigned())
    return fail("node " + base_ + " did not report the next nonce of " + account.to_string());
  return it->get<uint64_t>();
}

std::string encode_path_segment(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace nl::cli
