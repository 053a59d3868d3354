// Unknown subcommands and flags are named, with a did-you-mean, before any
// "required" complaint; --version on both binaries.
#include <doctest/doctest.h>

#include "support/process.h"

using namespace nl::test;

namespace {

const std::string kCli = NL_BIN_DIR "/numledger";
const std::string kDaemon = NL_BIN_DIR "/numledgerd";

RunResult cli(std::vector<std::string> args) {
  args.insert(args.begin(), kCli);
  return run(args);
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("cli: an unknown command or flag is named with the closest known one, exit 2") {
  auto r = cli({"tx", "delegat"});
  CHECK(r.code == 2);
  CHECK_MESSAGE(has(r.err, "unknown command 'delegat' for 'numledger tx'; did you mean 'delegate'?"), r.err);
  r = cli({"querry", "10.0.0.0/8"});
  CHECK(r.code == 2);
  CHECK_MESSAGE(has(r.err, "unknown command 'querry' for 'numledger'; did you mean 'query'?"), r.err);
  // `query` takes a resource too: a slip of its commands is still named.
  r = cli({"query", "acount", "nlx"});
  CHECK(r.code == 2);
  CHECK_MESSAGE(has(r.err, "unknown command 'acount' for 'numledger query'; did you mean 'account'?"), r.err);
  r = cli({"frobnicate"});
  CHECK(r.code == 2);
  CHECK_MESSAGE(has(r.err, "unknown command 'frobnicate' for 'numledger' (see numledger --help)"), r.err);

  r = cli({"tx", "delegate", "10.1.0.0/16", "--too", "nlx", "--key", "k.key", "--out", "o.tx"});
  CHECK(r.code == 2);
  CHECK_MESSAGE(has(r.err, "unknown option '--too' for 'numledger tx delegate'; did you mean '--to'?"), r.err);
  CHECK_FALSE(has(r.err, "is required"));
  r = cli({"key", "new", "-o", "k.key"});
  CHECK(r.code == 2);
  CHECK_MESSAGE(has(r.err, "unknown option '-o' for 'numledger key new'; did you mean '--out'?"), r.err);
  r = cli({"query", "account", "--nde=http://127.0.0.1:1", "nlx"});
  CHECK(r.code == 2);
  CHECK_MESSAGE(has(r.err, "did you mean '--node'?"), r.err);

  // Values are not words: an option's value that looks like a command or a
  // flag's text passes to the command, which judges it.
  r = cli({"tx", "delegate", "10.1.0.0/16", "--to", "query", "--key", "missing.key", "--out", "o.tx"});
  CHECK_FALSE(has(r.err, "unknown"));
  r = cli({"key", "show", "--help"});
  CHECK(r.code == 0);
}

TEST_CASE("cli: --version on numledger and numledgerd") {
  auto r = cli({"--version"});
  CHECK(r.code == 0);
  CHECK_MESSAGE(has(r.out, "numledger 0."), r.out);
  auto d = run({kDaemon, "--version"});
  CHECK(d.code == 0);
  CHECK_MESSAGE(has(d.out, "numledgerd 0."), d.out);
}
