// One strand for the acceptor and its retry timer; connections live on
// strands of their own and reach the table only through their slots, under
// the mutex, so stop() and connection_count() may come from any thread.
#include "node/net/tcp_server_core.h"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>

#include "node/net/host_port.h"

namespace nl::node {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

ConnectionSlot::ConnectionSlot(std::shared_ptr<TcpServerCore> core, uint64_t id) : core_(std::move(core)), id_(id) {}

ConnectionSlot::~ConnectionSlot() { release(); }

void ConnectionSlot::release() {
  if (!core_ || released_) return;
  released_ = true;
  core_->forget(id_);
}

bool ConnectionSlot::server_stopped() const { return core_->stopped(); }

TcpServerCore::TcpServerCore(net::io_context& ioc, TcpServerRules rules, MakeConnection make, RefuseConnection refuse)
    : ioc_(ioc),
      rules_(std::move(rules)),
      make_(std::move(make)),
      refuse_(std::move(refuse)),
      acceptor_(net::make_strand(ioc)),
      retry_(acceptor_.get_executor()) {}

Result<tcp::endpoint> TcpServerCore::endpoint_for(const std::string& host_port, const std::string& host,
                                                  uint16_t port) {
  error_code ec;
  auto addr = net::ip::make_address(host, ec);
  if (!ec) return tcp::endpoint(addr, port);
  if (!rules_.resolve_names) return fail("cannot listen on " + host_port + ": '" + host + "' is not an IP address");
  tcp::resolver resolver(ioc_);
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty())
    return fail("cannot resolve '" + host + "': " + (ec ? ec.message() : std::string("no addresses")));
  return results.begin()->endpoint();
}

Result<uint16_t> TcpServerCore::listen(const std::string& host_port, const std::function<void()>& before_accepting) {
  auto hp = parse_host_port(host_port);
  if (!hp) return hp.take_error();
  if (stopped()) return fail("cannot listen on " + host_port + ": " + rules_.name + " is stopped");
  if (listening_) return fail("cannot listen on " + host_port + ": " + rules_.name + " is already listening");
  auto ep = endpoint_for(host_port, hp->first, hp->second);
  if (!ep) return ep.take_error();

  error_code ec;
  auto bail = [&](const char* what) {
    error_code ignored;
    acceptor_.close(ignored);
    return fail("cannot listen on " + host_port + ": " + what + ": " + ec.message());
  };
  acceptor_.open(ep->protocol(), ec);
  if (ec) return bail("open");
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return bail("set_option");
  acceptor_.bind(*ep, ec);
  if (ec) return bail("bind");
  acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return bail("listen");
  auto local = acceptor_.local_endpoint(ec);
  if (ec) return bail("local_endpoint");

  if (before_accepting) before_accepting();
  listening_ = true;
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    if (self->acceptor_.is_open()) self->do_accept();
  });
  return local.port();
}

void TcpServerCore::do_accept() {
  acceptor_.async_accept(net::make_strand(ioc_), [self = shared_from_this()](error_code ec, tcp::socket socket) {
    self->on_accept(ec, std::move(socket));
  });
}

void TcpServerCore::on_accept(error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    retry_.expires_after(std::chrono::milliseconds(100));
    retry_.async_wait([self = shared_from_this()](error_code wec) {
      if (!wec && self->acceptor_.is_open()) self->do_accept();
    });
    return;
  }
  error_code pec;
  auto peer = socket.remote_endpoint(pec);
  if (pec) return do_accept();  // already gone; the socket closes as it goes out of scope
  const AddressKey from = address_key(peer.address());
  uint64_t id = 0;  // stays 0 over a cap
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;  // the socket closes as it goes out of scope
    if (conns_.size() < rules_.max_connections && per_address_.try_add(from, rules_.max_per_address)) {
      id = ++next_id_;
      conns_.emplace(id, Entry{{}, from});  // the slot counts from now, even if making fails
    }
  }
  if (id == 0) {
    if (refuse_) refuse_(socket);
    return do_accept();  // an unrefused socket closes as it goes out of scope
  }
  // Made outside the lock: a connection that fails to come up gives its
  // slot back, which takes the lock.
  auto conn = make_(std::move(socket), ConnectionSlot(shared_from_this(), id));
  bool open = false;  // false: it closed while being made, and gave its slot back
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;  // stop() came meanwhile: the connection closes as `conn` goes
    if (auto it = conns_.find(id); it != conns_.end()) {
      it->second.conn = conn;
      open = true;
    }
  }
  if (open) conn->start();
  do_accept();
}

void TcpServerCore::forget(uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  per_address_.remove(it->second.from);
  conns_.erase(it);
}

std::vector<std::shared_ptr<ServerConnection>> TcpServerCore::live_locked() const {
  std::vector<std::shared_ptr<ServerConnection>> live;
  for (auto& [id, entry] : conns_)
    if (auto c = entry.conn.lock()) live.push_back(std::move(c));
  return live;
}

std::vector<std::shared_ptr<ServerConnection>> TcpServerCore::live_connections() const {
  std::lock_guard lock(mu_);
  return live_locked();
}

void TcpServerCore::stop() {
  std::vector<std::shared_ptr<ServerConnection>> live;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    live = live_locked();
  }
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    error_code ec;
    self->acceptor_.close(ec);
    self->retry_.cancel();
  });
  for (auto& c : live) c->shutdown();
}

bool TcpServerCore::stopped() const {
  std::lock_guard lock(mu_);
  return stopped_;
}

size_t TcpServerCore::connection_count() const {
  std::lock_guard lock(mu_);
  return conns_.size();
}

size_t TcpServerCore::connection_count(const net::ip::address& addr) const {
  std::lock_guard lock(mu_);
  return per_address_.count(address_key(addr));
}

net::any_io_executor TcpServerCore::strand() { return acceptor_.get_executor(); }

}  // namespace nl::node
