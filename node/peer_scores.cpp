#include "node/peer_scores.h"

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

PeerScores::Verdict PeerScores::add(const std::string& ip, const std::optional<crypto::PublicKey>& key, int points,
                                    Clock::time_point now) {
  auto bump = [&](Entry& e) {
    e.points = current(e, now) + std::max(0, points);
    e.updated = now;
    return e.points >= ban_score_;
  };
  if (ips_.find(ip) == ips_.end()) prune(ips_, now);
  bool ban = bump(ips_[ip]);
  if (key) {
    if (keys_.find(*key) == keys_.end()) prune(keys_, now);
    ban = bump(keys_[*key]) || ban;
  }
  if (!ban) return {};
  const auto until = now + ban_time_;
  auto mark = [&](Entry& e) {
    e.points = 0;
    e.updated = now;
    e.banned_until = std::max(e.banned_until, until);
  };
  mark(ips_[ip]);
  if (key) mark(keys_[*key]);
  return Verdict{true, until};
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
