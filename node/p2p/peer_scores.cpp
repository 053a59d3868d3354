#include "node/p2p/peer_scores.h"

#include <algorithm>

namespace nl::node {

PeerScores::PeerScores(int ban_score, std::chrono::seconds ban_time, size_t max_entries)
    : ban_score_(std::max(1, ban_score)), ban_time_(ban_time), max_entries_(std::max<size_t>(1, max_entries)) {}

int PeerScores::current(const Entry& e, Clock::time_point now) const {
  return now - e.updated >= ban_time_ ? 0 : e.points;
}

template <class K>
void PeerScores::prune(std::map<K, Entry>& table, Clock::time_point now) {
  if (table.size() < max_entries_) return;
  std::erase_if(table, [&](const auto& kv) { return kv.second.banned_until <= now && current(kv.second, now) <= 0; });
  // Still full of live entries: forget the mildest offenders that are not banned.
  while (table.size() >= max_entries_) {
    auto victim = table.end();
    for (auto it = table.begin(); it != table.end(); ++it) {
      if (it->second.banned_until > now) continue;
      if (victim == table.end() || current(it->second, now) < current(victim->second, now)) victim = it;
    }
    if (victim == table.end()) break;  // every entry is a live ban: keep them all
    table.erase(victim);
  }
}

template <class K>
PeerScores::Verdict PeerScores::bump(std::map<K, Entry>& table, const K& k, int points, Clock::time_point now) {
  if (table.find(k) == table.end()) prune(table, now);
  Entry& e = table[k];
  e.points = current(e, now) + std::max(0, points);
  e.updated = now;
  if (e.points < ban_score_) return {};
  const auto until = now + ban_time_;
  e.points = 0;
  e.banned_until = std::max(e.banned_until, until);
  return Verdict{true, until};
}

PeerScores::Verdict PeerScores::add_key(const crypto::PublicKey& key, int points, Clock::time_point now) {
  return bump(keys_, key, points, now);
}

PeerScores::Verdict PeerScores::add_ip(const std::string& ip, int points, Clock::time_point now) {
  return bump(ips_, ip, points, now);
}

bool PeerScores::ip_banned(const std::string& ip, Clock::time_point now) const {
  auto it = ips_.find(ip);
  return it != ips_.end() && it->second.banned_until > now;
}

bool PeerScores::key_banned(const crypto::PublicKey& key, Clock::time_point now) const {
  auto it = keys_.find(key);
  return it != keys_.end() && it->second.banned_until > now;
}

int PeerScores::ip_score(const std::string& ip, Clock::time_point now) const {
  auto it = ips_.find(ip);
  return it == ips_.end() ? 0 : current(it->second, now);
}

int PeerScores::key_score(const crypto::PublicKey& key, Clock::time_point now) const {
  auto it = keys_.find(key);
  return it == keys_.end() ? 0 : current(it->second, now);
}

}  // namespace nl::node
