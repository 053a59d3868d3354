// The web explorer at / (issue 17, item 4) in a real browser: Debian's
// chromium, headless, against a real numledgerd. After a delegation
// commits, the resource page shows its holder; the status, block,
// account, validator and ROA pages render; a phone-width screenshot goes
// to build/test-output/. The page and its script come from the binary and
// fetch nothing but the node's own /api/v1.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "support/node_fixture.h"

using namespace nl;
using namespace nl::test;

namespace {

const std::string kChromium = "/usr/bin/chromium";

// Chromium's flags for a test: no sandbox (root), and no traffic of its
// own to anywhere (updates, sync, metrics).
std::vector<std::string> chromium(const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {kChromium,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--disable-default-apps",
                                   "--no-first-run",
                                   "--no-default-browser-check",
                                   "--virtual-time-budget=8000"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

// The page's DOM after its script ran.
std::string dom(const NodeFixture& n, const std::string& hash) {
  auto r = run(chromium({"--dump-dom", n.url + "/#/" + hash}));
  REQUIRE_MESSAGE(r.code == 0, r.err);
  return r.out;
}

}  // namespace

TEST_CASE("explorer: in headless chromium, a committed delegation's holder shows on its resource page") {
  REQUIRE_MESSAGE(::access(kChromium.c_str(), X_OK) == 0,
                  "chromium is missing: apt-get install chromium (scripts/install-deps.sh does)");
  NodeFixture n;
  n.start();
  const std::string holder = n.new_key("holder");
  auto made = n.cli({"tx", "delegate", "10.1.0.0/16", "--to", holder, "--key", n.dir / "root.key", "--out",
                     n.dir / "d.tx"});
  REQUIRE_MESSAGE(made.code == 0, made.err);
  auto sent = n.cli({"tx", "submit", n.dir / "d.tx"});
  REQUIRE_MESSAGE(sent.code == 0, sent.err);
  // The holder rotates its key: its account page shows the change.
  n.new_key("holder2");
  auto rot = n.cli({"tx", "rotate-key", "--new-key", n.dir / "holder2.key", "--key", n.dir / "holder.key", "--out",
                    n.dir / "r.tx"});
  REQUIRE_MESSAGE(rot.code == 0, rot.err);
  sent = n.cli({"tx", "submit", n.dir / "r.tx"});
  REQUIRE_MESSAGE(sent.code == 0, sent.err);

  // The page and the script are the binary's, with a policy that keeps the browser on this node.
  auto page = node::http_request(n.url, "GET", "/", "", std::chrono::seconds(5));
  REQUIRE(page.ok());
  CHECK(page->status == 200);
  CHECK(page->content_type.rfind("text/html", 0) == 0);
  CHECK(page->body.find("<script src=\"/explorer.js\">") != std::string::npos);
  bool csp = false;
  for (const auto& [k, v] : page->headers) csp = csp || (k == "Content-Security-Policy" && v.find("default-src 'self'") == 0);
  CHECK(csp);
  auto script = node::http_request(n.url, "GET", "/explorer.js", "", std::chrono::seconds(5));
  REQUIRE(script.ok());
  CHECK(script->status == 200);
  CHECK(script->body.find("https://") == std::string::npos);

  // Searched as the search box searches: a prefix leads to its resource page.
  const std::string resource = dom(n, "search/10.1.0.0/16");
  CHECK(resource.find("<h1>10.1.0.0/16</h1>") != std::string::npos);
  CHECK_MESSAGE(resource.find("<a href=\"#/account/" + holder + "\">" + holder + "</a>") != std::string::npos, resource);
  CHECK(resource.find("chain of holdings") != std::string::npos);
  // The custody history names the delegation, linked to its transaction.
  const size_t custody = resource.find("custody history");
  REQUIRE(custody != std::string::npos);
  CHECK(resource.find("delegate", custody) != std::string::npos);
  CHECK(resource.find("<a href=\"#/tx/", custody) != std::string::npos);
  CHECK(resource.find("href=\"/api/v1/proof/10.1.0.0/16\"") != std::string::npos);
  CHECK(resource.find("class=\"error\"") == std::string::npos);

  const std::string status = dom(n, "");
  CHECK(status.find("chain interop-test") != std::string::npos);
  CHECK(status.find("latest blocks") != std::string::npos);
  const std::string block = dom(n, "block/1");
  CHECK(block.find("block 1") != std::string::npos);
  CHECK(block.find("class=\"error\"") == std::string::npos);
  CHECK(dom(n, "search/1").find("<h1>block 1</h1>") != std::string::npos);  // a number is a height
  const std::string account = dom(n, "search/" + holder);  // an account id is an account
  CHECK(account.find("10.1.0.0/16") != std::string::npos);
  const size_t keys = account.find("key_history");
  REQUIRE_MESSAGE(keys != std::string::npos, account);
  CHECK(account.find("rotate-key", keys) != std::string::npos);
  CHECK(dom(n, "validators").find("class=\"error\"") == std::string::npos);
  CHECK(dom(n, "roas").find("route origin authorizations") != std::string::npos);
  // A search that finds nothing says so on the page.
  CHECK(dom(n, "resource/192.0.2.0/24").find("class=\"error\"") != std::string::npos);

  // A phone-width screenshot, kept with the build's test output.
  const std::string out_dir = NL_BIN_DIR "/test-output";
  std::filesystem::create_directories(out_dir);
  const std::string shot = out_dir + "/explorer-resource-390px.png";
  std::filesystem::remove(shot);
  auto r = run(chromium({"--hide-scrollbars", "--window-size=390,844", "--screenshot=" + shot,
                         n.url + "/#/resource/10.1.0.0/16"}));
  REQUIRE_MESSAGE(r.code == 0, r.err);
  REQUIRE(std::filesystem::exists(shot));
  CHECK(std::filesystem::file_size(shot) > 10000);
}
