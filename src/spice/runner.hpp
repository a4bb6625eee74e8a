// Runner: one switch between worker processes (the default) and running
// jobs in this process, with the same Job -> Result API.
//
// In-process mode owns one NgspiceSession and runs each job inside next():
// simplest to debug (gdb, valgrind see the simulator), but a simulator crash
// takes the caller down and a hang is only bounded by bg_halt. After a
// controlled exit it recovers with ngSpice_Reset when the library has it
// (ngspice >= 44); otherwise later jobs report `exited`.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "spice/job.hpp"
#include "spice/session.hpp"
#include "spice/worker_pool.hpp"

namespace memcosim::spice {

enum class ExecutionMode { worker_processes, in_process };

struct RunnerOptions {
  ExecutionMode mode = ExecutionMode::worker_processes;
  PoolOptions pool;  // pool.session also configures the in-process session
};

class Runner {
 public:
  explicit Runner(RunnerOptions options = {});
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  ExecutionMode mode() const;
  // Throws std::invalid_argument for a job with a TestFault in in-process mode.
  void submit(Job job);
  // The next finished result; nullopt when nothing is pending.
  std::optional<Result> next();
  void run(std::vector<Job> jobs, const std::function<void(Result&&)>& on_result);
  std::size_t pending() const;
  // Jobs that run at once: the worker processes, or 1 in process.
  unsigned parallelism() const;
  const SimulatorInfo& simulator_info() const;

 private:
  RunnerOptions options_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<NgspiceSession> session_;
  std::deque<Job> queue_;  // in-process mode
};

}  // namespace memcosim::spice
