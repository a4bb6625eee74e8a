// One simulation as data: a Job goes in, a Result comes out, whether it runs
// in this process (run_job) or in a worker process (worker_pool.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "spice/plot.hpp"

namespace memcosim::spice {

class NgspiceSession;

enum class Solver : std::uint8_t {
  as_netlist,  // whatever the netlist's .options say (ngspice's default: Sparse)
  sparse,      // adds ".options sparse"
  klu,         // adds ".options klu"; parse_error if the library has no KLU
};

// Faults a worker process stages on purpose, so that tests can exercise the
// pool's recovery independently of any ngspice bug. Only worker processes
// honour them (in-process mode refuses such jobs).
enum class TestFault : std::uint8_t {
  none,
  segfault,  // raise SIGSEGV after loading the netlist
  abort,     // abort() after loading the netlist
  hang,      // stop responding (sleep forever) after loading the netlist
  exit,      // exit(1) after loading the netlist, as if ngspice called exit()
};

struct Job {
  std::uint64_t id = 0;
  std::string netlist;                     // SPICE text, title line first
  std::vector<std::string> vectors;        // to return; empty = all vectors of the final plot
  std::vector<std::string> pre_commands;   // control commands after loading, before the analysis
  std::string analysis = "run";            // "run" (the netlist's analyses), "op", "tran 1u 1m", ...
  std::vector<std::string> post_commands;  // after a successful analysis, e.g. "write /abs/x.raw"
  double timeout_s = 60;                   // wall-clock limit of the analysis; <= 0: none
  Solver solver = Solver::as_netlist;
  TestFault test_fault = TestFault::none;
  bool all_plots = false;  // also return every plot of the run in Result::plots
  // The netlist's .control block runs (`memcosim sim --control`): ngspice
  // executes it while loading, so `analysis` is not run afterwards. Only
  // for netlists whose user asked for it (spice/deck.hpp).
  bool control_commands = false;
};

enum class JobStatus : std::uint8_t {
  ok,
  parse_error,  // the netlist (or the job's setup) was rejected before simulating
  sim_error,    // the analysis failed (convergence, timestep too small, a command failed)
  timeout,      // the analysis ran past timeout_s (halted, or the worker was killed)
  crashed,      // the worker process died from a signal
  exited,       // ngspice made a controlled exit, or the worker process exited
};

std::string_view to_string(JobStatus status);

struct Result {
  std::uint64_t id = 0;
  JobStatus status = JobStatus::ok;
  std::string message;           // "" if ok; else the simulator's own words or the signal
  std::vector<std::string> log;  // simulator output of this job (bounded)
  Plot plot;                     // final plot: scale first, then the vectors asked for.
                                 // On sim_error/timeout: what was computed before it stopped.
  std::vector<Plot> plots;       // with Job::all_plots and ok: every plot the run made (op1, tran1, ...)
  double wall_seconds = 0;       // load + analysis + read-out, where it ran
  // Its parts, where it ran: ngspice reading the netlist, the analysis (with
  // the pre/post commands), copying the vectors out of ngspice. In a worker
  // pool the parent adds the time it took to decode the worker's message.
  double load_seconds = 0, analysis_seconds = 0, fetch_seconds = 0;
  double decode_seconds = 0;
  std::uint64_t rss_bytes = 0;  // resident set of the process that ran it, after the job
  int pid = 0;                  // that process
  std::string solver;           // "KLU" / "SPARSE" as ngspice reported it; "" if unknown

  bool ok() const { return status == JobStatus::ok; }
  const Vector* vector(std::string_view name) const { return plot.find(name); }
};

// Runs one job on `session` and reports every simulator failure in the
// Result (never throws SpiceError). The job's test_fault is ignored here.
Result run_job(NgspiceSession& session, const Job& job);

// The netlist with ".options klu" / ".options sparse" inserted before its
// .end card (unchanged for Solver::as_netlist).
std::string netlist_with_solver(std::string_view netlist, Solver solver);

}  // namespace memcosim::spice
