#include "study/sweep.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <deque>
#include <iostream>
#include <map>
#include <thread>

#include "study/executor.hpp"
#include "study/progress.hpp"
#include "study/report.hpp"
#include "study/store.hpp"
#include "util/error.hpp"

namespace memcosim::study {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Message tags between rank 0 and the others.
enum Tag : int {
  kHello = 1,   // rank -> 0: "I can run N jobs at a time" (payload: N)
  kJob = 2,     // 0 -> rank: a JobTicket (JSON)
  kResult = 3,  // rank -> 0: a JobOutcome (JSON); the slot is free again
  kStop = 4,    // 0 -> rank: nothing more for one slot
};

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_interrupt(int sig) { g_interrupted = sig; }

// SIGINT, SIGTERM and SIGHUP end the loop cleanly while installed.
class InterruptGuard {
 public:
  InterruptGuard() {
    g_interrupted = 0;
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 3; ++i) ::sigaction(kSignals[i], &sa, &old_[i]);
  }
  ~InterruptGuard() {
    for (int i = 0; i < 3; ++i) ::sigaction(kSignals[i], &old_[i], nullptr);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  static constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};
  struct sigaction old_[3];
};

// One sweep at a time per output folder.
class FolderLock {
 public:
  explicit FolderLock(const fs::path& dir) {
    const fs::path path = dir / ".sweep.lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error("cannot create " + path.string() + ": " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      char buf[32] = {};
      const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
      ::close(fd_);
      throw Error("another memcosim sweep" +
                  (n > 0 ? " (pid " + std::string(buf, static_cast<std::size_t>(n)) + ")" : std::string()) +
                  " is running in " + dir.string() + "; wait for it, or stop it (its finished jobs are kept)");
    }
    const std::string pid = std::to_string(::getpid());
    if (::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
      // the pid is only informative
    }
  }
  ~FolderLock() { ::close(fd_); }
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  int fd_ = -1;
};

std::string hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

fs::path this_program(const SweepOptions& o) {
  if (!o.executable.empty()) return o.executable;
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("cannot find this program's path (/proc/self/exe): " + ec.message());
  return p;
}

unsigned slots_of(const SweepOptions& o, const MpiWorld& mpi) {
  if (o.jobs > 0) return o.jobs;
  if (mpi.size() > 1) return 1;
  return std::max(1u, std::thread::hardware_concurrency());
}

std::string worker_name(const MpiWorld& mpi) {
  return hostname() + (mpi.active() ? " rank " + std::to_string(mpi.rank()) : std::string());
}

void nap() { std::this_thread::sleep_for(std::chrono::milliseconds(20)); }

// A job that could not even start.
JobOutcome not_started(const JobTicket& t, const std::string& worker, const std::string& why) {
  JobOutcome o;
  o.index = t.index;
  o.config_hash = t.config_hash;
  o.status = "failed";
  o.message = "could not start: " + why;
  o.worker = worker;
  o.started_at = o.finished_at = utc_now();
  o.output_dir = t.dir.string();
  return o;
}

std::string plural(long n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

}  // namespace

namespace {
SweepResult drive_sweep(const Study& study, const fs::path& out, Store& store, const SyncCounts& counts,
                        const std::vector<long>& pending, const SweepOptions& options, MpiWorld& mpi,
                        std::ostream& log);
}  // namespace

fs::path default_output_dir(const Study& study) { return fs::path("out") / study.name; }
fs::path database_path(const fs::path& out_dir) { return out_dir / "study.db"; }

SweepResult run_sweep(const std::string& study_file, const SweepOptions& options, MpiWorld& mpi, std::ostream& log) {
  const bool distributed = mpi.size() > 1;
  bool announced = false;
  auto announce = [&](int go) {
    if (distributed && !announced) mpi.broadcast(go);
    announced = true;
  };

  Study study;
  fs::path out;
  std::unique_ptr<FolderLock> lock;
  std::unique_ptr<Store> store;
  SyncCounts counts;
  std::vector<long> pending;
  try {
    study = load_study(study_file, log);
    out = options.out_dir.empty() ? default_output_dir(study) : options.out_dir;
    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec) throw Error("cannot create output folder " + out.string() + ": " + ec.message());
    lock = std::make_unique<FolderLock>(out);
    store = std::make_unique<Store>(database_path(out), Store::Mode::read_write);
    counts = store->sync(study, options.retry_failed);
    pending = store->pending_indices();
  } catch (...) {
    announce(0);
    throw;
  }
  announce(1);
  // From here on the other ranks wait for work: any error must end them too.
  try {
    return drive_sweep(study, out, *store, counts, pending, options, mpi, log);
  } catch (const std::exception& e) {
    if (distributed) {
      log << std::flush;
      std::cerr << "memcosim: error: " << e.what() << "\nmemcosim: stopping every MPI rank; finished jobs are in "
                << store->path().string() << "\n"
                << std::flush;
      mpi.abort(1);
    }
    throw;
  }
}

namespace {

SweepResult drive_sweep(const Study& study, const fs::path& out, Store& store, const SyncCounts& counts,
                        const std::vector<long>& pending, const SweepOptions& options, MpiWorld& mpi,
                        std::ostream& log) {
  const bool distributed = mpi.size() > 1;
  const unsigned slots = slots_of(options, mpi);
  const double timeout = options.timeout.value_or(study.timeout);
  const fs::path exe = this_program(options);
  const std::string base_config = fs::absolute(study.config).lexically_normal().string();
  const fs::path jobs_dir = fs::absolute(out / "jobs");
  auto ticket_of = [&](long index) {
    const Job& job = study.jobs[static_cast<std::size_t>(index)];
    JobTicket t;
    t.index = job.index;
    t.config_hash = job.config_hash;
    t.label = job.label();
    t.config = base_config;
    t.overrides = job.override_args();
    t.exec_overrides = {"simulation.workers=" + std::to_string(options.job_workers)};
    t.dir = jobs_dir / job.config_hash;
    t.timeout = timeout;
    return t;
  };

  SweepResult result;
  result.jobs = counts.jobs;
  result.skipped = counts.jobs - static_cast<long>(pending.size());
  result.database = store.path();

  log << "study " << study.name << ": " << plural(counts.jobs, "job") << " (" << study.file << ", base config "
      << study.config << ")\n";
  log << "  " << counts.done << " done earlier (skipped)";
  if (counts.failed) log << ", " << counts.failed << " failed earlier (kept; --retry-failed runs them again)";
  log << ", " << pending.size() << " to run";
  if (counts.interrupted) log << " (" << counts.interrupted << " of them interrupted last time)";
  log << "\n";
  if (counts.stale)
    log << "  " << counts.stale << " row(s) in the database belong to jobs this study no longer has (kept)\n";
  log << "  " << slots << " job" << (slots == 1 ? "" : "s") << " at a time"
      << (distributed ? " on each of " + std::to_string(mpi.size()) + " MPI ranks" : std::string()) << ", "
      << plural(options.job_workers, "ngspice worker") << " per job, timeout " << timeout << " s per job\n"
      << "  database " << store.path().string() << "\n"
      << std::flush;

  Progress::Style style = Progress::Style::lines;
  switch (options.progress) {
    case SweepOptions::ProgressStyle::automatic:
      style = ::isatty(STDERR_FILENO) ? Progress::Style::bar : Progress::Style::lines;
      break;
    case SweepOptions::ProgressStyle::bar:
      style = Progress::Style::bar;
      break;
    case SweepOptions::ProgressStyle::lines:
      style = Progress::Style::lines;
      break;
    case SweepOptions::ProgressStyle::none:
      style = Progress::Style::none;
      break;
  }
  Progress progress(style, style == Progress::Style::bar ? std::cerr : log, counts.jobs, result.skipped);
  progress.set_slots(slots);

  InterruptGuard interrupts;
  LocalExecutor local(slots, exe, worker_name(mpi));
  std::deque<long> queue(pending.begin(), pending.end());
  const auto started = Clock::now();
  double cpu_total = 0;

  auto record = [&](const JobOutcome& o) {
    const Job& job = study.jobs.at(static_cast<std::size_t>(o.index));
    if (job.config_hash != o.config_hash)
      throw Error("internal: outcome of job " + std::to_string(o.index) + " with hash " + o.config_hash +
                  ", expected " + job.config_hash);
    store.finish(o);
    progress.finished(o, job.label());
    cpu_total += o.cpu_seconds;
    ++result.ran;
  };
  auto start_local = [&](long index) {
    const JobTicket t = ticket_of(index);
    store.mark_running(t.config_hash, worker_name(mpi), t.dir.string(), job_log_path(t.dir).string());
    progress.started();
    try {
      local.start(t);
    } catch (const Error& e) {
      record(not_started(t, worker_name(mpi), e.what()));
    }
  };

  // MPI bookkeeping (rank 0).
  std::map<int, int> requests;  // rank -> free slots asking for work
  int hellos = 0, remote_slots = 0, stops_sent = 0, remote_running = 0;
  const int remotes = distributed ? mpi.size() - 1 : 0;

  try {
    for (;;) {
      if (g_interrupted) break;
      bool busy = false;
      // Messages from the other ranks.
      while (distributed) {
        auto m = mpi.receive_nowait();
        if (!m) break;
        busy = true;
        if (m->tag == kHello) {
          const int n = std::max(1, std::atoi(m->payload.c_str()));
          ++hellos;
          remote_slots += n;
          progress.set_slots(slots + remote_slots);
          requests[m->source] += n;
        } else if (m->tag == kResult) {
          --remote_running;
          ++requests[m->source];
          record(JobOutcome::from_json(nlohmann::json::parse(m->payload)));
        }
      }
      // Work for the ranks that asked for it, or stop them.
      for (auto& [rank, n] : requests) {
        while (n > 0) {
          if (!queue.empty()) {
            const JobTicket t = ticket_of(queue.front());
            queue.pop_front();
            store.mark_running(t.config_hash, "rank " + std::to_string(rank), t.dir.string(),
                               job_log_path(t.dir).string());
            mpi.send(rank, kJob, t.to_json().dump());
            progress.started();
            ++remote_running;
          } else {
            mpi.send(rank, kStop, "");
            ++stops_sent;
          }
          --n;
          busy = true;
        }
      }
      // Local slots.
      while (local.has_free_slot() && !queue.empty()) {
        start_local(queue.front());
        queue.pop_front();
        busy = true;
      }
      for (const auto& o : local.poll()) {
        record(o);
        busy = true;
      }
      progress.tick();
      if (queue.empty() && local.running() == 0 && remote_running == 0 && hellos == remotes &&
          stops_sent == remote_slots)
        break;
      if (!busy) nap();
    }
  } catch (...) {
    for (const auto& t : local.kill_all()) store.mark_pending(t.config_hash);
    progress.close();
    throw;
  }

  if (g_interrupted) {
    const auto stopped = local.kill_all();
    for (const auto& t : stopped) store.mark_pending(t.config_hash);
    progress.close();
    result.interrupted = true;
    log << "\ninterrupted (" << ::strsignal(g_interrupted)
        << "): " << plural(static_cast<long>(stopped.size()) + remote_running, "running job")
        << " stopped; they run again when the study is run again; finished jobs are in " << store.path().string()
        << "\n";
    write_results(out, store, log);
    if (distributed) {
      log << std::flush;
      mpi.abort(130);
    }
    return result;
  }
  progress.close();

  for (const auto& r : store.records()) {
    if (!r.index) continue;
    if (r.status == "ok")
      ++result.ok;
    else if (r.status == "partial")
      ++result.partial;
    else if (r.status == "failed")
      ++result.failed;
  }
  const double wall = std::chrono::duration<double>(Clock::now() - started).count();
  log << "\nstudy " << study.name << ": " << result.ok << " ok";
  if (result.partial) log << ", " << result.partial << " partial (some trajectories failed)";
  if (result.failed) log << ", " << result.failed << " failed";
  log << " of " << counts.jobs << "; this run: " << plural(result.ran, "job") << " in " << Progress::duration(wall)
      << " (job processes' CPU time " << Progress::duration(cpu_total) << ")\n";
  write_results(out, store, log);
  return result;
}

}  // namespace

void serve_sweep(const SweepOptions& options, MpiWorld& mpi) {
  if (mpi.broadcast(0) == 0) return;  // rank 0 found a problem and reports it
  const unsigned slots = slots_of(options, mpi);
  const std::string worker = worker_name(mpi);
  InterruptGuard interrupts;
  LocalExecutor local(slots, this_program(options), worker);
  mpi.send(0, kHello, std::to_string(slots));
  unsigned stops = 0;
  for (;;) {
    if (g_interrupted) {
      local.kill_all();
      mpi.abort(130);
    }
    bool busy = false;
    while (auto m = mpi.receive_nowait()) {
      busy = true;
      if (m->tag == kStop) {
        ++stops;
      } else if (m->tag == kJob) {
        const JobTicket t = JobTicket::from_json(nlohmann::json::parse(m->payload));
        try {
          local.start(t);
        } catch (const Error& e) {
          mpi.send(0, kResult, not_started(t, worker, e.what()).to_json().dump());
        }
      }
    }
    for (const auto& o : local.poll()) {
      mpi.send(0, kResult, o.to_json().dump());
      busy = true;
    }
    if (stops == slots && local.running() == 0) break;
    if (!busy) nap();
  }
}

}  // namespace memcosim::study
