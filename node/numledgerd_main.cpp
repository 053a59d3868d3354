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
#include "node/api.h"
#include "node/block_producer.h"
#include "node/http_server.h"

using namespace nl;

int main(int argc, char** argv) {
  CLI::App app{"numledgerd: a numledger registry node (single validator)"};
  std::string home, genesis_path, key_path, listen = "127.0.0.1:8640";
  double block_interval = 2.0;
  app.add_option("--home", home, "data directory (created if missing)")->required();
  app.add_option("--genesis", genesis_path, "genesis file (JSON)")->required()->check(CLI::ExistingFile);
  app.add_option("--validator-key", key_path, "this node's validator key file")->required()->check(CLI::ExistingFile);
  app.add_option("--listen", listen, "HTTP API address HOST:PORT")->capture_default_str();
  app.add_option("--block-interval", block_interval, "seconds between empty blocks")
      ->capture_default_str()->check(CLI::Range(0.05, 3600.0));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is success; anything else is a usage error
  }

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
  node::HttpServer server(ioc, [&api](node::HttpRequest req, node::Responder r) {
    api.handle(std::move(req), std::move(r));
  });
  auto port = server.listen(listen);
  if (!port) return std::fprintf(stderr, "numledgerd: %s\n", port.error().c_str()), 1;
  producer.start();
  std::fprintf(stderr, "numledgerd: listening on http://%s:%u\n", host_port->first.c_str(), *port);

  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int sig) {
    std::fprintf(stderr, "numledgerd: signal %d, shutting down\n", sig);
    server.stop();
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
