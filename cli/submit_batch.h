// numledger tx submit with several files: POST /api/v1/txs in batches.
#pragma once
#include <string>
#include <vector>

namespace nl::cli {

// Sends every file's transaction, `batch` to a request at most (and what
// fits the node's body limit), waits for commit unless no_wait (giving
// up after `timeout` seconds without progress), prints one line per
// refusal and a summary (or JSON). Exit 1 when any was refused or is left
// pending.
int run_submit_batch(const std::vector<std::string>& files, const std::string& node_url, size_t batch, bool no_wait,
                     unsigned timeout, bool as_json);

}  // namespace nl::cli
