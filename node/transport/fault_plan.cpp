#include "node/transport/fault_plan.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "crypto/hash.h"
#include "crypto/basics/result.h"

namespace nl::node {

namespace {

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

Result<uint64_t> whole(std::string_view s, uint64_t max, std::string_view what) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size())
    return fail(std::string(what) + " '" + std::string(s) + "' is not a whole number");
  if (v > max) return fail(std::string(what) + " " + std::string(s) + " is over " + std::to_string(max));
  return v;
}

Result<double> probability(std::string_view s) {
  // strtod, not from_chars: the latter's double support came late to some
  // standard libraries. The text is short and copied.
  const std::string text(s);
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v))
    return fail("drop '" + text + "' is not a number");
  if (v < 0 || v > 1) return fail("drop " + text + " is not between 0 and 1");
  return v;
}

// One setting onto `f`; the error names what is wrong.
Status apply(std::string_view word, LinkFaults& f) {
  for (auto [flag, field] : {std::pair{"partition", &LinkFaults::partition}, std::pair{"duplicate", &LinkFaults::duplicate},
                              std::pair{"equivocate", &LinkFaults::equivocate}})
    if (word == flag) {
      f.*field = true;
      return Status::success();
    }
  const size_t eq = word.find('=');
  const std::string_view name = word.substr(0, eq), value = eq == std::string_view::npos ? "" : word.substr(eq + 1);
  if (eq != std::string_view::npos && (name == "delay" || name == "jitter")) {
    auto ms = whole(value, kMaxDelayMs, name);
    if (!ms) return fail(ms.error());
    (name == "delay" ? f.delay_ms : f.jitter_ms) = static_cast<uint32_t>(*ms);
    return Status::success();
  }
  if (eq != std::string_view::npos && name == "drop") {
    auto p = probability(value);
    if (!p) return fail(p.error());
    f.drop = *p;
    return Status::success();
  }
  return fail("unknown setting '" + std::string(word) +
              "' (drop=P, partition, delay=MS, jitter=MS, duplicate, equivocate)");
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

bool FaultPlan::empty() const {
  if (all.any()) return false;
  for (const auto& [k, f] : peers)
    if (f.any()) return false;
  return true;
}

ParsedPlan parse_fault_plan(std::string_view text) {
  ParsedPlan out;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    const auto w = words(line);
    if (w.empty()) continue;
    auto problem = [&](std::string reason) { out.problems.push_back({line_no, std::move(reason)}); };
    if (w[0] == "seed") {
      auto s = w.size() == 2 ? whole(w[1], UINT64_MAX, "seed") : Result<uint64_t>(fail("seed takes one number"));
      if (!s) problem(s.error());
      else out.plan.seed = *s;
      continue;
    }
    if (w.size() < 2) {
      problem("'" + std::string(w[0]) + "' names no setting");
      continue;
    }
    std::optional<crypto::PublicKey> key;
    if (w[0] != "*") {
      auto h = w[0].size() == 64 ? crypto::Hash32::from_hex(w[0]) : std::nullopt;
      if (!h) {
        problem("'" + std::string(w[0]) + "' is neither * nor a node key (64 hex digits)");
        continue;
      }
      key.emplace();
      key->b = h->b;
    }
    // All of the line or none of it.
    LinkFaults f = key ? (out.plan.peers.count(*key) ? out.plan.peers[*key] : LinkFaults{}) : out.plan.all;
    Status ok;
    for (size_t i = 1; i < w.size() && ok; ++i) ok = apply(w[i], f);
    if (!ok) {
      problem(ok.error());
      continue;
    }
    (key ? out.plan.peers[*key] : out.plan.all) = f;
  }
  return out;
}

std::string describe(const LinkFaults& f) {
  std::string out;
  auto add = [&out](const std::string& s) { out += (out.empty() ? "" : " ") + s; };
  if (f.partition) add("partition");
  if (f.drop > 0) add("drop=" + number(f.drop));
  if (f.delay_ms > 0) add("delay=" + std::to_string(f.delay_ms));
  if (f.jitter_ms > 0) add("jitter=" + std::to_string(f.jitter_ms));
  if (f.duplicate) add("duplicate");
  if (f.equivocate) add("equivocate");
  return out.empty() ? "none" : out;
}

std::string describe(const FaultPlan& plan) {
  std::string out = "* " + describe(plan.all);
  for (const auto& [k, f] : plan.peers) out += "; " + k.hex().substr(0, 12) + ": " + describe(f);
  if (plan.seed) out += "; seed " + std::to_string(*plan.seed);
  return out;
}

}  // namespace nl::node
