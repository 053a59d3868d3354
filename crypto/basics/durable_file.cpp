#include "crypto/basics/durable_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace nl::crypto {

namespace {

std::string sys_error(const std::string& path, const std::string& what) {
  return path + ": " + what + ": " + std::strerror(errno);
}

}  // namespace

Status write_all(int fd, ByteView data, const std::string& path) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(sys_error(path, "write failed"));
    }
    off += static_cast<size_t>(n);
  }
  return {};
}

Status sync_parent_dir(const std::string& path) {
  const auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  if (dir.empty()) dir = "/";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return fail(sys_error(dir, "cannot open directory"));
  const int rc = ::fsync(dfd);
  if (rc != 0) {
    Status s = fail(sys_error(dir, "fsync failed"));
    ::close(dfd);
    return s;
  }
  ::close(dfd);
  return {};
}

Status replace_file(const std::string& path, ByteView data, mode_t mode) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return fail(sys_error(path, "cannot write"));
  Status st = write_all(fd, data, path);
  if (st && ::fsync(fd) != 0) st = fail(sys_error(path, "fsync failed"));
  if (::close(fd) != 0 && st) st = fail(sys_error(path, "close failed"));
  if (st && ::rename(tmp.c_str(), path.c_str()) != 0) st = fail(sys_error(path, "cannot replace"));
  if (!st) {
    ::unlink(tmp.c_str());
    return st;
  }
  return sync_parent_dir(path);
}

}  // namespace nl::crypto
