// Comparison 2: what memcosim itself costs in a `memcosim run`: config load,
// model load, circuit build, netlist generation, vector fetch (copy out of
// ngspice + decoding the worker's message) and the comparison (per
// trajectory, then the distribution metrics), as a share of the run's wall
// time. The figures are the run's own phase timers (summary.json
// "timing.phases", "timing.framework_overhead"), not guesses.
#include <ostream>

#include "bench.hpp"

namespace memcosim::bench {

void bench_overhead(const Settings& s, Report& report) {
  struct Case {
    std::string name, config;
    std::vector<std::string> overrides;
    long n;
    int runs;
  };
  std::vector<Case> cases = {
      {"ideal", "configs/ring.yaml", {"circuit.level=ideal"}, s.quick ? 8L : 200L, s.pick(3, 1)},
      {"behavioral", "configs/ring.yaml", {"circuit.level=behavioral"}, s.quick ? 8L : 200L, s.pick(3, 1)},
  };
  if (!s.quick) cases.push_back({"transistor", "configs/ring_transistor.yaml", {}, 4L, 1});

  Section sec;
  sec.title = "2. Framework overhead of `memcosim run`";
  sec.notes.push_back(
      "`memcosim run CONFIG -n N` as a child process; the phases are its own timers (summary.json `timing.phases`). "
      "Overhead = config load + model load + circuit build + netlist generation + vector fetch (copy out of ngspice "
      "and decoding the worker's message) + comparison (per trajectory, then the distribution metrics), summed over "
      "trajectories, over the wall time from config load to summary.json. The sum is an upper bound of what it adds "
      "to the wall time: the parent's netlist generation and comparison overlap with the workers' simulations.");
  sec.header = {"case",
                "runs",
                "wall (process)",
                "overhead share",
                "config + model load",
                "circuit build",
                "netlist generation",
                "vector fetch",
                "comparison + metrics",
                "simulation loop",
                "ngspice analysis (sum)",
                "references",
                "plots"};

  for (const Case& c : cases) {
    *s.log << "overhead: " << c.name << ", n = " << c.n << ", " << c.runs << " runs\n" << std::flush;
    std::vector<double> share, wall, load, build, netlist, fetch, compare, sim, analysis, refs, plots;
    for (int r = 0; r < c.runs; ++r) {
      const RunOutcome o = run_memcosim(s, c.config, c.overrides, c.n, s.work / (c.name + "-" + std::to_string(r)));
      if (!o.process.ok()) throw std::runtime_error("memcosim run " + c.config + " failed: " + o.process.describe());
      const auto& t = o.summary.at("timing");
      share.push_back(json_number(t, "framework_overhead.share_of_wall"));
      wall.push_back(o.process.wall);
      load.push_back(json_number(t, "phases.config_load") + json_number(t, "phases.model_load"));
      build.push_back(json_number(t, "phases.circuit_build"));
      netlist.push_back(json_number(t, "phases.netlist_generation"));
      fetch.push_back(json_number(t, "phases.vector_fetch_sum"));
      compare.push_back(json_number(t, "phases.comparison") + json_number(t, "phases.metrics"));
      sim.push_back(json_number(t, "phases.simulation_loop"));
      analysis.push_back(json_number(t, "phases.ngspice_analysis_sum"));
      refs.push_back(json_number(t, "phases.references"));
      plots.push_back(json_number(t, "phases.plots"));
    }
    const Stats sh = stats_of(share);
    auto med = [](const std::vector<double>& v) { return fmt_time(stats_of(v).median); };
    sec.rows.push_back({c.name + ", n = " + std::to_string(c.n), std::to_string(c.runs), fmt_stats(stats_of(wall)),
                        c.runs > 1
                            ? fmt_percent(sh.median) + " (" + fmt_percent(sh.min) + " – " + fmt_percent(sh.max) + ")"
                            : fmt_percent(sh.median),
                        med(load), med(build), med(netlist), med(fetch), med(compare), med(sim), med(analysis),
                        med(refs), med(plots)});
    report.summary.push_back({"2 framework overhead", c.name + " ring, n = " + std::to_string(c.n),
                              fmt_percent(sh.median) + " of the run's wall time", "<= 5 %",
                              sh.median <= 0.05 ? "met" : "NOT met"});
  }
  sec.after.push_back(
      "Columns after the share are medians in seconds of wall time; sums over trajectories where "
      "marked. The ngspice analyses run in worker processes (two at a time on two cores), so their "
      "sum exceeds the simulation loop's wall time.");
  report.sections.push_back(std::move(sec));
}

}  // namespace memcosim::bench
