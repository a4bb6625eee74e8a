// Starting other programs (gnuplot, the ngspice program, memcosim itself)
// without a shell: the program gets an argument vector, so no path or config
// string is ever parsed by /bin/sh, whatever characters it holds.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace memcosim {

struct ProgramOptions {
  std::filesystem::path cwd;                       // "" = this process's working folder
  std::filesystem::path stdin_file = "/dev/null";  // "" = inherit
  std::filesystem::path stdout_file;               // "" = inherit; else created/truncated
  std::filesystem::path stderr_file;               // "" = with stdout (or inherit if both are "")
  double timeout_s = 0;                            // > 0: SIGKILL (its process group) after this
};

struct ProgramResult {
  int exit_code = -1;      // exit status; -1 if it ended by a signal
  int signal = 0;          // the signal that ended it, 0 if none
  bool timed_out = false;  // killed at ProgramOptions::timeout_s
  bool ok() const { return exit_code == 0; }
};

// Runs argv[0] (looked up on PATH when it has no '/') with argv and waits
// for it. It runs in its own process group, with SIGINT/SIGTERM/SIGPIPE at
// their defaults and only stdin, stdout and stderr open. Throws Error naming
// the program when it cannot be started (missing, not executable, bad cwd).
ProgramResult run_program(const std::vector<std::string>& argv, const ProgramOptions& options = {});

}  // namespace memcosim
