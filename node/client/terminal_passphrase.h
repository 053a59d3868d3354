// Passphrases typed by a person: read from /dev/tty with echo off, so a
// key can be unlocked by a program whose stdin and stdout are pipes.
#pragma once
#include <optional>
#include <string>

#include "crypto/basics/result.h"
#include "crypto/key_file.h"

namespace nl::node {

// One line from the terminal `fd` after writing `prompt`, with echo off;
// nullopt when `fd` is not a terminal.
std::optional<std::string> read_hidden_line(int fd, const std::string& prompt);

// "Passphrase for PATH: " on /dev/tty; an error naming NUMLEDGER_PASSPHRASE
// when there is no terminal.
Result<std::string> prompt_passphrase(const std::string& path);

// crypto::load_key_file that asks on the terminal when it must.
Result<crypto::SecretKey> load_key_file_asking(const std::string& path);

}  // namespace nl::node
