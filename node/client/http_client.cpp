// Synchronous to the caller, async inside: Beast's blocking calls have no
// timeouts, so a private io_context runs the async ones under a deadline.
#include "node/client/http_client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

#include "node/net/host_port.h"

namespace nl::node {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Answers larger than this are refused rather than buffered without bound.
constexpr std::uint64_t kMaxResponseBody = 256ull << 20;

struct Url {
  std::string host;
  uint16_t port = 80;
  std::string authority;  // for the Host header
  std::string path;       // prefix without trailing '/'
};

Result<Url> parse_url(const std::string& url) {
  const std::string scheme = "http://";
  if (url.size() < scheme.size() || !beast::iequals(url.substr(0, scheme.size()), scheme))
    return fail("'" + url + "' is not an http:// URL (only plain http:// is supported)");
  std::string rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  Url u;
  u.authority = rest.substr(0, slash);
  if (slash != std::string::npos) u.path = rest.substr(slash);
  while (!u.path.empty() && u.path.back() == '/') u.path.pop_back();
  auto hp = parse_host_port(u.authority);
  if (!hp) {
    // No port given: the http default, if the rest is a plain host.
    bool has_port = u.authority.find(':') != std::string::npos &&
                    (u.authority[0] != '[' || u.authority.find("]:") != std::string::npos);
    if (has_port) return fail("bad URL '" + url + "': " + hp.error());
    hp = parse_host_port(u.authority + ":80");
    if (!hp) return fail("bad URL '" + url + "': no host");
  }
  u.host = hp->first;
  u.port = hp->second;
  return u;
}

std::string seconds_text(std::chrono::seconds t) { return std::to_string(t.count()) + "s"; }

}  // namespace

struct HttpClient::Impl {
  std::string base;
  Result<Url> url;
  net::io_context ioc;
  tcp::resolver resolver{ioc};
  std::optional<beast::tcp_stream> stream;  // open while kept alive
  beast::flat_buffer buffer;

  explicit Impl(std::string b) : base(std::move(b)), url(parse_url(base)) {}

  void close() {
    if (stream) {
      beast::error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream->close();
    }
    stream.reset();
    buffer.consume(buffer.size());
  }

  struct Attempt {
    Result<HttpResponse> result = fail("");
    bool stale = false;  // a kept connection was found closed before any answer
  };

  Attempt once(http::request<http::string_body>& req, std::chrono::seconds timeout) {
    const bool reused = stream.has_value();
    if (!reused) stream.emplace(ioc);
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBody);
    beast::error_code reach_ec, write_ec, read_ec;
    bool done = false;
    // One absolute deadline for connect, write and read.
    stream->expires_after(timeout);
    auto send = [&] {
      http::async_write(*stream, req, [&](beast::error_code wec, size_t) {
        // The server may answer early (413) and stop reading: still read.
        write_ec = wec;
        http::async_read(*stream, buffer, parser, [&](beast::error_code ec, size_t) {
          read_ec = ec;
          done = true;
        });
      });
    };
    if (reused) {
      send();
    } else {
      resolver.async_resolve(url->host, std::to_string(url->port),
                             [&](beast::error_code ec, tcp::resolver::results_type r) {
                               if (ec) return void((reach_ec = ec, done = true));
                               stream->async_connect(r, [&](beast::error_code cec, const tcp::endpoint&) {
                                 if (cec) return void((reach_ec = cec, done = true));
                                 send();
                               });
                             });
    }
    ioc.restart();
    ioc.run_for(timeout + std::chrono::seconds(1));  // the stream deadline should fire first
    Attempt a;
    if (!done) {
      // Only the resolver can outlive the stream's own deadline.
      resolver.cancel();
      close();
      ioc.restart();
      ioc.run();
      a.result = fail("cannot reach node at " + base + ": timed out after " + seconds_text(timeout));
      return a;
    }
    if (reach_ec) {
      close();
      auto reason = reach_ec == beast::error::timeout ? "timed out after " + seconds_text(timeout) : reach_ec.message();
      a.result = fail("cannot reach node at " + base + ": " + reason);
      return a;
    }
    if (read_ec) {
      close();
      a.stale = reused && !parser.got_some() && read_ec != beast::error::timeout;
      auto ec = write_ec ? write_ec : read_ec;
      auto reason = ec == beast::error::timeout ? "no answer within " + seconds_text(timeout) : ec.message();
      a.result = fail("request " + std::string(req.method_string()) + " " + std::string(req.target()) + " to " +
                      base + " failed: " + reason);
      return a;
    }
    auto& res = parser.get();
    if (!res.keep_alive() || !req.keep_alive()) close();
    a.result = HttpResponse{res.result_int(), std::move(res.body()), std::string(res[http::field::content_type])};
    for (const auto& f : res) a.result->headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    return a;
  }

  Result<HttpResponse> request(const std::string& method, const std::string& target, const std::string& body,
                               std::chrono::seconds timeout, bool keep_alive) {
    if (!url) return fail(url.error());
    auto verb = http::string_to_verb(method);
    if (verb == http::verb::unknown) return fail("unknown HTTP method '" + method + "'");
    std::string full_target = url->path + (target.empty() || target[0] != '/' ? "/" : "") + target;
    http::request<http::string_body> req{verb, full_target, 11};
    req.set(http::field::host, url->authority);
    req.set(http::field::user_agent, "numledger");
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.keep_alive(keep_alive);
    req.prepare_payload();
    Attempt a = once(req, timeout);
    if (a.stale) a = once(req, timeout);
    return std::move(a.result);
  }
};

HttpClient::HttpClient(std::string url_base) : impl_(std::make_unique<Impl>(std::move(url_base))) {}
HttpClient::~HttpClient() { impl_->close(); }

Result<HttpResponse> HttpClient::request(const std::string& method, const std::string& target,
                                         const std::string& body, std::chrono::seconds timeout) {
  return impl_->request(method, target, body, timeout, true);
}

Result<HttpResponse> http_request(const std::string& url_base, const std::string& method, const std::string& target,
                                  const std::string& body, std::chrono::seconds timeout) {
  HttpClient::Impl one(url_base);
  return one.request(method, target, body, timeout, false);
}

}  // namespace nl::node
