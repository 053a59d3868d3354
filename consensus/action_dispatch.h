// The one loop that carries out an engine's actions, in order, for every
// driver: the node (node/driver), the simulator (consensus/sim) and the
// tests' in-memory network (tests/support). An action that feeds the
// engine again (a value built, a value checked, a decision committed)
// returns the engine's next actions, which join the end of the queue; a
// driver that answers later returns none and calls dispatch_actions again
// with what the engine returns then.
#pragma once
#include "consensus/engine.h"

namespace nl::consensus {

class ActionHandler {
 public:
  virtual ~ActionHandler() = default;
  virtual void broadcast(Message m) = 0;
  virtual void schedule_timeout(const ScheduleTimeout& t) = 0;
  virtual Actions request_value(const RequestValue& r) = 0;
  virtual Actions validate_value(const ValidateValue& v) = 0;
  virtual Actions decided(const Decision& d) = 0;
  virtual void evidence_found(const ledger::Evidence& e) = 0;
  // The engine's WAL failed: the validator must stop (see Halted). What was
  // still queued is dropped first, as a crash would drop it.
  virtual void halted(const Halted& h) = 0;
  // Checked before each action: true ends the loop (the driver stopped).
  virtual bool stopped() const { return false; }
};

void dispatch_actions(ActionHandler& handler, Actions first);

}  // namespace nl::consensus
