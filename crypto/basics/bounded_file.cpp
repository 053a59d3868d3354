#include "crypto/basics/bounded_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace nl {

Result<std::string> read_bounded_file(const std::string& path, uint64_t max_bytes, const std::string& what,
                                      const std::string& limit) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return fail(path + ": not a regular file");
  if (std::filesystem::file_size(path, ec) > max_bytes || ec)
    return fail(path + ": " + what + " is larger than " + limit + " or unreadable");
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(path + ": cannot open " + what);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace nl
