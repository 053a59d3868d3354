#include "node/client/terminal_passphrase.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

namespace nl::node {

namespace {

struct TtyLine {
  std::string text;
  bool got_eol = false;
};

std::optional<TtyLine> read_hidden(int fd, const std::string& prompt) {
  termios old{};
  if (::tcgetattr(fd, &old) != 0) return std::nullopt;
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;
  (void)::write(fd, prompt.data(), prompt.size());
  ::tcsetattr(fd, TCSAFLUSH, &quiet);
  TtyLine line;
  char c;
  for (;;) {
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (c == '\n' || c == '\r') {
      line.got_eol = true;
      break;
    }
    line.text.push_back(c);
  }
  ::tcsetattr(fd, TCSAFLUSH, &old);
  return line;
}

}  // namespace

std::optional<std::string> read_hidden_line(int fd, const std::string& prompt) {
  auto line = read_hidden(fd, prompt);
  if (!line) return std::nullopt;
  return std::move(line->text);
}

Result<std::string> prompt_passphrase(const std::string& path) {
  const std::string no_tty =
      path + ": key file is encrypted and there is no terminal to ask for the passphrase; set NUMLEDGER_PASSPHRASE";
  int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return fail(no_tty);
  auto line = read_hidden(fd, "Passphrase for " + path + ": ");
  ::close(fd);
  if (!line) return fail(no_tty);
  if (!line->got_eol && line->text.empty()) return fail(path + ": no passphrase entered");
  return std::move(line->text);
}

Result<crypto::SecretKey> load_key_file_asking(const std::string& path) {
  return crypto::load_key_file(path, std::nullopt, prompt_passphrase);
}

}  // namespace nl::node
