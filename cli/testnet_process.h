// The numledgerd processes of a testnet: started detached from the shell
// that ran `numledger testnet start`, found again through their pid files
// by later commands (status, stop), which cannot wait for them.
#pragma once
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "crypto/basics/result.h"

namespace nl::cli::testnet {

// The numledgerd to run: `flag` if given, else $NUMLEDGERD, else the one
// next to this numledger executable. Errors name where it looked.
Result<std::string> find_numledgerd(const std::string& flag);

// The pid a pid file names, or nullopt when the file is missing or does
// not hold a pid.
std::optional<pid_t> read_pid_file(const std::string& path);
Status write_pid_file(const std::string& path, pid_t pid);

// True while `pid` runs (is not a zombie) with `config_path` among its
// arguments, so a recycled pid is not taken for the node.
bool node_process_alive(pid_t pid, const std::string& config_path);

// True while `pid` exists and is not a zombie, whatever it runs.
bool process_running(pid_t pid);

// Starts `argv` (argv[0] an absolute path) in a new session with stdin
// from /dev/null and stdout and stderr appended to `log_path`. The child is
// ours until this process exits; child_exit() reports on it meanwhile.
// With `netns_fd` (an open network namespace) it runs in that namespace.
Result<pid_t> spawn_detached(const std::vector<std::string>& argv, const std::string& log_path, int netns_fd = -1);

// If our child `pid` has exited: how ("exited with code 1", "killed by
// signal 9"); nullopt while it runs.
std::optional<std::string> child_exit(pid_t pid);

// The last `lines` lines of a text file (at most 8 KiB of it), for errors.
std::string tail_of(const std::string& path, size_t lines);

}  // namespace nl::cli::testnet
