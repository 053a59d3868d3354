// One strand per connection on the shared TCP core (tcp_server_core.h),
// as in http_server.cpp. A connection reads one line, writes one answer,
// and closes; after the answer it drains briefly, so a client that sent
// more than one line sees the answer instead of a reset.
#include "node/whois/whois_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "node/net/stream_connection.h"
#include "node/net/tcp_server_core.h"

namespace nl::node {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// What linger() reads and discards at most after the answer.
constexpr size_t kLingerBytes = 64 * 1024;

const std::string kBusy = "%ERROR:208: too many connections, try again later\n";

// What every connection of one server answers with.
struct WhoisService {
  const WhoisHandler handler;
  const WhoisLimits limits;
};

class WhoisConnection : public StreamConnection<WhoisConnection> {
 public:
  WhoisConnection(tcp::socket&& socket, std::shared_ptr<const WhoisService> service, ConnectionSlot slot)
      : StreamConnection(std::move(socket), std::move(slot)), service_(std::move(service)) {}

  void start() override {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&WhoisConnection::read, shared_from_this()));
  }

 private:
  const WhoisLimits& limits() const { return service_->limits; }

  void read() {
    if (closed_) return;
    stream_.expires_after(limits().query_timeout);
    // Room for the longest query plus CRLF; a fuller buffer means too long.
    net::async_read_until(stream_, net::dynamic_buffer(input_, limits().max_line + 2), '\n',
                          beast::bind_front_handler(&WhoisConnection::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t n) {
    if (closed_) return;
    const size_t max = limits().max_line;
    const std::string too_long = "%ERROR:107: input line too long (the limit is " + std::to_string(max) + " bytes)\n";
    if (ec == net::error::not_found) return answer(too_long);
    // A client that half-closes after its query without a terminator still gets an answer.
    if (ec == net::error::eof && !input_.empty()) n = input_.size();
    else if (ec) return close();  // a timeout (the stream is already closed), a reset, or our own close

    std::string query = input_.substr(0, n);
    if (!query.empty() && query.back() == '\n') query.pop_back();
    if (!query.empty() && query.back() == '\r') query.pop_back();
    if (query.size() > max) return answer(too_long);
    for (unsigned char c : query)
      if ((c < 0x20 && c != '\t') || c >= 0x7f)
        return answer("%ERROR:108: bad character in input (queries are printable ASCII)\n");
    if (slot_.server_stopped()) return close();
    std::string text;
    try {
      text = service_->handler(query);
    } catch (const std::exception& e) {
      text = std::string("%ERROR:100: internal software error\n% ") + e.what() + "\n";
    }
    answer(std::move(text));
  }

  void answer(std::string text) {
    if (closed_) return;
    output_ = std::move(text);
    stream_.expires_after(limits().write_timeout);  // drops clients that do not read
    net::async_write(stream_, net::buffer(output_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->close();
      self->linger(self->limits().query_timeout, kLingerBytes);
    });
  }

  const std::shared_ptr<const WhoisService> service_;
  std::string input_, output_;
};

// Over a cap: one non-blocking try at saying why, then close; no state
// is kept for the refused client.
void refuse_busy(tcp::socket& socket) {
  beast::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(net::buffer(kBusy), ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

std::shared_ptr<TcpServerCore> whois_core(net::io_context& ioc, WhoisHandler handler, WhoisLimits limits) {
  auto service = std::make_shared<const WhoisService>(WhoisService{std::move(handler), limits});
  auto make = [service](tcp::socket&& socket, ConnectionSlot slot) -> std::shared_ptr<ServerConnection> {
    return std::make_shared<WhoisConnection>(std::move(socket), service, std::move(slot));
  };
  // The whois listener takes IP addresses only, never names.
  return std::make_shared<TcpServerCore>(
      ioc, TcpServerRules{"whois server", limits.max_connections, limits.max_per_address, false}, std::move(make),
      refuse_busy);
}

}  // namespace

WhoisServer::WhoisServer(net::io_context& ioc, WhoisHandler handler, WhoisLimits limits)
    : TcpServer(whois_core(ioc, std::move(handler), limits)) {}

}  // namespace nl::node
