// GET /metrics: the node's levels read under the state's read lock, then
// rendered by NodeMetrics in Prometheus's text format.
#pragma once
#include "node/driver/consensus_driver.h"
#include "node/driver/shared_chain.h"
#include "node/metrics/node_metrics.h"
#include "node/net/http_message.h"

namespace nl::node {

class RtrServer;

NodeLevels read_levels(const SharedChain& shared, const ConsensusDriver& driver, const RtrServer* rtr);
HttpResponse metrics_response(NodeMetrics& metrics, const SharedChain& shared, const ConsensusDriver& driver,
                              const RtrServer* rtr);

}  // namespace nl::node
