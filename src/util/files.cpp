#include "util/files.hpp"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

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

// Set by CMakeLists.txt (relative paths between the configured install
// folders, and two absolute folders of this build).
#ifndef MEMCOSIM_DATA_FROM_BINDIR
#define MEMCOSIM_DATA_FROM_BINDIR "../share/memcosim"
#endif
#ifndef MEMCOSIM_DATA_FROM_LIBDIR
#define MEMCOSIM_DATA_FROM_LIBDIR "../share/memcosim"
#endif

bool has_models(const std::filesystem::path& dir) {
  std::error_code ec;
  return !dir.empty() && std::filesystem::is_directory(dir / "models", ec);
}

std::filesystem::path normal(const std::filesystem::path& p) {
  std::error_code ec;
  const auto c = std::filesystem::weakly_canonical(p, ec);
  return ec ? p.lexically_normal() : c;
}

// The file this code was loaded from: libmemcosim.so when it runs from the
// shared library; "" when it is part of the program itself.
std::filesystem::path this_shared_object() {
  std::filesystem::path p = file_defining(&has_models);
  if (!p.is_absolute()) return {};
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec && std::filesystem::equivalent(p, exe, ec)) return {};
  return p;
}

}  // namespace

AtomicFile::AtomicFile(std::filesystem::path path, std::string_view what) : path_(std::move(path)), what_(what) {
  temp_ = path_;
  temp_ += ".tmp." + std::to_string(::getpid());
  out_.open(temp_, std::ios::binary | std::ios::trunc);
  if (!out_) fail(std::strerror(errno));
}

AtomicFile::~AtomicFile() {
  if (committed_) return;
  out_.close();
  std::error_code ec;
  std::filesystem::remove(temp_, ec);
}

void AtomicFile::fail(const std::string& reason) {
  out_.close();
  std::error_code ec;
  std::filesystem::remove(temp_, ec);
  committed_ = true;  // nothing left for the destructor
  throw Error("cannot write " + what_ + " '" + path_.string() + "': " + reason);
}

void AtomicFile::commit() {
  if (committed_) throw std::logic_error("AtomicFile::commit: called twice for " + path_.string());
  out_.flush();
  if (!out_) fail("write error (disc full?)");
  out_.close();
  if (!out_) fail("error while closing the file");
  std::error_code ec;
  std::filesystem::rename(temp_, path_, ec);
  if (ec) fail(ec.message());
  committed_ = true;
}

void write_file(const std::filesystem::path& path, std::string_view content, std::string_view what) {
  AtomicFile f(path, what);
  f.stream().write(content.data(), static_cast<std::streamsize>(content.size()));
  f.commit();
}

std::filesystem::path loaded_file(const void* address) {
  Dl_info dl{};
  if (dladdr(address, &dl) == 0 || dl.dli_fname == nullptr) return {};
  return dl.dli_fname;
}

std::filesystem::path data_dir() {
  std::vector<std::filesystem::path> candidates;
  if (const char* env = std::getenv("MEMCOSIM_DATA_DIR"); env != nullptr && *env != '\0') candidates.emplace_back(env);
  if (const auto so = this_shared_object(); !so.empty())
    candidates.push_back(so.parent_path() / MEMCOSIM_DATA_FROM_LIBDIR);
  std::error_code ec;
  if (const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec); !ec)
    candidates.push_back(exe.parent_path() / MEMCOSIM_DATA_FROM_BINDIR);
#ifdef MEMCOSIM_SOURCE_DIR
  candidates.emplace_back(MEMCOSIM_SOURCE_DIR);
#endif
#ifdef MEMCOSIM_INSTALL_DATA_DIR
  candidates.emplace_back(MEMCOSIM_INSTALL_DATA_DIR);
#endif
  for (const auto& c : candidates)
    if (has_models(c)) return normal(c);
  return {};
}

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
