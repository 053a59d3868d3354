// Every domain-separation tag of the protocol, in one place. Changing one
// changes every hash or signature made under it: these are part of the
// protocol, specified in whitepaper/encoding.md.
#pragma once
#include <string_view>

namespace nl::tags {

inline constexpr std::string_view kTransaction = "numledger/tx/v2";
inline constexpr std::string_view kBlockHeader = "numledger/block-header/v1";
inline constexpr std::string_view kVote = "numledger/vote/v2";
inline constexpr std::string_view kGenesis = "numledger/genesis/v1";
inline constexpr std::string_view kValidatorSet = "numledger/validator-set/v1";
inline constexpr std::string_view kTxLeaf = "numledger/tx-leaf/v1";
inline constexpr std::string_view kTxNode = "numledger/tx-node/v1";
inline constexpr std::string_view kStateLeaf = "numledger/state-leaf/v1";
inline constexpr std::string_view kStateNode = "numledger/state-node/v1";
inline constexpr std::string_view kStateKey = "numledger/state-key/v1";
inline constexpr std::string_view kAccountChecksum = "numledger/account/v1";
inline constexpr std::string_view kProposal = "numledger/proposal/v2";
inline constexpr std::string_view kEvidence = "numledger/evidence/v1";
inline constexpr std::string_view kEvidenceLeaf = "numledger/evidence-leaf/v1";
inline constexpr std::string_view kEvidenceNode = "numledger/evidence-node/v1";
inline constexpr std::string_view kP2pAuth = "numledger/p2p-auth/v1";
// The import keystore (crypto/keystore_cipher.h): keyed BLAKE2b messages.
inline constexpr std::string_view kKeystoreCheck = "numledger/keystore-check/v2";
inline constexpr std::string_view kKeystoreOrg = "numledger/keystore-org/v2";

}  // namespace nl::tags
