// Helpers shared by the test files: test data, temporary folders, and
// running the real memcosim executable.
#pragma once

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "util/error.hpp"
#include "util/process.hpp"

namespace memcosim::test {

namespace fs = std::filesystem;

// The message of the InputError f throws ("" and a failed check if none).
template <class F>
std::string input_error_of(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  FAIL_CHECK("no InputError");
  return "";
}

// tests/data/<relative>
inline fs::path data_path(const std::string& relative) { return fs::path(MEMCOSIM_TEST_DATA_DIR) / relative; }
// The repository root (configs/, models/, netlists/).
inline fs::path source_path(const std::string& relative) { return fs::path(MEMCOSIM_SOURCE_DIR) / relative; }

inline std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  INFO("reading " << p.string());
  REQUIRE(in.good());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh folder under the system temp dir, removed at scope exit.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    path_ = fs::temp_directory_path() / ("memcosim_" + tag + "_" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs `memcosim <args>` from the repository root (args are passed to the
// shell as written) and captures its exit status, stdout and stderr.
inline CliResult run_cli(const std::string& args) {
  TempDir tmp("cli");
  const std::string cmd = "cd '" + std::string(MEMCOSIM_SOURCE_DIR) + "' && '" + std::string(MEMCOSIM_CLI) + "' " +
                          args + " > '" + (tmp / "out").string() + "' 2> '" + (tmp / "err").string() + "'";
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_text(tmp / "out");
  r.err = read_text(tmp / "err");
  return r;
}

// Runs `memcosim args...` from the repository root (or cwd) without a shell (each
// argument reaches the program exactly as given, quotes and ';' included),
// killing it after timeout_s; exit_code is 128 + signal if it was killed.
inline CliResult run_cli_argv(const std::vector<std::string>& args, double timeout_s = 120, bool* timed_out = nullptr,
                              const fs::path& cwd = MEMCOSIM_SOURCE_DIR) {
  TempDir tmp("cliv");
  std::vector<std::string> argv = {MEMCOSIM_CLI};
  argv.insert(argv.end(), args.begin(), args.end());
  ProgramOptions o;
  o.cwd = cwd;
  o.stdout_file = tmp / "out";
  o.stderr_file = tmp / "err";
  o.timeout_s = timeout_s;
  const ProgramResult p = run_program(argv, o);
  if (timed_out) *timed_out = p.timed_out;
  CliResult r;
  r.exit_code = p.signal ? 128 + p.signal : p.exit_code;
  r.out = read_text(tmp / "out");
  r.err = read_text(tmp / "err");
  return r;
}

}  // namespace memcosim::test
