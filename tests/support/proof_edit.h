// Editing a proof as a dishonest prover would: a custody hop left out,
// and its header with it when nothing else uses that header (with the
// state's entry of its hash, when the state proved it).
#pragma once
#include <algorithm>
#include <stdexcept>

#include "ledger/control_proof.h"
#include "ledger/state_keys.h"

namespace nl::test {

inline ledger::ControlProof without_hop(ledger::ControlProof p, size_t index) {
  const uint32_t header = p.custody.at(index).header;
  p.custody.erase(p.custody.begin() + static_cast<long>(index));
  auto uses = [header](const ledger::IncludedTx& t) { return t.header == header; };
  if (header + 1 == p.headers.size() || std::any_of(p.custody.begin(), p.custody.end(), uses) ||
      std::any_of(p.set_changes.begin(), p.set_changes.end(), uses))
    return p;
  if (!p.headers[header].cert) {
    const Bytes key = ledger::keys::block_hash(p.headers[header].header.height);
    auto kept = p.state.keep_only([&key](const ledger::StateMultiproof::Entry& e) { return e.key != key; });
    if (!kept) throw std::logic_error("without_hop: " + kept.error());
    p.state = std::move(*kept);
  }
  p.headers.erase(p.headers.begin() + header);
  for (auto* list : {&p.custody, &p.set_changes})
    for (auto& t : *list)
      if (t.header > header) --t.header;
  return p;
}

}  // namespace nl::test
