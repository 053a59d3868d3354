// HttpClient against a real HttpServer on 127.0.0.1: a kept connection
// serves request after request, a connection the server closed while idle
// is reopened, and errors stay values.
#include <doctest/doctest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "node/client/http_client.h"
#include "tests/support/http_test_server.h"

using namespace nl::node;
using namespace nl::test;
using namespace std::chrono_literals;

namespace {
std::string remote_of(const HttpResponse& r) { return nlohmann::json::parse(r.body).at("remote").get<std::string>(); }
}  // namespace

TEST_CASE("http client: one kept connection serves every request") {
  TestServer srv(echo_handler());
  HttpClient client(srv.url());
  std::string first_remote;
  for (int i = 0; i < 20; ++i) {
    auto r = client.request("POST", "/k" + std::to_string(i), "{\"i\":" + std::to_string(i) + "}", 5s);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error()));
    CHECK(r->status == 200);
    auto j = nlohmann::json::parse(r->body);
    CHECK(j["target"] == "/k" + std::to_string(i));
    CHECK(j["body"] == "{\"i\":" + std::to_string(i) + "}");
    if (i == 0) first_remote = remote_of(*r);
    CHECK(remote_of(*r) == first_remote);  // the same client port: the same connection
  }
  CHECK(srv.server.connection_count() == 1);
  // The one-shot function opens its own connection and closes it.
  auto once = http_request(srv.url(), "GET", "/once", "", 5s);
  REQUIRE(once.ok());
  CHECK(remote_of(*once) != first_remote);
}

TEST_CASE("http client: a connection the server closed while idle is reopened") {
  TestServer srv(echo_handler(), HttpLimits{.header_timeout = 1s});
  HttpClient client(srv.url());
  auto a = client.request("GET", "/a", "", 5s);
  REQUIRE(a.ok());
  REQUIRE(srv.wait_connections(1));
  // The server drops a connection idle for longer than its read timeout.
  REQUIRE(srv.wait_connections(0, 5000ms));
  auto b = client.request("GET", "/b", "", 5s);
  REQUIRE_MESSAGE(b.ok(), (b.ok() ? "" : b.error()));
  CHECK(nlohmann::json::parse(b->body)["target"] == "/b");
  CHECK(remote_of(*b) != remote_of(*a));
}

TEST_CASE("http client: errors are values with the reason") {
  HttpClient bad_scheme("https://127.0.0.1:1");
  auto r = bad_scheme.request("GET", "/", "", 2s);
  REQUIRE(!r.ok());
  CHECK(r.error().find("only plain http://") != std::string::npos);

  TestServer srv(echo_handler());
  HttpClient client(srv.url());
  auto verb = client.request("FROB", "/", "", 2s);
  REQUIRE(!verb.ok());
  CHECK(verb.error().find("unknown HTTP method") != std::string::npos);

  // Nobody listens there any more: the error names the node.
  const std::string gone_url = [] {
    TestServer gone(echo_handler());
    return gone.url();
  }();
  HttpClient gone(gone_url);
  auto down = gone.request("GET", "/", "", 2s);
  REQUIRE(!down.ok());
  CHECK(down.error().find("cannot reach node at " + gone_url) != std::string::npos);
}
