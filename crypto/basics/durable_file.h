// Writing files that must survive a crash: every byte written (EINTR
// retried), fsync before rename, and the directory entry synced too, so a
// crash leaves the old file or the new one, never a part of either.
#pragma once
#include <string>
#include <sys/types.h>

#include "crypto/basics/bytes.h"
#include "crypto/basics/result.h"

namespace nl::crypto {

// All of `data` to `fd`; errors name `path`.
Status write_all(int fd, ByteView data, const std::string& path);
// fsync of the directory that holds `path`, making a create or rename durable.
Status sync_parent_dir(const std::string& path);
// Replaces `path` with `data` (mode `mode`) through a temporary file in the
// same directory: write, fsync, rename, sync the directory.
Status replace_file(const std::string& path, ByteView data, mode_t mode);

}  // namespace nl::crypto
