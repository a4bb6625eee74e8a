#include "circuit/solver.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "circuit/nonideal.hpp"
#include "util/error.hpp"
#include "util/random.hpp"

namespace memcosim::circuit {

using config::ScheduleForm;

double Waveform::at(double time) const {
  if (t.empty()) return 0.0;
  if (time <= t.front()) return v.front();
  if (time >= t.back()) return v.back();
  const auto hi = static_cast<std::size_t>(std::upper_bound(t.begin(), t.end(), time) - t.begin());
  const std::size_t lo = hi - 1;
  const double f = (time - t[lo]) / (t[hi] - t[lo]);
  return v[lo] + f * (v[hi] - v[lo]);
}

double SolverCircuit::diffusion_time(double tau) const {
  tau = std::clamp(tau, 0.0, duration);
  if (form == ScheduleForm::time_warp) return schedule.unwarp(tau / tau0, t_start);
  return t_start - (t_start - t_end) * tau / duration;
}

Eigen::VectorXd SolverCircuit::embedding(double tau) const {
  const Eigen::Index half = frequencies.size();
  Eigen::VectorXd e(2 * half);
  if (emb_sin.empty()) {
    const double t = diffusion_time(tau);
    for (Eigen::Index k = 0; k < half; ++k) {
      e(k) = std::sin(2.0 * std::numbers::pi * frequencies(k) * t);
      e(half + k) = std::cos(2.0 * std::numbers::pi * frequencies(k) * t);
    }
  } else {
    for (Eigen::Index k = 0; k < half; ++k) {
      e(k) = emb_sin[static_cast<std::size_t>(k)].at(tau);
      e(half + k) = emb_cos[static_cast<std::size_t>(k)].at(tau);
    }
  }
  return e;
}

double SolverCircuit::gain(double tau) const {
  if (form == ScheduleForm::time_warp) return 1.0;
  if (gain_wave.t.empty()) return schedule.beta(diffusion_time(tau)) / schedule.beta(t_start);
  return gain_wave.at(tau);
}

double SolverCircuit::physical_time(double t) const {
  if (form == ScheduleForm::time_warp) return std::clamp(tau0 * schedule.warp(t, t_start), 0.0, duration);
  return std::clamp(duration * (t_start - t) / (t_start - t_end), 0.0, duration);
}

void SolverCircuit::set_start(const Eigen::Ref<const Eigen::VectorXd>& x0) {
  if (x0.size() != dim) throw std::invalid_argument("set_start: state has the wrong dimension");
  for (int d = 0; d < dim; ++d) initial_state(circuit, integrators[static_cast<std::size_t>(d)], k_state * x0(d));
}

namespace {

std::string idx(Eigen::Index i) { return std::to_string(i); }

[[noreturn]] void config_error(const config::Locations* where, const std::string& key, const std::string& message) {
  SourceLocation loc = where ? where->find(key) : SourceLocation{"<config>"};
  throw InputError(Diagnostic{loc, key, message});
}

}  // namespace

LayerMapping map_layer(const nn::Dense& layer, double sign, double k_in, const config::CrossbarConfig& xb, Rng& rng,
                       int index, const config::Locations* where, std::uint64_t device_seed) {
  const Eigen::MatrixXd d = sign * layer.W;                        // G+ - G- in units of g_unit
  const Eigen::VectorXd db = sign * layer.b * (k_in / xb.v_read);  // bias rows run at v_read
  const double span = xb.g_max - xb.g_min;
  const double largest = std::max(d.cwiseAbs().maxCoeff(), db.size() ? db.cwiseAbs().maxCoeff() : 0.0);
  LayerMapping m;
  m.g_unit = xb.g_unit;
  if (m.g_unit == 0.0) {
    m.g_unit = largest > 0 ? span / largest : span;
  } else if (largest * m.g_unit > span * (1 + 1e-12)) {
    config_error(where, "circuit.crossbar.g_unit",
                 "layer " + std::to_string(index + 1) + " needs conductance differences up to " +
                     config::format_number(largest * m.g_unit) + " S but g_max - g_min = " +
                     config::format_number(span) + " S; lower g_unit or use 0 (auto)");
  }
  const DeviceSeeds seeds(device_seed);
  std::uint64_t cell = 0;
  auto program = [&](double target) { return program_conductance(target, xb, rng, seeds, index, cell++); };
  auto pair = [&](double diff, double& gp, double& gm) {
    gp = program(xb.g_min + std::max(diff, 0.0) * m.g_unit);
    gm = program(xb.g_min + std::max(-diff, 0.0) * m.g_unit);
  };
  m.g_plus.resize(d.rows(), d.cols());
  m.g_minus.resize(d.rows(), d.cols());
  m.gb_plus.resize(d.rows());
  m.gb_minus.resize(d.rows());
  for (Eigen::Index j = 0; j < d.rows(); ++j) {
    for (Eigen::Index i = 0; i < d.cols(); ++i) pair(d(j, i), m.g_plus(j, i), m.g_minus(j, i));
    pair(db(j), m.gb_plus(j), m.gb_minus(j));
  }
  m.w_effective = sign * (m.g_plus - m.g_minus) / m.g_unit;
  m.b_effective = sign * (m.gb_plus - m.gb_minus) / m.g_unit * (xb.v_read / k_in);
  return m;
}

std::vector<std::size_t> diffusion_corners(const std::vector<double>& times, double min_spacing) {
  if (times.size() < 2) throw std::invalid_argument("diffusion_corners: needs at least two times");
  std::vector<std::size_t> keep = {0};
  const double end = times.back();
  for (std::size_t k = 1; k + 1 < times.size(); ++k)
    if (times[k] - times[keep.back()] >= min_spacing && end - times[k] >= min_spacing) keep.push_back(k);
  keep.push_back(times.size() - 1);
  return keep;
}

Eigen::MatrixXd diffusion_path(const sde::BrownianPath& path, const sde::VpSchedule& sampling, std::uint64_t sample,
                               int dim) {
  const Eigen::MatrixXd dw = path.increments(sample, dim);
  Eigen::MatrixXd y(dim, dw.cols() + 1);
  y.col(0).setZero();
  for (Eigen::Index k = 0; k < dw.cols(); ++k)
    y.col(k + 1) = y.col(k) + std::sqrt(sampling.beta(path.grid()[static_cast<std::size_t>(k)])) * dw.col(k);
  return y;
}

namespace {

// DAC sample times: points uniformly over [0, duration].
std::vector<double> dac_times(int points, double duration) {
  std::vector<double> t(static_cast<std::size_t>(points));
  for (int k = 0; k < points; ++k) t[static_cast<std::size_t>(k)] = duration * k / (points - 1);
  return t;
}

// Samples of f at the DAC times, as a linear or zero-order-hold waveform.
template <class F>
Waveform dac_waveform(const std::vector<double>& times, bool hold, F f) {
  Waveform w;
  for (std::size_t k = 0; k < times.size(); ++k) {
    const double value = f(times[k]);
    if (hold && k > 0) {
      // Step to the new value over 1/1000 of an update interval.
      const double edge = 1e-3 * (times[k] - times[k - 1]);
      w.t.push_back(times[k] - edge);
      w.v.push_back(w.v.back());
    }
    w.t.push_back(times[k]);
    w.v.push_back(value);
  }
  return w;
}

// A DAC output: pwl(time, ...) through the waveform's points, scaled to
// volts. A behavioural pwl interpolates exactly like Waveform::at() but,
// unlike a PWL source, sets no simulator breakpoint at every update.
Expr dac_expr(const Waveform& w, double volts_per_unit) {
  std::vector<double> v = w.v;
  for (double& x : v) x *= volts_per_unit;
  return Expr::pwl(Expr::time(), w.t, v);
}

// The reverse SDE's diffusion term: per dimension a PWL source carrying
// -k_state Y_d(tau) and a capacitor C from it into the integrator's summing
// node, so the integrator output moves by exactly k_state dY_d.
void add_diffusion_sources(Circuit& c, SolverCircuit& s, const sde::BrownianPath& path, std::uint64_t trajectory,
                           double cap, int points, double resistance) {
  const Eigen::MatrixXd y = diffusion_path(path, s.schedule, trajectory, s.dim);
  const auto& grid = path.grid();
  if (std::abs(grid.front() - s.t_start) > 1e-12 || std::abs(grid.back() - s.t_end) > 1e-12)
    throw std::invalid_argument("build_solver: the Brownian grid must run from t_start to t_end");
  std::vector<double> times(grid.size());
  for (std::size_t k = 0; k < grid.size(); ++k) times[k] = s.physical_time(grid[k]);
  times.front() = 0.0;
  times.back() = s.duration;
  s.diffusion_corners = diffusion_corners(times, s.duration / points);
  const std::size_t m = s.diffusion_corners.size();
  s.diffusion_times.resize(m);
  s.diffusion_values.resize(s.dim, static_cast<Eigen::Index>(m));
  for (std::size_t j = 0; j < m; ++j) {
    s.diffusion_times[j] = times[s.diffusion_corners[j]];
    s.diffusion_values.col(static_cast<Eigen::Index>(j)) = y.col(static_cast<Eigen::Index>(s.diffusion_corners[j]));
    if (j > 0 && !(s.diffusion_times[j] > s.diffusion_times[j - 1]))
      throw std::invalid_argument("build_solver: Brownian grid points closer than the time resolution");
  }
  auto& b = c.block("diffusion sources",
                    {"Reverse SDE: V(bw_d) = -" + spice_number(s.k_state) + " Y_d(tau), Y_d = sum sqrt(beta(t_k)) dW_k over " +
                         std::to_string(grid.size() - 1) + " Brownian steps of trajectory " + std::to_string(trajectory) +
                         ", " + std::to_string(m) + " corners at least " + spice_number(s.duration / points) +
                         " s apart; C = " + spice_number(cap) + " F into each integrator adds k_state dY_d to V(x_d)" +
                         (resistance > 0 ? ", low-passed by the source's " + spice_number(resistance) + " ohm" : "") + "."});
  s.diffusion_rc = resistance * cap;
  for (int d = 0; d < s.dim; ++d) {
    Pwl pwl;
    pwl.t = s.diffusion_times;
    pwl.v.resize(m);
    for (std::size_t j = 0; j < m; ++j)
      pwl.v[j] = -s.k_state * s.diffusion_values(d, static_cast<Eigen::Index>(j));
    const std::string node = "bw" + std::to_string(d);
    voltage(c, b, node, node, SourceValue{0.0, std::move(pwl)});
    std::string coupled = node;
    if (resistance > 0) {
      coupled = node + "r";
      c.add(b, Resistor{"R" + node, node, coupled, resistance});
    }
    c.add(b, Capacitor{"C" + node, coupled, s.integrators[static_cast<std::size_t>(d)].virtual_ground, cap});
  }
}

}  // namespace

SolverCircuit build_solver(const nn::ScoreNet& net, const sde::VpSchedule& sampling, const SolverOptions& opt,
                           const config::Locations* where) {
  const auto& cc = opt.circuit;
  const auto& arch = net.arch();

  SolverCircuit s;
  s.dim = arch.input_dim;
  s.form = cc.schedule_form;
  s.schedule = sampling;
  s.t_start = opt.t_start;
  s.t_end = opt.t_end;
  s.k_state = cc.scaling.state;
  s.k_hidden = cc.scaling.hidden;
  s.k_score = cc.scaling.score;
  s.tau0 = cc.integrator.r * cc.integrator.c;
  s.frequencies = net.frequencies();
  if (s.form == ScheduleForm::time_warp)
    s.duration = s.tau0 * sampling.warp(opt.t_end, opt.t_start);
  else
    s.duration = s.tau0 * 0.5 * sampling.beta(opt.t_start) * (opt.t_start - opt.t_end);

  Environment env{cc.supply.vdd, cc.supply.vss, cc.opamp, cc.crossbar.cell, cc.relu.knee};
  env.transistor = opt.transistor;
  s.v_high = env.v_high();
  s.v_low = env.v_low();
  auto level = [&](const std::optional<config::Level>& l) { return cc.level_of(l); };

  Circuit& c = s.circuit;
  c.title = opt.title;
  std::string widths;
  for (int h : arch.hidden) widths += std::to_string(h) + "-";
  c.header = {
      "Generated by memcosim " MEMCOSIM_VERSION "; do not edit (regenerate with `memcosim netlist`).",
      "Score network " + std::to_string(arch.input_dim) + "-" + widths + std::to_string(arch.output_dim) +
          ", output gain " + spice_number(arch.output_gain) + "; sampling beta(t) = " + spice_number(sampling.beta_min) +
          " + t (" + spice_number(sampling.beta_max) + " - " + spice_number(sampling.beta_min) + "), t from " +
          spice_number(opt.t_start) + " to " + spice_number(opt.t_end) + ".",
      std::string("Schedule form ") + std::string(config::enum_name(s.form)) + ": tau0 = R*C = " +
          spice_number(s.tau0) + " s, run time " + spice_number(s.duration) + " s.",
      "Scaling: x " + spice_number(s.k_state) + " V/unit, hidden " + spice_number(s.k_hidden) + " V/unit, score " +
          spice_number(s.k_score) + " V/unit; rails " + spice_number(cc.supply.vss) + " / " +
          spice_number(cc.supply.vdd) + " V."};

  // ---- sources -----------------------------------------------------------
  auto& rails = c.block("bias rails", {"Bias rows of every crossbar run at +-v_read."});
  voltage(c, rails, "read_p", "vbp", SourceValue{cc.crossbar.v_read, std::nullopt});
  voltage(c, rails, "read_n", "vbn", SourceValue{-cc.crossbar.v_read, std::nullopt});

  const Eigen::Index half = s.frequencies.size();
  const double k_emb = s.k_hidden;  // DAC volts per unit of embedding
  const bool ideal_sources = cc.dac.points == 0;
  const auto times = ideal_sources ? std::vector<double>{} : dac_times(cc.dac.points, s.duration);
  auto& dacs = c.block(
      "time-embedding DACs",
      {"V(emb_sK) = -" + spice_number(k_emb) + " sin(2 pi w_K t(tau)), V(emb_cK) = -" + spice_number(k_emb) +
           " cos(2 pi w_K t(tau)); t(tau) is the diffusion time at physical time tau.",
       ideal_sources ? std::string("Ideal continuous sources (circuit.dac.points = 0).")
                     : std::to_string(cc.dac.points) + " updates, " + (cc.dac.hold ? "zero-order hold." : "linear interpolation.")});

  // t(tau) as an expression of simulation time, for ideal sources.
  auto t_expr = [&]() -> Expr {
    if (s.form == ScheduleForm::time_warp) {
      const double a = 0.5 * (sampling.beta_max - sampling.beta_min);
      const Expr cterm = Expr::num(sampling.integral(opt.t_start)) - Expr::num(2.0 / s.tau0) * Expr::time();
      if (a == 0.0) return cterm / Expr::num(sampling.beta_min);
      return Expr::num(2.0) * cterm /
             (Expr::num(sampling.beta_min) +
              Expr::call("sqrt", {Expr::num(sampling.beta_min * sampling.beta_min) + Expr::num(4.0 * a) * cterm}));
    }
    return Expr::num(opt.t_start) - Expr::num((opt.t_start - opt.t_end) / s.duration) * Expr::time();
  };
  for (Eigen::Index k = 0; k < half; ++k) {
    const double w = s.frequencies(k);
    for (int kind = 0; kind < 2; ++kind) {
      const std::string node = (kind == 0 ? "emb_s" : "emb_c") + idx(k);
      const std::string name = (kind == 0 ? "dac_sin" : "dac_cos") + idx(k);
      if (ideal_sources) {
        const Expr phase = Expr::num(2.0 * std::numbers::pi * w) * t_expr();
        voltage(c, dacs, name, node, Expr::num(-k_emb) * Expr::call(kind == 0 ? "sin" : "cos", {phase}));
      } else {
        Waveform wave = dac_waveform(times, cc.dac.hold, [&](double tau) {
          const double t = s.diffusion_time(tau);
          return kind == 0 ? std::sin(2.0 * std::numbers::pi * w * t) : std::cos(2.0 * std::numbers::pi * w * t);
        });
        voltage(c, dacs, name, node, dac_expr(wave, -k_emb));
        (kind == 0 ? s.emb_sin : s.emb_cos).push_back(std::move(wave));
      }
    }
  }
  if (arch.num_classes > 0) {
    s.class_embedding = net.class_embedding(opt.class_index);
    auto& ce = c.block("class-embedding sources",
                       {"DC: V(cls_J) = -" + spice_number(k_emb) + " k_J(c), class " +
                        (opt.class_index < 0 ? std::string("masked (unconditional)") : std::to_string(opt.class_index)) +
                        "; enters every hidden column J like the time embedding."});
    for (Eigen::Index j = 0; j < s.class_embedding.size(); ++j)
      voltage(c, ce, "cls" + idx(j), "cls_" + idx(j), SourceValue{-k_emb * s.class_embedding(j), std::nullopt});
  }
  if (s.form == ScheduleForm::variable_gain) {
    auto& g = c.block("schedule DAC", {"V(gain) = beta(t(tau)) / beta(t_start): the integrators' time-varying gain."});
    if (ideal_sources) {
      const Expr beta_t = Expr::num(sampling.beta_min) + Expr::num(sampling.beta_max - sampling.beta_min) * t_expr();
      voltage(c, g, "dac_gain", "gain", beta_t / Expr::num(sampling.beta(opt.t_start)));
    } else {
      s.gain_wave = dac_waveform(times, cc.dac.hold, [&](double tau) {
        return sampling.beta(s.diffusion_time(tau)) / sampling.beta(opt.t_start);
      });
      voltage(c, g, "dac_gain", "gain", dac_expr(s.gain_wave, 1.0));
    }
  }

  // ---- state: integrators and their inverters ------------------------------
  const bool sde = opt.brownian != nullptr;
  s.score_weight = sde ? 2.0 : 1.0;
  const double r_state = cc.integrator.r;
  const double r_score = cc.integrator.r * s.k_score / s.k_state / s.score_weight;
  auto& integ = c.block("state integrators",
                        {"C dV(x_d)/dtau = V(xn_d)/" + spice_number(r_state) + " + V(sneg_d)/" + spice_number(r_score) +
                         (sde ? " - C dV(bw_d)/dtau (inverting), i.e. dx/du = x + 2 s + dY/du with u = tau/tau0."
                              : " (inverting), i.e. dx/du = x + s with u = tau/tau0.")});
  auto& sinv = c.block("state inverters", {"V(xn_d) = -V(x_d): the negative rows of layer 1."});
  Block* mult = s.form == ScheduleForm::variable_gain
                    ? &c.block("schedule multipliers", {"Integrator inputs scaled by V(gain)."})
                    : nullptr;
  for (int d = 0; d < s.dim; ++d) {
    const std::string x = "x" + idx(d), xn = "xn" + idx(d), sneg = "sneg" + idx(d);
    std::string in_state = xn, in_score = sneg;
    if (mult) {
      in_state = "xm" + idx(d);
      in_score = "sm" + idx(d);
      multiplier(c, *mult, "mul_x" + idx(d), xn, "gain", in_state, level(cc.blocks.multiplier), env);
      multiplier(c, *mult, "mul_s" + idx(d), sneg, "gain", in_score, level(cc.blocks.multiplier), env);
    }
    s.integrators.push_back(integrator(c, integ, "int" + idx(d), {{in_state, r_state}, {in_score, r_score}}, x,
                                       cc.integrator.c, level(cc.blocks.integrator), env));
    inverter(c, sinv, "xinv" + idx(d), x, xn, cc.inverter_r, level(cc.blocks.inverter), env);
    s.state_nodes.push_back(x);
  }
  if (sde)
    add_diffusion_sources(c, s, *opt.brownian, opt.trajectory, cc.integrator.c, cc.diffusion.points,
                          cc.diffusion.resistance);

  // ---- the score network ---------------------------------------------------
  Rng programming(derive_seed(opt.seed, "programming"));
  const auto& noise_cfg = cc.crossbar.read_noise;
  std::optional<ReadNoise> noise;
  if (noise_cfg.any()) noise.emplace(noise_cfg, DeviceSeeds(opt.seed), opt.trajectory, s.duration);
  s.per_trajectory = sde || noise.has_value();
  const double r_wire = cc.crossbar.wire_resistance;
  std::vector<std::pair<std::string, std::string>> rows;  // (+a, -a) per input
  std::vector<std::string> row_names;
  for (int d = 0; d < s.dim; ++d) {
    rows.emplace_back("x" + idx(d), "xn" + idx(d));
    row_names.push_back("x" + idx(d));
  }
  double k_in = s.k_state;
  const auto& net_layers = net.layers();
  const int last = static_cast<int>(net_layers.size()) - 1;
  for (int l = 0; l <= last; ++l) {
    const bool output = l == last;
    const std::string L = "l" + std::to_string(l + 1);
    LayerMapping m = map_layer(net_layers[static_cast<std::size_t>(l)], output ? 1.0 : -1.0, k_in, cc.crossbar,
                               programming, l, where, opt.seed);
    m.rf = output ? s.k_score * arch.output_gain / (m.g_unit * k_in) : s.k_hidden / (m.g_unit * k_in);
    m.r_embedding = output ? 0.0 : k_emb / (m.g_unit * k_in);
    const Eigen::Index n_out = m.g_plus.rows(), n_in = m.g_plus.cols();

    std::string row_list;
    for (const auto& r : row_names) row_list += r + "+ " + r + "- ";
    auto& xb = c.block(L + " crossbar" + (output ? " (output layer)" : ""),
                       {"Rows: " + row_list + "bias+ bias-; " + std::to_string(n_out) + " columns " + L + "_c0..",
                        "g_unit = " + spice_number(m.g_unit) + " S per unit weight, G in [" +
                            spice_number(cc.crossbar.g_min) + ", " + spice_number(cc.crossbar.g_max) + "] S" +
                            (cc.crossbar.levels >= 2 ? ", " + std::to_string(cc.crossbar.levels) + " levels" : "") +
                            (cc.crossbar.programming_error > 0
                                 ? ", programming error " + spice_number(cc.crossbar.programming_error)
                                 : "") +
                            "."});
    if (level(cc.blocks.crossbar) == config::Level::behavioral) {
      const auto& cp = cc.crossbar.cell;
      const double g_lo = std::min({m.g_plus.minCoeff(), m.g_minus.minCoeff(), m.gb_plus.minCoeff(), m.gb_minus.minCoeff()});
      const double g_hi = std::max({m.g_plus.maxCoeff(), m.g_minus.maxCoeff(), m.gb_plus.maxCoeff(), m.gb_minus.maxCoeff()});
      xb.notes.push_back("Cells I = A sinh(V/" + spice_number(cp.v0) + "), A = " + spice_number(cp.i0) +
                         " exp(-gap/" + spice_number(cp.g0) + "); verified at " + spice_number(cp.verify_voltage) +
                         " V: gaps from " + spice_number(circuit::cell_gap(g_hi, cp)) + " m (G " + spice_number(g_hi) +
                         " S) to " + spice_number(circuit::cell_gap(g_lo, cp)) + " m (G " + spice_number(g_lo) + " S).");
    }
    for (auto& note : device_notes(cc.crossbar, noise ? &*noise : nullptr)) xb.notes.push_back(std::move(note));
    const config::Level xb_level = level(cc.blocks.crossbar);
    const int width = output ? 0 : static_cast<int>(n_out);
    // Crossbar rows in order: +a_0, -a_0, +a_1, ..., bias+, bias-.
    std::vector<std::string> row_drivers;
    for (const auto& [pos, neg] : rows) {
      row_drivers.push_back(pos);
      row_drivers.push_back(neg);
    }
    row_drivers.push_back("vbp");
    row_drivers.push_back("vbn");
    const CrossbarWires wires{L, static_cast<int>(row_drivers.size()), static_cast<int>(n_out)};
    if (r_wire > 0) {
      std::vector<std::string> column_out;
      for (Eigen::Index j = 0; j < n_out; ++j) column_out.push_back(L + "_c" + idx(j));
      auto& wb = c.block(L + " crossbar wires", {"Row r is driven at column 0 (nodes " + L + "_rwR_J), column J is read "
                                                 "after its last row (nodes " + L + "_cwJ_R); " +
                                                 spice_number(r_wire) + " ohm per segment."});
      add_crossbar_wires(c, wb, wires, row_drivers, column_out, r_wire);
    }
    // One cell at crossbar row r, column j: with wires between its own row
    // and column nodes, with read noise a fluctuating conductance.
    std::uint64_t cell_number = 0;
    auto place = [&](const std::string& name, int r, Eigen::Index j, const std::string& col, double g) {
      const std::string row_node = r_wire > 0 ? wires.row_node(r, static_cast<int>(j)) : row_drivers[static_cast<std::size_t>(r)];
      const std::string col_node = r_wire > 0 ? wires.column_node(static_cast<int>(j), r) : col;
      const std::uint64_t number = cell_number++;
      if (noise && noise->per_cell())
        fluctuating_cell(c, xb, name, row_node, col_node, g, xb_level, env,
                         noise->waveform(noise->cell_fluctuation(l, number)));
      else
        cell(c, xb, name, row_node, col_node, g, xb_level, env);
    };
    for (Eigen::Index j = 0; j < n_out; ++j) {
      const std::string col = L + "_c" + idx(j);
      for (Eigen::Index i = 0; i < n_in; ++i) {
        place(L + "_p_r" + idx(i) + "_c" + idx(j), static_cast<int>(2 * i), j, col, m.g_plus(j, i));
        place(L + "_n_r" + idx(i) + "_c" + idx(j), static_cast<int>(2 * i + 1), j, col, m.g_minus(j, i));
      }
      place(L + "_bp_c" + idx(j), static_cast<int>(2 * n_in), j, col, m.gb_plus(j));
      place(L + "_bn_c" + idx(j), static_cast<int>(2 * n_in + 1), j, col, m.gb_minus(j));
      if (noise && noise_cfg.temperature > 0) {
        const double g_sum = m.g_plus.row(j).sum() + m.g_minus.row(j).sum() + m.gb_plus(j) + m.gb_minus(j);
        c.add(xb, BehavioralCurrent{"B" + L + "_thermal_c" + idx(j), "0", col,
                                    noise->waveform(noise->column_current(l, static_cast<std::uint64_t>(j), g_sum))});
      }
      if (!output) {
        const std::string emb = j < width / 2 ? "emb_s" + idx(j) : "emb_c" + idx(j - width / 2);
        c.add(xb, Resistor{"R" + L + "_emb_c" + idx(j), emb, col, m.r_embedding});
        if (s.class_embedding.size() > 0)
          c.add(xb, Resistor{"R" + L + "_cls_c" + idx(j), "cls_" + idx(j), col, m.r_embedding});
      }
    }

    auto& tias = c.block(L + " TIAs", {"Rf = " + spice_number(m.rf) + " ohm" +
                                           (output ? "; V(sneg_d) = -k_score s_d." : "; V(" + L + "_zJ) = k_hidden z_J.")});
    for (Eigen::Index j = 0; j < n_out; ++j) {
      const std::string out = output ? "sneg" + idx(j) : L + "_z" + idx(j);
      tia(c, tias, L + "_tia" + idx(j), L + "_c" + idx(j), out, m.rf, level(cc.blocks.tia), env);
      s.preactivation_nodes.push_back(out);
    }
    if (!output) {
      auto& relus = c.block(L + " rectifiers");
      auto& invs = c.block(L + " inverters", {"Negative rows of the next crossbar."});
      rows.clear();
      row_names.clear();
      for (Eigen::Index j = 0; j < n_out; ++j) {
        const std::string z = L + "_z" + idx(j), h = L + "_h" + idx(j), hn = L + "_hn" + idx(j);
        relu(c, relus, L + "_relu" + idx(j), z, h, level(cc.blocks.relu), env);
        inverter(c, invs, L + "_inv" + idx(j), h, hn, cc.inverter_r, level(cc.blocks.inverter), env);
        rows.emplace_back(h, hn);
        row_names.push_back(h);
      }
      k_in = s.k_hidden;
    }
    s.layers.push_back(std::move(m));
  }

  // ---- analysis ------------------------------------------------------------
  s.saved_nodes = s.state_nodes;
  s.saved_nodes.insert(s.saved_nodes.end(), s.preactivation_nodes.begin(), s.preactivation_nodes.end());
  c.saves = s.saved_nodes;
  const auto& sim = opt.simulation;
  c.option("reltol", sim.reltol);
  c.option("abstol", sim.abstol);
  c.option("vntol", sim.vntol);
  c.option("method", std::string(config::enum_name(sim.method)));
  if (opt.use_klu) c.option("klu");
  const double max_step = s.duration / sim.min_points;
  c.tran = TranAnalysis{max_step, s.duration, max_step};
  s.set_start(Eigen::VectorXd::Zero(s.dim));
  return s;
}

}  // namespace memcosim::circuit
