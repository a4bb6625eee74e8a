// Input files: every file memcosim reads on a user's behalf is first checked
// to be a readable regular file, so that a directory, a named pipe (which
// would block the read forever), a device, an empty path or a path too long
// for the filesystem ends in a located input error instead of a hang or an
// internal error. Also: where the data shipped with memcosim (configs/,
// models/) is found.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace memcosim {

// Files larger than this are refused by read_input_file (1 GiB).
inline constexpr std::uintmax_t kMaxInputFileBytes = std::uintmax_t{1} << 30;

// Throws InputError(Diagnostic{where, key, "cannot open <what> '<path>': <reason>"})
// unless `path` is a readable regular file. `where` is the place that named
// the file (a config line) or, for a command-line argument, the file itself.
void check_input_file(const std::filesystem::path& path, const SourceLocation& where, const std::string& key,
                      std::string_view what);
// The same check with the file itself as the place.
inline void check_input_file(const std::filesystem::path& path, std::string_view what) {
  check_input_file(path, SourceLocation{path.string()}, "", what);
}

// check_input_file, then the whole file (at most max_bytes, else InputError).
std::string read_input_file(const std::filesystem::path& path, const SourceLocation& where, const std::string& key,
                            std::string_view what, std::uintmax_t max_bytes = kMaxInputFileBytes);

// Output files: every result file (summary.json, metrics.json,
// stability.json, netlists, weight files, golden files, CSV, plot scripts)
// is written through AtomicFile, so a reader sees either the previous file
// or the whole new one, never a truncated one (a study decides a job's
// outcome from its summary.json), and a full disc or a vanished folder ends
// in an Error naming the file instead of a silently short result.
//
// AtomicFile writes "<name>.tmp.<pid>" beside the target; commit() flushes,
// checks the stream and renames it over the target. Without commit() (an
// exception on the way) the destructor removes the temporary file and the
// target is untouched.
class AtomicFile {
 public:
  // Throws Error("cannot write <what> '<path>': <reason>") when the
  // temporary file cannot be created.
  AtomicFile(std::filesystem::path path, std::string_view what);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();
  std::ostream& stream() { return out_; }
  const std::filesystem::path& path() const { return path_; }
  // Flushes, checks and renames; throws Error naming the file on failure.
  void commit();

 private:
  [[noreturn]] void fail(const std::string& reason);
  std::filesystem::path path_, temp_;
  std::string what_;
  std::ofstream out_;
  bool committed_ = false;
};

// The whole of `content` as `path`, through AtomicFile.
void write_file(const std::filesystem::path& path, std::string_view content, std::string_view what);

// The folder of the data shipped with memcosim (configs/, models/,
// netlists/): the first of these that holds a models/ folder:
//  1. $MEMCOSIM_DATA_DIR, when set;
//  2. next to the shared library libmemcosim, when this code runs from it
//     (<prefix>/lib/libmemcosim.so -> <prefix>/share/memcosim);
//  3. next to the running program (<prefix>/bin/memcosim ->
//     <prefix>/share/memcosim): an installed memcosim, wherever its prefix;
//  4. the source tree this build came from: a memcosim run from its build
//     tree;
//  5. the data folder of the install prefix it was configured with.
// Empty when none does. Found relative to the program, never the working
// folder, so `cmake --install --prefix ANY` and the .deb both work.
std::filesystem::path data_dir();

// The file (the program or a shared library) the dynamic loader loaded the
// code at `address` from, as dladdr names it; empty when it cannot say.
std::filesystem::path loaded_file(const void* address);
// The same for the file that defines function `fn`.
template <class R, class... A>
std::filesystem::path file_defining(R (*fn)(A...)) {
  const void* sym = nullptr;
  static_assert(sizeof fn == sizeof sym);
  std::memcpy(&sym, &fn, sizeof sym);  // function pointer -> object pointer, as POSIX allows
  return loaded_file(sym);
}

}  // namespace memcosim
