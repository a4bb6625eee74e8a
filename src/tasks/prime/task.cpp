#include "tasks/prime/task.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <numeric>
#include <optional>
#include <ostream>
#include <tuple>
#include <utility>

#include "flow/common.hpp"
#include "flow/energy.hpp"
#include "flow/transistor.hpp"
#include "spice/emitter.hpp"
#include "spice/session.hpp"
#include "tasks/prime/circuit.hpp"
#include "tasks/prime/pipeline.hpp"
#include "tasks/prime/projection.hpp"
#include "util/csv.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/numbers.hpp"
#include "util/random.hpp"

namespace memcosim::tasks::prime {

std::vector<Eigen::Index> run_images(const config::Config& cfg, Eigen::Index test_size, long count) {
  std::vector<Eigen::Index> order(static_cast<std::size_t>(test_size));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  Rng rng(derive_seed(cfg.seed, "prime-images"));
  rng.shuffle(order);
  const long first = std::min<long>(cfg.prime.circuit.first_image, static_cast<long>(test_size));
  const long last = std::min<long>(first + count, static_cast<long>(test_size));
  return {order.begin() + first, order.begin() + last};
}

namespace {

// The value of vector v at time t (linear interpolation; clamped).
double at_time(const std::vector<double>& time, const std::vector<double>& v, double t) {
  const auto it = std::lower_bound(time.begin(), time.end(), t);
  if (it == time.begin()) return v.front();
  if (it == time.end()) return v.back();
  const std::size_t k = static_cast<std::size_t>(it - time.begin());
  const double a = (t - time[k - 1]) / (time[k] - time[k - 1]);
  return v[k - 1] + a * (v[k] - v[k - 1]);
}

// The plot cut at t_end (for the energy up to the stop).
spice::Plot truncated(const spice::Plot& p, double t_end) {
  spice::Plot out = p;
  const spice::Vector* scale = p.find(p.scale);
  if (!scale) return out;
  std::size_t n = 0;
  while (n < scale->re.size() && scale->re[n] <= t_end) ++n;
  for (auto& v : out.vectors) {
    if (v.re.size() > n) v.re.resize(n);
    if (v.im.size() > n) v.im.resize(n);
  }
  return out;
}

}  // namespace

CircuitImage simulate_image(const config::Config& cfg, const SpikingNet& net, const Eigen::MatrixXf& spikes,
                            double timeout) {
  const auto t0 = std::chrono::steady_clock::now();
  spice::NgspiceSession session;
  const auto solver = cfg.simulation.solver;
  if (solver == config::LinearSolver::klu && !session.info().has_klu)
    throw InputError(Diagnostic{cfg.locations.find("simulation.solver"), "simulation.solver",
                                "ngspice-" + session.info().version + " has no KLU solver (use auto or sparse)"});
  const bool use_klu =
      solver == config::LinearSolver::klu || (solver == config::LinearSolver::automatic && session.info().has_klu);
  PrimeCircuit pc = build_circuit(cfg, net, spikes, use_klu);
  const std::vector<flow::EnergyMeter> meters = flow::energy_meters(pc.circuit);
  (void)flow::save_energy_vectors(pc.circuit, meters);
  const auto& es = cfg.prime.early_stop;
  CircuitImage r;
  r.steps = pc.steps;
  session.load(spice::emit(pc.circuit));
  // The watch: at the first accepted point past each step's read-out time,
  // the outputs of that step decide.
  int next = 0, stop_step = 0;
  double stop_time = 0;
  spice::TransientWatch watch;
  watch.nodes = pc.outputs;
  watch.on_point = [&](double time, const std::vector<double>& v) {
    if (next >= pc.steps || time < pc.output_time(next)) return false;
    Eigen::VectorXf o(static_cast<Eigen::Index>(v.size()));
    for (std::size_t k = 0; k < v.size(); ++k) o(static_cast<Eigen::Index>(k)) = static_cast<float>(v[k] / pc.k_output);
    ++next;
    if (next >= es.min_steps && confidence(o, es.temperature) > es.confidence) {
      stop_step = next;
      stop_time = time;
      return true;
    }
    return false;
  };
  session.run(timeout, "run", es.enabled ? watch : spice::TransientWatch{});
  r.halted = session.halted_by_watch();
  const spice::Plot plot = session.plot();
  const spice::Vector* time = plot.find(plot.scale);
  if (!time || time->re.empty()) throw SimulationError("the PRIME transient produced no time points");
  r.time_points = static_cast<long>(time->re.size());
  r.last_time = time->re.back();
  r.steps = r.halted ? stop_step : pc.steps;
  r.stop_time = r.halted ? stop_time : r.last_time;
  auto vec = [&](const std::string& name) -> const std::vector<double>& {
    const spice::Vector* v = plot.find(name);
    if (!v) throw SimulationError("the PRIME transient has no vector " + name);
    return v->re;
  };
  for (int t = 0; t < r.steps; ++t) {
    Eigen::VectorXd o(static_cast<Eigen::Index>(pc.outputs.size()));
    for (std::size_t k = 0; k < pc.outputs.size(); ++k)
      o(static_cast<Eigen::Index>(k)) =
          at_time(time->re, vec(pc.outputs[k]), std::min(pc.output_time(t), r.stop_time)) / pc.k_output;
    r.outputs.push_back(o);
  }
  r.hidden_spikes = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(pc.latch.size()), r.steps);
  for (std::size_t j = 0; j < pc.latch.size(); ++j)
    for (int t = 0; t < r.steps; ++t)
      r.hidden_spikes(static_cast<Eigen::Index>(j), t) =
          at_time(time->re, vec(pc.latch[j]), (t + 0.5) * pc.step) > 0.5 * (pc.latch_low + pc.latch_high);
  if (!r.outputs.empty()) {
    Eigen::Index k = 0;
    r.outputs.back().maxCoeff(&k);
    r.predicted = static_cast<int>(k);
  }
  // Per meter, so that supplies (transistor-level rails) and ideal sources are told apart.
  const spice::Plot upto = truncated(plot, r.stop_time);
  for (const auto& m : meters) {
    const double joules = flow::energy_by_group(upto, {m}).begin()->second;
    (m.supply ? r.supply_energy : r.energy) += joules;
  }
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

namespace {

// One image's software and circuit results side by side (a row of images.csv).
struct ImageComparison {
  Eigen::Index image = 0;
  int label = 0;
  ImageResult sw;
  CircuitImage ck;
  long sw_hidden = 0, ck_hidden = 0;  // hidden spikes over the steps each ran
  int steps_common = 0;               // steps both ran
  double match = 0;                   // per neuron-step agreement of hidden spikes over steps_common
};

ImageComparison compare(const SpikingNet& net, Eigen::Index image, int label, ImageResult sw, CircuitImage ck) {
  ImageComparison c{image, label, std::move(sw), std::move(ck)};
  c.steps_common = std::min(c.sw.steps, c.ck.steps);
  long same = 0;
  for (int t = 0; t < c.steps_common; ++t)
    for (Eigen::Index j = 0; j < net.hidden(); ++j)
      same += (c.sw.hidden_trace(j, t) > 0.5f) == (c.ck.hidden_spikes(j, t) > 0.5);
  for (int t = 0; t < c.sw.steps; ++t) c.sw_hidden += static_cast<long>(c.sw.hidden_trace.col(t).sum());
  c.ck_hidden = static_cast<long>(c.ck.hidden_spikes.sum());
  c.match = c.steps_common > 0 ? static_cast<double>(same) / (static_cast<double>(c.steps_common) * net.hidden()) : 0;
  return c;
}

// A row of images.csv (CsvWriter flushes each row, so an interrupted run
// keeps every image it finished). Numbers as std::ostream prints them.
std::vector<std::string> csv_row(const ImageComparison& c) {
  const auto& [sw, ck] = std::tie(c.sw, c.ck);
  auto n = [](auto x) { return std::to_string(x); };
  return {n(c.image),
          n(c.label),
          n(sw.predicted),
          n(sw.steps),
          n(ck.predicted),
          n(ck.steps),
          n(ck.halted ? 1 : 0),
          n(sw.predicted == ck.predicted ? 1 : 0),
          n(sw.input_spikes_run),
          n(c.sw_hidden),
          n(c.ck_hidden),
          text_number(c.match),
          text_number(ck.energy),
          text_number(ck.stop_time),
          text_number(ck.last_time),
          text_number(ck.wall_seconds),
          text_number(ck.supply_energy)};
}

// The run's totals over the images done: summary.json and the console line.
struct Tally {
  long done = 0, sw_ok = 0, ck_ok = 0, agree = 0;
  double sw_steps = 0, ck_steps = 0, in_sp = 0, sw_hid = 0, ck_hid = 0, match = 0, match_n = 0, energy = 0, supply = 0;
  double stop_time = 0;  // simulated seconds up to the stop, summed
  std::vector<double> walls;

  void add(const ImageComparison& c) {
    ++done;
    sw_ok += c.sw.predicted == c.label;
    ck_ok += c.ck.predicted == c.label;
    agree += c.sw.predicted == c.ck.predicted;
    sw_steps += c.sw.steps;
    ck_steps += c.ck.steps;
    in_sp += static_cast<double>(c.sw.input_spikes_run);
    sw_hid += static_cast<double>(c.sw_hidden);
    ck_hid += static_cast<double>(c.ck_hidden);
    match += c.match * c.steps_common;
    match_n += c.steps_common;
    energy += c.ck.energy;
    supply += c.ck.supply_energy;
    stop_time += c.ck.stop_time;
    walls.push_back(c.ck.wall_seconds);
  }
  double per_image(double x) const { return x / static_cast<double>(std::max<long>(done, 1)); }
  double spike_match() const { return match_n > 0 ? match / match_n : 0.0; }

  nlohmann::json summary(const config::Config& cfg, long failures) const {
    const int T = cfg.prime.data.steps;
    return {{"task", "prime"},
            {"images", done},
            {"first_image", cfg.prime.circuit.first_image},
            {"failed", failures},
            {"early_stop", cfg.prime.early_stop.enabled},
            {"steps", T},
            {"software_accuracy", per_image(static_cast<double>(sw_ok))},
            {"circuit_accuracy", per_image(static_cast<double>(ck_ok))},
            {"class_agreement", per_image(static_cast<double>(agree))},
            {"software_mean_steps", per_image(sw_steps)},
            {"circuit_mean_steps", per_image(ck_steps)},
            {"circuit_steps_saved", 1.0 - per_image(ck_steps) / T},
            {"input_spikes_per_image", per_image(in_sp)},
            {"software_hidden_spikes_per_image", per_image(sw_hid)},
            {"circuit_hidden_spikes_per_image", per_image(ck_hid)},
            {"hidden_spike_match", spike_match()},
            {"read_energy_per_image_j", per_image(energy)},
            {"supply_energy_per_image_j", per_image(supply)},
            {"wall_seconds_median", median(walls)}};
  }

  void report(std::ostream& log, const config::Config& cfg) const {
    log << std::fixed << std::setprecision(2) << "PRIME circuit on " << done << " test images"
        << (cfg.prime.early_stop.enabled ? " with early stop" : " without early stop") << ": accuracy circuit "
        << 100.0 * per_image(static_cast<double>(ck_ok)) << " %, software "
        << 100.0 * per_image(static_cast<double>(sw_ok)) << " %; class agreement "
        << 100.0 * per_image(static_cast<double>(agree)) << " %; mean steps circuit " << per_image(ck_steps)
        << ", software " << per_image(sw_steps) << " of " << cfg.prime.data.steps
        << "; hidden spikes per image circuit " << per_image(ck_hid) << ", software " << per_image(sw_hid)
        << " (per neuron-step match " << 100 * spike_match() << " %); input spikes " << per_image(in_sp)
        << "; read-pulse energy " << std::scientific << std::setprecision(3) << per_image(energy)
        << " J per image, supply energy (transistor-level neurons and op-amps) " << per_image(supply)
        << " J per image; median wall time " << std::fixed << std::setprecision(2) << median(walls) << " s per image\n";
    log.unsetf(std::ios::floatfield);
  }
};

void log_image(std::ostream& log, const ImageComparison& c) {
  log << "image " << c.image << " (label " << c.label << "): software " << c.sw.predicted << " in " << c.sw.steps
      << " steps, circuit " << c.ck.predicted << " in " << c.ck.steps << " steps" << (c.ck.halted ? " (halted)" : "")
      << ", hidden spikes " << c.sw_hidden << " / " << c.ck_hidden << ", " << std::setprecision(3) << c.ck.wall_seconds
      << " s\n"
      << std::setprecision(6);
}

// The projection over the images done: the circuit's means against the
// digital inference of the same images.
flow::Projection projection(const config::Config& cfg, const SpikingNet& net, const Tally& tally,
                            const std::vector<Eigen::MatrixXf>& spikes) {
  AnalogInference a;
  a.seconds = tally.per_image(tally.stop_time);
  a.read_joules = tally.per_image(tally.energy);
  a.supply_joules = tally.per_image(tally.supply);
  a.supply_metered = flow::uses_transistor_level(cfg);
  a.steps_saved = 1.0 - tally.per_image(tally.ck_steps) / cfg.prime.data.steps;
  return prime_projection(cfg, a, digital_seconds_per_inference(net, spikes, cfg.prime.early_stop));
}

}  // namespace

flow::RunOutcome run_prime(const config::Config& cfg, const LoadedModel& model, const flow::RunOptions& options,
                           std::ostream& log) {
  const SpikingNet& net = model.net;
  const Dataset test = load_split(cfg, false);
  const long count = options.n > 0 ? options.n : cfg.prime.circuit.images;
  const std::vector<Eigen::Index> images = run_images(cfg, test.pixels.cols(), count);
  const std::filesystem::path dir = flow::prepare_output_dir(options.out_dir.string());
  flow::write_resolved_config(dir, cfg);
  CsvWriter csv(dir / "images.csv",
                {"image", "label", "software_class", "software_steps", "circuit_class", "circuit_steps", "halted",
                 "agree", "input_spikes", "software_hidden_spikes", "circuit_hidden_spikes", "hidden_spike_match",
                 "energy_j", "stop_time_s", "last_time_s", "wall_s", "supply_energy_j"});
  flow::RunOutcome out;
  Tally tally;
  std::vector<Eigen::MatrixXf> done_spikes;  // of the images the circuit finished, for the digital side
  for (std::size_t n = 0; n < images.size(); ++n) {
    const Eigen::Index i = images[n];
    const Eigen::MatrixXf spikes = image_spikes(cfg, test, i, false);
    if (n == 0) write_file(dir / "netlist.cir", spice::emit(build_circuit(cfg, net, spikes, false).circuit), "netlist");
    ImageResult sw = run_image(net, spikes, cfg.prime.early_stop);
    CircuitImage ck;
    try {
      ck = simulate_image(cfg, net, spikes, cfg.simulation.timeout);
    } catch (const SimulationError& e) {
      ++out.failures;
      log << "image " << i << ": circuit failed: " << e.what() << "\n";
      continue;
    }
    const ImageComparison c = compare(net, i, test.labels[static_cast<std::size_t>(i)], std::move(sw), std::move(ck));
    csv.row(csv_row(c));
    tally.add(c);
    done_spikes.push_back(spikes);
    if (!options.quiet) log_image(log, c);
  }
  out.transients = tally.done + out.failures;
  out.summary = tally.summary(cfg, out.failures);
  std::optional<flow::Projection> proj;
  if (tally.done > 0) {
    proj = projection(cfg, net, tally, done_spikes);
    out.summary["projection"] = proj->json;
  }
  write_file(dir / "summary.json", out.summary.dump(2) + "\n", "run summary");
  tally.report(log, cfg);
  if (proj)
    for (const auto& line : proj->lines) log << line << "\n";
  log << "results in " << dir.string() << "\n";
  return out;
}

namespace {

class PrimeTask final : public flow::Task {
 public:
  explicit PrimeTask(const config::Config& cfg) : model_(load(cfg)) {}
  std::string name() const override { return "prime"; }

  circuit::Circuit circuit(const config::Config& cfg, bool use_klu, std::uint64_t sample) const override {
    const Dataset test = load_split(cfg, false);
    const auto images = run_images(cfg, test.pixels.cols(), static_cast<long>(test.pixels.cols()));
    if (sample >= images.size())
      throw InputError(
          Diagnostic{SourceLocation{"--sample"}, "", "the test set has " + std::to_string(images.size()) + " images"});
    return build_circuit(cfg, model_.net, image_spikes(cfg, test, images[sample], false), use_klu).circuit;
  }

  flow::RunOutcome run(const config::Config& cfg, const flow::RunOptions& options, std::ostream& log) const override {
    return run_prime(cfg, model_, options, log);
  }

 private:
  static LoadedModel load(const config::Config& cfg) {
    const std::string path = cfg.resolve_input("model.file", cfg.model.file).string();
    LoadedModel m = [&] {
      try {
        return read_model(path);
      } catch (const InputError& e) {
        std::vector<Diagnostic> d{Diagnostic{
            cfg.locations.find("model.file"), "model.file",
            "the PRIME model file " + path + " is not usable (run `memcosim train " + cfg.source + "` to make it)"}};
        d.insert(d.end(), e.diagnostics().begin(), e.diagnostics().end());
        throw InputError(std::move(d));
      }
    }();
    const Eigen::Index side = 28 / cfg.prime.data.downsample;
    const Eigen::Index inputs = side * side;
    if (m.net.inputs() != inputs || m.net.outputs() != 10)
      throw InputError(Diagnostic{cfg.locations.find("model.file"), "model.file",
                                  path + " holds a network " + std::to_string(m.net.inputs()) + " -> " +
                                      std::to_string(m.net.outputs()) + ", but prime.data.downsample " +
                                      std::to_string(cfg.prime.data.downsample) + " needs " + std::to_string(inputs) +
                                      " -> 10"});
    return m;
  }
  LoadedModel model_;
};

}  // namespace

std::unique_ptr<flow::Task> load_prime_task(const config::Config& cfg, std::ostream&) {
  return std::make_unique<PrimeTask>(cfg);
}

}  // namespace memcosim::tasks::prime
