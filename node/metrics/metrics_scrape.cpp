#include "node/metrics/metrics_scrape.h"

#include <algorithm>

#include "node/rtr/rtr_server.h"

namespace nl::node {

NodeLevels read_levels(const SharedChain& shared, const ConsensusDriver& driver, const RtrServer* rtr) {
  NodeLevels n;
  const DriverStatus st = driver.status();
  n.consensus_height = st.height;
  n.round = st.round;
  n.validator = st.validator;
  for (const auto& p : driver.peers()) {
    ++(p.validator ? n.validator_peers : n.observer_peers);
    n.best_peer_height = std::max(n.best_peer_height, p.best_height);
  }
  n.mempool = driver.mempool().size();
  if (rtr) {
    n.rtr_sessions = rtr->connection_count();
    n.rtr_serial = rtr->serial();
  }
  auto lk = shared.read_lock();
  const ledger::Chain& chain = shared.chain();
  n.height = chain.height();
  n.holdings = chain.registry().holding_count();
  n.columns = chain.store().column_sizes();
  return n;
}

HttpResponse metrics_response(NodeMetrics& metrics, const SharedChain& shared, const ConsensusDriver& driver,
                              const RtrServer* rtr) {
  HttpResponse r;
  r.body = metrics.render(read_levels(shared, driver, rtr));
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return r;
}

}  // namespace nl::node
