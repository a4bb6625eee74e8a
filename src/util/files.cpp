#include "util/files.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace memcosim {

namespace {

std::string why_not_readable(const std::filesystem::path& path) {
  if (path.empty()) return "empty path";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENAMETOOLONG) return "path too long for the filesystem";
    if (err == ENOENT) return "no such file";
    if (err == ENOTDIR) return "a folder on the path is not a folder";
    return std::strerror(err);
  }
  if (S_ISDIR(st.st_mode)) return "is a directory, not a file";
  if (S_ISFIFO(st.st_mode)) return "is a named pipe, not a regular file";
  if (S_ISSOCK(st.st_mode)) return "is a socket, not a regular file";
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) return "is a device, not a regular file";
  if (!S_ISREG(st.st_mode)) return "is not a regular file";
  if (::access(path.c_str(), R_OK) != 0) return std::string("not readable: ") + std::strerror(errno);
  return {};
}

}  // namespace

void check_input_file(const std::filesystem::path& path, const SourceLocation& where, const std::string& key,
                      std::string_view what) {
  if (const std::string why = why_not_readable(path); !why.empty())
    throw InputError(Diagnostic{where, key, "cannot open " + std::string(what) + " '" + path.string() + "': " + why});
}

std::string read_input_file(const std::filesystem::path& path, const SourceLocation& where, const std::string& key,
                            std::string_view what, std::uintmax_t max_bytes) {
  check_input_file(path, where, key, what);
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > max_bytes)
    throw InputError(Diagnostic{where, key,
                                std::string(what) + " '" + path.string() + "' is " + std::to_string(size) +
                                    " bytes, more than the " + std::to_string(max_bytes) + " bytes accepted"});
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  if (!in && !in.eof())
    throw InputError(Diagnostic{where, key, "error while reading " + std::string(what) + " '" + path.string() + "'"});
  return s.str();
}

}  // namespace memcosim
