// The pure half of the /p2p handshake: what we say first, what we sign,
// and whether the other side's Hello and HelloAuth are acceptable. Each
// side sends Hello, then HelloAuth signing the nonce of the other's Hello;
// a connection is a peer only once both checks pass on both sides.
#pragma once
#include <optional>
#include <string>

#include "crypto/ed25519.h"
#include "node/transport/p2p_message.h"

namespace nl::node::p2p {

// Why a handshake was refused; decides the penalty and whether to redial.
enum class Refusal {
  protocol,   // a different peer protocol version
  chain,      // a different chain id
  genesis,    // same chain id, different genesis
  self,       // the other end is this node (its key, or our own nonce echoed)
  signature,  // HelloAuth does not verify under the key its Hello claimed
};

struct HandshakeRefusal {
  Refusal kind;
  std::string reason;  // for the log: "chain id 'x' is not ours ('y')"
};

// Misbehaviour points a refusal costs the other side's address: none for a
// self-connection, kPenaltyHandshake for the rest.
int refusal_penalty(Refusal r);

// A fresh random nonce (libsodium).
Nonce random_nonce();

// Our Hello for one connection.
Hello make_hello(const std::string& chain_id, const crypto::Hash32& genesis_hash, const crypto::PublicKey& node_key,
                 uint64_t best_height, bool validator, const Nonce& nonce);

// Checks their Hello against ours (same protocol, chain id and genesis; not ourselves).
std::optional<HandshakeRefusal> check_hello(const Hello& ours, const Hello& theirs);

// Our HelloAuth: our node key signs the nonce of their Hello.
HelloAuth make_auth(const crypto::SecretKey& node_key, const Hello& ours, const Hello& theirs);

// Their HelloAuth must be their node key's signature over our nonce.
std::optional<HandshakeRefusal> check_auth(const Hello& ours, const Hello& theirs, const HelloAuth& auth);

// Two handshaken connections between the same pair of nodes: both ends
// keep the same one. Each connection is ranked by (key of the node that
// dialled it, nonce of that node's Hello); the smaller rank stays.
struct ConnectionRank {
  crypto::PublicKey dialler_key;
  Nonce dialler_nonce{};
  auto operator<=>(const ConnectionRank&) const = default;
};
ConnectionRank connection_rank(bool outbound, const Hello& ours, const Hello& theirs);
// True when the connection ranked `candidate` should replace `existing`.
bool replaces(const ConnectionRank& candidate, const ConnectionRank& existing);

}  // namespace nl::node::p2p
