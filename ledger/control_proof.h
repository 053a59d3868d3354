// A proof of control: the committed entries that say who controls a
// resource (its segments and their holdings), each with its Merkle path to
// the state root of a block header, plus that header's commit certificate.
// It verifies offline against the genesis alone.
// File: "NLPF" || u8 version || canonical(proof).
#pragma once
#include <vector>

#include "crypto/basics/result.h"
#include "ledger/block.h"
#include "ledger/genesis.h"
#include "ledger/holding.h"
#include "ledger/state_commitment.h"

namespace nl::ledger {

inline constexpr uint8_t kProofVersion = 1;

struct ProvenEntry {
  Bytes key;
  Bytes value;
  StateProof path;
};

struct ControlProof {
  Resource resource;
  BlockHeader header;
  CommitCertificate cert;
  std::vector<ProvenEntry> entries;  // segments in address order, then their holdings

  Bytes encode() const;
  static Result<ControlProof> decode(ByteView file);
};

struct ControlAnswer {
  struct Part {
    Segment segment;
    Holding holding;
  };
  std::vector<Part> parts;  // cover the resource, in address order
  uint64_t height = 0;
  uint64_t time = 0;
};

// Checks everything: chain id and validator set against the genesis (a
// header certified by a later validator set is refused with that reason), the
// certificate's > 2/3 signatures, every Merkle path, and that the segments
// cover the resource without gaps.
Result<ControlAnswer> verify_control_proof(const ControlProof& proof, const Genesis& genesis);

}  // namespace nl::ledger
