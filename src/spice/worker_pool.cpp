#include "spice/worker_pool.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "spice/protocol.hpp"
#include "spice/text.hpp"
#include "util/numbers.hpp"

namespace memcosim::spice {

namespace {

using Clock = std::chrono::steady_clock;

// Parent-side socket ends of every live worker of every pool in this
// process. A new child closes them all: otherwise it would keep other
// workers' sockets open and those workers would never see end-of-stream.
std::mutex g_fd_mutex;
std::set<int> g_parent_fds;

void register_fd(int fd) {
  std::lock_guard<std::mutex> lock(g_fd_mutex);
  g_parent_fds.insert(fd);
}

void close_registered_fd(int fd) {
  {
    std::lock_guard<std::mutex> lock(g_fd_mutex);
    g_parent_fds.erase(fd);
  }
  ::close(fd);
}

int thread_count() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("Threads:", 0) == 0) return std::atoi(line.c_str() + 8);
  return -1;
}

}  // namespace

std::string signal_description(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  const char* text = strsignal(sig);
  std::string s = "signal " + std::to_string(sig);
  if (abbrev) s += std::string(" (SIG") + abbrev + (text ? std::string(": ") + text : "") + ")";
  return s;
}

namespace {

Clock::duration to_duration(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(std::clamp(seconds, 0.0, 1e7)));
}

// ---------------------------------------------------------------------------
// The child.

// How a worker ends on its own. 1 is left to exit() calls inside ngspice
// (the simulated one, TestFault::exit, uses it too).
constexpr int kExitNormally = 0;             // parent closed the socket or said shutdown
constexpr int kExitNoSimulator = 2;          // could not start ngspice (told in hello)
constexpr int kExitAfterControlledExit = 3;  // after sending the result
constexpr int kExitInternalError = 4;        // protocol or other error in the worker loop

[[noreturn]] void stage_fault(NgspiceSession& session, const Job& job) {
  try {
    session.load(job.netlist);  // so that the log shows how far it got
  } catch (const SimulationError&) {
  }
  switch (job.test_fault) {
    case TestFault::segfault:
      ::signal(SIGSEGV, SIG_DFL);
      ::raise(SIGSEGV);
      break;
    case TestFault::abort:
      std::abort();
    case TestFault::hang:
      for (;;) ::pause();
    case TestFault::exit:
      std::exit(1);  // as ngspice would
    case TestFault::none:
      break;
  }
  ::_exit(kExitInternalError);
}

[[noreturn]] void worker_main(int fd, pid_t parent, const PoolOptions& options) {
  try {
    // Die with the parent, and leave Ctrl-C to it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(kExitNormally);
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGPIPE, SIG_IGN);
    // A crash must kill the worker plainly so that the parent can report the
    // signal; handlers inherited from the parent (a test framework's, say)
    // would run the parent's code in the child.
    for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGTERM, SIGQUIT})
      ::signal(sig, SIG_DFL);
    if (const int null = ::open("/dev/null", O_RDONLY); null >= 0) {
      ::dup2(null, STDIN_FILENO);
      ::close(null);
    }

    std::mutex send_mutex;
    std::uint64_t streaming_job = 0;  // log lines are streamed while a job runs
    bool streaming = false;
    SessionOptions session_options = options.session;
    session_options.on_output = [&](const OutputLine& line) {
      std::lock_guard<std::mutex> lock(send_mutex);
      if (!streaming) return;
      try {
        wire::write_frame(fd, wire::MessageType::log, wire::encode(wire::LogLine{streaming_job, line}));
      } catch (const wire::ProtocolError&) {
        // The parent is gone or the socket is broken; the job's result
        // write will fail too and end this process.
      }
    };

    std::unique_ptr<NgspiceSession> session;
    wire::Hello hello;
    hello.pid = static_cast<int>(::getpid());
    try {
      session = std::make_unique<NgspiceSession>(session_options);
      hello.ok = true;
      hello.info = session->info();
    } catch (const std::exception& e) {
      hello.error = e.what();
    }
    wire::write_frame(fd, wire::MessageType::hello, wire::encode(hello));
    if (!hello.ok) ::_exit(kExitNoSimulator);

    wire::Frame frame;
    for (;;) {
      if (!wire::read_frame(fd, frame)) ::_exit(kExitNormally);  // the parent closed the socket
      if (frame.type == wire::MessageType::shutdown) ::_exit(kExitNormally);
      if (frame.type != wire::MessageType::job) ::_exit(kExitInternalError);
      const Job job = wire::decode_job(frame.payload);
      {
        std::lock_guard<std::mutex> lock(send_mutex);
        streaming_job = job.id;
        streaming = true;
      }
      if (job.test_fault != TestFault::none) stage_fault(*session, job);
      const Result result = run_job(*session, job);
      const bool exiting = !session->usable();
      {
        std::lock_guard<std::mutex> lock(send_mutex);
        streaming = false;
        wire::write_frame(fd, wire::MessageType::result, wire::encode(result, exiting));
      }
      // After a controlled exit ngspice is unusable; a new worker replaces this one.
      if (exiting) ::_exit(kExitAfterControlledExit);
    }
  } catch (const std::exception& e) {
    const std::string msg = std::string("memcosim worker: ") + e.what() + "\n";
    const ssize_t ignored = ::write(STDERR_FILENO, msg.data(), msg.size());
    (void)ignored;
  } catch (...) {
  }
  ::_exit(kExitInternalError);
}

}  // namespace

void check_fork_preconditions() {
  if (NgspiceSession::alive_in_this_process())
    throw SimulationError(
        "cannot start ngspice worker processes while an NgspiceSession lives in this process "
        "(the child would inherit its state); destroy the session first or use in-process mode");
  // ngspice's detached analysis thread may take a moment to vanish after its
  // last callback; give it that moment.
  int threads = thread_count();
  for (int i = 0; i < 100 && threads > 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    threads = thread_count();
  }
  if (threads > 1)
    throw SimulationError("cannot fork ngspice worker processes: this process runs " + std::to_string(threads) +
                          " threads and fork() copies only the calling one (locks held by the others would stay "
                          "locked in the child); create the WorkerPool before starting threads");
}

// ---------------------------------------------------------------------------
// The parent.

struct WorkerPool::Impl {
  enum class State { starting, idle, busy, dead };
  struct Worker {
    pid_t pid = -1;
    int fd = -1;
    State state = State::dead;
    std::string inbuf;
    Clock::time_point since;     // spawned (starting) or dispatched (busy)
    Clock::time_point deadline;  // busy: when the parent kills it
    std::uint64_t job_id = 0;
    double job_timeout = 0;
    text::BoundedLog log{0};  // streamed lines of the running job
  };

  PoolOptions options;
  std::vector<Worker> workers;
  std::deque<Job> queue;
  std::deque<Result> done;
  SimulatorInfo info;
  bool have_info = false;
  std::size_t respawns = 0;
  int startup_failures = 0;  // consecutive workers that died before saying hello
  std::vector<char> readbuf = std::vector<char>(1 << 18);

  void spawn(Worker& w) {
    check_fork_preconditions();
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      throw SimulationError(std::string("socketpair failed: ") + std::strerror(errno));
    const pid_t parent = ::getpid();
    // Buffered output not yet written would be written twice, once by the
    // child if it ever flushes.
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
      const int err = errno;
      ::close(sv[0]);
      ::close(sv[1]);
      throw SimulationError(std::string("fork failed: ") + std::strerror(err));
    }
    if (pid == 0) {
      ::close(sv[0]);
      for (int fd : g_parent_fds) ::close(fd);  // single-threaded child: no lock needed
      worker_main(sv[1], parent, options);
    }
    ::close(sv[1]);
    register_fd(sv[0]);
    w = Worker{};
    w.pid = pid;
    w.fd = sv[0];
    w.state = State::starting;
    w.since = Clock::now();
  }

  // Waits for a worker that closed its socket (or was killed); returns its
  // wait status.
  static int reap(pid_t pid) {
    int status = 0;
    for (int i = 0; i < 200; ++i) {
      const pid_t r = ::waitpid(pid, &status, WNOHANG);
      if (r == pid) return status;
      if (r < 0 && errno != EINTR) return 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
  }

  void retire(Worker& w) {
    if (w.fd >= 0) close_registered_fd(w.fd);
    w.fd = -1;
    w.state = State::dead;
  }

  // Why the parent ended a worker itself, if it did.
  struct Verdict {
    JobStatus status;
    std::string message;
  };

  // A worker is gone (end of stream, broken socket, or killed by us).
  void on_death(Worker& w, int status, const std::optional<Verdict>& verdict = std::nullopt) {
    const State was = w.state;
    const pid_t pid = w.pid;
    retire(w);
    if (was == State::busy) {
      Result r;
      r.id = w.job_id;
      r.pid = static_cast<int>(pid);
      r.log = w.log.texts();
      r.wall_seconds = std::chrono::duration<double>(Clock::now() - w.since).count();
      if (verdict) {
        r.status = verdict->status;
        r.message = verdict->message;
      } else if (WIFSIGNALED(status)) {
        r.status = JobStatus::crashed;
        r.message = "worker process " + std::to_string(pid) + " was killed by " + signal_description(WTERMSIG(status)) +
                    " while running job " + std::to_string(w.job_id);
      } else {
        const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        r.status = JobStatus::exited;
        r.message = "worker process " + std::to_string(pid) + " exited with status " + std::to_string(code) +
                    " while running job " + std::to_string(w.job_id) +
                    (code == kExitInternalError ? " (an internal error in the worker; see its stderr)"
                                                : " (something called exit() inside the simulator)");
      }
      done.push_back(std::move(r));
    }
    if (was == State::starting && ++startup_failures > 3)
      throw SimulationError("ngspice worker processes keep dying while starting (exit status " +
                            std::to_string(status) + ")");
    ++respawns;
    spawn(w);
  }

  void handle(Worker& w, wire::Frame& frame) {
    switch (frame.type) {
      case wire::MessageType::hello: {
        const wire::Hello hello = wire::decode_hello(frame.payload);
        if (!hello.ok) {
          ::kill(w.pid, SIGKILL);
          reap(w.pid);
          retire(w);
          throw SimulationError("an ngspice worker could not start: " + hello.error);
        }
        if (!have_info) {
          info = hello.info;
          have_info = true;
        }
        startup_failures = 0;
        w.state = State::idle;
        break;
      }
      case wire::MessageType::log: {
        const wire::LogLine line = wire::decode_log(frame.payload);
        if (w.state == State::busy && line.job_id == w.job_id) w.log.push(line.line);
        break;
      }
      case wire::MessageType::result: {
        bool exiting = false;
        const auto decode_start = Clock::now();
        Result r = wire::decode_result(frame.payload, exiting);
        r.decode_seconds = std::chrono::duration<double>(Clock::now() - decode_start).count();
        w.state = State::idle;
        done.push_back(std::move(r));
        if (exiting) {
          const pid_t pid = w.pid;
          retire(w);
          reap(pid);
          ++respawns;
          spawn(w);
        }
        break;
      }
      case wire::MessageType::job:
      case wire::MessageType::shutdown:
        throw wire::ProtocolError("worker protocol: a worker sent a parent's message");
    }
  }

  // Reads what a worker has sent; handles complete frames and its death.
  void service(Worker& w) {
    bool eof = false;
    for (;;) {
      const ssize_t n = ::recv(w.fd, readbuf.data(), readbuf.size(), MSG_DONTWAIT);
      if (n > 0) {
        w.inbuf.append(readbuf.data(), static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      eof = true;  // end of stream or a broken socket
      break;
    }
    const pid_t pid = w.pid;
    std::size_t used = 0, consumed = 0;
    try {
      while (auto frame = wire::take_frame(std::string_view(w.inbuf).substr(used), consumed)) {
        used += consumed;
        handle(w, *frame);
        if (w.pid != pid || w.fd < 0) return;  // it left (controlled exit) and was replaced
      }
    } catch (const wire::ProtocolError& e) {
      // Garbage from a worker: it is no longer trustworthy.
      ::kill(w.pid, SIGKILL);
      const int status = reap(w.pid);
      on_death(w, status,
               Verdict{JobStatus::crashed,
                       "worker process " + std::to_string(pid) + " sent malformed data (" + e.what() + "); killed"});
      return;
    }
    w.inbuf.erase(0, used);
    if (eof) {
      const int status = reap(w.pid);
      on_death(w, status);
    }
  }

  void dispatch() {
    for (Worker& w : workers) {
      if (queue.empty()) return;
      if (w.state != State::idle) continue;
      Job job = std::move(queue.front());
      queue.pop_front();
      try {
        wire::write_frame(w.fd, wire::MessageType::job, wire::encode(job));
      } catch (const wire::ProtocolError&) {
        queue.push_front(std::move(job));  // never started; give it to another worker
        on_death(w, reap(w.pid));
        continue;
      }
      w.state = State::busy;
      w.job_id = job.id;
      w.job_timeout = job.timeout_s;
      w.since = Clock::now();
      w.deadline =
          job.timeout_s > 0 ? w.since + to_duration(job.timeout_s + options.kill_grace_s) : Clock::time_point::max();
      w.log = text::BoundedLog(options.max_log_lines);
    }
  }

  void enforce_deadlines() {
    const auto now = Clock::now();
    for (Worker& w : workers) {
      if (w.state == State::busy && now >= w.deadline) {
        ::kill(w.pid, SIGKILL);
        const int status = reap(w.pid);
        on_death(w, status,
                 Verdict{JobStatus::timeout, "job " + std::to_string(w.job_id) + " ran past its timeout of " +
                                                 short_number(w.job_timeout) + " s and its worker (pid " +
                                                 std::to_string(w.pid) + ") did not answer within " +
                                                 short_number(options.kill_grace_s) + " s more; killed with SIGKILL"});
      } else if (w.state == State::starting && now - w.since >= to_duration(options.startup_timeout_s)) {
        ::kill(w.pid, SIGKILL);
        on_death(w, reap(w.pid));
      }
    }
  }

  int poll_timeout_ms() const {
    auto wake = Clock::now() + std::chrono::seconds(1);
    for (const Worker& w : workers) {
      if (w.state == State::busy) wake = std::min(wake, w.deadline);
      if (w.state == State::starting) wake = std::min(wake, w.since + to_duration(options.startup_timeout_s));
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wake - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(ms + 1, 0, 1000));
  }

  bool busy() const {
    return std::any_of(workers.begin(), workers.end(), [](const Worker& w) { return w.state == State::busy; });
  }

  void wait_for_all_started() {
    const auto until = Clock::now() + to_duration(options.startup_timeout_s + 1);
    while (!have_info ||
           std::any_of(workers.begin(), workers.end(), [](const Worker& w) { return w.state == State::starting; })) {
      if (Clock::now() > until) throw SimulationError("ngspice worker processes did not start");
      step();
    }
  }

  // One round: dispatch, wait for input or a deadline, react.
  void step() {
    dispatch();
    std::vector<pollfd> fds;
    std::vector<Worker*> owners;
    for (Worker& w : workers)
      if (w.fd >= 0) {
        fds.push_back({w.fd, POLLIN, 0});
        owners.push_back(&w);
      }
    const int n = ::poll(fds.data(), fds.size(), poll_timeout_ms());
    if (n < 0 && errno != EINTR) throw SimulationError(std::string("poll failed: ") + std::strerror(errno));
    for (std::size_t i = 0; n > 0 && i < fds.size(); ++i)
      if (fds[i].revents != 0 && owners[i]->fd == fds[i].fd) service(*owners[i]);
    enforce_deadlines();
  }
};

WorkerPool::WorkerPool(PoolOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& p = *impl_;
  struct sigaction chld {};
  if (::sigaction(SIGCHLD, nullptr, &chld) == 0 && chld.sa_handler == SIG_IGN)
    throw SimulationError(
        "SIGCHLD is ignored in this process, so dead workers would be reaped before the pool "
        "could learn how they died; restore its default disposition before creating a WorkerPool");
  p.options = std::move(options);
  unsigned n = p.options.workers;
  if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
  p.workers.resize(n);
  try {
    for (Impl::Worker& w : p.workers) p.spawn(w);
    p.wait_for_all_started();
  } catch (...) {
    for (Impl::Worker& w : p.workers)
      if (w.state != Impl::State::dead) {
        ::kill(w.pid, SIGKILL);
        Impl::reap(w.pid);
        p.retire(w);
      }
    throw;
  }
}

WorkerPool::~WorkerPool() {
  Impl& p = *impl_;
  // Idle workers are asked to leave; busy ones would only finish work nobody
  // will read, so they are killed.
  for (Impl::Worker& w : p.workers) {
    if (w.state == Impl::State::dead) continue;
    if (w.state == Impl::State::busy || w.state == Impl::State::starting) {
      ::kill(w.pid, SIGKILL);
    } else {
      try {
        wire::write_frame(w.fd, wire::MessageType::shutdown, {});
      } catch (const wire::ProtocolError&) {
      }
    }
    close_registered_fd(w.fd);
    w.fd = -1;
  }
  for (Impl::Worker& w : p.workers)
    if (w.state != Impl::State::dead) Impl::reap(w.pid);
}

void WorkerPool::submit(Job job) { impl_->queue.push_back(std::move(job)); }

std::optional<Result> WorkerPool::next() {
  Impl& p = *impl_;
  for (;;) {
    if (!p.done.empty()) {
      Result r = std::move(p.done.front());
      p.done.pop_front();
      return r;
    }
    if (p.queue.empty() && !p.busy()) return std::nullopt;
    p.step();
  }
}

void WorkerPool::run(std::vector<Job> jobs, const std::function<void(Result&&)>& on_result) {
  for (Job& job : jobs) submit(std::move(job));
  while (auto r = next()) on_result(std::move(*r));
}

std::size_t WorkerPool::pending() const {
  const Impl& p = *impl_;
  std::size_t running = 0;
  for (const Impl::Worker& w : p.workers) running += w.state == Impl::State::busy;
  return p.queue.size() + running + p.done.size();
}

unsigned WorkerPool::size() const { return static_cast<unsigned>(impl_->workers.size()); }

const SimulatorInfo& WorkerPool::simulator_info() const { return impl_->info; }

std::size_t WorkerPool::respawns() const { return impl_->respawns; }

std::vector<int> WorkerPool::worker_pids() const {
  std::vector<int> pids;
  for (const Impl::Worker& w : impl_->workers) pids.push_back(static_cast<int>(w.pid));
  return pids;
}

}  // namespace memcosim::spice
