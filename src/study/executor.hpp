// Study jobs as child processes of this one, a few at a time.
//
// Each job runs in a fresh `memcosim study-job DIR/job.json` process
// (posix_spawn: fork+exec without copying this process, so it is safe in an
// MPI rank and in a process that has threads). That process runs the job's
// transients with its own ngspice worker(s) (spice::WorkerPool), so the
// driver never forks a copy of itself and never holds an ngspice session.
//
// - The job process is the leader of its own process group; a timeout kills
//   the whole group (the job and its ngspice workers) with SIGKILL.
// - It dies with the process that started it (PR_SET_PDEATHSIG, set by the
//   job process itself before it does anything), so killing the driver, even
//   with kill -9, leaves no job running.
// - Its stdout and stderr go to DIR/job.log; a failed job's outcome carries
//   the end of that log.
//
// Outcome: exit 0 with DIR/summary.json -> ok (or partial when some of its
// trajectories failed); a signal -> failed "crashed: signal ..."; the
// timeout -> failed "timeout ..."; another exit status -> failed with the
// last line of the log.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "study/outcome.hpp"

namespace memcosim::study {

class LocalExecutor {
 public:
  // slots: jobs at a time. worker: how outcomes name this process
  // ("host" or "host rank 1"); the job's pid is appended.
  LocalExecutor(unsigned slots, std::filesystem::path executable, std::string worker);
  ~LocalExecutor();  // kills what still runs
  LocalExecutor(const LocalExecutor&) = delete;
  LocalExecutor& operator=(const LocalExecutor&) = delete;

  unsigned slots() const { return slots_; }
  unsigned running() const { return static_cast<unsigned>(running_.size()); }
  bool has_free_slot() const { return running_.size() < slots_; }

  // Clears DIR, writes DIR/job.json and starts the job's process. Returns
  // the worker name recorded for it. Throws Error if it cannot start.
  std::string start(const JobTicket& ticket);
  // The jobs that have ended (or run out of time) since the last call;
  // never blocks.
  std::vector<JobOutcome> poll();
  // Kills every running job (SIGKILL to its process group) and reaps it;
  // returns their tickets.
  std::vector<JobTicket> kill_all();

 private:
  struct Running {
    JobTicket ticket;
    int pid = 0;
    std::string worker;
    std::string started_at;
    std::chrono::steady_clock::time_point start, deadline;
  };
  JobOutcome reap(Running& r, bool timed_out);

  unsigned slots_;
  std::filesystem::path executable_;
  std::string worker_;
  std::vector<Running> running_;
};

// The child side: runs the job described by job.json (called by the hidden
// `memcosim study-job` command). Returns the process exit status: 0 when
// summary.json was written. Throws InputError / Error like `memcosim run`.
int run_job_process(const std::filesystem::path& job_json, std::ostream& log);

// Where job.json and job.log of a job live.
std::filesystem::path job_json_path(const std::filesystem::path& dir);
std::filesystem::path job_log_path(const std::filesystem::path& dir);

}  // namespace memcosim::study
