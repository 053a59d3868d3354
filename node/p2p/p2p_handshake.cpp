#include "node/p2p/p2p_handshake.h"

#include <sodium.h>

#include "node/p2p/p2p_network.h"

namespace nl::node::p2p {

int refusal_penalty(Refusal r) { return r == Refusal::self ? 0 : kPenaltyHandshake; }

Nonce random_nonce() {
  Nonce n;
  randombytes_buf(n.data(), n.size());
  return n;
}

Hello make_hello(const std::string& chain_id, const crypto::Hash32& genesis_hash, const crypto::PublicKey& node_key,
                 uint64_t best_height, bool validator, const Nonce& nonce) {
  Hello h;
  h.protocol = kProtocolVersion;
  h.chain_id = chain_id;
  h.genesis_hash = genesis_hash;
  h.node_key = node_key;
  h.best_height = best_height;
  h.nonce = nonce;
  h.validator = validator;
  return h;
}

std::optional<HandshakeRefusal> check_hello(const Hello& ours, const Hello& theirs) {
  if (theirs.protocol != ours.protocol)
    return HandshakeRefusal{Refusal::protocol, "peer protocol " + std::to_string(theirs.protocol) +
                                                   " is not ours (" + std::to_string(ours.protocol) + ")"};
  if (theirs.chain_id != ours.chain_id)
    return HandshakeRefusal{Refusal::chain,
                            "chain id '" + theirs.chain_id + "' is not ours ('" + ours.chain_id + "')"};
  if (theirs.genesis_hash != ours.genesis_hash)
    return HandshakeRefusal{Refusal::genesis, "genesis hash " + theirs.genesis_hash.hex() + " is not ours (" +
                                                  ours.genesis_hash.hex() + ")"};
  if (theirs.node_key == ours.node_key) return HandshakeRefusal{Refusal::self, "connection to self (same node key)"};
  if (theirs.nonce == ours.nonce) return HandshakeRefusal{Refusal::self, "connection to self (our nonce echoed)"};
  return std::nullopt;
}

HelloAuth make_auth(const crypto::SecretKey& node_key, const Hello& ours, const Hello& theirs) {
  return HelloAuth{node_key.sign(auth_sign_bytes(ours.chain_id, ours.genesis_hash, theirs.nonce, ours.node_key))};
}

std::optional<HandshakeRefusal> check_auth(const Hello& ours, const Hello& theirs, const HelloAuth& auth) {
  if (!crypto::verify(theirs.node_key, auth_sign_bytes(ours.chain_id, ours.genesis_hash, ours.nonce, theirs.node_key),
                      auth.sig))
    return HandshakeRefusal{Refusal::signature,
                            "handshake signature does not verify for node key " + theirs.node_key.hex()};
  return std::nullopt;
}

ConnectionRank connection_rank(bool outbound, const Hello& ours, const Hello& theirs) {
  const Hello& dialler = outbound ? ours : theirs;
  return ConnectionRank{dialler.node_key, dialler.nonce};
}

bool replaces(const ConnectionRank& candidate, const ConnectionRank& existing) { return candidate < existing; }

}  // namespace nl::node::p2p
