// numledger query mine --key FILE: what a holder has on the chain, in one
// answer: its holdings, the authorizations it issued, and its transactions
// still waiting in the node's mempool. Read through the API a holder already
// uses: the account's holdings page by page, then, per holding, the
// authorizations overlapping it (an issuer's authorizations always lie
// within its holdings, ledger.md), kept when the issuer is this account.
#include <cstdio>
#include <memory>
#include <set>
#include <tuple>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/node_answer_text.h"
#include "cli/node_client.h"
#include "crypto/key_file.h"

namespace nl::cli {

namespace {

using nlohmann::json;

// Beyond this many holdings, `query account` pages them instead: one
// request per holding would take minutes.
constexpr size_t kMaxMineHoldings = 10000;
// Pages of one holding's authorizations followed at most (1,000 each).
constexpr size_t kMaxPagesPerHolding = 100;

struct MineOpts {
  std::string node, key, signer;
  bool json = false;
};

// Every page of GET `target` (which has no query yet): `take` sees each.
Status each_page(const NodeClient& node, const std::string& target, size_t max_pages,
                 const std::function<void(const json&)>& take, json* first = nullptr) {
  std::string cursor;
  for (size_t page = 0; page < max_pages; ++page) {
    auto j = node.get(target + "?limit=1000" + (cursor.empty() ? "" : "&cursor=" + encode_path_segment(cursor)));
    if (!j) return fail(j.error());
    if (first && page == 0) *first = *j;
    take(*j);
    cursor = str(*j, "next_cursor");
    if (cursor.empty()) return {};
  }
  return fail(target + " has more than " + std::to_string(max_pages) + " pages");
}

int run_mine(const MineOpts& o) {
  if (o.node.empty()) return report(kExitUsage, "no node named: pass --node URL or set NUMLEDGER_NODE");
  ledger::AccountId me;
  if (!o.signer.empty()) {
    auto a = account_or_key_file(o.signer);
    if (!a) return report(kExitUsage, "--signer " + a.error());
    me = *a;
  } else {
    auto pk = crypto::read_key_file_public(o.key);
    if (!pk) return report(kExitUsage, "--key: " + pk.error());
    me = ledger::AccountId{*pk};
  }
  NodeClient node(o.node);
  json account;
  json holdings = json::array();
  auto s = each_page(
      node, "/api/v1/account/" + me.to_string(), kMaxMineHoldings / 1000,
      [&](const json& j) {
        for (const auto& h : arr(j, "holdings")) holdings.push_back(h);
      },
      &account);
  if (!s)
    return report(kExitFailure, holdings.size() >= kMaxMineHoldings
                                    ? "more than " + std::to_string(kMaxMineHoldings) +
                                          " holdings; list them with query account --cursor"
                                    : s.error());

  std::set<std::tuple<std::string, std::string, std::string>> seen;
  json auths = json::array();
  for (const auto& h : holdings) {
    auto t = each_page(node, "/api/v1/resource/" + encode_path_segment(str(h, "range")), kMaxPagesPerHolding,
                       [&](const json& j) {
                         for (const auto& a : arr(j, "authorizations"))
                           if (str(a, "issuer") == me.to_string() &&
                               seen.insert({str(a, "prefix"), str(a, "max_length"), str(a, "asn")}).second)
                             auths.push_back(a);
                       });
    if (!t) return report(kExitFailure, t.error());
  }
  const json& pending = arr(account, "pending_txs");
  if (o.json) {
    json out = {{"account", me.to_string()},          {"height", account.value("height", json(nullptr))},
                {"holdings", holdings},                {"authorizations", auths},
                {"pending_txs", pending},              {"next_nonce", account.value("next_nonce", json(nullptr))}};
    std::printf("%s\n", out.dump(2).c_str());
    return kExitOk;
  }
  std::printf("account     %s (at height %s)\n", me.to_string().c_str(), str(account, "height").c_str());
  std::printf("holdings:%s\n", holdings.empty() ? " none" : (" " + std::to_string(holdings.size())).c_str());
  for (const auto& h : holdings) std::printf("  %s\n", holding_line(h).c_str());
  std::printf("authorizations issued:%s\n", auths.empty() ? " none" : (" " + std::to_string(auths.size())).c_str());
  for (const auto& a : auths)
    std::printf("  %s maxLength %s origin %s\n", str(a, "prefix").c_str(), str(a, "max_length").c_str(),
                str(a, "asn").c_str());
  std::printf("pending transactions:%s\n", pending.empty() ? " none" : (" " + std::to_string(pending.size())).c_str());
  for (const auto& p : pending)
    std::printf("  nonce %s  %s  %s\n", str(p, "nonce").c_str(), str(p, "id").c_str(), str(p, "description").c_str());
  return kExitOk;
}

}  // namespace

void add_query_mine_command(CLI::App& query, Dispatch& d, const std::string& group_node) {
  auto o = std::make_shared<MineOpts>();
  auto* mine = query.add_subcommand(
      "mine", "my holdings, the authorizations I issued and my transactions waiting in the node's mempool");
  auto* key = mine->add_option("--key", o->key, "my key file (its public key names the account)");
  mine->add_option("--signer", o->signer, "my account, when the key file no longer names it (after rotate-key)")
      ->check(account_value());
  mine->add_flag("--json", o->json, "one JSON object: account, height, holdings, authorizations, pending_txs");
  add_node_option(mine, o->node);
  key->check(CLI::ExistingFile);
  mine->callback([o, &group_node, &d] {
    if (o->node.empty()) o->node = group_node;
    if (o->key.empty() && o->signer.empty()) throw CLI::RequiredError("--key (or --signer)");
    d.action = [o] { return run_mine(*o); };
  });
}

}  // namespace nl::cli
