#include "util/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "util/error.hpp"

extern char** environ;

namespace memcosim {

namespace {

// posix_spawn's attributes and file actions, released on every path.
struct SpawnSetup {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

void redirect(SpawnSetup& s, const ProgramOptions& o) {
  // File actions run in order in the child: chdir first, so relative
  // redirections name files in the program's folder, as a shell would.
  if (!o.cwd.empty()) posix_spawn_file_actions_addchdir_np(&s.fa, o.cwd.c_str());
  if (!o.stdin_file.empty()) posix_spawn_file_actions_addopen(&s.fa, STDIN_FILENO, o.stdin_file.c_str(), O_RDONLY, 0);
  if (!o.stdout_file.empty())
    posix_spawn_file_actions_addopen(&s.fa, STDOUT_FILENO, o.stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!o.stderr_file.empty())
    posix_spawn_file_actions_addopen(&s.fa, STDERR_FILENO, o.stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  else if (!o.stdout_file.empty())
    posix_spawn_file_actions_adddup2(&s.fa, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addclosefrom_np(&s.fa, 3);
  sigset_t defaults, none;
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD}) sigaddset(&defaults, sig);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&s.attr, &defaults);
  posix_spawnattr_setsigmask(&s.attr, &none);
  posix_spawnattr_setpgroup(&s.attr, 0);
  posix_spawnattr_setflags(&s.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
}

}  // namespace

ProgramResult run_program(const std::vector<std::string>& argv, const ProgramOptions& options) {
  if (argv.empty() || argv[0].empty()) throw Error("run_program: no program given");
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  SpawnSetup s;
  redirect(s, options);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, argv[0].c_str(), &s.fa, &s.attr, args.data(), environ);
  if (rc != 0)
    throw Error("cannot start " + argv[0] + (options.cwd.empty() ? "" : " in " + options.cwd.string()) + ": " +
                std::strerror(rc));

  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                                           options.timeout_s > 0 ? options.timeout_s : 0));
  ProgramResult r;
  int status = 0;
  for (;;) {
    const pid_t w = ::waitpid(pid, &status, options.timeout_s > 0 ? WNOHANG : 0);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) throw Error("waiting for " + argv[0] + ": " + std::strerror(errno));
    if (options.timeout_s > 0 && w == 0) {
      if (Clock::now() >= deadline) {
        ::kill(-pid, SIGKILL);
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        r.timed_out = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

}  // namespace memcosim
