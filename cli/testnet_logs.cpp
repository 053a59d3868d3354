// numledger testnet logs: the nodes' logs (DIR/<node>/numledgerd.log), each
// line prefixed with its node's name; --follow keeps printing what they
// append, as tail -f does, until interrupted.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "cli/cli_common.h"
#include "cli/exit_codes.h"
#include "cli/testnet_commands.h"
#include "cli/testnet_layout.h"

namespace nl::cli::testnet {

namespace {

// How often --follow looks for new lines.
constexpr auto kFollowPoll = std::chrono::milliseconds(200);

struct LogCursor {
  const NodeSpec* node;
  std::streamoff at = 0;  // bytes of the log printed so far
  std::string partial;    // a line not yet ended
};

// Prints what the log gained since `c.at`, whole lines only (the last
// unended line waits for its end, unless `flush_partial`).
void print_new(LogCursor& c, bool flush_partial) {
  std::ifstream in(c.node->log_path(), std::ios::binary);
  if (!in) return;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) return;
  if (size < c.at) {  // truncated or replaced: from the start again
    c.at = 0;
    c.partial.clear();
  }
  in.seekg(c.at);
  std::string chunk(static_cast<size_t>(size - c.at), '\0');
  in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  c.at += in.gcount();
  chunk.resize(static_cast<size_t>(in.gcount()));
  c.partial += chunk;
  size_t start = 0;
  for (size_t nl; (nl = c.partial.find('\n', start)) != std::string::npos; start = nl + 1)
    std::printf("%s | %.*s\n", c.node->name.c_str(), static_cast<int>(nl - start), c.partial.data() + start);
  c.partial.erase(0, start);
  if (flush_partial && !c.partial.empty()) {
    std::printf("%s | %s\n", c.node->name.c_str(), c.partial.c_str());
    c.partial.clear();
  }
  std::fflush(stdout);
}

}  // namespace

int run_logs(const LogsOptions& o) {
  auto t = load_testnet(o.dir);
  if (!t) return report(kExitFailure, t.error());
  auto chosen = select_nodes(*t, o.only);
  if (!chosen) return report(kExitUsage, chosen.error());
  std::vector<LogCursor> cursors;
  for (const NodeSpec* n : *chosen) cursors.push_back({n});
  for (auto& c : cursors) print_new(c, !o.follow);
  while (o.follow) {
    std::this_thread::sleep_for(kFollowPoll);
    for (auto& c : cursors) print_new(c, false);
  }
  return kExitOk;
}

}  // namespace nl::cli::testnet
