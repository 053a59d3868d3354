// Unknown subcommands and flags, named with a did-you-mean before CLI11
// parses: left to it, `numledger tx delegat` says "A subcommand is
// required" and `--too` says "--to is required".
#pragma once
#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nl::cli {

// The closest of `names` to `word` by edit distance, if close enough to be
// a slip (at most a third of the word's length, and at least 1).
std::optional<std::string> closest_name(std::string_view word, const std::vector<std::string>& names);

// The first argument that names no subcommand where one is expected, or an
// option the command does not have, as a message; nullopt when all are known.
std::optional<std::string> unknown_word(CLI::App& app, const std::vector<std::string>& args);

}  // namespace nl::cli
