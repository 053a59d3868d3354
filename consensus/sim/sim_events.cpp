#include "consensus/sim/sim_events.h"

#include <algorithm>

namespace nl::consensus::sim {

void EventQueue::at(uint64_t time, EventBody body) {
  // Nothing is scheduled in the past: the clock only moves forward.
  heap_.push_back(Event{time < now_ ? now_ : time, seq_++, std::move(body)});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
}

Event EventQueue::pop() {
  std::pop_heap(heap_.begin(), heap_.end(), Later{});
  Event e = std::move(heap_.back());
  heap_.pop_back();
  now_ = e.time;
  return e;
}

}  // namespace nl::consensus::sim
