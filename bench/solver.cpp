// Comparison 3: ngspice's KLU against its Sparse 1.3 solver on crossbars of
// N x N behavioural RRAM cells with resistive wires (every row a wire driven
// at its first column, every column a wire read at its last row by a TIA,
// one segment between neighbouring cells), N = 16 ... 128, and on the ring
// solver circuits `memcosim run` simulates. The crossbar is built with the
// project's block builders (cells, TIAs, sources) and emitted by the one
// emitter; only ".options klu" / ".options sparse" differ.
//
// Why the largest crossbars get an operating point and not a transient: the
// wired crossbar is a 2-D mesh (row wires horizontal, column wires vertical,
// a cell joining them at every crossing), and a direct LU of a mesh fills
// in. ngspice 46's own accounting (`rusage all`): KLU's fill-in grows
// 10.8k -> 115k -> 1.11M -> 9.6M non-zeros for N = 16, 32, 64, 128 (~N^3.3
// for ~2 N^2 equations) and one factorisation ~N^4.7 (2.4 ms, 0.13 s and
// ~3 s at N = 32, 64, 128), while a 10 us transient needs ~230 Newton
// iterations whatever N (79 time points, 228 iterations at 32; B-source
// evaluation under 10 % of the time): ~12 min per KLU transient at 128.
// Sparse's Markowitz ordering grows faster still (0.17 s at 32, 4 s at 64).
// So the default runs a transient up to 64 and the operating point (a few
// iterations) at 32, 64 and 128, one run per solver in a worker process that
// is stopped at a time limit.
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <numbers>
#include <optional>
#include <ostream>
#include <sstream>

#include "bench.hpp"
#include "circuit/blocks.hpp"
#include "circuit/ir.hpp"
#include "config/config.hpp"
#include "spice/emitter.hpp"
#include "spice/job.hpp"
#include "spice/runner.hpp"
#include "spice/session.hpp"
#include "util/numbers.hpp"
#include "util/random.hpp"

namespace memcosim::bench {

namespace {

using circuit::Expr;

// Nodes of the wired crossbar.
std::string row_node(int r, int j) { return "rw" + std::to_string(r) + "_" + std::to_string(j); }
std::string col_node(int j, int r) { return "cw" + std::to_string(j) + "_" + std::to_string(r); }

struct Crossbar {
  std::string netlist;
  std::size_t elements = 0;
};

// transient false: operating point only (no .tran card; the sources at t = 0).
Crossbar crossbar_netlist(const config::Config& cfg, int n, double r_wire, double duration, int points,
                          bool transient = true) {
  const auto& cc = cfg.circuit;
  circuit::Environment env{cc.supply.vdd, cc.supply.vss, cc.opamp, cc.crossbar.cell, cc.relu.knee};
  circuit::Circuit c;
  c.title = "memcosim bench: " + std::to_string(n) + "x" + std::to_string(n) + " crossbar with wire resistance";
  const double v_read = cc.crossbar.v_read, g_min = cc.crossbar.g_min, g_max = cc.crossbar.g_max;

  auto& drivers = c.block("row drivers", {"sines of 1 to 2 periods over the run, amplitude v_read"});
  for (int r = 0; r < n; ++r) {
    const double f = (1.0 + static_cast<double>(r) / n) / duration, phase = 0.7 * r;
    circuit::voltage(
        c, drivers, "Vrow" + std::to_string(r), "in" + std::to_string(r),
        Expr::num(v_read) * Expr::call("sin", {Expr::num(2 * std::numbers::pi * f) * Expr::time() + Expr::num(phase)}));
  }
  auto& cells = c.block("cells", {"behavioural RRAM, conductances uniform in [g_min, g_max]"});
  Rng rng(derive_seed(20240601, "bench crossbar"));
  for (int r = 0; r < n; ++r)
    for (int j = 0; j < n; ++j)
      circuit::cell(c, cells, "cell" + std::to_string(r) + "_" + std::to_string(j), row_node(r, j), col_node(j, r),
                    rng.uniform(g_min, g_max), config::Level::behavioral, env);
  auto& wires = c.block("wires", {"one segment per cell pitch, " + spice_number(r_wire) + " ohm"});
  for (int r = 0; r < n; ++r) {
    c.add(wires, circuit::Resistor{"Rrw" + std::to_string(r) + "_0", "in" + std::to_string(r), row_node(r, 0), r_wire});
    for (int j = 0; j + 1 < n; ++j)
      c.add(wires, circuit::Resistor{"Rrw" + std::to_string(r) + "_" + std::to_string(j + 1), row_node(r, j),
                                     row_node(r, j + 1), r_wire});
  }
  for (int j = 0; j < n; ++j) {
    for (int r = 0; r + 1 < n; ++r)
      c.add(wires, circuit::Resistor{"Rcw" + std::to_string(j) + "_" + std::to_string(r), col_node(j, r),
                                     col_node(j, r + 1), r_wire});
    c.add(wires, circuit::Resistor{"Rcw" + std::to_string(j) + "_" + std::to_string(n - 1), col_node(j, n - 1),
                                   "vg" + std::to_string(j), r_wire});
  }
  auto& tias = c.block("TIAs", {"behavioural op-amps, full scale 0.2 V"});
  const double rf = 0.2 / (n * 0.5 * (g_min + g_max) * v_read);
  for (int j = 0; j < n; ++j) {
    circuit::tia(c, tias, "tia" + std::to_string(j), "vg" + std::to_string(j), "out" + std::to_string(j), rf,
                 config::Level::behavioral, env);
    c.save("out" + std::to_string(j));
  }
  const auto& sim = cfg.simulation;
  c.option("reltol", sim.reltol);
  c.option("abstol", sim.abstol);
  c.option("vntol", sim.vntol);
  c.option("method", std::string(config::enum_name(sim.method)));
  if (transient) c.tran = circuit::TranAnalysis{duration / points, duration, duration / points};
  return {spice::emit(c), c.element_count()};
}

// ngspice's own accounting of a run (`rusage all`): iterations, factor time,
// analysis time, from the lines after `from`.
struct Rusage {
  double iterations = 0, factor = 0, reorder = 0, analysis = 0, fill = 0;
};
Rusage parse_rusage(const std::vector<std::string>& lines, std::size_t from = 0) {
  Rusage u;
  for (std::size_t i = std::min(from, lines.size()); i < lines.size(); ++i) {
    const std::string& l = lines[i];
    const auto eq = l.find('=');
    if (eq == std::string::npos) continue;
    const double v = std::atof(l.c_str() + eq + 1);
    if (l.find("Total iterations") != std::string::npos)
      u.iterations = v;
    else if (l.find("Matrix factor time") != std::string::npos)
      u.factor = v;
    else if (l.find("Matrix reorder time") != std::string::npos)
      u.reorder = v;
    else if (l.find("Total analysis time") != std::string::npos)
      u.analysis = v;
    else if (l.find("fill-in non-zeroes") != std::string::npos)
      u.fill = v;
  }
  return u;
}

double max_final_diff(const spice::Plot& a, const spice::Plot& b) {
  double diff = 0;
  for (const auto& v : a.vectors)
    if (v.name != a.scale)
      if (const auto* w = b.find(v.name); w && !v.re.empty() && !w->re.empty())
        diff = std::max(diff, std::abs(v.re.back() - w->re.back()));
  return diff;
}

std::string first_line(const std::string& text, std::size_t max = 160) {
  std::string l = text.substr(0, text.find('\n'));
  return l.size() > max ? l.substr(0, max) + "..." : l;
}

}  // namespace

void bench_solver(const Settings& s, Report& report) {
  const config::Config cfg = config::load_config((s.root / "configs/ring.yaml").string());
  const std::vector<int> sizes =
      !s.sizes.empty() ? s.sizes : (s.quick ? std::vector<int>{16, 32} : std::vector<int>{16, 32, 64});
  const std::vector<int> op_sizes =
      !s.op_sizes.empty() ? s.op_sizes : (s.quick ? std::vector<int>{16, 32} : std::vector<int>{32, 64, 128});
  // Sparse's operating point at 128 x 128 is stopped here (its ordering
  // alone is expected to take longer, see the top of this file).
  const double op_timeout = s.op_timeout > 0 ? s.op_timeout : (s.quick ? 120 : 240);
  const double r_wire = 1.0, duration = 10e-6;
  const int points = 20;
  Section sec;
  sec.title = "3. KLU vs Sparse on crossbars with wire resistance";
  sec.notes.push_back(fmt(
      "N x N behavioural RRAM cells (configs/ring.yaml's cell model, conductances uniform in [g_min, g_max]), every "
      "row and column a wire of %g ohm per cell pitch, rows driven by sines (1 to 2 periods) of amplitude v_read, "
      "columns read by behavioural TIAs. *transient*: a %g us transient of at most %d-th steps, in one in-process "
      "session, KLU and Sparse alternating; time = load + run + vector fetch. *op*: the DC operating point only "
      "(a few Newton iterations), one run per solver in a worker process (time = load + analysis + fetch, where it "
      "ran), "
      "stopped after %s: a transient at 128 x 128 takes ~12 min with KLU alone (~230 iterations of ~3 s), see the "
      "last paragraph. The netlists differ only in `.options klu` / `.options sparse`. Then the ring solver circuits "
      "`memcosim run` simulates (`memcosim netlist`, trajectory 0; elements = netlist lines that are elements, "
      "subcircuit contents counted once). Ratio = Sparse / KLU (above 1: KLU faster). The factorisation columns are "
      "ngspice's own accounting (`rusage all` after each run).",
      r_wire, duration * 1e6, points, fmt_time(op_timeout).c_str()));
  sec.header = {"circuit",
                "analysis",
                "elements",
                "runs",
                "KLU",
                "Sparse",
                "Sparse / KLU",
                "factor time per iteration KLU / Sparse",
                "ordering (reorder) time KLU / Sparse",
                "fill-in non-zeros KLU / Sparse",
                "solver reported",
                "max |diff| of the outputs"};

  // Where each solver won: (label, ratio, KLU failed, Sparse failed).
  struct Outcome {
    std::string label;
    double ratio;
    bool klu_failed, sparse_failed;
  };
  std::vector<Outcome> outcomes;
  auto add_row = [&](const std::string& label, const std::string& analysis, std::size_t elements, int runs,
                     const Series* series, const double wall[2], const std::string failed[2],
                     const std::vector<Rusage> use[2], const std::string used[2], double diff) {
    auto med = [&](int k, double Rusage::*f) {
      std::vector<double> v;
      for (const auto& u : use[k]) v.push_back(u.*f);
      return stats_of(v).median;
    };
    auto per_iteration = [&](int k) {
      std::vector<double> v;
      for (const auto& u : use[k])
        if (u.iterations > 0) v.push_back(u.factor / u.iterations);
      return v.empty() ? std::string("-") : fmt_time(stats_of(v).median);
    };
    auto time_of = [&](int k) {
      if (series) return fmt_stats(series[k].wall_stats()) + (failed[k].empty() ? "" : " FAILED: " + failed[k]);
      return failed[k].empty() ? fmt_time(wall[k]) : failed[k];
    };
    const double t0 = series ? series[0].wall_stats().median : wall[0];
    const double t1 = series ? series[1].wall_stats().median : wall[1];
    std::string ratio_text;
    double ratio = t1 / t0;
    if (!failed[0].empty() && !failed[1].empty()) {
      ratio_text = "both failed";
      ratio = std::nan("");
    } else if (!failed[1].empty() && failed[1].rfind("stopped", 0) == 0) {
      ratio_text = "> " + fmt_ratio(ratio) + " (Sparse stopped)";
    } else if (!failed[0].empty() || !failed[1].empty()) {
      ratio_text = fmt_ratio(ratio) + " (" + std::string(failed[0].empty() ? "Sparse" : "KLU") + " failed)";
    } else {
      ratio_text = fmt_ratio(ratio);
    }
    outcomes.push_back({label + " (" + analysis + ")", ratio, !failed[0].empty(), !failed[1].empty()});
    sec.rows.push_back({label, analysis, std::to_string(elements), std::to_string(runs), time_of(0), time_of(1),
                        ratio_text, per_iteration(0) + " / " + per_iteration(1),
                        (use[0].empty() ? "-" : fmt_time(med(0, &Rusage::reorder))) + " / " +
                            (use[1].empty() ? "-" : fmt_time(med(1, &Rusage::reorder))),
                        (use[0].empty() ? "-" : fmt("%.3g", med(0, &Rusage::fill))) + " / " +
                            (use[1].empty() ? "-" : fmt("%.3g", med(1, &Rusage::fill))),
                        (used[0].empty() ? "-" : used[0]) + " / " + (used[1].empty() ? "-" : used[1]),
                        std::isfinite(diff) ? fmt("%.2g V", diff) : "-"});
    report.summary.push_back({"3 KLU vs Sparse", label + ", " + analysis, "Sparse / KLU = " + ratio_text,
                              "report; KLU the default where it wins", ""});
  };

  // Operating points first, in a worker process (KLU, then Sparse stopped
  // at op_timeout; the pool replaces a stopped worker, which it may do only
  // while no NgspiceSession lives in this process), their rows after the
  // transients'.
  struct OpResult {
    std::string label;
    std::size_t elements = 0;
    double wall[2] = {0, 0};
    std::string failed[2], used[2];
    std::vector<Rusage> use[2];
    double diff = 0;
  };
  std::vector<OpResult> op_results;
  op_results.reserve(op_sizes.size());
  {
    spice::RunnerOptions ro;
    ro.mode = spice::ExecutionMode::worker_processes;
    ro.pool.workers = 1;
    spice::Runner op_runner(ro);
    if (!op_runner.simulator_info().has_klu)
      throw std::runtime_error("ngspice-" + op_runner.simulator_info().version + " has no KLU");
    for (int n : op_sizes) {
      const Crossbar xb = crossbar_netlist(cfg, n, r_wire, duration, points, false);
      std::ofstream(s.work / fmt("crossbar_%dx%d_op.cir", n, n)) << xb.netlist;
      const std::string label = fmt("%dx%d crossbar, wires %g ohm", n, n, r_wire);
      *s.log << "solver: " << label << " operating point (" << xb.elements << " elements), one run per solver\n"
             << std::flush;
      spice::Plot plots[2];
      OpResult& res = op_results.emplace_back();
      res.label = label;
      res.elements = xb.elements;
      std::string* used = res.used;
      std::string* failed = res.failed;
      std::vector<Rusage>* use = res.use;
      double* wall = res.wall;
      for (int k = 0; k < 2; ++k) {
        spice::Job job;
        job.id = static_cast<std::uint64_t>(k);
        job.netlist = xb.netlist;
        job.solver = k == 0 ? spice::Solver::klu : spice::Solver::sparse;
        job.analysis = "op";
        job.post_commands = {"rusage all"};
        job.timeout_s = op_timeout;
        const auto t0 = Clock::now();
        op_runner.submit(job);
        std::optional<spice::Result> r = op_runner.next();
        wall[k] = std::chrono::duration<double>(Clock::now() - t0).count();
        if (!r) throw std::runtime_error("solver: the worker returned no result");
        if (r->ok()) {
          wall[k] = r->wall_seconds;
          plots[k] = r->plot;
          used[k] = r->solver;
          use[k].push_back(parse_rusage(r->log));
        } else if (r->status == spice::JobStatus::timeout) {
          failed[k] = "stopped after " + fmt_time(op_timeout);
        } else {
          failed[k] = std::string(spice::to_string(r->status)) + ": " + first_line(r->message);
        }
        *s.log << "  " << (k == 0 ? "KLU" : "Sparse") << ": " << (failed[k].empty() ? fmt_time(wall[k]) : failed[k])
               << "\n"
               << std::flush;
      }
      res.diff = failed[0].empty() && failed[1].empty() ? max_final_diff(plots[0], plots[1]) : std::nan("");
    }
  }
  spice::NgspiceSession session;

  // A transient: one netlist, KLU and Sparse alternating in the in-process
  // session. A solver that fails is recorded (its time to the failure).
  auto compare = [&](const std::string& label, const std::string& netlist, std::size_t elements, int runs) {
    *s.log << "solver: " << label << " (" << elements << " elements), " << runs << " runs per solver\n" << std::flush;
    spice::Plot plots[2];
    std::string used[2], failed[2];
    std::vector<Rusage> use[2];
    auto variant = [&](int k) {
      const std::string text = spice::netlist_with_solver(netlist, k == 0 ? spice::Solver::klu : spice::Solver::sparse);
      return [&, k, text]() {
        const Sample smp = measure([&] {
          try {
            session.load(text);
            session.run(3600);
            plots[k] = session.plot();
            used[k] = session.solver_used();
          } catch (const spice::SpiceError& e) {
            if (e.kind() == spice::SpiceErrorKind::unusable || e.kind() == spice::SpiceErrorKind::controlled_exit)
              throw;
            if (failed[k].empty()) failed[k] = first_line(e.what());
          }
        });
        // ngspice's own accounting of the run just timed (not timed itself).
        const auto before = session.log().size();
        session.command("rusage all");
        use[k].push_back(parse_rusage(session.log(), before));
        return smp;
      };
    };
    const auto series = alternate(runs, {variant(0), variant(1)}, s.log, "solver " + label);
    const double diff = failed[0].empty() && failed[1].empty() ? max_final_diff(plots[0], plots[1]) : std::nan("");
    add_row(label, "transient", elements, runs, series.data(), nullptr, failed, use, used, diff);
  };

  for (int n : sizes) {
    const Crossbar xb = crossbar_netlist(cfg, n, r_wire, duration, points);
    std::ofstream(s.work / fmt("crossbar_%dx%d.cir", n, n)) << xb.netlist;
    compare(fmt("%dx%d crossbar, wires %g ohm", n, n, r_wire), xb.netlist, xb.elements,
            s.runs > 0 ? s.runs
                       : (s.quick ? 1
                                  : (n >= 64   ? 1
                                     : n >= 32 ? 5
                                               : 10)));
  }

  for (const auto& o : op_results)
    add_row(o.label, "op", o.elements, 1, nullptr, o.wall, o.failed, o.use, o.used, o.diff);

  // The netlists `memcosim run` simulates: the ring at each level, and the
  // reverse SDE (for which `auto` picks Sparse).
  struct Ring {
    std::string level, config;
    int runs;
    std::vector<std::string> set;
  };
  std::vector<Ring> rings = {{"ideal", "configs/ring.yaml", s.pick(10, 1), {"circuit.level=ideal"}},
                             {"behavioral", "configs/ring.yaml", s.pick(5, 1), {"circuit.level=behavioral"}}};
  if (!s.quick) {
    rings.push_back({"transistor", "configs/ring_transistor.yaml", s.pick(3, 1), {}});
    rings.push_back({"reverse SDE, behavioral", "configs/ring_sde.yaml", s.pick(3, 1), {}});
  }
  for (const Ring& r : rings) {
    std::string tag = r.level;
    for (char& ch : tag)
      if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    const fs::path net = s.work / ("ring_" + tag + ".cir");
    ProcessOptions po;
    po.cwd = s.root;
    po.output = s.work / ("netlist_" + tag + ".log");
    std::vector<std::string> argv = {s.memcosim.string(), "netlist", r.config, "-o", net.string()};
    for (const auto& o : r.set) argv.insert(argv.end(), {"--set", o});
    if (const auto pr = run_process(argv, po); !pr.ok())
      throw std::runtime_error("memcosim netlist " + r.config + " failed:\n" + tail_of_file(po.output));
    std::stringstream text;
    text << std::ifstream(net).rdbuf();
    std::size_t elements = 0;
    bool title = true;  // the first line is the title
    for (std::string line; std::getline(text, line); title = false)
      if (!title && !line.empty() && std::isalpha(static_cast<unsigned char>(line[0]))) ++elements;
    compare("ring solver circuit, " + r.level + " level", text.str(), elements, r.runs);
  }

  // What `simulation.solver: auto` picks (tasks/diffusion/run.cpp): KLU whenever the
  // library has it, except Sparse for the reverse SDE.
  std::vector<std::string> lines;
  bool matches = true;
  for (const auto& o : outcomes) {
    const bool sde = o.label.find("reverse SDE") != std::string::npos;
    const std::string pick = sde ? "Sparse" : "KLU";
    std::string measured;
    if (o.klu_failed && o.sparse_failed)
      measured = "both failed";
    else if (o.klu_failed)
      measured = "KLU failed, Sparse did not";
    else if (o.sparse_failed)
      measured = "Sparse failed or was stopped, KLU did not";
    else if (std::abs(o.ratio - 1) <= 0.05)
      measured = fmt("a tie (Sparse / KLU = %s, within 5 %%)", fmt_ratio(o.ratio).c_str());
    else
      measured = o.ratio > 1 ? fmt("KLU faster (%s)", fmt_ratio(o.ratio).c_str())
                             : fmt("Sparse faster (Sparse / KLU = %s)", fmt_ratio(o.ratio).c_str());
    // Within 5 % either solver is as good a default (the machine is noisy).
    const bool klu_better = !o.klu_failed && (o.sparse_failed || o.ratio >= 0.95);
    const bool ok = sde || klu_better || (o.klu_failed && o.sparse_failed);
    // The SDE's Sparse is a choice for robustness (KLU failed 6 of 50
    // trajectories after PWL breakpoints); a KLU win on trajectory 0 does
    // not contradict it, and it is said so below.
    if (!sde && !ok) matches = false;
    lines.push_back("- " + o.label + ": auto picks " + pick + "; measured: " + measured + "." +
                    (sde && klu_better ? " auto keeps Sparse here for robustness, not speed: with KLU 6 of 50 "
                                         "ring_sde trajectories failed ('timestep too small' after PWL breakpoints), "
                                         "all pass with Sparse; this one trajectory does not test that."
                                       : ""));
  }
  std::string after =
      "What `simulation.solver: auto` (the default) picks, against the measurement (KLU whenever "
      "the library has it, Sparse for the reverse SDE; the crossbars are not circuits `memcosim run` "
      "builds, but auto would pick KLU for them):\n\n";
  for (const auto& l : lines) after += l + "\n";
  sec.after.push_back(after);
  sec.after.push_back(
      "Why the crossbar's cost grows so fast with N: with wire resistance the crossbar is a 2-D mesh of ~2 N^2 "
      "equations, and a direct LU of a mesh fills in (the fill-in column: ~N^3.3 for KLU), so one factorisation "
      "grows ~N^4.7 (the factor-time column). The step count does not grow: a 10 us transient took 79 time points "
      "and 228 Newton iterations at 32 x 32 with both solvers, under 10 % of it evaluating the sinh B-sources "
      "(ngspice's 'load' time). At 128 x 128 one KLU transient would take ~230 x 3 s = ~12 min, Sparse's longer; "
      "its operating point shows the same per-iteration cost in a few iterations. Sparse's Markowitz ordering "
      "(the reorder column) grows faster than KLU's AMD ordering, which is most of the op ratio at 128.");
  report.summary.push_back(
      {"3 KLU vs Sparse", "the default (auto: KLU; Sparse for the reverse SDE)",
       matches ? "matches the measurement (see section 3)" : "Sparse won where auto picks KLU (see section 3)",
       "KLU default where it wins", matches ? "met" : "NOT met"});
  report.sections.push_back(std::move(sec));
}

}  // namespace memcosim::bench
