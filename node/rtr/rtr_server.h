// An RPKI-to-Router cache (RFC 8210, falling back to RFC 6810 version 0
// for routers that ask in version 0) serving the ledger's route-origin
// authorizations to routers over TCP.
//
// Data: the server polls its source every `poll_interval`; the chain
// source reads Registry::authorizations() under the block producer's
// shared state lock, only when the authorizations may have changed
// (Registry::authorization_changes()). Polling needs no
// hook in the block producer and costs one shared lock per interval.
// With --slurm the source is wrapped once (slurm_exceptions.h), so local
// exceptions reach routers by the same path. Each change of the set gets
// the next serial; the last `history` changes are kept so a Serial Query
// gets the exact difference, and anything older
// (or another session's serial) gets a Cache Reset. A session id is drawn
// at random each time the server starts; version 0 and version 1 sessions
// have different ids, because serials are specific to a version (§7).
//
// Serial Notify goes to every connection that has completed a query, to
// each at most once per `notify_min_interval` (RFC 8210 §8.2: one per
// minute); a change inside that window is announced when it ends.
//
// Hostile peers: connections are capped, in all and per source address
// (IPv4 address or IPv6 /64); a connection must send its first query
// within `first_query_timeout`, each begun PDU must complete within
// `pdu_timeout`, and a router that sends no query for `idle_timeout` is
// dropped. A router polls at least every refresh interval (RFC 8210 §6),
// so by default the idle timeout is refresh + retry: a live router is
// never dropped, and a socket that asked once and then only holds its
// slot loses it at the latest then, not after `expire`. Missing a Serial
// Notify is no reason to drop a router: answering one is optional
// (RFC 8210 §5.2). Numbers and reasons: whitepaper/security.md. A
// malformed PDU gets an Error Report naming the problem, then the
// connection is closed; a length field above rtr::kMaxPduSize is answered
// the same way without reading the rest. While a response is being
// written no further query is read, so a peer that does not read stalls
// only itself, and is dropped after `write_timeout`.
#pragma once
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/basics/result.h"
#include "ledger/chain.h"
#include "node/driver/shared_chain.h"
#include "node/rtr/rtr_pdu.h"
#include "node/rtr/vrp_snapshots.h"

namespace nl::node {

namespace detail {
struct RtrServerState;
}

struct RtrOptions {
  rtr::Intervals intervals;  // sent in version 1 End of Data
  size_t max_connections = 256;
  size_t max_per_address = 8;  // 0: no such limit
  std::chrono::seconds first_query_timeout{10};
  std::chrono::seconds pdu_timeout{10};
  std::chrono::seconds idle_timeout{0};  // 0: refresh + retry
  std::chrono::seconds write_timeout{30};
  std::chrono::milliseconds poll_interval{200};
  std::chrono::milliseconds notify_min_interval{60'000};
  // Off: routers learn of changes only by their own refresh polls (how
  // bench_roa_to_router measures a refresh-driven router).
  bool notify = true;
  size_t history = 100;
};

// Returns the current route origins when they may have changed since the
// previous call, nullopt when they have not. Called from one thread at a time.
using OriginSource = std::function<std::optional<std::vector<RouteOrigin>>()>;

// Reads the chain's authorizations under the chain's read lock, whenever
// they may have changed since the previous call's.
OriginSource chain_origin_source(const SharedChain& shared);

class RtrServer {
 public:
  RtrServer(boost::asio::io_context& ioc, OriginSource source, RtrOptions opts = {});
  ~RtrServer();
  RtrServer(const RtrServer&) = delete;
  RtrServer& operator=(const RtrServer&) = delete;

  // Loads the current set, then serves on "HOST:PORT" or "[v6]:PORT"
  // (port 0 picks one). Returns the bound port.
  Result<uint16_t> listen(const std::string& host_port);
  // Stop accepting and polling and close all connections; from any thread.
  void stop();

  uint16_t session_id(uint8_t version) const;
  uint32_t serial() const;
  size_t connection_count() const;

 private:
  std::shared_ptr<detail::RtrServerState> state_;
};

}  // namespace nl::node
