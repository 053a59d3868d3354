// The numledger binary run as a real process in a scratch directory, for
// the CLI tests, and what they read back.
#pragma once
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "ledger/transaction.h"
#include "process.h"

namespace nl::test {

struct Run {
  int code = -1;
  std::string out, err;
};


inline void spit(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

// A scratch directory, and the binary run inside it with a clean
// environment: no node, no passphrase unless given, and no controlling
// terminal (setsid), so nothing can ever wait on a prompt.
struct Cli {
  std::string dir;
  Cli() {
    crypto::init();
    std::string tmpl = (std::filesystem::temp_directory_path() / "nl-cli-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
  }
  ~Cli() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string path(const std::string& name) const { return dir + "/" + name; }

  Run run(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) const {
    const std::string out_path = path(".stdout"), err_path = path(".stderr");
    // Everything the child needs is built before fork: the parent may have threads.
    std::vector<std::string> all{NL_BIN_DIR "/numledger"};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> vars;
    for (char** e = environ; *e; ++e) {
      std::string v = *e;
      if (v.rfind("NUMLEDGER_", 0) != 0) vars.push_back(v);
    }
    for (const auto& [k, v] : env) vars.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& v : vars) envp.push_back(v.data());
    envp.push_back(nullptr);

    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::setsid();
      int in = ::open("/dev/null", O_RDONLY);
      int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (in < 0 || out < 0 || err < 0 || ::chdir(dir.c_str()) != 0) ::_exit(127);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(err, 2);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    Run r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(out_path);
    r.err = slurp(err_path);
    return r;
  }

  // A new unencrypted key; returns its account id.
  std::string new_key(const std::string& name) const {
    auto r = run({"key", "new", "--out", path(name), "--no-passphrase"});
    REQUIRE_MESSAGE(r.code == 0, r.err);
    return r.out.substr(0, r.out.find('\n'));
  }
};

inline ledger::Transaction read_tx(const std::string& path) {
  nlohmann::json doc = nlohmann::json::parse(slurp(path));
  REQUIRE(doc["type"] == "numledger-tx");
  auto bytes = from_hex(doc["tx"].get<std::string>());
  REQUIRE(bytes);
  auto tx = ledger::Transaction::decode(*bytes);
  REQUIRE_MESSAGE(tx.ok(), (tx.ok() ? "" : tx.error()));
  CHECK(doc["id"] == tx->id().hex());
  return *tx;
}

inline bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

}  // namespace nl::test
