// numledger query / query account / query validators / query evidence /
// history (query mine: cli/query_mine_command.cpp): read the ledger through a node. --json prints the node's object
// as it came.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/node_answer_text.h"
#include "cli/node_client.h"

namespace nl::cli {

namespace {

using nlohmann::json;

struct QueryOpts {
  std::string node, what, cursor;
  bool json = false;
  unsigned limit = 0;
  CLI::Option* limit_opt = nullptr;
  uint64_t height = 0;
  CLI::Option* height_opt = nullptr;
};

// GET `target`; prints the JSON as is with --json, else calls `human`.
int fetch_and_print(const QueryOpts& o, const std::string& target, void (*human)(const json&)) {
  if (o.node.empty()) return report(kExitUsage, "no node named: pass --node URL or set NUMLEDGER_NODE");
  NodeClient node(o.node);
  auto j = node.get(target);
  if (!j) return report(kExitFailure, j.error());
  if (o.json) {
    std::printf("%s\n", j->dump(2).c_str());
  } else {
    human(*j);
    if (auto next = str(*j, "next_cursor"); !next.empty())
      std::printf("(more: run again with --cursor %s)\n", next.c_str());
  }
  return kExitOk;
}

// --limit and --cursor of a paged list (the node's limits: 1-1000, default 100).
void add_page_options(CLI::App* cmd, QueryOpts& o, const char* what) {
  o.limit_opt = cmd->add_option("--limit", o.limit, std::string("at most N ") + what + " (1-1000; node default 100)")
                    ->check(CLI::Range(1u, 1000u));
  cmd->add_option("--cursor", o.cursor, "continue where a page ended (the next_cursor it printed)");
}

std::string page_query(const QueryOpts& o) {
  std::string q;
  if (o.limit_opt && o.limit_opt->count() > 0) q += "&limit=" + std::to_string(o.limit);
  if (!o.cursor.empty()) q += "&cursor=" + encode_path_segment(o.cursor);
  if (!q.empty()) q[0] = '?';
  return q;
}

void print_resource(const json& j) {
  std::printf("resource   %s (at height %s)\n", str(j, "resource").c_str(), str(j, "height").c_str());
  if (!str(j, "holder").empty()) {
    std::printf("holder     %s\n", str(j, "holder").c_str());
    std::printf("holding    %s\n", holding_line(j["holding"]).c_str());
  } else {
    std::printf("holder     (none single: %s)\n",
                j.value("fully_held", false) ? "split between holders" : "not all of it is held");
    for (const auto& s : arr(j, "segments"))
      std::printf("  %s -> holding #%s, %s\n", str(s, "range").c_str(), str(s, "holding").c_str(),
                  str(s, "holder").c_str());
  }
  std::printf("chain (root first):\n");
  for (const auto& h : arr(j, "chain")) std::printf("  %s\n", holding_line(h).c_str());
  const json& auths = arr(j, "authorizations");
  std::printf("authorizations:%s\n", auths.empty() ? " none" : "");
  for (const auto& a : auths)
    std::printf("  %s maxLength %s origin %s (issuer %s)\n", str(a, "prefix").c_str(), str(a, "max_length").c_str(),
                str(a, "asn").c_str(), str(a, "issuer").c_str());
}

void print_account(const json& j) {
  std::printf("account     %s\n", str(j, "account").c_str());
  std::printf("next nonce  %s\n", str(j, "next_nonce").c_str());
  std::printf("current key %s\n", str(j, "current_key").c_str());
  if (j.contains("recovery") && j["recovery"].is_object()) {
    const json& r = j["recovery"];
    std::printf("recovery    %s of %zu accounts, delay %s s\n", str(r, "threshold").c_str(),
                arr(r, "accounts").size(), str(r, "delay_seconds").c_str());
  }
  if (j.contains("pending_recovery") && j["pending_recovery"].is_object()) {
    const json& p = j["pending_recovery"];
    std::printf("PENDING RECOVERY to key %s, in effect at %s (started at height %s by %s); the current key can "
                "stop it: numledger tx cancel-recovery\n",
                str(p, "new_key").c_str(), str(p, "effective_at").c_str(), str(p, "started_height").c_str(),
                str(p, "started_by").c_str());
  }
  std::printf("chain id    %s (at height %s)\n", str(j, "chain_id").c_str(), str(j, "height").c_str());
  if (const json& p = arr(j, "pending_txs"); !p.empty()) {
    std::printf("pending:    %zu in this node's mempool\n", p.size());
    for (const auto& t : p) std::printf("  nonce %s  %s  %s\n", str(t, "nonce").c_str(), str(t, "id").c_str(), str(t, "description").c_str());
  }
  const json& hs = arr(j, "holdings");
  std::printf("holdings:%s\n", hs.empty() ? " none" : (" " + str(j, "holding_count") + " in all").c_str());
  for (const auto& h : hs) std::printf("  %s\n", holding_line(h).c_str());
}

void print_history(const json& j) {
  const json& es = arr(j, "entries");
  std::printf("history of %s (at height %s): %zu entr%s, newest first\n", str(j, "resource").c_str(),
              str(j, "height").c_str(), es.size(), es.size() == 1 ? "y" : "ies");
  for (const auto& e : es)
    std::printf("  height %s  %s  %s\n    id %s\n", str(e, "height").c_str(), str(e, "time").c_str(),
                str(e, "summary").c_str(), str(e, "id").c_str());
}

void print_validators(const json& j) {
  std::printf("validators of height %s (in force from height %s; tip %s)\n", str(j, "height").c_str(),
              str(j, "from_height").c_str(), str(j, "tip_height").c_str());
  std::printf("total power %s, set hash %s\n", str(j, "total_power").c_str(), str(j, "hash").c_str());
  for (const auto& v : arr(j, "validators"))
    std::printf("  %s  power %s\n", str(v, "account").c_str(), str(v, "power").c_str());
  const json& hist = arr(j, "history");
  if (hist.size() > 1) {
    std::printf("changes:\n");
    for (const auto& h : hist)
      std::printf("  from height %s: %s validators, total power %s, hash %s\n", str(h, "from_height").c_str(),
                  str(h, "validators").c_str(), str(h, "total_power").c_str(), str(h, "hash").c_str());
  }
}

void print_evidence(const json& j) {
  const json& es = arr(j, "evidence");
  std::printf("equivocation evidence (at height %s): %s committed, %s pending\n", str(j, "height").c_str(),
              str(j, "total").c_str(), str(j, "pending").c_str());
  for (const auto& e : es)
    std::printf("  %s: %s at height %s, round %s, for blocks %s and %s (committed at height %s)\n",
                str(e, "validator").c_str(), str(e, "kind").c_str(), str(e, "height").c_str(),
                str(e, "round").c_str(), str(e, "block_hash_a").c_str(), str(e, "block_hash_b").c_str(),
                str(e, "committed_height").c_str());
}

}  // namespace

void add_query_commands(CLI::App& app, Dispatch& d) {
  auto q = std::make_shared<QueryOpts>();
  auto* query = app.add_subcommand(
      "query", "who controls RESOURCE: holder, chain of holdings, authorizations (or: query account ACCOUNT)");
  query->add_option("RESOURCE", q->what, kResourceHelp)->check(resource_value());
  query->add_flag("--json", q->json, "print the node's JSON object");
  add_page_options(query, *q, "segments and N authorizations");
  add_node_option(query, q->node);
  query->callback([q, query, &d] {
    if (d.action) return;  // `query account` set it
    if (q->what.empty()) throw CLI::RequiredError("RESOURCE (or: query account ACCOUNT)");
    d.action = [q] {
      return fetch_and_print(*q, "/api/v1/resource/" + encode_path_segment(q->what) + page_query(*q),
                             print_resource);
    };
  });

  auto a = std::make_shared<QueryOpts>();
  auto* account = query->add_subcommand("account", "an account's next nonce, current key and holdings");
  account->add_option("ACCOUNT", a->what, "account id, or a key file naming it")->required()->check(account_value());
  account->add_flag("--json", a->json, "print the node's JSON object");
  add_page_options(account, *a, "holdings");
  add_node_option(account, a->node);
  account->callback([a, q, &d] {
    if (a->node.empty()) a->node = q->node;  // --node given before `account`
    if (q->json) a->json = true;
    d.action = [a] {
      const auto acc = account_or_key_file(a->what);  // checked when parsed
      return fetch_and_print(*a, "/api/v1/account/" + acc->to_string() + page_query(*a), print_account);
    };
  });

  add_query_mine_command(*query, d, q->node);

  auto v = std::make_shared<QueryOpts>();
  auto* validators = query->add_subcommand("validators", "the validator set of a height, its powers and its history");
  v->height_opt = validators->add_option("--height", v->height, "height (default: the next block's)")
                      ->check(CLI::PositiveNumber);
  validators->add_flag("--json", v->json, "print the node's JSON object");
  add_node_option(validators, v->node);
  validators->callback([v, q, &d] {
    if (v->node.empty()) v->node = q->node;
    if (q->json) v->json = true;
    d.action = [v] {
      std::string target = "/api/v1/validators";
      if (v->height_opt->count() > 0) target += "?height=" + std::to_string(v->height);
      return fetch_and_print(*v, target, print_validators);
    };
  });

  auto e = std::make_shared<QueryOpts>();
  auto* evidence =
      query->add_subcommand("evidence", "committed evidence of validators that double-voted or double-proposed");
  evidence->add_flag("--json", e->json, "print the node's JSON object");
  add_page_options(evidence, *e, "pieces");
  add_node_option(evidence, e->node);
  evidence->callback([e, q, &d] {
    if (e->node.empty()) e->node = q->node;
    if (q->json) e->json = true;
    d.action = [e] { return fetch_and_print(*e, "/api/v1/evidence" + page_query(*e), print_evidence); };
  });

  auto h = std::make_shared<QueryOpts>();
  auto* history = app.add_subcommand(
      "history", "committed transactions that named a range overlapping RESOURCE, newest first (a page at a time)");
  history->add_option("RESOURCE", h->what, kResourceHelp)->required()->check(resource_value());
  history->add_flag("--json", h->json, "print the node's JSON object");
  add_page_options(history, *h, "entries");
  add_node_option(history, h->node);
  history->callback([h, &d] {
    d.action = [h] {
      return fetch_and_print(*h, "/api/v1/history/" + encode_path_segment(h->what) + page_query(*h), print_history);
    };
  });
}

}  // namespace nl::cli
