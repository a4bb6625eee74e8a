#include "tasks/diffusion/run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

#include "flow/common.hpp"
#include "flow/energy.hpp"
#include "flow/plots.hpp"
#include "flow/simulate.hpp"
#include "flow/transistor.hpp"
#include "reference/ode_solver.hpp"
#include "reference/sampler.hpp"
#include "spice/emitter.hpp"
#include "spice/runner.hpp"
#include "tasks/diffusion/pipeline.hpp"
#include "tasks/diffusion/projection.hpp"
#include "tasks/diffusion/settled.hpp"
#include "tasks/diffusion/setup.hpp"
#include "util/csv.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/numbers.hpp"
#include "util/random.hpp"

namespace memcosim::tasks::diffusion {

using namespace memcosim::flow;

namespace {

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
  const double overhead = opt.config_load_seconds + opt.model_load_seconds + ph.circuit_build + ph.netlist_generation +
                          ph.vector_fetch + ph.comparison + ph.metrics;
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

References integrate_references(const config::Config& cfg, const nn::LoadedModel& model, const SolverCircuit& sc,
                                const sde::VpSchedule& schedule, const reference::SamplerOptions& so,
                                const Eigen::MatrixXd& x0, const std::vector<double>& grid,
                                const sde::BrownianPath* brownian) {
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
  const std::optional<SettledCircuit> settled =
      r.settled ? std::optional<SettledCircuit>(std::in_place, sc, cfg.circuit) : std::nullopt;
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
    const auto soft_stats = reference::integrate_pf_ode(score.model(), schedule, r.x_soft, cfg.sampling.t_start,
                                                        cfg.sampling.t_end, so.ode);
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
  const SolverCircuit sc = build_circuit(cfg, model, false, 0, path ? &*path : nullptr);
  const References refs =
      integrate_references(cfg, model, sc, schedule, so, x0, {0.0, sc.duration}, path ? &*path : nullptr);
  const int cls = SamplingScore(cfg, model.net).class_index();
  const Eigen::MatrixXd target = metrics_target(cfg, cls);
  const auto mopt = metrics_options(cfg);
  RunReport report;
  report.circuit_metrics = analysis::compute_metrics(refs.x_ref, target, mopt);
  report.software_metrics = analysis::compute_metrics(refs.x_soft, target, mopt);
  report.simulated_seconds = sc.duration;
  report.wall_seconds = seconds_since(start_time);
  write_samples_csv(dir / "samples.csv", refs.x_ref);
  nlohmann::json summary;
  summary["config"] = cfg.source;
  summary["name"] = cfg.name;
  summary["mode"] = "reference only (no ngspice)";
  summary["reference"] = std::string(config::enum_name(cfg.simulation.reference));
  summary["n"] = n;
  summary["sampling"] = {{"method", std::string(config::enum_name(cfg.sampling.method))},
                         {"class_index", cls < 0 ? nlohmann::json(nullptr) : nlohmann::json(cls)}};
  summary["metrics"] = {{"reference", report.circuit_metrics.to_json()},
                        {"software", report.software_metrics.to_json()}};
  summary["kl_ratio_reference_over_software"] = report.circuit_metrics.kl.kl / report.software_metrics.kl.kl;
  summary["wall_seconds"] = report.wall_seconds;
  write_file(dir / "summary.json", summary.dump(2) + "\n", "run summary");
  report.summary = summary;
  log << "memcosim run " << cfg.name << " (reference only, no ngspice): " << n
      << " trajectories of the circuit-equivalent "
      << (refs.settled ? "reference (settled circuit: programmed conductances, block statics)" : "reference (network)")
      << ", " << refs.reference_steps << " steps, " << printf_number("%.2f", report.wall_seconds) << " s\n"
      << "  reference " << report.circuit_metrics.summary() << "\n"
      << "  software  " << report.software_metrics.summary() << "\n"
      << "  KL ratio reference / software: "
      << printf_number("%.3f", summary["kl_ratio_reference_over_software"].get<double>()) << "\n  results in "
      << dir.string() << "/ (samples.csv, summary.json)\n";
  return report;
}

namespace {

// One diffusion run: the state that the result handler, the summary and the
// console report share, and a method per seam (set-up, trajectory
// collection, comparison, summary, report, pictures).
class DiffusionRun {
 public:
  DiffusionRun(const config::Config& cfg, const nn::LoadedModel& model, const RunOptions& opt, std::ostream& log)
      : cfg_(cfg), model_(model), opt_(opt), log_(log) {}

  RunReport run() {
    start_ = Clock::now();
    n_ = opt_.n > 0 ? opt_.n : cfg_.simulation.n;
    dir_ = prepare_output_dir(opt_.out_dir.string());
    write_resolved_config(dir_, cfg_);
    set_up();
    integrate();
    open_outputs();
    ph_.simulation_loop = run_jobs(
        sim_, n_, [&](long i) { return job(i); }, [&](spice::Result&& r) { handle(std::move(r)); }, opt_.quiet, log_);
    const auto metrics_start = Clock::now();
    compare_distributions();
    ph_.metrics = seconds_since(metrics_start);
    report_.wall_seconds = seconds_since(start_);
    nlohmann::json summary = summarize();
    print_report(summary);
    const auto plots_start = Clock::now();
    draw();
    ph_.plots = seconds_since(plots_start);
    add_phase_timing(summary["timing"], ph_, opt_, seconds_since(start_));
    write_file(dir_ / "summary.json", summary.dump(2) + "\n", "run summary");
    report_.summary = summary;
    log_ << "  results in " << dir_.string()
         << "/ (samples.csv, trajectories.csv, summary.json, netlist.cir, samples.png, "
            "trajectories.png)\n";
    return std::move(report_);
  }

 private:
  // ---- set-up: simulator, circuit, energy meters ----------------------------
  void set_up() {
    schedule_ = sampling_schedule(cfg_, model_.schedule);
    so_ = sampler_options(cfg_);
    so_.n = n_;
    dim_ = model_.net.dim();
    x0_ = reference::initial_states(so_, dim_, 0, n_);
    sde_ = cfg_.sampling.method == config::SamplingMethod::sde;
    // auto solver: KLU, except for the reverse SDE: after each of its PWL
    // breakpoints ngspice takes tiny steps (huge C/dt), and KLU's reused
    // pivot order then fails on some trajectories ("timestep too small" at
    // an integrator's summing node) where Sparse re-pivots and succeeds.
    sim_ = start_simulator(cfg_, sde_);
    ph_.simulator_start = sim_.start_seconds;
    path_ = brownian_path_for(cfg_);
    brownian_ = path_ ? &*path_ : nullptr;
    // Transistor level: the access-transistor I-V through this runner (cached
    // for build_circuit), and the sources whose energy is measured.
    transistor_ = uses_transistor_level(cfg_);
    if (transistor_) timed(ph_.transistor_environment, [&] { (void)transistor_environment(cfg_, sim_.runner.get()); });
    timed(ph_.circuit_build, [&] { sc_ = build_circuit(cfg_, model_, sim_.use_klu, 0, brownian_); });
    if (transistor_) meters_ = energy_meters(sc_.circuit);
    energy_vectors_ = save_energy_vectors(sc_.circuit, meters_);
    cls_ = SamplingScore(cfg_, model_.net).class_index();
    const auto names = class_names(cfg_);
    if (cls_ >= 0)
      class_label_ =
          static_cast<std::size_t>(cls_) < names.size() ? names[static_cast<std::size_t>(cls_)] : std::to_string(cls_);
    rails_.v_low = sc_.v_low;
    rails_.v_high = sc_.v_high;
    log_ << "memcosim run " << cfg_.name << ": " << n_ << " trajectories, circuit level "
         << config::enum_name(cfg_.circuit.level) << ", " << config::enum_name(cfg_.circuit.schedule_form) << ", "
         << sc_.circuit.element_count() << " elements, " << (sde_ ? "reverse SDE" : "PF-ODE")
         << (class_label_.empty() ? std::string() : ", class " + class_label_) << "; " << sim_.describe() << "\n";
  }

  // ---- references -------------------------------------------------------------
  void integrate() {
    grid_.resize(static_cast<std::size_t>(cfg_.simulation.observe));
    for (std::size_t k = 0; k < grid_.size(); ++k)
      grid_[k] = sc_.duration * static_cast<double>(k) / static_cast<double>(grid_.size() - 1);
    const auto ref_start = Clock::now();
    refs_ = integrate_references(cfg_, model_, sc_, schedule_, so_, x0_, grid_, brownian_);
    ph_.references = seconds_since(ref_start);
    log_ << "references (Boost.Odeint): circuit-equivalent " << (refs_.settled ? "(settled circuit) " : "")
         << (sde_ ? "SDE (same Brownian path, adaptive between its corners) " : "ODE ") << refs_.reference_steps
         << " steps, " << (sde_ ? "Euler-Maruyama " : "PF-ODE ") << refs_.software_steps << " steps, "
         << printf_number("%.2f", ph_.references) << " s\n";
  }

  // ---- outputs that grow as results arrive -------------------------------------
  void open_outputs() {
    timed(ph_.netlist_generation,
          [&] { write_file(dir_ / "netlist.cir", spice::emit(circuit_for(0).circuit), "netlist"); });
    std::vector<std::string> header = {"index", "status"};
    for (const char* what : {"start", "circuit", "reference", "software"})
      for (int d = 0; d < dim_; ++d) header.push_back(std::string(what) + "_x" + std::to_string(d));
    for (const char* h : {"final_error", "max_error", "rms_error", "wall_seconds", "time_points", "rail_hit"})
      header.emplace_back(h);
    if (transistor_) header.emplace_back("energy_joules");
    header.emplace_back("message");
    samples_csv_.emplace(dir_ / "samples.csv", header);
    std::vector<std::string> traj_header = {"index", "tau", "t"};
    for (const char* what : {"circuit", "reference"})
      for (int d = 0; d < dim_; ++d) traj_header.push_back(std::string(what) + "_x" + std::to_string(d));
    traj_csv_.emplace(dir_ / "trajectories.csv", traj_header);
    report_.trajectories.resize(static_cast<std::size_t>(n_));
    report_.simulated_seconds = sc_.duration;
    keep_traj_ = std::min<long>(cfg_.simulation.plot_trajectories, n_);
  }

  // Trajectory i's circuit: the shared one with its start, or (read noise,
  // SDE) one built for it (timed as circuit build).
  const SolverCircuit& circuit_for(long i) {
    if (sc_.per_trajectory)
      timed(ph_.circuit_build,
            [&] { sc_ = build_circuit(cfg_, model_, sim_.use_klu, static_cast<std::uint64_t>(i), brownian_); });
    sc_.set_start(x0_.col(i));
    return sc_;
  }

  spice::Job job(long i) {
    spice::Job job;
    const SolverCircuit& ci = circuit_for(i);
    timed(ph_.netlist_generation, [&] { job.netlist = spice::emit(ci.circuit); });
    job.vectors = sc_.saved_nodes;
    job.vectors.insert(job.vectors.end(), energy_vectors_.begin(), energy_vectors_.end());
    job.timeout_s = cfg_.simulation.timeout;
    return job;
  }

  Eigen::MatrixXd reference_of(long i) const {
    Eigen::MatrixXd r(dim_, static_cast<Eigen::Index>(grid_.size()));
    for (std::size_t k = 0; k < grid_.size(); ++k) r.col(static_cast<Eigen::Index>(k)) = refs_.trajectory[k].col(i);
    return r;
  }

  // ---- trajectory collection ------------------------------------------------------
  void handle(spice::Result&& r) {
    const auto handle_start = Clock::now();
    ph_.ngspice_load += r.load_seconds;
    ph_.ngspice_analysis += r.analysis_seconds;
    ph_.vector_fetch += r.fetch_seconds + r.decode_seconds;
    const long i = static_cast<long>(r.id);
    TrajectoryOutcome& o = report_.trajectories[static_cast<std::size_t>(i)];
    o.index = i;
    o.status = std::string(spice::to_string(r.status));
    o.message = r.message;
    o.start = x0_.col(i);
    o.reference = refs_.x_ref.col(i);
    o.software = refs_.x_soft.col(i);
    o.wall_seconds = r.wall_seconds;
    o.circuit = Eigen::VectorXd::Constant(dim_, std::numeric_limits<double>::quiet_NaN());
    if (r.ok()) {
      try {
        compare(o, r);
      } catch (const SimulationError& e) {  // a vector missing from the plot
        o.status = "sim_error";
        o.message = e.what();
      }
    }
    write_row(o);
    ph_.comparison += seconds_since(handle_start);
  }

  // The circuit's trajectory against the reference's, the rails and the
  // energy of one finished transient.
  void compare(TrajectoryOutcome& o, const spice::Result& r) {
    const long i = o.index;
    const spice::Vector& time = r.plot.at("time");
    o.time_points = static_cast<long>(time.size());
    std::vector<std::vector<double>> xs;
    for (const auto& node : sc_.state_nodes) {
      std::vector<double> v = r.plot.at(node).re;
      for (double& value : v) value /= sc_.k_state;
      xs.push_back(std::move(v));
    }
    const Eigen::MatrixXd ref_i = reference_of(i);
    Eigen::MatrixXd sim_i;
    o.error = analysis::compare_trajectory(time.re, xs, grid_, ref_i, &sim_i);
    o.circuit = sim_i.col(sim_i.cols() - 1);
    o.rail_hit = rails_.watch(r.plot, sc_.saved_nodes);
    if (transistor_) o.energy = energy_by_group(r.plot, meters_);
    if (i >= keep_traj_) return;
    plotted_.push_back({i, sim_i, ref_i, grid_});
    for (std::size_t k = 0; k < grid_.size(); ++k) {
      std::vector<std::string> row = {std::to_string(i), csv_number(grid_[k]),
                                      csv_number(sc_.diffusion_time(grid_[k]))};
      for (int d = 0; d < dim_; ++d) row.push_back(csv_number(sim_i(d, static_cast<Eigen::Index>(k))));
      for (int d = 0; d < dim_; ++d) row.push_back(csv_number(ref_i(d, static_cast<Eigen::Index>(k))));
      traj_csv_->row(row);
    }
  }

  void write_row(const TrajectoryOutcome& o) {
    std::vector<std::string> row = {std::to_string(o.index), o.status};
    for (const Eigen::VectorXd* v : {&o.start, &o.circuit, &o.reference, &o.software})
      for (double x : column(*v)) row.push_back(csv_number(x));
    for (double x : {o.error.final_error, o.error.max_error, o.error.rms_error, o.wall_seconds})
      row.push_back(csv_number(x));
    row.push_back(std::to_string(o.time_points));
    row.push_back(o.rail_hit ? "1" : "0");
    if (transistor_) {
      double e = 0;
      for (const auto& [group, joules] : o.energy) e += joules;
      row.push_back(o.energy.empty() ? std::string() : csv_number(e));
    }
    row.push_back(o.message);
    samples_csv_->row(row);
  }

  // ---- comparison of the distributions ---------------------------------------------
  void compare_distributions() {
    for (const auto& o : report_.trajectories) {
      if (o.ok())
        ok_idx_.push_back(o.index);
      else
        ++report_.failures;
    }
    circuit_final_.resize(dim_, static_cast<Eigen::Index>(ok_idx_.size()));
    for (std::size_t k = 0; k < ok_idx_.size(); ++k)
      circuit_final_.col(static_cast<Eigen::Index>(k)) =
          report_.trajectories[static_cast<std::size_t>(ok_idx_[k])].circuit;
    software_final_ = pick(refs_.x_soft, ok_idx_);
    // A class of a labelled data set is measured against that class's data.
    target_ = metrics_target(cfg_, cls_);
    // Distribution metrics need at least two samples.
    have_metrics_ = ok_idx_.size() >= 2;
    if (!have_metrics_) return;
    const auto mopt = metrics_options(cfg_);
    report_.circuit_metrics = analysis::compute_metrics(circuit_final_, target_, mopt);
    report_.software_metrics = analysis::compute_metrics(software_final_, target_, mopt);
  }

  std::vector<double> of_ok(double (*get)(const TrajectoryOutcome&)) const {
    std::vector<double> v;
    for (long i : ok_idx_) v.push_back(get(report_.trajectories[static_cast<std::size_t>(i)]));
    return v;
  }

  // ---- summary ------------------------------------------------------------------------
  nlohmann::json summarize() {
    nlohmann::json summary;
    summary["config"] = cfg_.source;
    summary["name"] = cfg_.name;
    summary["trajectories"] = {{"requested", n_}, {"ok", ok_idx_.size()}, {"failed", report_.failures}};
    summary["sampling"] = {{"method", std::string(config::enum_name(cfg_.sampling.method))},
                           {"class_index", cls_ < 0 ? nlohmann::json(nullptr) : nlohmann::json(cls_)},
                           {"class", class_label_.empty() ? nlohmann::json(nullptr) : nlohmann::json(class_label_)}};
    summary["circuit"] = {{"level", std::string(config::enum_name(cfg_.circuit.level))},
                          {"schedule_form", std::string(config::enum_name(cfg_.circuit.schedule_form))},
                          {"elements", sc_.circuit.element_count()},
                          {"tau0_seconds", sc_.tau0},
                          {"simulated_seconds_per_sample", sc_.duration},
                          {"reference", std::string(config::enum_name(cfg_.simulation.reference))},
                          {"simulator", "ngspice-" + sim_.info().version},
                          {"solver", sim_.use_klu ? "klu" : "sparse"}};
    summary["error_vs_reference"] = {{"final", summary_stats(of_ok([](const auto& o) { return o.error.final_error; }))},
                                     {"max", summary_stats(of_ok([](const auto& o) { return o.error.max_error; }))},
                                     {"rms", summary_stats(of_ok([](const auto& o) { return o.error.rms_error; }))}};
    const nlohmann::json walls = summary_stats(of_ok([](const auto& o) { return o.wall_seconds; }));
    summary["timing"] = {{"wall_seconds_total", report_.wall_seconds},
                         {"wall_seconds_simulation", ph_.simulation_loop},
                         {"wall_seconds_per_sample_mean", walls.is_null() ? nlohmann::json(nullptr) : walls["mean"]},
                         {"throughput_seconds_per_sample", ph_.simulation_loop / static_cast<double>(n_)}};
    if (have_metrics_) {
      summary["metrics"] = {{"circuit", report_.circuit_metrics.to_json()},
                            {"software", report_.software_metrics.to_json()}};
      summary["kl_ratio_circuit_over_software"] = report_.circuit_metrics.kl.kl / report_.software_metrics.kl.kl;
    }
    summary["rails"] = rails_.to_json();
    if (transistor_ && !ok_idx_.empty()) energy_and_projection(summary);
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& o : report_.trajectories)
      if (!o.ok()) failures.push_back({{"index", o.index}, {"status", o.status}, {"message", o.message}});
    summary["failures"] = failures;
    return summary;
  }

  // Mean energy per sample, per block (supplies and ideal sources apart), and
  // the projection against the digital sampler.
  void energy_and_projection(nlohmann::json& summary) {
    std::map<std::string, double> mean;
    std::map<std::string, bool> is_supply;
    for (const auto& m : meters_) is_supply[m.group] = is_supply[m.group] || m.supply;
    for (long i : ok_idx_)
      for (const auto& [group, joules] : report_.trajectories[static_cast<std::size_t>(i)].energy)
        mean[group] += joules / static_cast<double>(ok_idx_.size());
    nlohmann::json blocks = nlohmann::json::object();
    for (const auto& [group, joules] : mean) {
      (is_supply[group] ? report_.energy_supply : report_.energy_sources) += joules;
      blocks[group] = {{"joules", joules}, {"kind", is_supply[group] ? "supply" : "ideal_source"}};
    }
    summary["energy_per_sample"] = {{"joules_total", report_.energy_supply + report_.energy_sources},
                                    {"joules_supply", report_.energy_supply},
                                    {"joules_ideal_sources", report_.energy_sources},
                                    {"mean_supply_watts", report_.energy_supply / sc_.duration},
                                    {"by_block", blocks},
                                    {"note",
                                     "supply: rails of the transistor-level op-amps, word lines and bulks; "
                                     "ideal_source: energy delivered by ideal sources (bias rows, DACs, "
                                     "behavioural rectifiers), a lower bound for a real driver"}};
    DigitalBaseline digital;
    timed(ph_.digital_baseline, [&] { digital = measure_digital_baseline(cfg_, model_); });
    AnalogFigures analog;
    analog.seconds = sc_.duration;
    analog.supply_joules = report_.energy_supply;
    analog.source_joules = report_.energy_sources;
    analog.samples = static_cast<long>(ok_idx_.size());
    analog.kl = have_metrics_ ? report_.circuit_metrics.kl.kl : std::nan("");
    analog.software_kl_same_starts = have_metrics_ ? report_.software_metrics.kl.kl : std::nan("");
    projection_ = project(cfg_, analog, digital);
    summary["projection"] = projection_.json;
  }

  // ---- console report ---------------------------------------------------------------------
  void print_report(const nlohmann::json& summary) const {
    const double T = sc_.duration;
    log_ << "\nresults: " << ok_idx_.size() << " of " << n_ << " transients ok"
         << (report_.failures ? ", " + std::to_string(report_.failures) + " FAILED" : std::string()) << "\n";
    const auto& per_sample = summary["timing"]["wall_seconds_per_sample_mean"];
    log_ << "  simulated time per sample " << printf_number("%.4g", T)
         << " s (tau0 = " << printf_number("%.4g", sc_.tau0) << " s); wall time "
         << printf_number("%.3f", per_sample.is_null() ? 0.0 : per_sample.get<double>()) << " s per transient, "
         << printf_number("%.3f", ph_.simulation_loop / static_cast<double>(n_)) << " s per sample overall\n";
    if (!ok_idx_.empty()) {
      const auto& e = summary["error_vs_reference"];
      log_ << "  error vs circuit-equivalent reference (x units): final max "
           << printf_number("%.3g", e["final"]["max"].get<double>()) << " median "
           << printf_number("%.3g", e["final"]["median"].get<double>()) << "; trajectory max "
           << printf_number("%.3g", e["max"]["max"].get<double>()) << ", RMS median "
           << printf_number("%.3g", e["rms"]["median"].get<double>()) << "\n";
    }
    if (have_metrics_) {
      log_ << "  distribution vs data (" << target_.cols() << " points):\n"
           << "    circuit   " << report_.circuit_metrics.summary() << "\n"
           << "    software  " << report_.software_metrics.summary() << "\n"
           << "    KL ratio circuit / software (same starts): "
           << printf_number("%.3f", summary["kl_ratio_circuit_over_software"].get<double>()) << "\n";
    }
    if (summary.contains("energy_per_sample")) {
      const auto& e = summary["energy_per_sample"];
      log_ << "  energy per sample " << printf_number("%.4g", e["joules_total"].get<double>()) << " J ("
           << printf_number("%.4g", e["joules_supply"].get<double>())
           << " J from the supplies of the transistor-level blocks, "
           << printf_number("%.3g", e["mean_supply_watts"].get<double>() * 1e3) << " mW on average; "
           << printf_number("%.4g", e["joules_ideal_sources"].get<double>()) << " J delivered by ideal sources):\n";
      for (const auto& [group, v] : e["by_block"].items())
        log_ << "    " << group << ": " << printf_number("%.4g", v["joules"].get<double>()) << " J ("
             << v["kind"].get<std::string>() << ")\n";
      for (const auto& line : projection_.lines) log_ << line << "\n";
    }
    rails_.warn(log_);
    for (const auto& f : summary["failures"])
      log_ << "  trajectory " << f["index"].get<long>() << ": " << f["status"].get<std::string>() << ": "
           << f["message"].get<std::string>() << "\n";
  }

  // ---- pictures ----------------------------------------------------------------------------
  void draw() {
    if (ok_idx_.empty()) return;
    plot_samples(dir_, circuit_final_, software_final_,
                 cfg_.name + (class_label_.empty() ? std::string() : " class " + class_label_) + ": circuit (" +
                     std::string(config::enum_name(cfg_.circuit.level)) + ") vs software samples" +
                     (sde_ ? " (reverse SDE)" : ""),
                 log_);
    std::sort(plotted_.begin(), plotted_.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
    plot_trajectories(dir_, plotted_, cfg_.name + ": trajectories, SPICE (solid) vs reference (dashed)", log_);
  }

  template <class F>
  static void timed(double& into, F&& f) {
    const auto t0 = Clock::now();
    f();
    into += seconds_since(t0);
  }

  const config::Config& cfg_;
  const nn::LoadedModel& model_;
  const RunOptions& opt_;
  std::ostream& log_;
  Clock::time_point start_;
  Phases ph_;
  long n_ = 0;
  int dim_ = 0;
  std::filesystem::path dir_;
  sde::VpSchedule schedule_;
  reference::SamplerOptions so_;
  Eigen::MatrixXd x0_;
  bool sde_ = false, transistor_ = false, have_metrics_ = false;
  Simulator sim_;
  std::optional<sde::BrownianPath> path_;
  const sde::BrownianPath* brownian_ = nullptr;
  SolverCircuit sc_;
  std::vector<EnergyMeter> meters_;
  std::vector<std::string> energy_vectors_;
  int cls_ = -1;
  std::string class_label_;
  std::vector<double> grid_;
  References refs_;
  std::optional<CsvWriter> samples_csv_, traj_csv_;
  RunReport report_;
  RailLog rails_;
  std::vector<TrajectoryPair> plotted_;
  long keep_traj_ = 0;
  std::vector<long> ok_idx_;
  Eigen::MatrixXd circuit_final_, software_final_, target_;
  Projection projection_;
};

}  // namespace

RunReport run_circuit(const config::Config& cfg, const nn::LoadedModel& model, const RunOptions& opt,
                      std::ostream& log) {
  if (opt.reference_only) return run_reference_only(cfg, model, opt, log);
  return DiffusionRun(cfg, model, opt, log).run();
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
    nlohmann::json entry = {{"class_index", c},
                            {"class", r.names[static_cast<std::size_t>(c)]},
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
  write_file(dir / "summary.json", r.summary.dump(2) + "\n", "run summary");

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
  plot_classes(dir, panels,
               cfg.name + ": circuit (" + std::string(config::enum_name(cfg.circuit.level)) +
                   ") over software samples, per class",
               log);
  log << "  results in " << dir.string() << "/ (summary.json, classes.png, one folder per class)\n";
  return r;
}

}  // namespace memcosim::tasks::diffusion
