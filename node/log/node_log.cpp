#include "node/log/node_log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

namespace nl::node::logging {

namespace {

constexpr std::array<std::string_view, 6> kLevelNames = {"trace", "debug", "info", "warn", "error", "off"};

std::atomic<bool> json_format{false};

spdlog::logger& logger() {
  // stderr, unbuffered per line; the text pattern carries the UTC time and level.
  static std::shared_ptr<spdlog::logger> l = [] {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto lg = std::make_shared<spdlog::logger>("numledgerd", sink);
    lg->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l numledgerd: %v", spdlog::pattern_time_type::utc);
    lg->set_level(spdlog::level::info);
    lg->flush_on(spdlog::level::trace);
    return lg;
  }();
  return *l;
}

spdlog::level::level_enum to_spdlog(Level l) {
  switch (l) {
    case Level::trace: return spdlog::level::trace;
    case Level::debug: return spdlog::level::debug;
    case Level::info: return spdlog::level::info;
    case Level::warn: return spdlog::level::warn;
    case Level::error: return spdlog::level::err;
    case Level::off: break;
  }
  return spdlog::level::off;
}

}  // namespace

Status configure(std::string_view level, std::string_view format) {
  size_t i = 0;
  while (i < kLevelNames.size() && kLevelNames[i] != level) ++i;
  if (i == kLevelNames.size())
    return fail("--log-level '" + std::string(level) + "' is not one of trace, debug, info, warn, error, off");
  if (format != "text" && format != "json")
    return fail("--log-format '" + std::string(format) + "' is not one of text, json");
  json_format = format == "json";
  logger().set_level(to_spdlog(static_cast<Level>(i)));
  // JSON lines carry their own time and level.
  if (json_format) logger().set_pattern("%v");
  else logger().set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l numledgerd: %v", spdlog::pattern_time_type::utc);
  return {};
}

bool enabled(Level level) { return logger().should_log(to_spdlog(level)); }

void write(Level level, std::string_view message, const Fields& f) {
  if (!enabled(level)) return;
  if (json_format) {
    using Clock = std::chrono::system_clock;
    const auto now = Clock::now();
    const std::time_t t = Clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char stamp[40];
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    nlohmann::ordered_json j;
    j["time"] = stamp;
    j["level"] = kLevelNames[static_cast<size_t>(level)];
    j["msg"] = message;
    if (f.height) j["height"] = *f.height;
    if (!f.peer.empty()) j["peer"] = f.peer;
    if (!f.tx.empty()) j["tx"] = f.tx;
    // Invalid UTF-8 from a peer's text is replaced, never thrown.
    logger().log(to_spdlog(level), "{}", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  std::string line(message);
  if (f.height) line += " height=" + std::to_string(*f.height);
  if (!f.peer.empty()) line += " peer=" + f.peer;
  if (!f.tx.empty()) line += " tx=" + f.tx;
  logger().log(to_spdlog(level), "{}", line);
}

}  // namespace nl::node::logging
