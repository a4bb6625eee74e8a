// Comparison 1: in-process libngspice (NgspiceSession: load + run + vector
// fetch) against the ngspice program in batch mode (`ngspice -b -r out.raw
// net.cir`: process start, ngspice's initialisation, simulation, raw write)
// followed by our rawfile reader, on the netlists `memcosim netlist` writes
// for the ring at ideal, behavioural and transistor level.
//
// The program runs twice over: as installed (its spinit asks for 8 OpenMP
// threads, and ngspice 46 checks the free memory at every output point), and
// with the settings the session uses (a .spiceinit in its working folder:
// `set num_threads=1`, `set no_mem_check`), so the table separates what the
// process costs from what the settings cost.
#include <cmath>
#include <fstream>
#include <ostream>
#include <sstream>

#include "bench.hpp"
#include "spice/rawfile.hpp"
#include "spice/session.hpp"

namespace memcosim::bench {

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Case {
  std::string level, config;
  std::vector<std::string> overrides;
  int runs = 0;
};

// Largest |a - b| of the final values of the vectors both plots have (scale excluded).
double end_point_difference(const spice::Plot& a, const spice::Plot& b, std::size_t* compared) {
  double worst = 0;
  *compared = 0;
  for (const auto& v : a.vectors) {
    if (v.name == a.scale || v.re.empty()) continue;
    const spice::Vector* w = b.find(v.name);
    if (!w || w->re.empty()) continue;
    worst = std::max(worst, std::abs(v.re.back() - w->re.back()));
    ++*compared;
  }
  return worst;
}

}  // namespace

void bench_spice(const Settings& s, Report& report) {
  std::ostream& log = *s.log;
  std::vector<Case> cases = {
      {"ideal", "configs/ring.yaml", {"circuit.level=ideal"}, s.pick(100, 3)},
      {"behavioral", "configs/ring.yaml", {"circuit.level=behavioral"}, s.pick(100, 3)},
  };
  const int runs_tr = s.runs_transistor > 0 ? s.runs_transistor : (s.quick ? 0 : 10);
  if (runs_tr > 0) cases.push_back({"transistor", "configs/ring_transistor.yaml", {}, runs_tr});

  const auto session_start = Clock::now();
  spice::NgspiceSession session;
  const double session_seconds = std::chrono::duration<double>(Clock::now() - session_start).count();
  const bool klu = session.info().has_klu;

  // The CLI's working folders: one bare, one with the session's settings.
  const fs::path plain_dir = s.work / "cli_as_installed", tuned_dir = s.work / "cli_session_settings";
  fs::create_directories(plain_dir);
  fs::create_directories(tuned_dir);
  fs::remove(plain_dir / ".spiceinit");
  std::ofstream(tuned_dir / ".spiceinit") << "* the settings NgspiceSession uses (src/spice/session.cpp)\n"
                                             "echo memcosim-bench-spiceinit\nset num_threads=1\nset no_mem_check\n";

  Section sec;
  sec.title = "1. In-process libngspice vs the ngspice program (batch mode, raw file read back)";
  sec.notes.push_back(
      "The same netlist (`memcosim netlist CONFIG" + std::string(klu ? " --klu" : "") +
      "`, trajectory 0) each way. In-process: `NgspiceSession::load` + `run` + `plot` (every saved vector copied "
      "out); the session itself is started once per worker process (here " +
      fmt_time(session_seconds) +
      ") and is not counted. Program: `ngspice -b -r out.raw net.cir` (process start, ngspice's initialisation with "
      "its code models, simulation, binary raw write) + `spice::read_raw_file`. \"as installed\": no .spiceinit (the "
      "system spinit sets 8 OpenMP threads; ngspice 46 checks free memory at every output point). \"session "
      "settings\": a .spiceinit with `set num_threads=1` and `set no_mem_check`, what the session sets. Ratio = "
      "program median / in-process median (wall; CPU = user + system of all processes and threads).");
  sec.header = {"level",       "runs",
                "in-process",  "ngspice -b, as installed",
                "ratio (CPU)", "ngspice -b, session settings",
                "ratio (CPU)", "end points: in-process vs raw"};

  std::vector<std::string> phase_notes;
  for (const Case& c : cases) {
    log << "spice: " << c.level << ", " << c.runs << " runs per variant\n" << std::flush;
    const fs::path net = s.work / ("ring_" + c.level + ".cir");
    std::vector<std::string> argv = {s.memcosim.string(), "netlist", c.config, "-o", net.string()};
    if (klu) argv.push_back("--klu");
    for (const auto& o : c.overrides) argv.insert(argv.end(), {"--set", o});
    ProcessOptions po;
    po.cwd = s.root;
    po.output = s.work / ("netlist_" + c.level + ".log");
    if (const auto pr = run_process(argv, po); !pr.ok())
      throw std::runtime_error("memcosim netlist " + c.config + " failed (" + pr.describe() + "):\n" +
                               tail_of_file(po.output));
    const std::string text = read_text(net);
    const double timeout = 600;

    spice::Plot in_process, from_raw;
    std::vector<double> t_load, t_run, t_fetch;
    auto in_proc = [&]() {
      return measure([&] {
        const auto t0 = Clock::now();
        session.load(text);
        const auto t1 = Clock::now();
        session.run(timeout);
        const auto t2 = Clock::now();
        in_process = session.plot();
        t_load.push_back(std::chrono::duration<double>(t1 - t0).count());
        t_run.push_back(std::chrono::duration<double>(t2 - t1).count());
        t_fetch.push_back(std::chrono::duration<double>(Clock::now() - t2).count());
      });
    };
    auto cli = [&](const fs::path& dir) {
      return [&, dir]() {
        const fs::path raw = dir / "out.raw";
        fs::remove(raw);
        ProcessOptions o;
        o.cwd = dir;
        o.output = dir / "ngspice.log";
        o.timeout = timeout;
        const ProcessResult pr = run_process({"ngspice", "-b", "-r", raw.string(), net.string()}, o);
        if (!pr.ok() || !fs::exists(raw))
          throw std::runtime_error("ngspice -b " + net.string() + " failed (" + pr.describe() + "):\n" +
                                   tail_of_file(o.output));
        if (dir == tuned_dir && tail_of_file(o.output, 1 << 20).find("memcosim-bench-spiceinit") == std::string::npos)
          throw std::runtime_error("ngspice did not read " + (dir / ".spiceinit").string());
        Sample read = measure([&] {
          auto plots = spice::read_raw_file(raw);
          if (plots.empty()) throw std::runtime_error(raw.string() + ": no plot");
          from_raw = std::move(plots.back());
        });
        return Sample{pr.wall + read.wall, pr.cpu + read.cpu};
      };
    };
    const auto series = alternate(c.runs, {in_proc, cli(plain_dir), cli(tuned_dir)}, &log, "spice " + c.level);
    std::size_t compared = 0;
    const double diff = end_point_difference(in_process, from_raw, &compared);
    const auto a = series[0].wall_stats(), b = series[1].wall_stats(), t = series[2].wall_stats();
    const double ratio_b = b.median / a.median, ratio_t = t.median / a.median;
    const double cpu_b = series[1].cpu_stats().median / series[0].cpu_stats().median;
    const double cpu_t = series[2].cpu_stats().median / series[0].cpu_stats().median;
    sec.rows.push_back({c.level, std::to_string(c.runs), fmt_stats(a), fmt_stats(b),
                        fmt_ratio(ratio_b) + " (" + fmt_ratio(cpu_b) + ")", fmt_stats(t),
                        fmt_ratio(ratio_t) + " (" + fmt_ratio(cpu_t) + ")",
                        fmt("max |diff| %.2g V over %zu vectors, %zu vs %zu points", diff, compared,
                            in_process.vectors.empty() ? std::size_t{0} : in_process.vectors[0].size(),
                            from_raw.vectors.empty() ? std::size_t{0} : from_raw.vectors[0].size())});
    phase_notes.push_back(fmt("%s: load %s, run %s, fetch %s (medians)", c.level.c_str(),
                              fmt_time(stats_of(t_load).median).c_str(), fmt_time(stats_of(t_run).median).c_str(),
                              fmt_time(stats_of(t_fetch).median).c_str()));
    report.summary.push_back({"1 in-process vs ngspice -b", c.level + " ring, " + std::to_string(c.runs) + " runs",
                              fmt_ratio(ratio_b) + " faster (CPU " + fmt_ratio(cpu_b) +
                                  "); vs the program with the "
                                  "session's settings " +
                                  fmt_ratio(ratio_t),
                              ">= 1.3x", ratio_b >= 1.3 ? "met" : "NOT met"});
  }
  std::string phases = "Where the in-process time goes: ";
  for (std::size_t i = 0; i < phase_notes.size(); ++i) phases += (i ? "; " : "") + phase_notes[i];
  sec.after.push_back(phases + ".");
  report.sections.push_back(std::move(sec));
}

}  // namespace memcosim::bench
