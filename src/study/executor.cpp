#include "study/executor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <ostream>
#include <sstream>

#include "config/config.hpp"
#include "flow/common.hpp"
#include "flow/task.hpp"
#include "spice/worker_pool.hpp"
#include "study/study.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/numbers.hpp"

extern char** environ;

namespace memcosim::study {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The last `bytes` of a file, from a line start.
std::string tail_of(const fs::path& p, std::size_t bytes) {
  std::string text = read_text(p);
  if (text.size() <= bytes) return text;
  text.erase(0, text.size() - bytes);
  if (const auto nl = text.find('\n'); nl != std::string::npos) text.erase(0, nl + 1);
  return "...\n" + text;
}

// The last n non-empty lines, joined by " | ".
std::string last_lines(const std::string& text, std::size_t n) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.find_first_not_of(" \t\r") != std::string::npos) lines.push_back(line);
  std::string out;
  for (std::size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i)
    out += (out.empty() ? "" : " | ") + lines[i];
  return out;
}

double cpu_seconds(const rusage& ru) {
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec); };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

// Test hook, not a user feature: MEMCOSIM_TEST_JOB_FAULTS="2:segfault,5:hang"
// makes the process of study job 2 crash with SIGSEGV and that of job 5 hang,
// to prove a study records them as failed and finishes every other job.
void stage_test_fault(long index, std::ostream& log) {
  const char* env = std::getenv("MEMCOSIM_TEST_JOB_FAULTS");
  if (!env) return;
  std::stringstream ss(env);
  for (std::string item; std::getline(ss, item, ',');) {
    const auto colon = item.find(':');
    if (colon == std::string::npos || std::atol(item.substr(0, colon).c_str()) != index) continue;
    const std::string kind = item.substr(colon + 1);
    log << "MEMCOSIM_TEST_JOB_FAULTS: staging '" << kind << "' in job " << index << "\n" << std::flush;
    if (kind == "segfault") {
      ::signal(SIGSEGV, SIG_DFL);
      ::raise(SIGSEGV);
    } else if (kind == "hang") {
      for (;;) ::pause();
    } else if (kind == "exit") {
      std::exit(1);
    }
  }
}

}  // namespace

fs::path job_json_path(const fs::path& dir) { return dir / "job.json"; }
fs::path job_log_path(const fs::path& dir) { return dir / "job.log"; }

LocalExecutor::LocalExecutor(unsigned slots, fs::path executable, std::string worker)
    : slots_(std::max(1u, slots)), executable_(std::move(executable)), worker_(std::move(worker)) {}

LocalExecutor::~LocalExecutor() { kill_all(); }

std::string LocalExecutor::start(const JobTicket& ticket) {
  std::error_code ec;
  fs::remove_all(ticket.dir, ec);  // what an interrupted attempt left
  fs::create_directories(ticket.dir, ec);
  if (ec) throw Error("cannot create job folder " + ticket.dir.string() + ": " + ec.message());
  nlohmann::json j = ticket.to_json();
  j["parent_pid"] = static_cast<long>(::getpid());
  write_file(job_json_path(ticket.dir), j.dump(2) + "\n", "job ticket");
  const std::string log = job_log_path(ticket.dir).string();
  const std::string exe = executable_.string();
  const std::string json_path = job_json_path(ticket.dir).string();
  std::vector<char*> argv = {const_cast<char*>(exe.c_str()), const_cast<char*>("study-job"),
                             const_cast<char*>(json_path.c_str()), nullptr};

  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
  // Only stdin, stdout and stderr: not the database, the lock or MPI's sockets.
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  sigset_t defaults, none;
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD}) sigaddset(&defaults, sig);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setpgroup(&attr, 0);  // its own process group
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, exe.c_str(), &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0)
    throw Error("cannot start " + exe + " for study job " + std::to_string(ticket.index) + ": " + std::strerror(rc));

  Running r;
  r.ticket = ticket;
  r.pid = pid;
  r.worker = worker_ + " pid " + std::to_string(pid);
  r.started_at = utc_now();
  r.start = Clock::now();
  r.deadline = r.start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(ticket.timeout));
  running_.push_back(std::move(r));
  return running_.back().worker;
}

JobOutcome LocalExecutor::reap(Running& r, bool timed_out) {
  // The leader is dead or a zombie, so its group id cannot be reused yet:
  // end whatever of the group is left (its ngspice workers), then reap it.
  ::kill(-r.pid, SIGKILL);
  int status = 0;
  rusage ru{};
  while (::wait4(r.pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  JobOutcome o;
  o.index = r.ticket.index;
  o.config_hash = r.ticket.config_hash;
  o.worker = r.worker;
  o.started_at = r.started_at;
  o.finished_at = utc_now();
  o.wall_seconds = std::chrono::duration<double>(Clock::now() - r.start).count();
  o.cpu_seconds = cpu_seconds(ru);
  o.output_dir = r.ticket.dir.string();
  o.log_file = job_log_path(r.ticket.dir).string();
  const std::string tail = tail_of(o.log_file, 4000);
  o.status = "failed";
  if (timed_out) {
    o.message = "timeout: no result after " + short_number(r.ticket.timeout) + " s; killed";
  } else if (WIFSIGNALED(status)) {
    o.message = "crashed: " + spice::signal_description(WTERMSIG(status));
  } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    o.message = (WEXITSTATUS(status) == 2 ? "input error: " : "exit " + std::to_string(WEXITSTATUS(status)) + ": ") +
                last_lines(tail, WEXITSTATUS(status) == 2 ? 2 : 1);
  } else {
    const fs::path summary = r.ticket.dir / "summary.json";
    try {
      const nlohmann::json s = nlohmann::json::parse(read_text(summary));
      o.metrics = flatten(s);
      const long failed = s.at("trajectories").at("failed").get<long>();
      const long requested = s.at("trajectories").at("requested").get<long>();
      if (failed == 0) {
        o.status = "ok";
      } else {
        o.status = "partial";
        o.message = std::to_string(failed) + " of " + std::to_string(requested) + " trajectories failed";
        if (const auto& f = s.value("failures", nlohmann::json::array()); !f.empty())
          o.message += " (first: trajectory " + std::to_string(f[0].value("index", -1L)) + " " +
                       f[0].value("status", std::string()) + ")";
      }
    } catch (const std::exception& e) {
      o.message = "exited normally but " + summary.string() + " is missing or unreadable: " + e.what();
    }
  }
  if (o.status == "failed") o.log_tail = tail;
  return o;
}

std::vector<JobOutcome> LocalExecutor::poll() {
  std::vector<JobOutcome> out;
  const auto now = Clock::now();
  for (std::size_t i = 0; i < running_.size();) {
    Running& r = running_[i];
    siginfo_t info{};
    const int rc = ::waitid(P_PID, static_cast<id_t>(r.pid), &info, WEXITED | WNOHANG | WNOWAIT);
    const bool ended = rc == 0 && info.si_pid == r.pid;
    if (!ended && rc < 0 && errno != EINTR)
      throw Error("waiting for study job " + std::to_string(r.ticket.index) + ": " + std::strerror(errno));
    if (ended || now >= r.deadline) {
      out.push_back(reap(r, !ended));
      running_.erase(running_.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
  return out;
}

std::vector<JobTicket> LocalExecutor::kill_all() {
  std::vector<JobTicket> killed;
  for (auto& r : running_) {
    ::kill(-r.pid, SIGKILL);
    int status = 0;
    while (::waitpid(r.pid, &status, 0) < 0 && errno == EINTR) {
    }
    killed.push_back(r.ticket);
  }
  running_.clear();
  return killed;
}

int run_job_process(const fs::path& job_json, std::ostream& log) {
  // Die with the process that started this one; if it is already gone,
  // nobody waits for the result.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_text(job_json));
  } catch (const nlohmann::json::exception& e) {
    throw Error("cannot read job file " + job_json.string() + ": " + e.what());
  }
  if (::getppid() != static_cast<pid_t>(j.value("parent_pid", 0L))) {
    log << "memcosim study-job: the sweep that started this job is gone; not running it\n";
    return 3;
  }
  const JobTicket t = JobTicket::from_json(j);
  log << "memcosim study-job: job " << t.index << " (" << t.label << "), config hash " << t.config_hash << "\n"
      << "  the same run by hand: memcosim run " << t.config;
  for (const auto& o : t.overrides) log << " --set '" << o << "'";
  log << " -o " << t.dir.string() << "\n" << std::flush;
  stage_test_fault(t.index, log);

  std::vector<std::string> overrides = t.overrides;
  overrides.insert(overrides.end(), t.exec_overrides.begin(), t.exec_overrides.end());
  const config::Config cfg = config::load_config(t.config, overrides);
  if (const std::string h = config_hash(cfg); h != t.config_hash)
    throw Error("job " + std::to_string(t.index) + ": its config now hashes to " + h + ", not " + t.config_hash +
                " as when the study was checked (the base config or weight file changed during the sweep)");
  const auto task = flow::load_task(cfg, log);
  flow::RunOptions ro;
  ro.out_dir = t.dir;
  task->run(cfg, ro, log);
  return 0;
}

}  // namespace memcosim::study
