#include "node/p2p/p2p_refusal.h"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <memory>

namespace nl::node {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

struct Refusal {
  beast::tcp_stream stream;
  http::response<http::string_body> res;
};

}  // namespace

void refuse_upgrade(beast::tcp_stream&& stream, http::status status, std::string reason, unsigned http_version) {
  auto r = std::make_shared<Refusal>(Refusal{std::move(stream), {}});
  r->res.version(http_version);
  r->res.result(status);
  r->res.set(http::field::server, "numledger");
  r->res.set(http::field::content_type, "text/plain");
  r->res.keep_alive(false);
  r->res.body() = std::move(reason) + "\n";
  r->res.prepare_payload();
  r->stream.expires_after(std::chrono::seconds(2));
  http::async_write(r->stream, r->res, [r](beast::error_code, size_t) {
    beast::error_code ignored;
    r->stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    r->stream.close();
  });
}

}  // namespace nl::node
