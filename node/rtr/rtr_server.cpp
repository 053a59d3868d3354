// The RTR cache: the shared TCP core (tcp_server_core.h) accepts and caps
// router sessions (rtr_session.h), each on its own strand; the core's
// strand also runs the poll timer, which keeps the cache's snapshots
// current and tells the sessions when the set changed.
#include "node/rtr/rtr_server.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>

#include "node/rtr/rtr_cache.h"
#include "node/rtr/rtr_session.h"
#include "node/net/tcp_server_core.h"
#include "node/log/node_log.h"

namespace nl::node {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

namespace detail {

struct RtrServerState : std::enable_shared_from_this<RtrServerState> {
  RtrServerState(net::io_context& ioc, OriginSource src, RtrOptions opts);

  void poll();
  void arm_poll();
  void notify_all();
  void stop();

  OriginSource source;
  const std::shared_ptr<RtrCache> cache;
  const std::shared_ptr<TcpServerCore> core;
  net::steady_timer poll_timer;  // on the core's strand
};

namespace {

// Over a cap a router's socket just closes: the core gets no refusal.
TcpServerCore::MakeConnection session_maker(std::shared_ptr<const RtrCache> cache) {
  return [cache](tcp::socket&& socket, ConnectionSlot slot) -> std::shared_ptr<ServerConnection> {
    return std::make_shared<RtrSession>(std::move(socket), cache, std::move(slot));
  };
}

}  // namespace

RtrServerState::RtrServerState(net::io_context& ioc, OriginSource src, RtrOptions opts)
    : source(std::move(src)),
      cache(std::make_shared<RtrCache>(opts)),
      core(std::make_shared<TcpServerCore>(
          ioc, TcpServerRules{"RTR server", opts.max_connections, opts.max_per_address, true}, session_maker(cache))),
      poll_timer(core->strand()) {}

void RtrServerState::arm_poll() {
  poll_timer.expires_after(cache->opts.poll_interval);
  poll_timer.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec && !self->core->stopped()) self->poll();
  });
}

void RtrServerState::poll() {
  try {
    if (auto set = source(); set && cache->snapshots.update(std::move(*set))) notify_all();
  } catch (const std::exception& e) {
    // Keep serving the last good set; the next poll tries again.
    logging::error(std::string("rtr: reading authorizations failed: ") + e.what());
  }
  arm_poll();
}

void RtrServerState::notify_all() {
  // Every connection of this core is an RtrSession: only the factory above makes them.
  for (auto& c : core->live_connections()) std::static_pointer_cast<RtrSession>(c)->notify();
}

void RtrServerState::stop() {
  core->stop();
  net::post(core->strand(), [self = shared_from_this()] { self->poll_timer.cancel(); });
}

}  // namespace detail

OriginSource chain_origin_source(const SharedChain& shared) {
  // The authorizations are read from the store: only again when they may
  // have changed, not at every block.
  auto last_read = std::make_shared<std::optional<uint64_t>>();
  return [&shared, last_read]() -> std::optional<std::vector<RouteOrigin>> {
    auto lk = shared.read_lock();
    const ledger::Registry& reg = shared.chain().registry();
    const uint64_t changes = reg.authorization_changes();
    if (*last_read == changes) return std::nullopt;
    *last_read = changes;
    return origins_of(reg.authorizations());
  };
}

RtrServer::RtrServer(net::io_context& ioc, OriginSource source, RtrOptions opts)
    : state_(std::make_shared<detail::RtrServerState>(ioc, std::move(source), opts)) {}

RtrServer::~RtrServer() { state_->stop(); }

Result<uint16_t> RtrServer::listen(const std::string& host_port) {
  if (auto s = rtr::check_intervals(state_->cache->opts.intervals); !s) return s.take_error();
  auto port = state_->core->listen(host_port, [s = state_.get()] {
    // The first router must not find an empty cache.
    if (auto set = s->source()) s->cache->snapshots.update(std::move(*set));
  });
  if (!port) return port;
  // stop() sets the flag before it posts the timer's cancel, so a poll
  // armed here is always cancelled.
  net::post(state_->core->strand(), [s = state_] {
    if (!s->core->stopped()) s->arm_poll();
  });
  return port;
}

void RtrServer::stop() { state_->stop(); }

uint16_t RtrServer::session_id(uint8_t version) const { return state_->cache->session(version); }

uint32_t RtrServer::serial() const { return state_->cache->snapshots.serial(); }

size_t RtrServer::connection_count() const { return state_->core->connection_count(); }

}  // namespace nl::node
