#include "node/statesync/state_sync_join.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>

#include "node/log/node_log.h"
#include "node/p2p/p2p_network.h"
#include "node/statesync/state_sync_client.h"

namespace nl::node {

namespace {
constexpr std::chrono::milliseconds kTick{100};
constexpr std::chrono::seconds kProgressEvery{5};
constexpr std::chrono::seconds kCloseGrace{1};
}  // namespace

Result<std::unique_ptr<ledger::Chain>> join_by_state_sync(const StateSyncJoin& join) {
  const ledger::Genesis& genesis = *join.genesis;
  const crypto::Hash32 genesis_hash = genesis.hash();
  {
    auto store = ledger::BlockStore::open(join.ledger_dir, genesis_hash);
    if (!store) return store.take_error();
    if ((*store)->tip_height() > 0) {
      logging::info("state sync: the ledger already holds height " + std::to_string((*store)->tip_height()) +
                    "; it opens as usual");
      return std::unique_ptr<ledger::Chain>();
    }
  }
  if (join.peers.empty()) return fail("--state-sync needs at least one --peer to fetch the snapshot from");

  const auto started = std::chrono::steady_clock::now();
  boost::asio::io_context ioc;
  P2pNetwork network(ioc, P2pOptions{.chain_id = genesis.chain_id,
                                     .genesis_hash = genesis_hash,
                                     .node_key = join.node_key,
                                     .validator = false,
                                     .peers = join.peers,
                                     .best_height = [] { return uint64_t{0}; }});
  StateSyncClient client(network, genesis);
  network.set_handlers([&client](const PeerInfo& p, p2p::P2pMessage m) { client.on_message(p, std::move(m)); },
                       [&client](const PeerInfo& p, bool up) { client.on_peer(p, up); });
  logging::info("state sync: asking " + std::to_string(join.peers.size()) + " peers for their snapshot");
  network.start();

  bool timed_out = false;
  auto last_progress = started;
  boost::asio::steady_timer timer(ioc);
  std::function<void()> arm = [&] {
    timer.expires_after(kTick);
    timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      const auto now = std::chrono::steady_clock::now();
      client.tick(now);
      if (client.complete() || now - started >= join.timeout) {
        timed_out = !client.complete();
        network.stop();
        ioc.stop();
        return;
      }
      if (now - last_progress >= kProgressEvery) {
        logging::info("state sync: " + client.progress());
        last_progress = now;
      }
      arm();
    });
  };
  arm();
  ioc.run();
  // The close handshakes, so the peers drop this key's sessions before the
  // node proper connects with the same key.
  ioc.restart();
  ioc.run_for(kCloseGrace);
  if (timed_out)
    return fail("state sync: no snapshot was complete within " + std::to_string(join.timeout.count()) + " s (" +
                client.progress() + ")");

  const ledger::SnapshotAnchor anchor = client.anchor();
  auto entries = client.take_entries();
  const size_t entry_count = entries.size();
  const double fetched = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto chain = ledger::Chain::open_from_snapshot(join.ledger_dir, genesis, anchor, std::move(entries),
                                                  join.chain_options);
  if (!chain) return fail("state sync: the fetched snapshot does not open: " + chain.error());
  logging::info("state sync: joined at height " + std::to_string(anchor.height()) + " with " +
                    std::to_string(entry_count) + " state entries (fetched and verified in " +
                    std::to_string(fetched).substr(0, std::to_string(fetched).find('.') + 2) + " s, " +
                    std::to_string(client.bad_chunks()) + " bad chunks refused), state root " +
                    (*chain)->state_root().hex(),
                {anchor.height(), "", ""});
  return chain;
}

}  // namespace nl::node
