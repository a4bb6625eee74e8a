// WorkerPool: simulations in child processes, so that a simulator crash,
// exit or hang never takes the driver down.
//
// Each worker is a fork() of the calling process, without exec: the child
// runs the worker loop directly (so it works the same from the CLI and from
// the test binary), starts its own NgspiceSession and answers jobs over a
// socketpair (protocol.hpp). The parent stays single-threaded: all progress
// (dispatching jobs, reading results, enforcing deadlines, replacing dead
// workers) happens inside next() / run().
//
// Failure handling:
// - a worker killed by a signal (SIGSEGV, SIGABRT, ...) -> its job is
//   reported `crashed` with the signal's name and the log streamed so far;
// - a worker that exits (ngspice controlled exit, or exit() inside ngspice)
//   -> `exited`;
// - a job running past timeout_s: the worker halts ngspice itself
//   (`timeout`); if the worker does not answer by timeout_s + kill_grace_s
//   the parent kills it with SIGKILL (`timeout`, "killed");
// and in each case the worker is replaced transparently. Results already
// delivered and jobs queued or running elsewhere are not affected.
//
// Preconditions for forking (checked, SimulationError if violated): no live
// NgspiceSession in this process and no other threads (fork() copies only
// the calling thread; a lock held elsewhere would stay locked forever in the
// child). Create the pool before starting threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "spice/job.hpp"
#include "spice/session.hpp"

namespace memcosim::spice {

struct PoolOptions {
  unsigned workers = 0;              // 0: one per available core
  SessionOptions session;            // each worker's session (on_output is the pool's)
  double kill_grace_s = 2.0;         // the parent kills a busy worker at timeout_s + this
  double startup_timeout_s = 30.0;   // a new worker must have started ngspice by then
  std::size_t max_log_lines = 4000;  // log kept of a job whose worker died (first and last lines)
};

class WorkerPool {
 public:
  explicit WorkerPool(PoolOptions options = {});
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues a job. Ids are the caller's; they come back in the Result.
  void submit(Job job);
  // The next finished job, in completion order; blocks until one finishes.
  // nullopt when nothing is queued or running.
  std::optional<Result> next();
  // Submits all jobs and hands each result to on_result as it finishes (so
  // a driver can persist it at once).
  void run(std::vector<Job> jobs, const std::function<void(Result&&)>& on_result);

  std::size_t pending() const;  // queued + running + finished but not yet taken
  unsigned size() const;
  // What the workers' ngspice reported when they started.
  const SimulatorInfo& simulator_info() const;
  // Workers started to replace dead or killed ones.
  std::size_t respawns() const;
  std::vector<int> worker_pids() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Throws SimulationError if this process must not fork workers now (a live
// NgspiceSession, or more than one thread).
void check_fork_preconditions();

// "signal 11 (SIGSEGV: Segmentation fault)": how a process died.
std::string signal_description(int sig);

}  // namespace memcosim::spice
