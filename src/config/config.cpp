#include "config/config.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <tuple>
#include <sstream>

#include "util/files.hpp"
#include "util/numbers.hpp"
#include "util/random.hpp"

namespace memcosim::config {

namespace {

// a / b is a whole number (to rounding).
bool is_multiple(double a, double b) {
  const double q = a / b;
  return b > 0 && q >= 1.0 - 1e-9 && std::abs(q - std::round(q)) < 1e-6;
}

// Rules of the twin: section that tie keys together (task: twin only).
void validate_twin(const TwinConfig& t, Checker& c) {
  auto num = [](double v) { return exact_number(v); };
  c.require(!t.hidden.empty(), "twin.hidden", "needs at least one hidden layer");
  const double step = t.stages.step > 0 ? t.stages.step : t.data.dt;
  c.require(t.stages.step == 0 || is_multiple(t.stages.step, t.data.dt), "twin.stages.step",
            "must be 0 or a multiple of twin.data.dt " + num(t.data.dt) + " (got " + num(t.stages.step) + ")");
  c.require(t.data.duration > t.stages.window * step, "twin.data.duration",
            "must be longer than one stage-2 window (twin.stages.window x step = " + num(t.stages.window * step) + ")");
  if (t.system == TwinSystem::hp_memristor) {
    c.require(t.hp.r_off > t.hp.r_on, "twin.hp.r_off",
              "must be > twin.hp.r_on (got " + num(t.hp.r_off) + " <= " + num(t.hp.r_on) + ")");
    c.require(t.hp.x0_max > t.hp.x0_min, "twin.hp.x0_max",
              "must be > twin.hp.x0_min (got " + num(t.hp.x0_max) + " <= " + num(t.hp.x0_min) + ")");
    c.require(t.train_drives.amplitude_max >= t.train_drives.amplitude_min, "twin.train_drives.amplitude_max",
              "must be >= twin.train_drives.amplitude_min");
    c.require(t.train_drives.f_max >= t.train_drives.f_min, "twin.train_drives.f_max", "must be >= twin.train_drives.f_min");
    // The finite-difference stencil spans 4 dt and must fit inside one hold interval.
    c.require(t.update_period == 0 || (is_multiple(t.update_period, t.data.dt) && t.update_period >= 5 * t.data.dt),
              "twin.data.dt",
              "must divide twin.update_period " + num(t.update_period) + " at least 5 times (got " + num(t.data.dt) + ")");
    c.require(t.update_period == 0 || is_multiple(t.update_period, step), "twin.stages.step",
              "the stage-2 RK4 step " + num(step) + " must divide twin.update_period " + num(t.update_period) +
                  " (the held drive then changes only between steps)");
    c.require(t.test.sine.enabled || t.test.triangle.enabled || t.test.square.enabled || t.test.chirp.enabled,
              "twin.test", "enable at least one test drive");
  } else {
    c.require(t.metrics.lyapunov_interval <= t.metrics.lyapunov_time, "twin.metrics.lyapunov_interval",
              "must be <= twin.metrics.lyapunov_time");
    for (std::size_t i = 0; i < t.metrics.lags.size(); ++i)
      c.require(t.metrics.lags[i] < t.metrics.stats_horizon, "twin.metrics.lags[" + std::to_string(i) + "]",
                "must be shorter than twin.metrics.stats_horizon");
    c.require(t.circuit_long_run_discard < t.circuit_long_run, "twin.circuit_long_run_discard",
              "must be shorter than twin.circuit_long_run " + num(t.circuit_long_run) + " (got " +
                  num(t.circuit_long_run_discard) + ")");
  }
}

// Rules of the prime: section that tie keys together (task: prime only).
void validate_prime(const PrimeConfig& p, Checker& c) {
  c.require(28 % p.data.downsample == 0, "prime.data.downsample",
            "must divide 28 (got " + std::to_string(p.data.downsample) + ")");
  const auto num = [](double x) { return exact_number(x); };
  const auto& k = p.circuit;
  c.require(0.1 * k.step + k.pulse_width + 2 * k.edge < 0.4 * k.step, "prime.circuit.pulse_width",
            "an input pulse (from 0.1 step, plus its edges) must end before 0.4 step, where the comparators decide "
            "(got pulse_width " + num(k.pulse_width) + " with step " + num(k.step) + ")");
  c.require(k.pulse_width > 2 * k.edge, "prime.circuit.edge",
            "must be shorter than half the pulse width (got " + num(k.edge) + ")");
}

}  // namespace

void Config::validate(Checker& c) const {
  if (task == Task::twin) validate_twin(twin, c);
  if (task == Task::prime) validate_prime(prime, c);
  // The name ends up in netlist titles and folder names.
  c.require(!name.empty() && std::all_of(name.begin(), name.end(),
                                         [](char ch) {
                                           return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' ||
                                                  ch == '-' || ch == '.';
                                         }) &&
                name.front() != '.' && name.front() != '-',
            "name", "must be letters, digits, '_', '-' or '.' (not first) (got '" + name + "')");
  c.require(schedule.beta_max > schedule.beta_min, "schedule.beta_max",
            "must be > schedule.beta_min (got " + exact_number(schedule.beta_max) +
                " <= " + exact_number(schedule.beta_min) + ")");
  for (std::size_t i = 0; i < model.hidden.size(); ++i)
    c.require(model.hidden[i] % 2 == 0, "model.hidden[" + std::to_string(i) + "]",
              "must be even (got " + std::to_string(model.hidden[i]) +
                  "): the time embedding adds h/2 sine and h/2 cosine features");
  c.require(!model.hidden.empty(), "model.hidden", "needs at least one hidden layer");
  c.require(circuit.crossbar.g_max > circuit.crossbar.g_min, "circuit.crossbar.g_max",
            "must be > circuit.crossbar.g_min (got " + exact_number(circuit.crossbar.g_max) +
                " <= " + exact_number(circuit.crossbar.g_min) + ")");
  c.require(circuit.dac.points != 1, "circuit.dac.points", "must be 0 (ideal sources) or >= 2 (got 1)");
  c.require(circuit.crossbar.levels != 1, "circuit.crossbar.levels", "must be 0 (continuous) or >= 2 (got 1)");
  c.require(circuit.opamp.headroom < std::min(circuit.supply.vdd, -circuit.supply.vss), "circuit.opamp.headroom",
            "must be smaller than the distance from ground to each rail");
  // The schedule multipliers (variable_gain only) have no transistor-level
  // circuit (README, "Transistor level"); every other block has one.
  const bool variable_gain = circuit.schedule_form == ScheduleForm::variable_gain;
  c.require(!variable_gain || circuit.level_of(circuit.blocks.multiplier) != Level::transistor,
            circuit.blocks.multiplier ? "circuit.blocks.multiplier" : "circuit.level",
            "the schedule multipliers have no transistor-level circuit; set circuit.blocks.multiplier to behavioral");
  c.require(!circuit.transistor.relu.clamp || circuit.transistor.relu.topology == RectifierTopology::follower,
            "circuit.transistor.relu.clamp", "the clamp holds the follower's gate: topology must be follower");
  c.require(stability.f_max > stability.f_min, "stability.f_max",
            "must be > stability.f_min (got " + exact_number(stability.f_max) + " <= " + exact_number(stability.f_min) + ")");
  c.require(training.learning_rate_final <= training.learning_rate, "training.learning_rate_final",
            "must be <= training.learning_rate (got " + exact_number(training.learning_rate_final) + " > " +
                exact_number(training.learning_rate) + ")");
  c.require(!sampling.class_index || *sampling.class_index < model.classes, "sampling.class_index",
            "must be < model.classes (" + std::to_string(model.classes) + ") for a conditional model");
  if (dataset.kind == DatasetKind::letters) {
    const std::string& text = dataset.letters.text;
    bool letters_ok = !text.empty();
    for (std::size_t i = 0; i < text.size(); ++i)
      letters_ok = letters_ok && std::string_view("HKULTX").find(text[i]) != std::string_view::npos &&
                   text.find(text[i]) == i;
    c.require(letters_ok, "dataset.letters.text",
              "must be distinct letters from H, K, U, L, T, X (got '" + text + "')");
    c.require(model.classes == 0 || model.classes == static_cast<int>(text.size()), "model.classes",
              "must be 0 (unconditional) or the number of letters in dataset.letters.text (" +
                  std::to_string(text.size()) + ") (got " + std::to_string(model.classes) + ")");
  }
  c.require(circuit.crossbar.stuck_at_min + circuit.crossbar.stuck_at_max <= 1.0, "circuit.crossbar.stuck_at_max",
            "stuck_at_min + stuck_at_max must be <= 1 (got " +
                exact_number(circuit.crossbar.stuck_at_min + circuit.crossbar.stuck_at_max) + ")");
  c.require(sampling.t_end < sampling.t_start, "sampling.t_end",
            "must be < sampling.t_start (got " + exact_number(sampling.t_end) +
                " >= " + exact_number(sampling.t_start) + ")");
}

std::filesystem::path Config::resolve(const std::string& path) const {
  const std::filesystem::path p(path);
  if (p.is_absolute()) return p;
  return (base_dir / p).lexically_normal();
}

std::filesystem::path Config::resolve_input(const std::string& key, const std::string& path) const {
  const std::filesystem::path here = resolve(path);
  if (locations.given(key) || std::filesystem::path(path).is_absolute()) return here;
  std::error_code ec;
  if (std::filesystem::exists(here, ec)) return here;
  const std::filesystem::path data = data_dir();
  if (data.empty()) return here;
  const std::filesystem::path shipped = (data / "configs" / path).lexically_normal();
  return std::filesystem::exists(shipped, ec) ? shipped : here;
}

std::uint64_t Config::sampling_seed() const {
  return sampling.seed ? *sampling.seed : derive_seed(seed, "sampling");
}

namespace {

// Inserts value at a dotted path of root, creating sections as needed.
void apply_override(YAML::Node& root, const std::string& path, const YAML::Node& value) {
  std::vector<std::string> parts;
  std::stringstream ss(path);
  for (std::string part; std::getline(ss, part, '.');) parts.push_back(part);
  YAML::Node cur = root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (!cur[parts[i]].IsMap()) cur[parts[i]] = YAML::Node(YAML::NodeType::Map);
    cur.reset(cur[parts[i]]);
  }
  cur[parts.back()] = value;
}

bool valid_key_path(const std::string& path) {
  if (path.empty() || path.front() == '.' || path.back() == '.' || path.find("..") != std::string::npos) return false;
  for (char c : path)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) return false;
  return true;
}

}  // namespace

Config load_config(const std::string& path, const std::vector<std::string>& overrides) {
  YAML::Node root = load_yaml_file(path, "config file");
  std::vector<Diagnostic> diagnostics;
  Reader::Context ctx{path, &diagnostics, nullptr, {}};
  for (const auto& o : overrides) {
    const auto eq = o.find('=');
    const std::string label = "--set " + o;
    if (eq == std::string::npos || !valid_key_path(o.substr(0, eq))) {
      diagnostics.push_back({{label, 0, 0}, "", "expected --set dotted.key=value (e.g. sampling.n=100)"});
      continue;
    }
    const std::string key = o.substr(0, eq);
    YAML::Node value;
    try {
      value = YAML::Load(o.substr(eq + 1));
    } catch (const YAML::Exception& e) {
      diagnostics.push_back({{label, 0, 0}, key, "value is not valid YAML: " + e.msg});
      continue;
    }
    apply_override(root, key, value);
    ctx.override_labels[key] = label;
  }

  Config cfg;
  cfg.source = path;
  cfg.base_dir = std::filesystem::absolute(std::filesystem::path(path)).parent_path();
  read_struct(ctx, root, cfg, cfg.locations);
  Checker checker(path, cfg.locations, diagnostics);
  cfg.validate(checker);
  throw_if_any(std::move(diagnostics));
  return cfg;
}

std::string to_yaml(const Config& config, bool comments) {
  std::ostringstream out;
  Writer w(out, 0, comments);
  const_cast<Config&>(config).fields(w);
  return out.str();
}

std::string reference_markdown() {
  std::vector<Documenter::Row> rows;
  Documenter d(rows);
  Config defaults;
  defaults.fields(d);
  auto cell = [](std::string s) {
    std::string out;
    for (char c : s) out += (c == '|') ? std::string("\\|") : std::string(1, c);
    return out;
  };
  std::ostringstream md;
  md << "| Key | Type | Default | Rule | Description |\n|---|---|---|---|---|\n";
  for (const auto& r : rows) {
    if (r.type == "section") {
      md << "| **`" << r.key << "`** | section | | | " << cell(r.doc) << " |\n";
    } else {
      md << "| `" << r.key << "` | " << r.type << " | `" << cell(r.default_value) << "` | " << cell(r.rule) << " | "
         << cell(r.doc) << " |\n";
    }
  }
  return md.str();
}

}  // namespace memcosim::config
