// For readers that take a path (RIR statistics, IANA CSVs, key files, the
// WAL file): the input is written to one file per process, in /dev/shm when
// there is one, so no disk is touched per run.
#pragma once
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "crypto/basics/bytes.h"

namespace nl::fuzz {

inline std::string temp_dir() {
  std::error_code ec;
  const char* base = std::filesystem::is_directory("/dev/shm", ec) ? "/dev/shm" : "/tmp";
  return std::string(base) + "/nl-fuzz-" + std::to_string(::getpid());
}

// Writes `data` to a fresh file named `name` in the process's directory and
// returns its path. The directory is removed at exit.
inline std::string write_temp_file(ByteView data, const std::string& name = "input") {
  static const std::string dir = [] {
    std::string d = temp_dir();
    std::filesystem::create_directories(d);
    static struct Cleanup {
      std::string d;
      ~Cleanup() {
        std::error_code ec;
        std::filesystem::remove_all(d, ec);
      }
    } cleanup{d};
    return d;
  }();
  const std::string path = dir + "/" + name;
  std::remove(path.c_str());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  return path;
}

}  // namespace nl::fuzz
