#include "consensus/action_dispatch.h"

#include <deque>

namespace nl::consensus {

void dispatch_actions(ActionHandler& h, Actions first) {
  std::deque<Action> todo;
  // False when the engine halted: nothing still queued is carried out.
  auto take = [&](Actions&& more) {
    for (auto& a : more)
      if (auto* stop = std::get_if<Halted>(&a)) {
        todo.clear();
        h.halted(*stop);
        return false;
      }
    for (auto& a : more) todo.push_back(std::move(a));
    return true;
  };
  if (!take(std::move(first))) return;
  while (!todo.empty() && !h.stopped()) {
    Action a = std::move(todo.front());
    todo.pop_front();
    bool go_on = true;
    if (auto* b = std::get_if<Broadcast>(&a))
      h.broadcast(std::move(b->msg));
    else if (auto* t = std::get_if<ScheduleTimeout>(&a))
      h.schedule_timeout(*t);
    else if (auto* r = std::get_if<RequestValue>(&a))
      go_on = take(h.request_value(*r));
    else if (auto* v = std::get_if<ValidateValue>(&a))
      go_on = take(h.validate_value(*v));
    else if (auto* d = std::get_if<Decided>(&a))
      go_on = take(h.decided(d->decision));
    else if (auto* e = std::get_if<EvidenceFound>(&a))
      h.evidence_found(e->evidence);
    if (!go_on) return;
  }
}

}  // namespace nl::consensus
