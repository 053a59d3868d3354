// Pieces every numledger command shares: how a command is dispatched, how
// argument values are checked, time and ASN text, and whole-file IO.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "ledger/account.h"
#include "ledger/time_text.h"
#include "crypto/basics/bytes.h"
#include "crypto/basics/result.h"

namespace nl::cli {

// The command chosen on the command line. A subcommand's callback only
// records it; main runs it once parsing has succeeded, so a parse error
// never leaves a half-done command behind.
using Action = std::function<int()>;
struct Dispatch {
  Action action;
};

// A group of commands (`numledger key ...`): one of them must be named.
inline CLI::App& add_group(CLI::App& app, const std::string& name, const std::string& what) {
  CLI::App* group = app.add_subcommand(name, what);
  group->require_subcommand(1);
  return *group;
}

// A command whose options fill an Opts shared with its action, run(opts),
// which `d` takes once the command is chosen.
template <class Opts, class Run>
std::pair<CLI::App*, std::shared_ptr<Opts>> add_command(CLI::App& parent, const std::string& name,
                                                        const std::string& what, Dispatch& d, Run run) {
  auto opts = std::make_shared<Opts>();
  CLI::App* cmd = parent.add_subcommand(name, what);
  cmd->callback([opts, run, &d] { d.action = [opts, run] { return run(*opts); }; });
  return {cmd, opts};
}

// Prints "numledger: <reason>" on stderr and returns `code`.
int report(int code, const std::string& reason);

// Argument-value checks; CLI11 turns a failure into a usage error (exit 2)
// that names the argument.
CLI::Validator resource_value();  // 10.0.0.0/8, AS64496, ranges
// A RESOURCE argument's help: the forms Resource::parse accepts.
inline constexpr const char* kResourceHelp =
    "a prefix (10.0.0.0/8, 2001:db8::/32), a range A-B (10.0.0.0-10.0.0.255), ASn or ASn-ASm";
CLI::Validator account_value();   // nl... account id with checksum, or a key file naming it
// An account's text (nl...), or a key file whose public key names the
// account: wherever an account is asked for, the holder's key file works.
Result<ledger::AccountId> account_or_key_file(const std::string& text);
CLI::Validator time_value();      // RFC 3339 or unix seconds
CLI::Validator asn_value();       // AS64496 or 64496

// RFC 3339 (2027-01-01T00:00:00Z, offsets and fractions allowed), a plain
// date (midnight UTC) or unix seconds.
Result<uint64_t> parse_time(std::string_view text);
Result<uint32_t> parse_asn(std::string_view text);
using ledger::rfc3339;  // ledger/time_text.h
uint64_t unix_now();

// Reads a whole regular file of at most `max_bytes`; errors name the file.
Result<Bytes> read_file(const std::string& path, size_t max_bytes);
// Replaces `path` atomically (temporary file in the same directory, then rename).
Status write_file(const std::string& path, std::string_view data);
bool path_exists(const std::string& path);

// --node URL, falling back to NUMLEDGER_NODE.
CLI::Option* add_node_option(CLI::App* cmd, std::string& node);

}  // namespace nl::cli
