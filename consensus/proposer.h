// The proposer of (height, round): the ledger's schedule
// (ledger/proposer_schedule.h), which proposal evidence is checked against.
#pragma once
#include "ledger/proposer_schedule.h"

namespace nl::consensus {

using ledger::ProposerSchedule;

}  // namespace nl::consensus
