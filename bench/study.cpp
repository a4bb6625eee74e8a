// Comparison 5: study throughput, `memcosim sweep STUDY -j 2` against `-j 1`
// (the logic of scripts/bench-study.sh): each run from an empty output
// folder, wall and CPU time (user + system of the driver, its job processes
// and their ngspice workers). On a shared machine the wall ratio is only
// indicative (with Linux autogroup all of one session's processes share one
// session's part of the CPU while other sessions are busy), so the table
// also gives the cores each run really had (CPU / wall) and the CPU-time
// view: every job's CPU time from the -j 1 database, scheduled on one slot
// and on two slots as the sweep does (each job to the slot that frees first).
#include <fstream>
#include <ostream>

#include "bench.hpp"
#include "study/store.hpp"

namespace memcosim::bench {

void bench_study(const Settings& s, Report& report) {
  fs::path study = s.root / "configs/study_gbw_noise.yaml";
  std::string what = "configs/study_gbw_noise.yaml (20 jobs of 16 behavioural trajectories)";
  if (s.quick) {
    study = s.work / "study_quick.yaml";
    std::ofstream(study) << "name: bench_quick\nconfig: " << (s.root / "configs/ring.yaml").string()
                         << "\ntimeout: 600\nset: {circuit.level: ideal, simulation.n: 2}\n"
                            "grid:\n  circuit.crossbar.programming_error: [0, 0.01, 0.02, 0.03]\n";
    what = "a 4-job study of 2 ideal-level trajectories each";
  }
  const int rounds = s.pick(1, 1);
  std::vector<double> cores1, cores2;
  int counter = 0;
  fs::path last_j1;
  auto sweep = [&](int j) {
    return [&, j]() {
      const fs::path out = s.work / ("j" + std::to_string(j) + "-" + std::to_string(counter++));
      fs::remove_all(out);
      ProcessOptions o;
      o.cwd = s.root;
      o.output = s.work / ("sweep-j" + std::to_string(j) + ".log");
      const ProcessResult pr = run_process({s.memcosim.string(), "sweep", study.string(), "-j", std::to_string(j), "-o",
                                            out.string(), "--progress", "none"},
                                           o);
      if (!pr.ok())
        throw std::runtime_error("sweep -j " + std::to_string(j) + " failed (" + pr.describe() + "):\n" +
                                 tail_of_file(o.output));
      (j == 1 ? cores1 : cores2).push_back(pr.cpu / pr.wall);
      if (j == 1) last_j1 = out;
      return Sample{pr.wall, pr.cpu};
    };
  };
  *s.log << "study: " << rounds << " round(s) of -j 1 and -j 2\n" << std::flush;
  const auto series = alternate(rounds, {sweep(1), sweep(2)}, s.log, "study");
  const Stats w1 = series[0].wall_stats(), w2 = series[1].wall_stats();
  const double ratio = w1.median / w2.median;
  const double cpu_ratio = series[1].cpu_stats().median / series[0].cpu_stats().median;

  // The CPU-time view from the last -j 1 database.
  double one_slot = 0, a = 0, b = 0;
  long jobs = 0;
  {
    study::Store store(last_j1 / "study.db", study::Store::Mode::read_only);
    for (const auto& rec : store.records()) {
      if (!rec.index || !rec.cpu_seconds) continue;
      const double t = *rec.cpu_seconds;
      one_slot += t;
      (a <= b ? a : b) += t;
      ++jobs;
    }
  }
  const double two_slots = std::max(a, b);
  const double cpu_view = two_slots > 0 ? one_slot / two_slots : 0;

  Section sec;
  sec.title = "5. Study throughput: `memcosim sweep -j 2` vs `-j 1`";
  sec.notes.push_back(
      "`memcosim sweep " + what + "`, each run from an empty folder, " + std::to_string(rounds) +
      " round(s) alternating -j 1 and -j 2. Wall and CPU (user + system of the driver, the job processes "
      "and their ngspice workers). Cores busy = CPU / wall: a quiet 2-core machine gives ~1 and ~2.");
  sec.header = {"", "wall", "CPU", "cores busy"};
  auto cores = [](const std::vector<double>& v) { return fmt("%.2f", stats_of(v).median); };
  sec.rows.push_back({"-j 1", fmt_stats(w1), fmt_stats(series[0].cpu_stats()), cores(cores1)});
  sec.rows.push_back({"-j 2", fmt_stats(w2), fmt_stats(series[1].cpu_stats()), cores(cores2)});
  sec.after.push_back(
      fmt("Speed-up -j 2 over -j 1 (wall): %s; CPU work -j 2 / -j 1: %.3f. CPU-time view (%ld jobs' "
          "CPU time from the -j 1 database, on one slot %s, on two slots %s): %s on a quiet machine.",
          fmt_ratio(ratio).c_str(), cpu_ratio, jobs, fmt_time(one_slot).c_str(), fmt_time(two_slots).c_str(),
          fmt_ratio(cpu_view).c_str()));
  const bool starved = stats_of(cores2).median < 1.8;
  if (starved)
    sec.after.push_back("-j 2 had " + cores(cores2) +
                        " cores on average, not 2: other processes shared the machine, so "
                        "the wall ratio understates the speed-up (with Linux autogroup a busy other session takes half "
                        "the CPU whatever -j is). Re-measure on a quiet machine.");
  report.summary.push_back(
      {"5 study -j 2 vs -j 1", s.quick ? "4 tiny jobs" : "study_gbw_noise, 20 jobs",
       fmt_ratio(ratio) + " (wall; -j 2 had " + cores(cores2) + " cores busy); CPU-time view " + fmt_ratio(cpu_view),
       ">= 1.8x", ratio >= 1.8 ? "met" : "NOT met"});
  report.sections.push_back(std::move(sec));
}

}  // namespace memcosim::bench
