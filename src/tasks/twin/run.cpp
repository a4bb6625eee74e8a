// `memcosim run` of a twin config: the software twin against the true
// system (evaluate.hpp), then every test case in ngspice against the
// software twin (the same held drive, the same start) and the truth.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <ostream>

#include "analysis/compare.hpp"
#include "flow/common.hpp"
#include "flow/energy.hpp"
#include "flow/plots.hpp"
#include "flow/simulate.hpp"
#include "flow/transistor.hpp"
#include "spice/emitter.hpp"
#include "tasks/twin/evaluate.hpp"
#include "tasks/twin/metrics.hpp"
#include "tasks/twin/task.hpp"
#include "util/csv.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/numbers.hpp"

namespace memcosim::tasks::twin {

namespace {

using flow::Clock;
using flow::seconds_since;

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// What one case's transient gave.
struct CaseOutcome {
  std::string label, status = "not run", message;
  double wall_seconds = 0;
  long time_points = 0;
  bool rail_hit = false;
  Eigen::MatrixXd x;           // the circuit's state on the case's grid (dim x T)
  double max_error = nan;      // vs the software twin, max over time and components
  double median_error = nan;   // median over time of the largest component error
  double current_nrmse = nan;  // HP: circuit current vs the true current
  double vpt = nan;            // Lorenz96: circuit vs truth, Lyapunov times
  std::map<std::string, double> energy;
  bool ok() const { return status == "ok"; }
};

// The reference trajectories of a case on its grid.
struct CaseReference {
  std::vector<double> t;
  Eigen::MatrixXd u, x_true, x_twin, y_true, y_twin;
};

Eigen::MatrixXd stack(const std::vector<Eigen::MatrixXd>& cols, int rows) {
  Eigen::MatrixXd m(rows, static_cast<Eigen::Index>(cols.size()));
  for (std::size_t k = 0; k < cols.size(); ++k)
    if (rows > 0) m.col(static_cast<Eigen::Index>(k)) = cols[k].col(0);
  return m;
}

double median(std::vector<double> v) {
  if (v.empty()) return nan;
  std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

// The published speed and energy ratios of the analogue twin over digital
// hardware (DESIGN.md §7.1): preprint and journal versions.
struct Published {
  double speed_preprint, energy_preprint, speed_journal, energy_journal;
};
Published published(bool hp) { return hp ? Published{4.2, 41.4, 166.5, 499.0} : Published{12.6, 189.7, 369.3, 673.9}; }

// The digital solve of one test trajectory on this machine: the software
// twin (Odeint, sampling.ode tolerances) on test case 0, the median of 5
// timed solves after one untimed one.
double digital_seconds(const config::Config& cfg, const nn::Mlp& net, const System& sys, const TestCase& c) {
  std::vector<double> times = {0.0, c.duration};
  const Field field = twin_field(net, sys.dim());
  const auto ode = ode_options(cfg);
  std::vector<double> runs;
  for (int k = 0; k < 6; ++k) {
    const auto t0 = Clock::now();
    const Trajectories tr = integrate(field, sys.input_dim(), c.drive, cfg.twin.update_period, c.x0, times, ode);
    if (!tr.stats.ok) throw SimulationError("software twin failed on " + c.label + ": " + tr.stats.message);
    if (k > 0) runs.push_back(seconds_since(t0));
  }
  std::sort(runs.begin(), runs.end());
  return runs[runs.size() / 2];
}

// The projection table: time and energy per solved test trajectory,
// analogue (this circuit) against this machine's digital solve, every
// assumption printed beside its figure.
flow::Projection twin_projection(const config::Config& cfg, double analog_seconds, double analog_joules,
                                 double digital_s, bool hp) {
  const auto& p = cfg.projection;
  const double digital_j = p.digital_power * digital_s;
  const Published pub = published(hp);
  flow::Projection r;
  r.json = {{"analog",
             {{"seconds_per_trajectory", analog_seconds},
              {"joules_per_trajectory", analog_joules},
              {"assumptions",
               "physical time of one test trajectory at T = circuit.integrator.r * c seconds "
               "per unit of model time; energy = supply energy of the transistor-level blocks "
               "+ energy delivered by the ideal sources (bias rows, DACs)"}}},
            {"digital",
             {{"seconds_per_trajectory", digital_s},
              {"joules_per_trajectory", digital_j},
              {"power_watts_assumed", p.digital_power},
              {"platform", p.digital_platform},
              {"assumptions",
               "the software twin (Boost.Odeint, sampling.ode tolerances, one thread) timed on "
               "this machine on test case 0, median of 5; energy = projection.digital_power x time"}}},
            {"speedup", digital_s / analog_seconds},
            {"energy_ratio", analog_joules > 0 ? nlohmann::json(digital_j / analog_joules) : nlohmann::json(nullptr)},
            {"published",
             {{"speed_preprint", pub.speed_preprint},
              {"energy_preprint", pub.energy_preprint},
              {"speed_journal", pub.speed_journal},
              {"energy_journal", pub.energy_journal}}}};
  auto& L = r.lines;
  L.push_back("speed/energy projection (per solved test trajectory; every assumption next to its figure):");
  L.push_back("  | | time per trajectory | energy per trajectory | assumptions |");
  L.push_back("  |---|---|---|---|");
  L.push_back(
      "  | analogue (this circuit) | " + printf_number("%.4g s", analog_seconds) + " | " +
      (analog_joules > 0 ? printf_number("%.4g J", analog_joules) : std::string("not measured (behavioural level)")) +
      " | simulated physical time at T = " +
      printf_number("%.4g s", cfg.circuit.integrator.r * cfg.circuit.integrator.c) +
      " per unit of model time; supply energy of the transistor-level blocks + ideal sources |");
  L.push_back("  | digital (" + p.digital_platform + ") | " + printf_number("%.4g s", digital_s) + " | " +
              printf_number("%.4g J", digital_j) +
              " | measured: the software twin (Odeint, same tolerances) on this machine, one thread, median of 5; "
              "ASSUMED power " +
              printf_number("%.4g W", p.digital_power) + " (projection.digital_power) |");
  L.push_back("  | ratio digital / analogue | " + printf_number("%.3g x", digital_s / analog_seconds) + " | " +
              (analog_joules > 0 ? printf_number("%.3g x", digital_j / analog_joules) : std::string("-")) +
              " | published (" + (hp ? "HP memristor" : "Lorenz96") + "): " +
              printf_number("%.1f x", pub.speed_preprint) + " speed / " + printf_number("%.1f x", pub.energy_preprint) +
              " energy (preprint), " + printf_number("%.1f x", pub.speed_journal) + " / " +
              printf_number("%.1f x", pub.energy_journal) + " (journal) |");
  L.push_back(
      "  The published ratios compare a 180 nm chip with its own time constants against a GPU or CPU running a");
  L.push_back(
      "  larger network; here both sides are set by choices of this project: T (circuit.integrator.r * c) scales");
  L.push_back("  the analogue time linearly, and the digital side is a tiny network solved by Odeint in one thread.");
  return r;
}

class TwinRun {
 public:
  TwinRun(const config::Config& cfg, const nn::LoadedMlp& model, const flow::RunOptions& opt, std::ostream& log)
      : cfg_(cfg), net_(model.net), opt_(opt), log_(log), sys_(system_from_config(cfg)) {}

  flow::RunOutcome run() {
    start_ = Clock::now();
    dir_ = flow::prepare_output_dir(opt_.out_dir.string());
    software();
    set_up();
    if (!opt_.reference_only) {
      simulate();
      draw();
      project();
    }
    nlohmann::json summary = summarize();
    print_report(summary);
    write_file(dir_ / "summary.json", summary.dump(2) + "\n", "run summary");
    flow::RunOutcome out;
    out.failures = failures_;
    out.transients = opt_.reference_only ? 0 : static_cast<long>(cases_.size());
    out.summary = summary;
    return out;
  }

 private:
  // ---- the software twin against the truth ------------------------------------
  void software() {
    eval_ = evaluate_software(cfg_, net_);
    log_ << "memcosim run " << cfg_.name << ": neural-ODE twin of " << sys_.describe() << "\n"
         << format_evaluation(eval_);
    // -n N: the first N test cases in the circuit (and the long run).
    const std::vector<TestCase> all = test_cases(cfg_);
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (!all[i].long_run && opt_.n > 0 && static_cast<long>(i) >= opt_.n) continue;
      CaseReference r;
      if (!all[i].long_run) {
        const CaseResult& e = eval_.cases.at(i);
        r = {e.t, e.u, e.x_true, e.x_twin, e.y_true, e.y_twin};
      } else {
        r = long_reference(all[i]);
      }
      cases_.push_back(all[i]);
      eval_index_.push_back(i);
      refs_.push_back(std::move(r));
    }
  }

  // The long run's truth and software twin, every 0.02 time units.
  CaseReference long_reference(const TestCase& c) const {
    CaseReference r;
    const auto n = static_cast<std::size_t>(std::llround(c.duration / 0.02));
    for (std::size_t k = 0; k <= n; ++k) r.t.push_back(c.duration * static_cast<double>(k) / static_cast<double>(n));
    const auto ode = ode_options(cfg_);
    const Trajectories truth = integrate(system_field(sys_), 0, {}, 0.0, c.x0, r.t, ode);
    const Trajectories twin = integrate(twin_field(net_, sys_.dim()), 0, {}, 0.0, c.x0, r.t, ode);
    if (!truth.stats.ok || !twin.stats.ok)
      throw SimulationError("long run: " + truth.stats.message + twin.stats.message);
    r.x_true = stack(truth.x, sys_.dim());
    r.x_twin = stack(twin.x, sys_.dim());
    r.u.resize(0, r.x_true.cols());
    r.y_true = r.x_true;
    r.y_twin = r.x_twin;
    return r;
  }

  // ---- scaling, simulator, energy meters -----------------------------------------
  void set_up() {
    scaling_ = choose_scaling(cfg_, net_, sys_.dim(), cases_);
    config::Config resolved = cfg_;
    record_scaling(resolved, scaling_);
    flow::write_resolved_config(dir_, resolved);
    outcomes_.resize(cases_.size());
    for (std::size_t i = 0; i < cases_.size(); ++i) outcomes_[i].label = cases_[i].label;
    if (opt_.reference_only) return;
    sim_ = flow::start_simulator(cfg_, false);
    transistor_ = flow::uses_transistor_level(cfg_);
    if (transistor_) (void)flow::transistor_environment(cfg_, sim_.runner.get());
    TwinCircuit first = case_circuit(cfg_, net_, cases_[0], scaling_, sim_.use_klu, 0);
    if (transistor_) meters_ = flow::energy_meters(first.circuit);
    energy_vectors_ = flow::save_energy_vectors(first.circuit, meters_);
    rails_.v_low = first.v_low;
    rails_.v_high = first.v_high;
    time_scale_ = first.time_scale;
    elements_ = first.circuit.element_count();
    write_file(dir_ / "netlist.cir", spice::emit(first.circuit), "netlist");
    log_ << "circuit: level " << config::enum_name(cfg_.circuit.level) << ", " << elements_
         << " elements, T = " << printf_number("%.4g", time_scale_) << " s per unit of model time; " << cases_.size()
         << " transients; " << sim_.describe() << "\n";
  }

  // ---- the transients ---------------------------------------------------------------
  void simulate() {
    simulation_seconds_ = flow::run_jobs(
        sim_, static_cast<long>(cases_.size()),
        [&](long i) {
          TwinCircuit tc = case_circuit(cfg_, net_, cases_[static_cast<std::size_t>(i)], scaling_, sim_.use_klu,
                                        static_cast<std::uint64_t>(i));
          spice::Job job;
          job.vectors = tc.saved_nodes;
          job.vectors.insert(job.vectors.end(), energy_vectors_.begin(), energy_vectors_.end());
          (void)flow::save_energy_vectors(tc.circuit, meters_);
          job.netlist = spice::emit(tc.circuit);
          job.timeout_s = cfg_.simulation.timeout;
          saved_nodes_ = tc.saved_nodes;
          return job;
        },
        [&](spice::Result&& r) { handle(std::move(r)); }, opt_.quiet, log_);
  }

  void handle(spice::Result&& r) {
    const auto i = static_cast<std::size_t>(r.id);
    CaseOutcome& o = outcomes_[i];
    o.status = std::string(spice::to_string(r.status));
    o.message = r.message;
    o.wall_seconds = r.wall_seconds;
    if (r.ok()) {
      try {
        compare(o, r, refs_[i], cases_[i]);
      } catch (const std::exception& e) {  // a missing vector, times a comparison cannot use
        o.status = "sim_error";
        o.message = e.what();
      }
    }
    if (!o.ok()) ++failures_;
  }

  // The circuit's states (model units, model time) on the case's grid
  // against the software twin and the truth.
  void compare(CaseOutcome& o, const spice::Result& r, const CaseReference& ref, const TestCase& c) {
    const int dim = sys_.dim();
    std::vector<double> time = r.plot.at("time").re;
    for (double& t : time) t /= time_scale_;
    o.time_points = static_cast<long>(time.size());
    std::vector<std::vector<double>> xs;
    for (int d = 0; d < dim; ++d) {
      std::vector<double> v = r.plot.at("x" + std::to_string(d)).re;
      for (double& value : v) value /= scaling_.state(d);
      xs.push_back(std::move(v));
    }
    const analysis::TrajectoryError err = analysis::compare_trajectory(time, xs, ref.t, ref.x_twin, &o.x);
    o.max_error = err.max_error;
    std::vector<double> per_time;
    for (Eigen::Index k = 0; k < o.x.cols(); ++k)
      per_time.push_back((o.x.col(k) - ref.x_twin.col(k)).cwiseAbs().maxCoeff());
    o.median_error = median(per_time);
    if (sys_.input_dim() > 0)
      o.current_nrmse = nrmse(sys_.readout(o.x, ref.u), ref.y_true);
    else if (!c.long_run)
      o.vpt = valid_prediction_time(ref.t, o.x, ref.x_true, eval_.attractor_scale, cfg_.twin.metrics.vpt_threshold,
                                    eval_.lyapunov_exponent);
    o.rail_hit = rails_.watch(r.plot, saved_nodes_);
    if (transistor_) o.energy = flow::energy_by_group(r.plot, meters_);
  }

  // ---- projection -------------------------------------------------------------------
  void project() {
    double joules = 0;
    if (transistor_) joules = energy_json()["joules"].get<double>();
    std::size_t first = 0;
    while (first < cases_.size() && cases_[first].long_run) ++first;
    const double digital = digital_seconds(cfg_, net_, sys_, cases_[first]);
    projection_ = twin_projection(cfg_, cases_[first].duration * time_scale_, joules, digital, sys_.input_dim() > 0);
  }

  // ---- summary --------------------------------------------------------------------------
  nlohmann::json summarize() const {
    nlohmann::json s;
    s["config"] = cfg_.source;
    s["name"] = cfg_.name;
    s["task"] = "twin";
    s["system"] = sys_.describe();
    s["software"] = software_json();
    s["scaling"] = {
        {"state_volts_per_unit",
         std::vector<double>(scaling_.state.data(), scaling_.state.data() + scaling_.state.size())},
        {"drive_volts_per_unit",
         std::vector<double>(scaling_.drive.data(), scaling_.drive.data() + scaling_.drive.size())},
        {"rate_volts_per_unit", std::vector<double>(scaling_.rate.data(), scaling_.rate.data() + scaling_.rate.size())},
        {"hidden_volts_per_unit", scaling_.hidden}};
    if (opt_.reference_only) {
      s["mode"] = "software only (no ngspice)";
      return s;
    }
    long ok = 0;
    for (const auto& o : outcomes_) ok += o.ok() ? 1 : 0;
    s["trajectories"] = {{"requested", cases_.size()}, {"ok", ok}, {"failed", failures_}};
    s["circuit"] = {{"level", std::string(config::enum_name(cfg_.circuit.level))},
                    {"elements", elements_},
                    {"seconds_per_model_time_unit", time_scale_},
                    {"simulator", "ngspice-" + sim_.info().version},
                    {"solver", sim_.use_klu ? "klu" : "sparse"}};
    nlohmann::json cases = nlohmann::json::array();
    std::vector<double> maxes, pooled_medians, nrmses, vpts, soft_vpts;
    for (std::size_t i = 0; i < outcomes_.size(); ++i) {
      const CaseOutcome& o = outcomes_[i];
      nlohmann::json c = {{"index", i},
                          {"label", o.label},
                          {"status", o.status},
                          {"message", o.message},
                          {"wall_seconds", o.wall_seconds},
                          {"time_points", o.time_points},
                          {"rail_hit", o.rail_hit}};
      if (o.ok()) {
        c["state_error_vs_software_twin"] = {{"max", o.max_error}, {"median", o.median_error}};
        maxes.push_back(o.max_error);
        pooled_medians.push_back(o.median_error);
        if (!std::isnan(o.current_nrmse)) {
          c["current_nrmse_vs_truth"] = {{"circuit", o.current_nrmse},
                                         {"software", eval_.cases.at(eval_index_[i]).current_nrmse}};
          nrmses.push_back(o.current_nrmse);
        }
        if (!std::isnan(o.vpt)) {
          c["vpt_lyapunov_times"] = {{"circuit", o.vpt}, {"software", eval_.cases.at(eval_index_[i]).vpt}};
          vpts.push_back(o.vpt);
          soft_vpts.push_back(eval_.cases.at(eval_index_[i]).vpt);
        }
      }
      cases.push_back(c);
    }
    s["cases"] = cases;
    s["state_error_vs_software_twin"] = {{"max", maxes.empty() ? nan : *std::max_element(maxes.begin(), maxes.end())},
                                         {"median_of_case_medians", median(pooled_medians)}};
    if (!nrmses.empty())
      s["current_nrmse_vs_truth"] = {{"circuit_max", *std::max_element(nrmses.begin(), nrmses.end())},
                                     {"software_max", eval_.max_current_nrmse}};
    if (!vpts.empty()) {
      const double m = median(vpts);
      const double soft = median(soft_vpts);
      s["vpt_lyapunov_times"] = {{"circuit_median", m},
                                 {"software_median_same_starts", soft},
                                 {"software_median_all_starts", eval_.median_vpt},
                                 {"ratio_circuit_over_software", m / soft},
                                 {"threshold", cfg_.twin.metrics.vpt_threshold},
                                 {"lyapunov_exponent", eval_.lyapunov_exponent}};
    }
    if (const auto lr = long_run_json(); !lr.is_null()) s["long_run"] = lr;
    s["rails"] = rails_.to_json();
    s["timing"] = {{"wall_seconds_total", seconds_since(start_)}, {"wall_seconds_simulation", simulation_seconds_}};
    if (transistor_) s["energy_per_trajectory"] = energy_json();
    s["projection"] = projection_.json;
    return s;
  }

  nlohmann::json software_json() const {
    nlohmann::json j = {{"seconds", eval_.seconds}};
    if (eval_.max_current_nrmse >= 0) j["max_current_nrmse"] = eval_.max_current_nrmse;
    if (eval_.median_vpt >= 0) {
      j["median_vpt_lyapunov_times"] = eval_.median_vpt;
      j["lyapunov_exponent"] = eval_.lyapunov_exponent;
      j["attractor_scale"] = eval_.attractor_scale;
    }
    return j;
  }

  // Lorenz96's long run: per-variable mean and variance of the circuit and
  // the software twin after twin.circuit_long_run_discard, against the true
  // system's: a truth run of twin.metrics.stats_horizon from the same start
  // after the same discard (the attractor's statistics, not one window's).
  // The truth over the circuit's own window is reported beside them: how far
  // a window that long strays from the attractor's statistics by itself.
  nlohmann::json long_run_json() const {
    for (std::size_t i = 0; i < cases_.size(); ++i) {
      if (!cases_[i].long_run || !outcomes_[i].ok()) continue;
      const CaseReference& r = refs_[i];
      const double discard = cfg_.twin.circuit_long_run_discard;
      const auto first = static_cast<Eigen::Index>(std::lower_bound(r.t.begin(), r.t.end(), discard) - r.t.begin());
      const Eigen::MatrixXd truth = long_run(system_field(sys_), cases_[i].x0, discard, cfg_.twin.metrics.stats_horizon,
                                             0.02, ode_options(cfg_), "true long run");
      const auto truth_moments = moments(truth);
      const Eigen::VectorXd& mt = truth_moments.first;
      const Eigen::VectorXd& vt = truth_moments.second;
      const auto [mw, vw] = moments(r.x_true.rightCols(r.x_true.cols() - first));
      const auto [mc, vc] = moments(outcomes_[i].x.rightCols(outcomes_[i].x.cols() - first));
      const auto [ms, vs] = moments(r.x_twin.rightCols(r.x_twin.cols() - first));
      auto rel = [](const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
        return ((a - b).array().abs() / b.array().abs()).maxCoeff();
      };
      auto vec = [](const Eigen::VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); };
      auto errors = [&](const Eigen::VectorXd& m, const Eigen::VectorXd& v) {
        return nlohmann::json{{"mean", rel(m, mt)}, {"variance", rel(v, vt)}};
      };
      return {{"duration", cases_[i].duration},
              {"discarded", discard},
              {"true_horizon", cfg_.twin.metrics.stats_horizon},
              {"true", {{"mean", vec(mt)}, {"variance", vec(vt)}}},
              {"true_same_window", {{"mean", vec(mw)}, {"variance", vec(vw)}}},
              {"circuit", {{"mean", vec(mc)}, {"variance", vec(vc)}}},
              {"software", {{"mean", vec(ms)}, {"variance", vec(vs)}}},
              {"max_relative_error_circuit", errors(mc, vc)},
              {"max_relative_error_software", errors(ms, vs)},
              {"max_relative_error_true_same_window", errors(mw, vw)},
              {"true_windows", window_errors(truth, r.t.size() - static_cast<std::size_t>(first), errors)}};
    }
    return nullptr;
  }

  // The true long run cut into windows as long as the circuit's (samples
  // columns each): per window the largest relative error of a variable's
  // mean and variance against the whole run, i.e. how far the true system
  // itself strays over a window that long.
  template <class Errors>
  static nlohmann::json window_errors(const Eigen::MatrixXd& truth, std::size_t samples, const Errors& errors) {
    nlohmann::json mean = nlohmann::json::array(), variance = nlohmann::json::array();
    const auto w = static_cast<Eigen::Index>(samples);
    for (Eigen::Index start = 0; w > 1 && start + w <= truth.cols(); start += w) {
      const auto [m, v] = moments(truth.middleCols(start, w));
      const nlohmann::json e = errors(m, v);
      mean.push_back(e["mean"]);
      variance.push_back(e["variance"]);
    }
    return {{"samples", samples}, {"mean", mean}, {"variance", variance}};
  }

  // Per-variable mean and variance over the columns of x.
  static std::pair<Eigen::VectorXd, Eigen::VectorXd> moments(const Eigen::MatrixXd& x) {
    const Eigen::VectorXd mean = x.rowwise().mean();
    return {mean, (x.colwise() - mean).cwiseAbs2().rowwise().mean()};
  }

  nlohmann::json energy_json() const {
    std::map<std::string, double> mean;
    long ok = 0;
    for (const auto& o : outcomes_)
      if (o.ok() && !cases_[static_cast<std::size_t>(&o - outcomes_.data())].long_run) {
        ++ok;
        for (const auto& [g, j] : o.energy) mean[g] += j;
      }
    double total = 0;
    nlohmann::json blocks = nlohmann::json::object();
    for (auto& [g, j] : mean) {
      j /= std::max<long>(ok, 1);
      total += j;
      blocks[g] = j;
    }
    return {{"joules", total}, {"by_block", blocks}, {"test_case_duration", cfg_.twin.test.duration}};
  }

  // ---- console report -------------------------------------------------------------------
  void print_report(const nlohmann::json& s) const {
    if (opt_.reference_only) {
      log_ << "  results in " << dir_.string() << "/ (summary.json)\n";
      return;
    }
    log_ << "\ncircuit (" << config::enum_name(cfg_.circuit.level) << ") vs software twin and truth:\n";
    for (const auto& c : s["cases"]) {
      log_ << "  " << c["label"].get<std::string>() << ": " << c["status"].get<std::string>();
      if (c.contains("state_error_vs_software_twin"))
        log_ << ", state error vs twin max "
             << printf_number("%.3g", c["state_error_vs_software_twin"]["max"].get<double>()) << " median "
             << printf_number("%.3g", c["state_error_vs_software_twin"]["median"].get<double>());
      if (c.contains("current_nrmse_vs_truth"))
        log_ << ", current NRMSE circuit "
             << printf_number("%.2f %%", 100 * c["current_nrmse_vs_truth"]["circuit"].get<double>()) << " software "
             << printf_number("%.2f %%", 100 * c["current_nrmse_vs_truth"]["software"].get<double>());
      if (c.contains("vpt_lyapunov_times"))
        log_ << ", VPT circuit " << printf_number("%.2f", c["vpt_lyapunov_times"]["circuit"].get<double>())
             << " software " << printf_number("%.2f", c["vpt_lyapunov_times"]["software"].get<double>());
      if (!c["message"].get<std::string>().empty() && c["status"] != "ok")
        log_ << ": " << c["message"].get<std::string>();
      log_ << "\n";
    }
    if (s.contains("vpt_lyapunov_times"))
      log_ << "  median VPT (Lyapunov times): circuit "
           << printf_number("%.3f", s["vpt_lyapunov_times"]["circuit_median"].get<double>())
           << ", software (same starts) "
           << printf_number("%.3f", s["vpt_lyapunov_times"]["software_median_same_starts"].get<double>()) << ", ratio "
           << printf_number("%.3f", s["vpt_lyapunov_times"]["ratio_circuit_over_software"].get<double>()) << "\n";
    if (s.contains("long_run")) {
      const auto& lr = s["long_run"];
      log_ << "  long run (" << printf_number("%.4g", lr["duration"].get<double>()) << " time units, first "
           << printf_number("%.4g", lr["discarded"].get<double>())
           << " discarded): largest relative error vs the true system's ("
           << printf_number("%.4g", lr["true_horizon"].get<double>()) << " units), circuit mean "
           << printf_number("%.3f", lr["max_relative_error_circuit"]["mean"].get<double>()) << " variance "
           << printf_number("%.3f", lr["max_relative_error_circuit"]["variance"].get<double>()) << "; software mean "
           << printf_number("%.3f", lr["max_relative_error_software"]["mean"].get<double>()) << " variance "
           << printf_number("%.3f", lr["max_relative_error_software"]["variance"].get<double>())
           << "; the truth over the same window mean "
           << printf_number("%.3f", lr["max_relative_error_true_same_window"]["mean"].get<double>()) << " variance "
           << printf_number("%.3f", lr["max_relative_error_true_same_window"]["variance"].get<double>());
      const auto& tw = lr["true_windows"];
      if (!tw["mean"].empty())
        log_ << "; " << tw["mean"].size() << " windows that long of the true run: median "
             << printf_number("%.3f", median(tw["mean"].get<std::vector<double>>())) << " / "
             << printf_number("%.3f", median(tw["variance"].get<std::vector<double>>()));
      log_ << "\n";
    }
    if (s.contains("energy_per_trajectory"))
      log_ << "  energy per test trajectory "
           << printf_number("%.4g J", s["energy_per_trajectory"]["joules"].get<double>()) << "\n";
    for (const auto& line : projection_.lines) log_ << line << "\n";
    rails_.warn(log_);
    log_ << "  results in " << dir_.string() << "/ (summary.json, trajectories.csv, netlist.cir, "
         << (sys_.input_dim() > 0 ? "hysteresis.png" : "trajectories.png") << ")\n";
  }

  // ---- files and pictures -------------------------------------------------------------------
  void draw() const {
    const int dim = sys_.dim();
    std::vector<std::string> header = {"case", "t"};
    if (sys_.input_dim() > 0) header.push_back("u");
    for (const char* what : {"true", "twin", "circuit"})
      for (int d = 0; d < dim; ++d) header.push_back(std::string("x") + std::to_string(d) + "_" + what);
    if (sys_.input_dim() > 0)
      for (const char* what : {"i_true", "i_twin", "i_circuit"}) header.emplace_back(what);
    CsvWriter csv(dir_ / "trajectories.csv", header);
    for (std::size_t i = 0; i < cases_.size(); ++i) {
      const CaseOutcome& o = outcomes_[i];
      if (!o.ok()) continue;
      const CaseReference& r = refs_[i];
      const Eigen::MatrixXd y = sys_.input_dim() > 0 ? sys_.readout(o.x, r.u) : Eigen::MatrixXd();
      for (std::size_t k = 0; k < r.t.size(); ++k) {
        const auto K = static_cast<Eigen::Index>(k);
        std::vector<double> row = {static_cast<double>(i), r.t[k]};
        if (sys_.input_dim() > 0) row.push_back(r.u(0, K));
        for (const Eigen::MatrixXd* m : {&r.x_true, &r.x_twin, &o.x})
          for (int d = 0; d < dim; ++d) row.push_back((*m)(d, K));
        if (sys_.input_dim() > 0) {
          row.push_back(r.y_true(0, K));
          row.push_back(r.y_twin(0, K));
          row.push_back(y(0, K));
        }
        csv.row(row);
      }
    }
    plot(dir_);
  }

  // HP: the pinched hysteresis loop i(v), a panel per drive; Lorenz96: x_0(t)
  // of the first three starts. True (thick grey), software twin (dashed),
  // circuit (thin).
  void plot(const std::filesystem::path& dir) const {
    const bool hp = sys_.input_dim() > 0;
    const int dim = sys_.dim();
    AtomicFile gp_file(dir / (hp ? "hysteresis.gp" : "trajectories.gp"), "plot script");
    std::ostream& gp = gp_file.stream();
    std::vector<std::size_t> shown;
    for (std::size_t i = 0; i < cases_.size() && shown.size() < (hp ? 4u : 3u); ++i)
      if (outcomes_[i].ok() && !cases_[i].long_run) shown.push_back(i);
    if (shown.empty()) return;
    gp << "set terminal pngcairo size " << (hp ? 1200 : 1000) << "," << (hp ? 900 : 800) << " font ',10'\n"
       << "set output '" << (hp ? "hysteresis.png" : "trajectories.png") << "'\n"
       << "set datafile separator ','\nset key top left\n"
       << "set multiplot layout " << (hp ? "2,2" : "3,1") << " title \""
       << flow::safe_title(cfg_.name + ": true vs twin (software) vs twin (circuit, " +
                           std::string(config::enum_name(cfg_.circuit.level)) + ")")
       << "\"\n";
    const int xcol = 3 + (hp ? 1 : 0);  // first x column (1-based)
    for (std::size_t i : shown) {
      gp << "set title \"" << flow::safe_title(cases_[i].label) << "\"\n";
      if (hp) {
        const int ic = xcol + 3 * dim;  // i_true
        gp << "set xlabel 'v (V)'\nset ylabel 'i (A)'\n"
           << "plot 'trajectories.csv' skip 1 using ($1==" << i << "?$3:1/0):" << ic
           << " w l lw 4 lc rgb '#aaaaaa' t 'true', "
           << "'' skip 1 using ($1==" << i << "?$3:1/0):" << ic + 1
           << " w l dt 2 lw 2 lc rgb '#1f77b4' t 'twin (Odeint)', "
           << "'' skip 1 using ($1==" << i << "?$3:1/0):" << ic + 2
           << " w l lw 1 lc rgb '#d62728' t 'twin (circuit)'\n";
      } else {
        gp << "set xlabel 't'\nset ylabel 'x_0'\n"
           << "plot 'trajectories.csv' skip 1 using ($1==" << i << "?$2:1/0):" << xcol
           << " w l lw 4 lc rgb '#aaaaaa' t 'true', "
           << "'' skip 1 using ($1==" << i << "?$2:1/0):" << xcol + dim
           << " w l dt 2 lw 2 lc rgb '#1f77b4' t 'twin (Odeint)', "
           << "'' skip 1 using ($1==" << i << "?$2:1/0):" << xcol + 2 * dim
           << " w l lw 1 lc rgb '#d62728' t 'twin (circuit)'\n";
      }
    }
    gp << "unset multiplot\n";
    gp_file.commit();
    flow::run_gnuplot(dir, hp ? "hysteresis.gp" : "trajectories.gp", log_);
  }

  const config::Config& cfg_;
  const nn::Mlp& net_;
  const flow::RunOptions& opt_;
  std::ostream& log_;
  System sys_;
  Clock::time_point start_;
  std::filesystem::path dir_;
  SoftwareEvaluation eval_;
  std::vector<TestCase> cases_;
  std::vector<std::size_t> eval_index_;  // case -> its entry in eval_.cases
  std::vector<CaseReference> refs_;
  std::vector<CaseOutcome> outcomes_;
  TwinScaling scaling_;
  flow::Simulator sim_;
  bool transistor_ = false;
  std::vector<flow::EnergyMeter> meters_;
  std::vector<std::string> energy_vectors_, saved_nodes_;
  flow::RailLog rails_;
  flow::Projection projection_;
  double time_scale_ = 0, simulation_seconds_ = 0;
  std::size_t elements_ = 0;
  long failures_ = 0;
};

}  // namespace

flow::RunOutcome run_twin(const config::Config& cfg, const nn::LoadedMlp& model, const flow::RunOptions& options,
                          std::ostream& log) {
  return TwinRun(cfg, model, options, log).run();
}

}  // namespace memcosim::tasks::twin
