#include "flow/run.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

#include "circuit/settled.hpp"
#include "circuit/solver.hpp"
#include "flow/common.hpp"
#include "flow/energy.hpp"
#include "flow/transistor.hpp"
#include "flow/plots.hpp"
#include "reference/ode_solver.hpp"
#include "reference/sampler.hpp"
#include "spice/emitter.hpp"
#include "spice/runner.hpp"
#include "util/csv.hpp"
#include "util/error.hpp"
#include "util/random.hpp"

namespace memcosim::flow {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::vector<double> column(const Eigen::VectorXd& v) { return {v.data(), v.data() + v.size()}; }

// Columns of x at the given indices.
Eigen::MatrixXd pick(const Eigen::MatrixXd& x, const std::vector<long>& idx) {
  Eigen::MatrixXd out(x.rows(), static_cast<Eigen::Index>(idx.size()));
  for (std::size_t k = 0; k < idx.size(); ++k) out.col(static_cast<Eigen::Index>(k)) = x.col(idx[k]);
  return out;
}

// Where the wall time of a run goes (seconds; summary.json "timing.phases").
// Sums over trajectories for the per-trajectory parts.
struct Phases {
  double simulator_start = 0, transistor_environment = 0, circuit_build = 0, references = 0;
  double netlist_generation = 0, simulation_loop = 0, comparison = 0, metrics = 0;
  double digital_baseline = 0, plots = 0;
  double ngspice_load = 0, ngspice_analysis = 0, vector_fetch = 0;  // where each job ran, + decoding
};

// How often each watched node reached the swing limits, over all trajectories.
struct RailLog {
  std::map<std::string, long> hits;
  double worst = 0.0;  // largest |V| seen (V)
  std::string worst_node;
};

// Test hook, not a user feature: MEMCOSIM_TEST_FAULTS="3:segfault,5:hang"
// makes the worker that runs trajectory 3 crash with SIGSEGV and the one
// that runs trajectory 5 hang, to prove a run keeps every other result.
std::map<long, spice::TestFault> injected_faults() {
  std::map<long, spice::TestFault> faults;
  const char* env = std::getenv("MEMCOSIM_TEST_FAULTS");
  if (!env) return faults;
  std::stringstream ss(env);
  for (std::string item; std::getline(ss, item, ',');) {
    const auto colon = item.find(':');
    if (colon == std::string::npos) continue;
    const long index = std::stol(item.substr(0, colon));
    const std::string kind = item.substr(colon + 1);
    if (kind == "segfault") faults[index] = spice::TestFault::segfault;
    else if (kind == "abort") faults[index] = spice::TestFault::abort;
    else if (kind == "hang") faults[index] = spice::TestFault::hang;
    else if (kind == "exit") faults[index] = spice::TestFault::exit;
  }
  return faults;
}

// summary.json "timing.phases" and "timing.framework_overhead".
void add_phase_timing(nlohmann::json& timing, const Phases& ph, const RunOptions& opt, double run_seconds) {
  const double wall = opt.config_load_seconds + opt.model_load_seconds + run_seconds;
  timing["phases"] = {{"config_load", opt.config_load_seconds},
                      {"model_load", opt.model_load_seconds},
                      {"simulator_start", ph.simulator_start},
                      {"transistor_environment", ph.transistor_environment},
                      {"circuit_build", ph.circuit_build},
                      {"references", ph.references},
                      {"netlist_generation", ph.netlist_generation},
                      {"simulation_loop", ph.simulation_loop},
                      {"ngspice_load_sum", ph.ngspice_load},
                      {"ngspice_analysis_sum", ph.ngspice_analysis},
                      {"vector_fetch_sum", ph.vector_fetch},
                      {"comparison", ph.comparison},
                      {"metrics", ph.metrics},
                      {"digital_baseline", ph.digital_baseline},
                      {"plots", ph.plots}};
  const double overhead = opt.config_load_seconds + opt.model_load_seconds + ph.circuit_build +
                          ph.netlist_generation + ph.vector_fetch + ph.comparison + ph.metrics;
  timing["wall_seconds_with_setup"] = wall;
  timing["framework_overhead"] = {
      {"seconds", overhead},
      {"share_of_wall", wall > 0 ? overhead / wall : 0.0},
      {"definition",
       "config and model load, circuit build, netlist generation, vector fetch (copy out of ngspice and "
       "decoding the worker's message) and comparison (per trajectory, then the distribution metrics), "
       "summed over trajectories, over the wall time from config load to summary.json (an upper bound: "
       "the parent's share overlaps with the workers' simulations)"}};
}

}  // namespace

References integrate_references(const config::Config& cfg, const nn::LoadedModel& model,
                                const circuit::SolverCircuit& sc, const sde::VpSchedule& schedule,
                                const reference::SamplerOptions& so, const Eigen::MatrixXd& x0,
                                const std::vector<double>& grid, const sde::BrownianPath* brownian) {
  References r;
  const bool sde = brownian != nullptr;
  reference::OdeOptions ode = so.ode;
  // The circuit-equivalent reference is the yardstick: solve it tighter
  // than any circuit error we want to see.
  ode.rtol = std::min(ode.rtol, 1e-8);
  ode.atol = std::min(ode.atol, 1e-8);
  ode.dt_initial = sc.duration * 1e-4;
  r.x_ref = x0;
  const nn::ScoreNet& net = model.net;
  const double w = sc.score_weight;
  r.settled = cfg.simulation.reference == config::ReferenceModel::circuit;
  const std::optional<circuit::SettledCircuit> settled =
      r.settled ? std::optional<circuit::SettledCircuit>(std::in_place, sc, cfg.circuit) : std::nullopt;
  const reference::BatchRhs circuit_rhs = [&](const Eigen::MatrixXd& x, Eigen::MatrixXd& dxdt, double tau) {
    if (settled) {
      settled->rate(x, tau, dxdt);
      return;
    }
    const Eigen::VectorXd e = sc.embedding(tau);
    net.forward(x, e, sc.class_embedding.size() ? &sc.class_embedding : nullptr, dxdt);
    dxdt = (sc.gain(tau) / sc.tau0) * (x + w * dxdt);
  };
  reference::OdeStats st;
  if (sde) {
    // The same path the netlists carry: Y at the PWL corners tau_j, and in
    // between the constant forcing (Y_{j+1} - Y_j) / (tau_{j+1} - tau_j).
    st = solve_circuit_sde(sc, circuit_rhs, *brownian, 0, r.x_ref, ode, grid, &r.trajectory);
  } else {
    st = reference::solve_batch_ode(circuit_rhs, r.x_ref, 0.0, sc.duration, ode, grid, &r.trajectory);
  }
  if (!st.ok) throw SimulationError("circuit-equivalent reference failed: " + st.message);
  r.reference_steps = st.steps;

  r.x_soft = x0;
  const SamplingScore score(cfg, net);
  if (sde) {
    // Euler-Maruyama on the same increments (reference::sample uses the same
    // starts and path for these options).
    const auto soft = reference::sample(score.model(), schedule, so);
    if (!soft.stats.ok) throw SimulationError("software sampler failed: " + soft.stats.message);
    r.x_soft = soft.samples;
    r.software_steps = soft.stats.steps;
  } else {
    const auto soft_stats =
        reference::integrate_pf_ode(score.model(), schedule, r.x_soft, cfg.sampling.t_start, cfg.sampling.t_end, so.ode);
    if (!soft_stats.ok) throw SimulationError("software sampler failed: " + soft_stats.message);
    r.software_steps = soft_stats.steps;
  }
  return r;
}

RunReport run_reference_only(const config::Config& cfg, const nn::LoadedModel& model, const RunOptions& opt,
                             std::ostream& log) {
  const auto start_time = Clock::now();
  const long n = opt.n > 0 ? opt.n : cfg.simulation.n;
  const auto dir = prepare_output_dir(opt.out_dir.string());
  write_resolved_config(dir, cfg);
  const sde::VpSchedule schedule = sampling_schedule(cfg, model.schedule);
  reference::SamplerOptions so = sampler_options(cfg);
  so.n = n;
  const int dim = model.net.dim();
  const Eigen::MatrixXd x0 = reference::initial_states(so, dim, 0, n);
  const std::optional<sde::BrownianPath> path = brownian_path_for(cfg);
  const circuit::SolverCircuit sc = build_circuit(cfg, model, false, 0, path ? &*path : nullptr);
  const References refs = integrate_references(cfg, model, sc, schedule, so, x0, {0.0, sc.duration}, path ? &*path : nullptr);
  const int cls = SamplingScore(cfg, model.net).class_index();
  const Eigen::MatrixXd target = metrics_target(cfg, cls);
  const auto mopt = metrics_options(cfg);
  RunReport report;
  report.circuit_metrics = analysis::compute_metrics(refs.x_ref, target, mopt);
  report.software_metrics = analysis::compute_metrics(refs.x_soft, target, mopt);
  report.simulated_seconds = sc.duration;
  report.wall_seconds = seconds_since(start_time);
  write_samples_csv(dir / "samples.csv", refs.x_ref, {"x0", "x1"});
  nlohmann::json summary;
  summary["config"] = cfg.source;
  summary["name"] = cfg.name;
  summary["mode"] = "reference only (no ngspice)";
  summary["reference"] = std::string(config::enum_name(cfg.simulation.reference));
  summary["n"] = n;
  summary["sampling"] = {{"method", std::string(config::enum_name(cfg.sampling.method))},
                         {"class_index", cls < 0 ? nlohmann::json(nullptr) : nlohmann::json(cls)}};
  summary["metrics"] = {{"reference", report.circuit_metrics.to_json()}, {"software", report.software_metrics.to_json()}};
  summary["kl_ratio_reference_over_software"] = report.circuit_metrics.kl.kl / report.software_metrics.kl.kl;
  summary["wall_seconds"] = report.wall_seconds;
  std::ofstream(dir / "summary.json") << summary.dump(2) << "\n";
  report.summary = summary;
  log << "memcosim run " << cfg.name << " (reference only, no ngspice): " << n << " trajectories of the circuit-equivalent "
      << (refs.settled ? "reference (settled circuit: programmed conductances, block statics)" : "reference (network)")
      << ", " << refs.reference_steps << " steps, " << fmt("%.2f", report.wall_seconds) << " s\n"
      << "  reference " << report.circuit_metrics.summary() << "\n"
      << "  software  " << report.software_metrics.summary() << "\n"
      << "  KL ratio reference / software: " << fmt("%.3f", summary["kl_ratio_reference_over_software"].get<double>())
      << "\n  results in " << dir.string() << "/ (samples.csv, summary.json)\n";
  return report;
}

RunReport run_circuit(const config::Config& cfg, const nn::LoadedModel& model, const RunOptions& opt,
                      std::ostream& log) {
  if (opt.reference_only) return run_reference_only(cfg, model, opt, log);
  const auto start_time = Clock::now();
  Phases ph;
  auto timed = [](double& into, auto&& f) {
    const auto t0 = Clock::now();
    f();
    into += seconds_since(t0);
  };
  const long n = opt.n > 0 ? opt.n : cfg.simulation.n;
  const auto dir = prepare_output_dir(opt.out_dir.string());
  write_resolved_config(dir, cfg);

  const sde::VpSchedule schedule = sampling_schedule(cfg, model.schedule);
  reference::SamplerOptions so = sampler_options(cfg);
  so.n = n;
  const int dim = model.net.dim();
  const Eigen::MatrixXd x0 = reference::initial_states(so, dim, 0, n);

  // The simulator first: its abilities (KLU) shape the netlist, and worker
  // processes are forked before this process starts any thread.
  spice::RunnerOptions ro;
  ro.mode = cfg.simulation.mode == config::Execution::worker ? spice::ExecutionMode::worker_processes
                                                             : spice::ExecutionMode::in_process;
  ro.pool.workers = static_cast<unsigned>(cfg.simulation.workers);
  const auto runner_start = Clock::now();
  spice::Runner runner(ro);
  ph.simulator_start = seconds_since(runner_start);
  const spice::SimulatorInfo& info = runner.simulator_info();
  const auto solver = cfg.simulation.solver;
  if (solver == config::LinearSolver::klu && !info.has_klu)
    throw InputError(Diagnostic{cfg.locations.find("simulation.solver"), "simulation.solver",
                                "ngspice-" + info.version + " has no KLU solver (use auto or sparse)"});
  // auto: KLU when the library has it, except for the reverse SDE: after each
  // of its PWL breakpoints ngspice takes tiny steps (huge C/dt), and KLU's
  // reused pivot order then fails on some trajectories ("timestep too small"
  // at an integrator's summing node) where Sparse re-pivots and succeeds.
  const bool sde_circuit = cfg.sampling.method == config::SamplingMethod::sde;
  const bool use_klu = solver == config::LinearSolver::klu ||
                       (solver == config::LinearSolver::automatic && info.has_klu && !sde_circuit);

  const bool sde = cfg.sampling.method == config::SamplingMethod::sde;
  const std::optional<sde::BrownianPath> path = brownian_path_for(cfg);
  const sde::BrownianPath* brownian = path ? &*path : nullptr;
  // Transistor level: the access-transistor I-V through this runner (cached
  // for build_circuit), and the sources whose energy is measured.
  const bool transistor = uses_transistor_level(cfg);
  if (transistor) timed(ph.transistor_environment, [&] { (void)transistor_environment(cfg, &runner); });
  const auto build_start = Clock::now();
  circuit::SolverCircuit sc = build_circuit(cfg, model, use_klu, 0, brownian);
  ph.circuit_build = seconds_since(build_start);
  const double T = sc.duration;
  const std::vector<EnergyMeter> meters = transistor ? energy_meters(sc.circuit) : std::vector<EnergyMeter>{};
  const std::vector<std::string> energy_vectors = save_energy_vectors(sc.circuit, meters);
  const int cls = SamplingScore(cfg, model.net).class_index();
  const auto names = class_names(cfg);
  const std::string class_label =
      cls < 0 ? std::string() : (static_cast<std::size_t>(cls) < names.size() ? names[static_cast<std::size_t>(cls)] : std::to_string(cls));

  log << "memcosim run " << cfg.name << ": " << n << " trajectories, circuit level "
      << config::enum_name(cfg.circuit.level) << ", " << config::enum_name(cfg.circuit.schedule_form) << ", "
      << sc.circuit.element_count() << " elements, " << (sde ? "reverse SDE" : "PF-ODE")
      << (class_label.empty() ? std::string() : ", class " + class_label) << "; ngspice-" << info.version
      << (use_klu ? " (KLU)" : " (Sparse)")
      << ", " << (ro.mode == spice::ExecutionMode::worker_processes ? "worker processes" : "in-process") << "\n";

  // ---- references -----------------------------------------------------------
  std::vector<double> grid(static_cast<std::size_t>(cfg.simulation.observe));
  for (std::size_t k = 0; k < grid.size(); ++k) grid[k] = T * static_cast<double>(k) / static_cast<double>(grid.size() - 1);

  const auto ref_start = Clock::now();
  References refs = integrate_references(cfg, model, sc, schedule, so, x0, grid, brownian);
  ph.references = seconds_since(ref_start);
  const Eigen::MatrixXd& x_ref = refs.x_ref;
  const Eigen::MatrixXd& x_soft = refs.x_soft;
  const std::vector<Eigen::MatrixXd>& ref_traj = refs.trajectory;
  log << "references (Boost.Odeint): circuit-equivalent " << (refs.settled ? "(settled circuit) " : "")
      << (sde ? "SDE (same Brownian path, adaptive between its corners) " : "ODE ") << refs.reference_steps
      << " steps, " << (sde ? "Euler-Maruyama " : "PF-ODE ") << refs.software_steps << " steps, "
      << fmt("%.2f", seconds_since(ref_start)) << " s\n";

  // ---- outputs that grow as results arrive ------------------------------------
  // Trajectory i's circuit: the shared one with its start, or (read noise,
  // SDE) one built for it (timed as circuit build).
  auto circuit_for = [&](long i) -> const circuit::SolverCircuit& {
    if (sc.per_trajectory)
      timed(ph.circuit_build, [&] { sc = build_circuit(cfg, model, use_klu, static_cast<std::uint64_t>(i), brownian); });
    sc.set_start(x0.col(i));
    return sc;
  };
  {
    const circuit::SolverCircuit& first = circuit_for(0);
    timed(ph.netlist_generation, [&] { std::ofstream(dir / "netlist.cir") << spice::emit(first.circuit); });
  }
  std::vector<std::string> header = {"index", "status"};
  for (const char* what : {"start", "circuit", "reference", "software"})
    for (int d = 0; d < dim; ++d) header.push_back(std::string(what) + "_x" + std::to_string(d));
  for (const char* h : {"final_error", "max_error", "rms_error", "wall_seconds", "time_points", "rail_hit"})
    header.emplace_back(h);
  if (transistor) header.emplace_back("energy_joules");
  header.emplace_back("message");
  CsvWriter samples_csv(dir / "samples.csv", header);
  std::vector<std::string> traj_header = {"index", "tau", "t"};
  for (const char* what : {"circuit", "reference"})
    for (int d = 0; d < dim; ++d) traj_header.push_back(std::string(what) + "_x" + std::to_string(d));
  CsvWriter traj_csv(dir / "trajectories.csv", traj_header);

  RunReport report;
  report.trajectories.resize(static_cast<std::size_t>(n));
  report.simulated_seconds = T;
  RailLog rails;
  std::vector<TrajectoryPair> plotted;
  const long keep_traj = std::min<long>(cfg.simulation.plot_trajectories, n);

  auto reference_of = [&](long i) {
    Eigen::MatrixXd r(dim, static_cast<Eigen::Index>(grid.size()));
    for (std::size_t k = 0; k < grid.size(); ++k) r.col(static_cast<Eigen::Index>(k)) = ref_traj[k].col(i);
    return r;
  };

  auto handle = [&](spice::Result&& r) {
    const auto handle_start = Clock::now();
    ph.ngspice_load += r.load_seconds;
    ph.ngspice_analysis += r.analysis_seconds;
    ph.vector_fetch += r.fetch_seconds + r.decode_seconds;
    const long i = static_cast<long>(r.id);
    TrajectoryOutcome& o = report.trajectories[static_cast<std::size_t>(i)];
    o.index = i;
    o.status = std::string(spice::to_string(r.status));
    o.message = r.message;
    o.start = x0.col(i);
    o.reference = x_ref.col(i);
    o.software = x_soft.col(i);
    o.wall_seconds = r.wall_seconds;
    o.circuit = Eigen::VectorXd::Constant(dim, std::numeric_limits<double>::quiet_NaN());
    if (r.ok()) {
      try {
        const spice::Vector& time = r.plot.at("time");
        o.time_points = static_cast<long>(time.size());
        std::vector<std::vector<double>> xs;
        for (const auto& node : sc.state_nodes) {
          std::vector<double> v = r.plot.at(node).re;
          for (double& value : v) value /= sc.k_state;
          xs.push_back(std::move(v));
        }
        const Eigen::MatrixXd ref_i = reference_of(i);
        Eigen::MatrixXd sim_i;
        o.error = analysis::compare_trajectory(time.re, xs, grid, ref_i, &sim_i);
        o.circuit = sim_i.col(sim_i.cols() - 1);
        for (const auto& node : sc.saved_nodes) {
          const auto& v = r.plot.at(node).re;
          const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
          const double peak = std::max(std::abs(*lo), std::abs(*hi));
          if (peak > rails.worst) {
            rails.worst = peak;
            rails.worst_node = node;
          }
          if (*hi >= sc.v_high - 1e-3 || *lo <= sc.v_low + 1e-3) {
            ++rails.hits[node];
            o.rail_hit = true;
          }
        }
        if (transistor) o.energy = energy_by_group(r.plot, meters);
        if (i < keep_traj) {
          plotted.push_back({i, sim_i, ref_i, grid});
          for (std::size_t k = 0; k < grid.size(); ++k) {
            std::vector<std::string> row = {std::to_string(i), csv_number(grid[k]), csv_number(sc.diffusion_time(grid[k]))};
            for (int d = 0; d < dim; ++d) row.push_back(csv_number(sim_i(d, static_cast<Eigen::Index>(k))));
            for (int d = 0; d < dim; ++d) row.push_back(csv_number(ref_i(d, static_cast<Eigen::Index>(k))));
            traj_csv.row(row);
          }
        }
      } catch (const SimulationError& e) {  // a vector missing from the plot
        o.status = "sim_error";
        o.message = e.what();
      }
    }
    std::vector<std::string> row = {std::to_string(i), o.status};
    for (const Eigen::VectorXd* v : {&o.start, &o.circuit, &o.reference, &o.software})
      for (double x : column(*v)) row.push_back(csv_number(x));
    for (double x : {o.error.final_error, o.error.max_error, o.error.rms_error, o.wall_seconds}) row.push_back(csv_number(x));
    row.push_back(std::to_string(o.time_points));
    row.push_back(o.rail_hit ? "1" : "0");
    if (transistor) {
      double e = 0;
      for (const auto& [group, joules] : o.energy) e += joules;
      row.push_back(o.energy.empty() ? std::string() : csv_number(e));
    }
    row.push_back(o.message);
    samples_csv.row(row);
    ph.comparison += seconds_since(handle_start);
  };

  // Keep a few jobs per worker queued; netlists are built as they are needed.
  const auto sim_start = Clock::now();
  const long in_flight = 4 * std::max<long>(1, cfg.simulation.workers > 0 ? cfg.simulation.workers : 2);
  long submitted = 0, done = 0;
  const auto faults = injected_faults();
  auto submit = [&](long i) {
    spice::Job job;
    job.id = static_cast<std::uint64_t>(i);
    const circuit::SolverCircuit& ci = circuit_for(i);
    const auto emit_start = Clock::now();
    job.netlist = spice::emit(ci.circuit);
    ph.netlist_generation += seconds_since(emit_start);
    job.vectors = sc.saved_nodes;
    job.vectors.insert(job.vectors.end(), energy_vectors.begin(), energy_vectors.end());
    job.timeout_s = cfg.simulation.timeout;
    if (auto f = faults.find(i); f != faults.end()) job.test_fault = f->second;
    runner.submit(std::move(job));
  };
  for (; submitted < std::min(n, in_flight); ++submitted) submit(submitted);
  long next_report = std::max<long>(1, n / 10);
  while (auto r = runner.next()) {
    handle(std::move(*r));
    ++done;
    if (submitted < n) submit(submitted++);
    if (!opt.quiet && (done % next_report == 0 || done == n))
      log << "  " << done << "/" << n << " transients, " << fmt("%.1f", seconds_since(sim_start)) << " s\n" << std::flush;
  }
  const double sim_wall = seconds_since(sim_start);
  ph.simulation_loop = sim_wall;
  const auto metrics_start = Clock::now();

  // ---- comparison ---------------------------------------------------------------
  std::vector<long> ok_idx;
  for (const auto& o : report.trajectories) {
    if (o.ok()) ok_idx.push_back(o.index);
    else ++report.failures;
  }
  Eigen::MatrixXd circuit_final(dim, static_cast<Eigen::Index>(ok_idx.size()));
  for (std::size_t k = 0; k < ok_idx.size(); ++k)
    circuit_final.col(static_cast<Eigen::Index>(k)) = report.trajectories[static_cast<std::size_t>(ok_idx[k])].circuit;
  const Eigen::MatrixXd software_final = pick(x_soft, ok_idx);
  // A class of a labelled data set is measured against that class's data.
  const Eigen::MatrixXd target = metrics_target(cfg, cls);
  const auto mopt = metrics_options(cfg);
  nlohmann::json summary;
  std::vector<double> finals, maxes, rmss, walls;
  for (long i : ok_idx) {
    const auto& o = report.trajectories[static_cast<std::size_t>(i)];
    finals.push_back(o.error.final_error);
    maxes.push_back(o.error.max_error);
    rmss.push_back(o.error.rms_error);
    walls.push_back(o.wall_seconds);
  }
  auto stat = [](std::vector<double> v) -> nlohmann::json {
    if (v.empty()) return nullptr;
    std::sort(v.begin(), v.end());
    double sum = 0;
    for (double x : v) sum += x;
    return {{"max", v.back()}, {"median", v[v.size() / 2]}, {"mean", sum / static_cast<double>(v.size())}};
  };
  // Distribution metrics need at least two samples.
  const bool have_metrics = ok_idx.size() >= 2;
  if (have_metrics) {
    report.circuit_metrics = analysis::compute_metrics(circuit_final, target, mopt);
    report.software_metrics = analysis::compute_metrics(software_final, target, mopt);
  }
  ph.metrics = seconds_since(metrics_start);
  report.wall_seconds = seconds_since(start_time);

  summary["config"] = cfg.source;
  summary["name"] = cfg.name;
  summary["trajectories"] = {{"requested", n}, {"ok", ok_idx.size()}, {"failed", report.failures}};
  summary["sampling"] = {{"method", std::string(config::enum_name(cfg.sampling.method))},
                         {"class_index", cls < 0 ? nlohmann::json(nullptr) : nlohmann::json(cls)},
                         {"class", class_label.empty() ? nlohmann::json(nullptr) : nlohmann::json(class_label)}};
  summary["circuit"] = {{"level", std::string(config::enum_name(cfg.circuit.level))},
                        {"schedule_form", std::string(config::enum_name(cfg.circuit.schedule_form))},
                        {"elements", sc.circuit.element_count()},
                        {"tau0_seconds", sc.tau0},
                        {"simulated_seconds_per_sample", T},
                        {"reference", std::string(config::enum_name(cfg.simulation.reference))},
                        {"simulator", "ngspice-" + info.version},
                        {"solver", use_klu ? "klu" : "sparse"}};
  summary["error_vs_reference"] = {{"final", stat(finals)}, {"max", stat(maxes)}, {"rms", stat(rmss)}};
  summary["timing"] = {{"wall_seconds_total", report.wall_seconds},
                       {"wall_seconds_simulation", sim_wall},
                       {"wall_seconds_per_sample_mean", stat(walls).is_null() ? nlohmann::json(nullptr) : stat(walls)["mean"]},
                       {"throughput_seconds_per_sample", sim_wall / static_cast<double>(n)}};
  if (have_metrics) {
    summary["metrics"] = {{"circuit", report.circuit_metrics.to_json()}, {"software", report.software_metrics.to_json()}};
    summary["kl_ratio_circuit_over_software"] = report.circuit_metrics.kl.kl / report.software_metrics.kl.kl;
  }
  nlohmann::json rail_json = nlohmann::json::object();
  for (const auto& [node, count] : rails.hits) rail_json[node] = count;
  summary["rails"] = {{"swing_limits", {sc.v_low, sc.v_high}},
                      {"largest_abs_voltage", rails.worst},
                      {"at_node", rails.worst_node},
                      {"nodes_reaching_limits", rail_json}};
  Projection projection;
  if (transistor && !ok_idx.empty()) {
    // Mean energy per sample, per block; supplies and ideal sources apart.
    std::map<std::string, double> mean;
    std::map<std::string, bool> is_supply;
    for (const auto& m : meters) is_supply[m.group] = is_supply[m.group] || m.supply;
    for (long i : ok_idx)
      for (const auto& [group, joules] : report.trajectories[static_cast<std::size_t>(i)].energy)
        mean[group] += joules / static_cast<double>(ok_idx.size());
    nlohmann::json blocks = nlohmann::json::object();
    for (const auto& [group, joules] : mean) {
      (is_supply[group] ? report.energy_supply : report.energy_sources) += joules;
      blocks[group] = {{"joules", joules}, {"kind", is_supply[group] ? "supply" : "ideal_source"}};
    }
    summary["energy_per_sample"] = {{"joules_total", report.energy_supply + report.energy_sources},
                                    {"joules_supply", report.energy_supply},
                                    {"joules_ideal_sources", report.energy_sources},
                                    {"mean_supply_watts", report.energy_supply / T},
                                    {"by_block", blocks},
                                    {"note", "supply: rails of the transistor-level op-amps, word lines and bulks; "
                                             "ideal_source: energy delivered by ideal sources (bias rows, DACs, "
                                             "behavioural rectifiers), a lower bound for a real driver"}};
    DigitalBaseline digital;
    timed(ph.digital_baseline, [&] { digital = measure_digital_baseline(cfg, model); });
    AnalogFigures analog;
    analog.seconds = T;
    analog.supply_joules = report.energy_supply;
    analog.source_joules = report.energy_sources;
    analog.samples = static_cast<long>(ok_idx.size());
    analog.kl = have_metrics ? report.circuit_metrics.kl.kl : std::nan("");
    analog.software_kl_same_starts = have_metrics ? report.software_metrics.kl.kl : std::nan("");
    projection = project(cfg, analog, digital);
    summary["projection"] = projection.json;
  }
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& o : report.trajectories)
    if (!o.ok()) failures.push_back({{"index", o.index}, {"status", o.status}, {"message", o.message}});
  summary["failures"] = failures;

  // ---- report ---------------------------------------------------------------------
  log << "\nresults: " << ok_idx.size() << " of " << n << " transients ok"
      << (report.failures ? ", " + std::to_string(report.failures) + " FAILED" : std::string()) << "\n";
  log << "  simulated time per sample " << fmt("%.4g", T) << " s (tau0 = " << fmt("%.4g", sc.tau0) << " s); wall time "
      << fmt("%.3f", walls.empty() ? 0.0 : summary["timing"]["wall_seconds_per_sample_mean"].get<double>())
      << " s per transient, " << fmt("%.3f", sim_wall / static_cast<double>(n)) << " s per sample overall\n";
  if (!ok_idx.empty()) {
    const auto& e = summary["error_vs_reference"];
    log << "  error vs circuit-equivalent reference (x units): final max " << fmt("%.3g", e["final"]["max"].get<double>())
        << " median " << fmt("%.3g", e["final"]["median"].get<double>()) << "; trajectory max "
        << fmt("%.3g", e["max"]["max"].get<double>()) << ", RMS median " << fmt("%.3g", e["rms"]["median"].get<double>())
        << "\n";
  }
  if (have_metrics) {
    log << "  distribution vs data (" << target.cols() << " points):\n"
        << "    circuit   " << report.circuit_metrics.summary() << "\n"
        << "    software  " << report.software_metrics.summary() << "\n"
        << "    KL ratio circuit / software (same starts): "
        << fmt("%.3f", summary["kl_ratio_circuit_over_software"].get<double>()) << "\n";
  }
  if (summary.contains("energy_per_sample")) {
    const auto& e = summary["energy_per_sample"];
    log << "  energy per sample " << fmt("%.4g", e["joules_total"].get<double>()) << " J ("
        << fmt("%.4g", e["joules_supply"].get<double>()) << " J from the supplies of the transistor-level blocks, "
        << fmt("%.3g", e["mean_supply_watts"].get<double>() * 1e3) << " mW on average; "
        << fmt("%.4g", e["joules_ideal_sources"].get<double>()) << " J delivered by ideal sources):\n";
    for (const auto& [group, v] : e["by_block"].items())
      log << "    " << group << ": " << fmt("%.4g", v["joules"].get<double>()) << " J ("
          << v["kind"].get<std::string>() << ")\n";
    for (const auto& line : projection.lines) log << line << "\n";
  }
  if (!rails.hits.empty()) {
    long total = 0;
    for (const auto& [node, count] : rails.hits) total = std::max(total, count);
    log << "  WARNING: " << rails.hits.size() << " node(s) reached the swing limits [" << fmt("%.3g", sc.v_low) << ", "
        << fmt("%.3g", sc.v_high) << "] V (worst " << rails.worst_node << ", " << fmt("%.3g", rails.worst)
        << " V, in up to " << total << " trajectories): activations saturate; reduce circuit.scaling\n";
  }
  for (const auto& f : failures)
    log << "  trajectory " << f["index"].get<long>() << ": " << f["status"].get<std::string>() << ": "
        << f["message"].get<std::string>() << "\n";

  const auto plots_start = Clock::now();
  if (!ok_idx.empty()) {
    plot_samples(dir, circuit_final, software_final,
                 cfg.name + (class_label.empty() ? std::string() : " class " + class_label) + ": circuit (" +
                     std::string(config::enum_name(cfg.circuit.level)) + ") vs software samples" +
                     (sde ? " (reverse SDE)" : ""),
                 log);
    std::sort(plotted.begin(), plotted.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
    plot_trajectories(dir, plotted, cfg.name + ": trajectories, SPICE (solid) vs reference (dashed)", log);
  }
  ph.plots = seconds_since(plots_start);
  add_phase_timing(summary["timing"], ph, opt, seconds_since(start_time));
  std::ofstream(dir / "summary.json") << summary.dump(2) << "\n";
  report.summary = summary;
  log << "  results in " << dir.string() << "/ (samples.csv, trajectories.csv, summary.json, netlist.cir, samples.png, "
         "trajectories.png)\n";
  return report;
}

ClassesReport run_all_classes(const config::Config& cfg, const nn::LoadedModel& model, const RunOptions& opt,
                              std::ostream& log) {
  const int classes = model.net.arch().num_classes;
  if (classes == 0)
    throw InputError(Diagnostic{cfg.locations.find("sampling.all_classes"), "sampling.all_classes",
                                "the model is unconditional: it has no classes to run"});
  const auto dir = prepare_output_dir(opt.out_dir.string());
  ClassesReport r;
  r.names = class_names(cfg);
  r.names.resize(static_cast<std::size_t>(classes));
  for (int c = 0; c < classes; ++c)
    if (r.names[static_cast<std::size_t>(c)].empty()) r.names[static_cast<std::size_t>(c)] = std::to_string(c);
  std::vector<ClassPanel> panels;
  nlohmann::json per_class = nlohmann::json::array();
  for (int c = 0; c < classes; ++c) {
    config::Config one = cfg;
    one.sampling.all_classes = false;
    one.sampling.class_index = c;
    RunOptions o = opt;
    o.out_dir = dir / r.names[static_cast<std::size_t>(c)];
    log << (c ? "\n" : "") << "=== class " << c << " (" << r.names[static_cast<std::size_t>(c)] << ") ===\n";
    RunReport run = run_circuit(one, model, o, log);
    r.failures += run.failures;
    nlohmann::json entry = {{"class_index", c}, {"class", r.names[static_cast<std::size_t>(c)]},
                            {"folder", o.out_dir.string()},
                            {"trajectories", run.summary.value("trajectories", nlohmann::json(nullptr))},
                            {"error_vs_reference", run.summary.value("error_vs_reference", nlohmann::json(nullptr))}};
    if (run.summary.contains("metrics")) {
      entry["kl_circuit"] = run.circuit_metrics.kl.kl;
      entry["kl_software"] = run.software_metrics.kl.kl;
      entry["kl_ratio_circuit_over_software"] = run.circuit_metrics.kl.kl / run.software_metrics.kl.kl;
      entry["l2_circuit"] = run.circuit_metrics.l2.l2;
      entry["l2_software"] = run.software_metrics.l2.l2;
    }
    per_class.push_back(entry);
    Eigen::MatrixXd circuit(2, 0), software(2, 0);
    std::vector<long> ok;
    for (const auto& t : run.trajectories)
      if (t.ok()) ok.push_back(t.index);
    circuit.resize(2, static_cast<Eigen::Index>(ok.size()));
    software.resize(2, static_cast<Eigen::Index>(ok.size()));
    for (std::size_t k = 0; k < ok.size(); ++k) {
      circuit.col(static_cast<Eigen::Index>(k)) = run.trajectories[static_cast<std::size_t>(ok[k])].circuit.head(2);
      software.col(static_cast<Eigen::Index>(k)) = run.trajectories[static_cast<std::size_t>(ok[k])].software.head(2);
    }
    panels.push_back({r.names[static_cast<std::size_t>(c)], circuit, software});
    r.runs.push_back(std::move(run));
  }
  r.summary = {{"config", cfg.source}, {"name", cfg.name}, {"classes", per_class}, {"failures", r.failures}};
  std::ofstream(dir / "summary.json") << r.summary.dump(2) << "\n";

  log << "\nper class (circuit " << config::enum_name(cfg.circuit.level) << ", "
      << config::enum_name(cfg.sampling.method) << "):\n  class   KL circuit  KL software  ratio   final error max\n";
  for (const auto& e : per_class) {
    char line[160];
    const auto& err = e.at("error_vs_reference");
    const nlohmann::json fin = err.is_null() ? nlohmann::json(nullptr) : err.at("final");
    std::snprintf(line, sizeof line, "  %-6s  %10.4f  %11.4f  %5.3f   %.3g\n", e.at("class").get<std::string>().c_str(),
                  e.value("kl_circuit", std::nan("")), e.value("kl_software", std::nan("")),
                  e.value("kl_ratio_circuit_over_software", std::nan("")),
                  fin.is_null() ? std::nan("") : fin.at("max").get<double>());
    log << line;
  }
  plot_classes(dir, panels, cfg.name + ": circuit (" + std::string(config::enum_name(cfg.circuit.level)) +
                                 ") over software samples, per class", log);
  log << "  results in " << dir.string() << "/ (summary.json, classes.png, one folder per class)\n";
  return r;
}

}  // namespace memcosim::flow
