// numledgerd: the registry node. One validator for now: it makes the
// blocks, certifies them with its own key and serves the HTTP JSON API.
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "crypto/key_file.h"
#include "ledger/chain.h"
#include "ledger/genesis.h"
#include "ledger/transaction.h"
#include "node/api.h"
#include "node/block_producer.h"
#include "node/http_server.h"
#include "node/whois_answer.h"
#include "node/whois_server.h"
#include "node/rtr_server.h"

using namespace nl;

int main(int argc, char** argv) {
  CLI::App app{"numledgerd: a numledger registry node (single validator)"};
  std::string home, genesis_path, key_path, listen = "127.0.0.1:8640";
  double block_interval = 2.0;
  app.add_option("--home", home, "data directory (created if missing)")->required();
  app.add_option("--genesis", genesis_path, "genesis file (JSON)")->required()->check(CLI::ExistingFile);
  app.add_option("--validator-key", key_path, "this node's validator key file")->required()->check(CLI::ExistingFile);
  app.add_option("--listen", listen, "HTTP API address HOST:PORT")->capture_default_str();
  std::string whois_listen;
  app.add_option("--whois-listen", whois_listen, "whois (RFC 3912) address HOST:PORT (off unless given)");
  std::string rtr_listen;
  node::RtrOptions rtr_opts;
  app.add_option("--rtr-listen", rtr_listen, "RTR cache (RFC 8210; RFC 6810 for version 0) address HOST:PORT (off unless given)");
  app.add_option("--rtr-refresh", rtr_opts.intervals.refresh, "RTR refresh interval, seconds")->capture_default_str();
  app.add_option("--rtr-retry", rtr_opts.intervals.retry, "RTR retry interval, seconds")->capture_default_str();
  app.add_option("--rtr-expire", rtr_opts.intervals.expire, "RTR expire interval, seconds")->capture_default_str();
  app.add_option("--block-interval", block_interval, "seconds between empty blocks")
      ->capture_default_str()->check(CLI::Range(0.05, 3600.0));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is success; anything else is a usage error
  }

  if (auto s = node::rtr::check_intervals(rtr_opts.intervals); !s)
    return std::fprintf(stderr, "numledgerd: --rtr-*: %s\n", s.error().c_str()), 2;
  if (auto hp = node::parse_host_port(rtr_listen); !rtr_listen.empty() && !hp)
    return std::fprintf(stderr, "numledgerd: --rtr-listen: %s\n", hp.error().c_str()), 2;
  crypto::init();
  auto genesis = ledger::Genesis::load(genesis_path);
  if (!genesis) return std::fprintf(stderr, "numledgerd: %s\n", genesis.error().c_str()), 1;
  auto key = crypto::load_key_file(key_path);
  if (!key) return std::fprintf(stderr, "numledgerd: %s\n", key.error().c_str()), 1;
  if (!genesis->validators.find(key->public_key()))
    return std::fprintf(stderr, "numledgerd: %s is not a validator of chain '%s'\n",
                        ledger::AccountId{key->public_key()}.to_string().c_str(), genesis->chain_id.c_str()),
           1;
  auto host_port = node::parse_host_port(listen);
  if (!host_port) return std::fprintf(stderr, "numledgerd: --listen: %s\n", host_port.error().c_str()), 2;
  if (auto hp = node::parse_host_port(whois_listen); !whois_listen.empty() && !hp)
    return std::fprintf(stderr, "numledgerd: --whois-listen: %s\n", hp.error().c_str()), 2;

  std::error_code ec;
  std::filesystem::create_directories(home, ec);
  if (ec) return std::fprintf(stderr, "numledgerd: cannot create %s: %s\n", home.c_str(), ec.message().c_str()), 1;
  auto chain = ledger::Chain::open(home + "/ledger", *genesis);
  if (!chain) return std::fprintf(stderr, "numledgerd: %s\n", chain.error().c_str()), 1;
  std::fprintf(stderr, "numledgerd: chain '%s' at height %llu, state root %s\n", genesis->chain_id.c_str(),
               static_cast<unsigned long long>((*chain)->height()), (*chain)->state_root().hex().c_str());

  node::ProducerOptions opts;
  opts.empty_block_interval = std::chrono::milliseconds(static_cast<long>(block_interval * 1000));
  node::BlockProducer producer(**chain, *key, opts);
  node::Api api(**chain, producer);

  boost::asio::io_context ioc;
  node::HttpLimits http_limits;
  // A transaction travels as hex inside JSON: twice its bytes plus framing.
  http_limits.max_body = 2 * ledger::kMaxTxBytes + 4096;
  node::HttpServer server(
      ioc, [&api](node::HttpRequest req, node::Responder r) { api.handle(std::move(req), std::move(r)); },
      http_limits);
  auto port = server.listen(listen);
  if (!port) return std::fprintf(stderr, "numledgerd: %s\n", port.error().c_str()), 1;
  node::WhoisServer whois(ioc, [&](const std::string& q) {
    return node::whois_answer(**chain, producer.state_mutex(), q);
  });
  if (!whois_listen.empty()) {
    auto wport = whois.listen(whois_listen);
    if (!wport) return std::fprintf(stderr, "numledgerd: --whois-listen: %s\n", wport.error().c_str()), 1;
    std::fprintf(stderr, "numledgerd: whois on %s (port %u)\n", whois_listen.c_str(), *wport);
  }
  std::unique_ptr<node::RtrServer> rtr;
  if (!rtr_listen.empty()) {
    rtr = std::make_unique<node::RtrServer>(ioc, node::chain_origin_source(**chain, producer.state_mutex()), rtr_opts);
    auto rport = rtr->listen(rtr_listen);
    if (!rport) return std::fprintf(stderr, "numledgerd: --rtr-listen: %s\n", rport.error().c_str()), 1;
    std::fprintf(stderr, "numledgerd: rtr on %s (port %u), session %u (version 0: %u), serial %u\n",
                 rtr_listen.c_str(), *rport, rtr->session_id(1), rtr->session_id(0), rtr->serial());
  }
  producer.start();
  std::fprintf(stderr, "numledgerd: listening on http://%s:%u\n", host_port->first.c_str(), *port);

  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int sig) {
    std::fprintf(stderr, "numledgerd: signal %d, shutting down\n", sig);
    server.stop();
    whois.stop();
    if (rtr) rtr->stop();
    ioc.stop();
  });
  std::thread second([&] { ioc.run(); });
  ioc.run();
  second.join();
  producer.stop();
  std::fprintf(stderr, "numledgerd: stopped cleanly at height %llu\n",
               static_cast<unsigned long long>((*chain)->height()));
  return 0;
}
