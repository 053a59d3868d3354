// Reading a whole file we did not write (a genesis, a trusted set) with a
// size cap checked before reading, and errors that name the path.
#pragma once
#include <cstdint>
#include <string>

#include "crypto/basics/result.h"

namespace nl {

// `what` names the file in errors ("genesis file"); `limit` is the cap as
// people read it ("1 GiB").
Result<std::string> read_bounded_file(const std::string& path, uint64_t max_bytes, const std::string& what,
                                      const std::string& limit);

}  // namespace nl
