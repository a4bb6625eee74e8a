#include "tasks/twin/task.hpp"

#include <algorithm>
#include <cmath>
#include <ostream>

#include "flow/common.hpp"
#include "flow/import.hpp"
#include "flow/transistor.hpp"
#include "tasks/twin/evaluate.hpp"
#include "util/error.hpp"
#include "util/numbers.hpp"
#include "util/random.hpp"

namespace memcosim::tasks::twin {

std::vector<TestCase> test_cases(const config::Config& cfg) {
  const System sys = system_from_config(cfg);
  std::vector<TestCase> cases;
  if (sys.input_dim() > 0) {
    for (const Drive& d : test_drives(cfg))
      cases.push_back({d.describe(), {d}, Eigen::VectorXd::Constant(1, cfg.twin.hp.x0), cfg.twin.test.duration, false});
    return cases;
  }
  const Eigen::MatrixXd starts = test_starts(cfg);
  for (Eigen::Index s = 0; s < starts.cols(); ++s)
    cases.push_back({"start " + std::to_string(s), {}, starts.col(s), cfg.twin.test.duration, false});
  cases.push_back({"long run", {}, starts.col(0), cfg.twin.circuit_long_run, true});
  return cases;
}

circuit::Waveform held_waveform(const Drive& drive, double update_period, double duration) {
  if (update_period > 0) {
    const std::vector<double> corners = hold_corners(update_period, duration);
    return circuit::dac_waveform(corners, true, [&](double t) { return drive.value(t); });
  }
  // A continuous drive: a fine linear DAC (2000 updates over the run).
  return circuit::dac_waveform(circuit::dac_times(2001, duration), false, [&](double t) { return drive.value(t); });
}

namespace {

// The largest |value| per row over a batch of columns, accumulated.
void track_peaks(const Eigen::MatrixXd& values, Eigen::VectorXd& peak) {
  if (values.size() == 0) return;
  peak = peak.cwiseMax(values.cwiseAbs().rowwise().maxCoeff());
}

// volts / (margin x peak), a peak of 0 counting as 1.
Eigen::VectorXd scale_for(const Eigen::VectorXd& peak, double volts, double margin) {
  Eigen::VectorXd k(peak.size());
  for (Eigen::Index i = 0; i < peak.size(); ++i) k(i) = volts / (margin * (peak(i) > 0 ? peak(i) : 1.0));
  return k;
}

// A config vector of scales, or the automatic one when empty; located errors
// for a wrong length.
Eigen::VectorXd given_or(const config::Config& cfg, const std::vector<double>& given, const std::string& key,
                         const Eigen::VectorXd& automatic) {
  if (given.empty()) return automatic;
  if (static_cast<Eigen::Index>(given.size()) != automatic.size())
    throw InputError(Diagnostic{cfg.locations.find(key), key,
                                "needs " + std::to_string(automatic.size()) + " values (one per " +
                                    (key.ends_with("drive") ? "drive input" : "state dimension") + "), got " +
                                    std::to_string(given.size())});
  return Eigen::Map<const Eigen::VectorXd>(given.data(), static_cast<Eigen::Index>(given.size()));
}

}  // namespace

TwinScaling choose_scaling(const config::Config& cfg, const nn::Mlp& net, int dim, const std::vector<TestCase>& cases) {
  const auto& s = cfg.twin.scaling;
  const int inputs = net.input_dim() - dim;
  Eigen::VectorXd x_peak = Eigen::VectorXd::Zero(dim), u_peak = Eigen::VectorXd::Zero(inputs);
  Eigen::VectorXd f_peak = Eigen::VectorXd::Zero(dim);
  double h_peak = 0;
  const Field field = twin_field(net, dim);
  const auto ode = ode_options(cfg);
  for (const TestCase& c : cases) {
    std::vector<double> times(401);
    for (std::size_t k = 0; k < times.size(); ++k) times[k] = c.duration * static_cast<double>(k) / 400.0;
    const Trajectories tr = integrate(field, inputs, c.drive, cfg.twin.update_period, c.x0, times, ode);
    if (!tr.stats.ok) throw SimulationError("software twin failed on " + c.label + ": " + tr.stats.message);
    Eigen::MatrixXd in(net.input_dim(), static_cast<Eigen::Index>(times.size()));
    for (std::size_t k = 0; k < times.size(); ++k) {
      in.col(static_cast<Eigen::Index>(k)).head(dim) = tr.x[k].col(0);
      if (inputs > 0) in.col(static_cast<Eigen::Index>(k)).tail(inputs) = tr.u[k].col(0);
    }
    track_peaks(in.topRows(dim), x_peak);
    if (inputs > 0) track_peaks(in.bottomRows(inputs), u_peak);
    Eigen::MatrixXd f(dim, in.cols());
    nn::Mlp::Tape tape;
    net.forward(in, f, tape);
    track_peaks(f, f_peak);
    for (const auto& h : tape.hidden) h_peak = std::max(h_peak, h.maxCoeff());
  }
  TwinScaling sc;
  sc.state = given_or(cfg, s.state, "twin.scaling.state", scale_for(x_peak, s.row_swing, s.margin));
  sc.drive = given_or(cfg, s.drive, "twin.scaling.drive", scale_for(u_peak, s.row_swing, s.margin));
  sc.rate = given_or(cfg, s.rate, "twin.scaling.rate", scale_for(f_peak, s.rate_swing, s.margin));
  sc.hidden = s.hidden > 0 ? s.hidden : s.row_swing / (s.margin * (h_peak > 0 ? h_peak : 1.0));
  return sc;
}

void record_scaling(config::Config& cfg, const TwinScaling& sc) {
  auto& s = cfg.twin.scaling;
  s.state.assign(sc.state.data(), sc.state.data() + sc.state.size());
  s.drive.assign(sc.drive.data(), sc.drive.data() + sc.drive.size());
  s.rate.assign(sc.rate.data(), sc.rate.data() + sc.rate.size());
  s.hidden = sc.hidden;
}

TwinCircuit case_circuit(const config::Config& cfg, const nn::Mlp& net, const TestCase& c, const TwinScaling& scaling,
                         bool use_klu, std::uint64_t trajectory) {
  const System sys = system_from_config(cfg);
  TwinCircuitOptions o;
  o.circuit = cfg.circuit;
  o.simulation = cfg.simulation;
  o.duration = c.duration;
  for (const Drive& d : c.drive) o.drives.push_back(held_waveform(d, cfg.twin.update_period, c.duration));
  o.use_klu = use_klu;
  o.seed = cfg.circuit.crossbar.device_seed ? *cfg.circuit.crossbar.device_seed : derive_seed(cfg.seed, "circuit");
  o.trajectory = trajectory;
  o.title = "memcosim " + cfg.name + " twin circuit";
  std::string widths;
  for (int h : net.shape().hidden) widths += std::to_string(h) + "-";
  o.header = {"Neural-ODE twin of " + sys.describe() + "; network " + std::to_string(net.input_dim()) + "-" + widths +
                  std::to_string(net.output_dim()) + " (ReLU); test case: " + c.label + ".",
              "DAC update period " + spice_number(cfg.twin.update_period) + " (model time; 0 = continuous)."};
  if (flow::uses_transistor_level(cfg)) o.transistor = flow::transistor_environment(cfg);
  TwinCircuit tc = build_twin_circuit(net.raw_layers(), sys.dim(), scaling, o, &cfg.locations);
  tc.set_start(c.x0);
  return tc;
}

namespace {

class TwinTask final : public flow::Task {
 public:
  TwinTask(const config::Config& cfg) : model_(load(cfg)) {}

  std::string name() const override { return "twin"; }

  circuit::Circuit circuit(const config::Config& cfg, bool use_klu, std::uint64_t sample) const override {
    const auto cases = test_cases(cfg);
    if (sample >= cases.size())
      throw InputError(Diagnostic{SourceLocation{"--sample"}, "",
                                  "the twin config has " + std::to_string(cases.size()) + " test cases (0 .. " +
                                      std::to_string(cases.size() - 1) + "), not " + std::to_string(sample)});
    const int dim = system_from_config(cfg).dim();
    const TwinScaling sc = choose_scaling(cfg, model_.net, dim, cases);
    return case_circuit(cfg, model_.net, cases[sample], sc, use_klu, sample).circuit;
  }

  flow::RunOutcome run(const config::Config& cfg, const flow::RunOptions& options, std::ostream& log) const override {
    return run_twin(cfg, model_, options, log);
  }

 private:
  static nn::LoadedMlp load(const config::Config& cfg) {
    const std::string path = cfg.resolve_input("model.file", cfg.model.file).string();
    nn::LoadedMlp m = [&] {
      if (nn::is_onnx_path(path)) return flow::load_onnx_mlp(cfg);  // converted in memory, as `memcosim import` would
      try {
        return nn::load_mlp(path);
      } catch (const InputError& e) {
        std::vector<Diagnostic> d{Diagnostic{
            cfg.locations.find("model.file"), "model.file",
            "the twin's weight file " + path + " is not usable (run `memcosim train " + cfg.source + "` to make it)"}};
        d.insert(d.end(), e.diagnostics().begin(), e.diagnostics().end());
        throw InputError(std::move(d));
      }
    }();
    const System sys = system_from_config(cfg);
    if (m.net.input_dim() != sys.dim() + sys.input_dim() || m.net.output_dim() != sys.dim())
      throw InputError(Diagnostic{cfg.locations.find("model.file"), "model.file",
                                  path + " holds a network " + std::to_string(m.net.input_dim()) + " -> " +
                                      std::to_string(m.net.output_dim()) + ", but " + sys.describe() + " needs " +
                                      std::to_string(sys.dim() + sys.input_dim()) + " -> " +
                                      std::to_string(sys.dim())});
    return m;
  }

  nn::LoadedMlp model_;
};

}  // namespace

std::unique_ptr<flow::Task> load_twin_task(const config::Config& cfg, std::ostream&) {
  return std::make_unique<TwinTask>(cfg);
}

}  // namespace memcosim::tasks::twin
