#include "tasks/diffusion/circuit.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "circuit/nonideal.hpp"
#include "util/error.hpp"
#include "util/numbers.hpp"
#include "util/random.hpp"

namespace memcosim::tasks::diffusion {

using namespace memcosim::circuit;

using config::ScheduleForm;

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

}  // namespace

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
  auto& b = c.block(
      "diffusion sources",
      {"Reverse SDE: V(bw_d) = -" + spice_number(s.k_state) + " Y_d(tau), Y_d = sum sqrt(beta(t_k)) dW_k over " +
       std::to_string(grid.size() - 1) + " Brownian steps of trajectory " + std::to_string(trajectory) + ", " +
       std::to_string(m) + " corners at least " + spice_number(s.duration / points) +
       " s apart; C = " + spice_number(cap) + " F into each integrator adds k_state dY_d to V(x_d)" +
       (resistance > 0 ? ", low-passed by the source's " + spice_number(resistance) + " ohm" : "") + "."});
  s.diffusion_rc = resistance * cap;
  for (int d = 0; d < s.dim; ++d) {
    Pwl pwl;
    pwl.t = s.diffusion_times;
    pwl.v.resize(m);
    for (std::size_t j = 0; j < m; ++j) pwl.v[j] = -s.k_state * s.diffusion_values(d, static_cast<Eigen::Index>(j));
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
  c.header = {"Generated by memcosim " MEMCOSIM_VERSION "; do not edit (regenerate with `memcosim netlist`).",
              "Score network " + std::to_string(arch.input_dim) + "-" + widths + std::to_string(arch.output_dim) +
                  ", output gain " + spice_number(arch.output_gain) +
                  "; sampling beta(t) = " + spice_number(sampling.beta_min) + " + t (" +
                  spice_number(sampling.beta_max) + " - " + spice_number(sampling.beta_min) + "), t from " +
                  spice_number(opt.t_start) + " to " + spice_number(opt.t_end) + ".",
              std::string("Schedule form ") + std::string(config::enum_name(s.form)) +
                  ": tau0 = R*C = " + spice_number(s.tau0) + " s, run time " + spice_number(s.duration) + " s.",
              "Scaling: x " + spice_number(s.k_state) + " V/unit, hidden " + spice_number(s.k_hidden) +
                  " V/unit, score " + spice_number(s.k_score) + " V/unit; rails " + spice_number(cc.supply.vss) +
                  " / " + spice_number(cc.supply.vdd) + " V."};

  // ---- sources -----------------------------------------------------------
  add_bias_rails(c, cc.crossbar.v_read);

  const Eigen::Index half = s.frequencies.size();
  const double k_emb = s.k_hidden;  // DAC volts per unit of embedding
  const bool ideal_sources = cc.dac.points == 0;
  const auto times = ideal_sources ? std::vector<double>{} : dac_times(cc.dac.points, s.duration);
  auto& dacs =
      c.block("time-embedding DACs",
              {"V(emb_sK) = -" + spice_number(k_emb) + " sin(2 pi w_K t(tau)), V(emb_cK) = -" + spice_number(k_emb) +
                   " cos(2 pi w_K t(tau)); t(tau) is the diffusion time at physical time tau.",
               ideal_sources ? std::string("Ideal continuous sources (circuit.dac.points = 0).")
                             : std::to_string(cc.dac.points) + " updates, " +
                                   (cc.dac.hold ? "zero-order hold." : "linear interpolation.")});

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
    auto& ce =
        c.block("class-embedding sources",
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
  if (mult) {
    for (int d = 0; d < s.dim; ++d) {
      multiplier(c, *mult, "mul_x" + idx(d), "xn" + idx(d), "gain", "xm" + idx(d), level(cc.blocks.multiplier), env);
      multiplier(c, *mult, "mul_s" + idx(d), "sneg" + idx(d), "gain", "sm" + idx(d), level(cc.blocks.multiplier), env);
    }
  }
  const StateLoop loop = add_state_loop(
      c, integ, sinv, s.dim,
      [&](int d) -> std::vector<std::pair<std::string, double>> {
        return {{(mult ? "xm" : "xn") + idx(d), r_state}, {(mult ? "sm" : "sneg") + idx(d), r_score}};
      },
      cc, env);
  s.integrators = loop.integrators;
  s.state_nodes = loop.state_nodes;
  if (sde)
    add_diffusion_sources(c, s, *opt.brownian, opt.trajectory, cc.integrator.c, cc.diffusion.points,
                          cc.diffusion.resistance);

  // ---- the score network ---------------------------------------------------
  Rng programming(derive_seed(opt.seed, "programming"));
  const auto& noise_cfg = cc.crossbar.read_noise;
  std::optional<ReadNoise> noise;
  if (noise_cfg.any()) noise.emplace(noise_cfg, DeviceSeeds(opt.seed), opt.trajectory, s.duration);
  s.per_trajectory = sde || noise.has_value();
  NetworkOptions no;
  for (int d = 0; d < s.dim; ++d) {
    no.input_rows.emplace_back("x" + idx(d), "xn" + idx(d));
    no.input_names.push_back("x" + idx(d));
  }
  no.k_in = s.k_state;
  no.k_hidden = s.k_hidden;
  no.k_additive = k_emb;
  no.k_out = s.k_score;
  no.output_gain = arch.output_gain;
  no.additive.push_back({"emb", [](Eigen::Index j, Eigen::Index width) {
                           return j < width / 2 ? "emb_s" + idx(j) : "emb_c" + idx(j - width / 2);
                         }});
  if (s.class_embedding.size() > 0)
    no.additive.push_back({"cls", [](Eigen::Index j, Eigen::Index) { return "cls_" + idx(j); }});
  no.output_prefix = "sneg";
  no.output_note = "; V(sneg_d) = -k_score s_d.";
  no.device_seed = opt.seed;
  no.noise = noise ? &*noise : nullptr;
  NetworkCircuit network = add_network(c, net.layers(), no, cc, env, programming, where);
  s.layers = std::move(network.layers);
  s.preactivation_nodes = std::move(network.preactivation_nodes);

  // ---- analysis ------------------------------------------------------------
  s.saved_nodes = s.state_nodes;
  s.saved_nodes.insert(s.saved_nodes.end(), s.preactivation_nodes.begin(), s.preactivation_nodes.end());
  for (const auto& n : s.saved_nodes) c.save(n);
  add_transient(c, opt.simulation, s.duration, opt.use_klu);
  s.set_start(Eigen::VectorXd::Zero(s.dim));
  return s;
}

}  // namespace memcosim::tasks::diffusion
