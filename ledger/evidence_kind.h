// The kind of an equivocation, and byte 12 of every evidence encoding
// (after u64 height || u32 round): 1 and 2 are the vote types of a double
// vote (the first vote's type byte, where vote evidence always had it), 3 a
// double proposal. Vote types never took the value 3, so the kind byte
// tells the two apart without changing a byte of vote evidence.
#pragma once
#include <cstdint>
#include <string_view>

#include "ledger/fields.h"
#include "ledger/vote.h"

namespace nl::ledger {

enum class EvidenceKind : uint8_t { prevote = 1, precommit = 2, proposal = 3 };
template <>
struct EnumInfo<EvidenceKind> {
  static constexpr uint8_t kMax = 3;
  static constexpr std::string_view kWhat = "evidence kind";
  static std::string_view name(EvidenceKind k) {
    return k == EvidenceKind::prevote ? "prevote" : k == EvidenceKind::precommit ? "precommit" : "proposal";
  }
};

inline EvidenceKind evidence_kind(VoteType t) { return static_cast<EvidenceKind>(static_cast<uint8_t>(t)); }

// The byte offset of the kind in an encoded piece of evidence.
inline constexpr size_t kEvidenceKindOffset = 8 + 4;

}  // namespace nl::ledger
