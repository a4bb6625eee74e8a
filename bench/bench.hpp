// memcosim_bench: the project's benchmarks, each measured side by side in one
// process run against the alternative a user would pick, alternating the
// variants (A B A B ...) so that a change of machine load hits all alike.
//
// Comparisons (ids for --only):
//   spice     in-process libngspice vs the ngspice program in batch mode
//             writing a raw file that our reader then reads
//   overhead  framework overhead of `memcosim run` (summary.json timing)
//   solver    KLU vs Sparse on crossbars with wire resistance
//   sampler   the reference sampler vs the same algorithm in NumPy
//   study     `memcosim sweep` -j 1 vs -j 2
//   memory    resident memory over 1,000 simulations in one worker
//   scaling   wall time of one `run` against the hidden width
//
// Each comparison runs in a child process of its own (this executable with
// --only ID --json FILE), so that one's ngspice session, worker processes
// and heap never touch another's figures; the parent renders the markdown.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace memcosim::bench {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Settings {
  fs::path root;      // source tree: configs/, models/, scripts/
  fs::path memcosim;  // the memcosim executable
  fs::path work;      // scratch folder for this comparison
  fs::path python = "/usr/bin/python3";
  bool quick = false;          // smoke test: the fewest runs, the smallest cases
  int runs = 0;                // runs per variant; 0 = the comparison's default
  int runs_transistor = 0;     // spice at transistor level; 0 = default
  std::vector<int> widths;     // scaling; empty = default
  std::vector<int> sizes;      // solver, transients; empty = default
  std::vector<int> op_sizes;   // solver, operating points; empty = default
  double op_timeout = 0;       // solver: seconds an operating point may take; 0 = default
  double scaling_timeout = 0;  // seconds one transient may take in scaling; 0 = default
  std::ostream* log = nullptr;
  // runs if set, else quick ? q : full
  int pick(int full, int q) const { return runs > 0 ? runs : (quick ? q : full); }
};

// ---- statistics ---------------------------------------------------------------
struct Stats {
  double median = 0, min = 0, max = 0;
  std::size_t n = 0;
};
Stats stats_of(std::vector<double> v);

// Wall and CPU time (user + system) of one measured run, seconds.
struct Sample {
  double wall = 0, cpu = 0;
};
struct Series {
  std::vector<double> wall, cpu;
  void add(const Sample& s) {
    wall.push_back(s.wall);
    cpu.push_back(s.cpu);
  }
  Stats wall_stats() const { return stats_of(wall); }
  Stats cpu_stats() const { return stats_of(cpu); }
};

// CPU time of this process (all threads) so far.
double process_cpu_seconds();
// Wall and CPU of f() in this process.
Sample measure(const std::function<void()>& f);

// Runs each variant `runs` times in the order A B A B ... (all variants once
// per round); returns one Series per variant. A variant that throws stops
// the comparison (the exception propagates).
std::vector<Series> alternate(int runs, const std::vector<std::function<Sample()>>& variants,
                              std::ostream* progress = nullptr, const std::string& label = {});

// ---- child processes ------------------------------------------------------------
struct ProcessResult {
  int exit_code = -1;  // when it exited
  int signal = 0;      // when a signal ended it
  double wall = 0;
  double cpu = 0;  // user + system of the process and of its waited-for descendants
  bool ok() const { return signal == 0 && exit_code == 0; }
  std::string describe() const;
};
struct ProcessOptions {
  fs::path cwd;                  // empty: this process's
  fs::path output;               // stdout + stderr to this file; empty: /dev/null
  std::vector<std::string> env;  // NAME=value added to (or replacing in) this environment
  double timeout = 0;            // seconds; the process group is killed after it; 0: none
};
// argv[0] is looked up on PATH when it has no slash.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// ---- the report -------------------------------------------------------------------
struct SummaryRow {
  std::string comparison, case_name, result, goal, verdict;  // verdict: "met", "NOT met", "" (no goal)
};
struct Section {
  std::string title;
  std::vector<std::string> notes;  // paragraphs before the table
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> after;  // paragraphs after the table
};
struct Report {
  std::vector<SummaryRow> summary;
  std::vector<Section> sections;
  nlohmann::json to_json() const;
  static Report from_json(const nlohmann::json& j);
  void append(const Report& other);
};
std::string markdown_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

// ---- formatting -------------------------------------------------------------------
std::string fmt(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string fmt_time(double seconds);      // "12.3 ms", "4.56 s"
std::string fmt_stats(const Stats& s);     // "12.3 ms (11.9-13.0)"
std::string fmt_ratio(double r);           // "1.85x"
std::string fmt_percent(double fraction);  // "3.2 %"

// ---- the comparisons --------------------------------------------------------------
void bench_spice(const Settings& s, Report& r);
void bench_overhead(const Settings& s, Report& r);
void bench_solver(const Settings& s, Report& r);
void bench_sampler(const Settings& s, Report& r);
void bench_study(const Settings& s, Report& r);
void bench_memory(const Settings& s, Report& r);
void bench_scaling(const Settings& s, Report& r);

// ---- shared helpers --------------------------------------------------------------
// `memcosim run CONFIG --set ... -n N -q -o DIR` as a child process; its
// summary.json (throws with the end of its log when it fails).
struct RunOutcome {
  ProcessResult process;
  nlohmann::json summary;
};
RunOutcome run_memcosim(const Settings& s, const std::string& config, const std::vector<std::string>& overrides, long n,
                        const fs::path& out_dir, double timeout = 0);
std::string tail_of_file(const fs::path& p, std::size_t max_chars = 2000);
// The number at a dotted path of a JSON object ("timing.phases.comparison"); NaN if absent.
double json_number(const nlohmann::json& j, const std::string& dotted);

}  // namespace memcosim::bench
