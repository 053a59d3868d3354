// The consensus trace, at debug level: every message this node sends or
// takes in, every timeout it sets and every one that fires, one line each
// (node/log/node_log.h). Off at info, and then costs a level check.
#pragma once
#include <string>

#include "consensus/engine.h"
#include "consensus/message.h"

namespace nl::node {

// "proposal h=5 r=0 pol=-1 value 1a2b3c4d5e6f7a8b by 0123456789abcdef"
std::string describe(const consensus::Message& m);
// "prevote timeout h=5 r=1 in 450 ms"
std::string describe(const consensus::ScheduleTimeout& t);
std::string describe(const consensus::Timeout& t);

}  // namespace nl::node
