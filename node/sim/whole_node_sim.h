// The whole node in deterministic simulation (issue 20): the real
// consensus driver of every honest node, with its gossip and relay,
// seen-filters, deferral, peer scores (on the wire), mempool, block sync
// and WAL, over a simulated network (sim_wire.h) on a simulated clock
// (node/driver/driver_clock.h), all on one thread. Byzantine validators
// (byzantine_peer.h) and a seeded adversary that picks delays, cuts and
// sides before GST try to break it; the run then checks that no two
// honest nodes committed different blocks, that every honest node reached
// the target height after GST, that every transaction committed, and
// that no honest node penalised another. One seed replays a run exactly
// (the trace digest); the engine-only simulator (consensus/sim) stays the
// fast layer below.
#pragma once
#include "crypto/basics/result.h"
#include "node/sim/whole_node_config.h"

namespace nl::node::sim {

// One seeded run; an invalid config is an error.
Result<WholeNodeResult> run_whole_node(const WholeNodeConfig& cfg);

}  // namespace nl::node::sim
