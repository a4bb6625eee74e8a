// Task-independent plumbing of every `memcosim run`: the simulator and its
// linear solver, the loop that keeps a few transients per worker in flight
// and hands each result over as it arrives, the swing-limit watch, and the
// summary statistics. Nothing here knows a task: the task's run supplies
// the jobs and what to do with each result.
#pragma once

#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "circuit/ir.hpp"
#include "config/config.hpp"
#include "spice/runner.hpp"

namespace memcosim::flow {

using Clock = std::chrono::steady_clock;
inline double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The simulator a run uses and the linear solver chosen for its netlists.
struct Simulator {
  std::unique_ptr<spice::Runner> runner;
  bool use_klu = false;
  double start_seconds = 0;  // starting the workers or the session
  const spice::SimulatorInfo& info() const { return runner->simulator_info(); }
  bool workers() const { return runner->mode() == spice::ExecutionMode::worker_processes; }
  // "ngspice-46 (KLU), worker processes"
  std::string describe() const;
};

// Starts the simulator first (its abilities shape the netlist, and worker
// processes are forked before this process starts any thread) and picks
// the solver: simulation.solver, where auto is KLU when the library has it
// unless prefer_sparse (circuits with many PWL breakpoints, where KLU's
// reused pivot order fails: the reverse SDE). Throws InputError when KLU is
// asked for and missing.
Simulator start_simulator(const config::Config& cfg, bool prefer_sparse);

// Runs jobs 0 .. n-1: four per simulator worker in flight (one worker in
// process mode), each built by make_job(i)
// only when it is submitted, each result handed to handle() as it arrives
// (any order). Progress lines go to log unless quiet. Returns the wall
// seconds of the loop. Test hook: MEMCOSIM_TEST_FAULTS="3:segfault,5:hang"
// makes the job of trajectory 3 crash its worker and that of 5 hang, to
// prove a run keeps every other result.
double run_jobs(Simulator& sim, long n, const std::function<spice::Job(long)>& make_job,
                const std::function<void(spice::Result&&)>& handle, bool quiet, std::ostream& log);

// How often each watched node reached the swing limits, over all results.
struct RailLog {
  double v_low = 0, v_high = 0;  // the limits (V)
  std::map<std::string, long> hits;
  double worst = 0.0;  // largest |V| seen (V)
  std::string worst_node;

  // Records the peaks of the nodes' voltages in plot; true when one reached
  // a limit (within 1 mV).
  bool watch(const spice::Plot& plot, const std::vector<std::string>& nodes);
  nlohmann::json to_json() const;
  // The warning line (nothing when no node reached a limit).
  void warn(std::ostream& log) const;
};

// x as JSON, null when x is not finite (JSON has no NaN or infinity).
inline nlohmann::json json_number(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

// {"max", "median", "mean"} of the values; null when there are none.
nlohmann::json summary_stats(std::vector<double> values);

// Submits circuit c as job `id`: its netlist, the analysis ("op", "ac ...",
// "run"), the vectors to return, the wall-clock limit.
void submit_circuit(spice::Runner& runner, std::uint64_t id, const circuit::Circuit& c, std::string analysis,
                    std::vector<std::string> vectors, double timeout_s);

// The results of a batch of submitted jobs by id: constructing it waits for
// every job the runner has.
class JobResults {
 public:
  explicit JobResults(spice::Runner& runner);
  // "" when job id succeeded, else why not ("no result", or "<status>: <message>").
  std::string failed(std::uint64_t id) const;
  bool ok(std::uint64_t id) const { return failed(id).empty(); }
  const spice::Plot& plot(std::uint64_t id) const { return results_.at(id).plot; }
  std::size_t size() const { return results_.size(); }

 private:
  std::map<std::uint64_t, spice::Result> results_;
};

}  // namespace memcosim::flow
