#include "tasks/prime/circuit.hpp"

#include <algorithm>
#include <cmath>

#include "circuit/blocks.hpp"
#include "circuit/state_loop.hpp"
#include "circuit/transistor.hpp"
#include "flow/transistor.hpp"
#include "util/error.hpp"
#include "util/numbers.hpp"
#include "util/random.hpp"

namespace memcosim::tasks::prime {

namespace {

using circuit::Expr;

std::string idx(Eigen::Index i) { return std::to_string(i); }

// Pulse corners of one read pulse starting at t0: area amplitude x width.
void add_pulse(circuit::Pwl& p, double t0, double width, double edge, double amplitude) {
  if (p.t.empty() || p.t.back() < t0) {
    if (p.t.empty() && t0 > 0) {
      p.t.push_back(0.0);
      p.v.push_back(0.0);
    }
    p.t.push_back(t0);
    p.v.push_back(0.0);
  }
  p.t.insert(p.t.end(), {t0 + edge, t0 + width, t0 + width + edge});
  p.v.insert(p.v.end(), {amplitude, amplitude, 0.0});
}

// The fraction of a pulse's charge (deposited at t0..t0+width+edge) left at
// `at` when the membrane leaks with time constant tau (trapezoidal pulse,
// integrated exactly on a fine grid).
double leak_factor(double t0, double width, double edge, double at, double tau) {
  const int n = 2000;
  const double t_end = t0 + width + edge;
  double area = 0, kept = 0;
  for (int i = 0; i < n; ++i) {
    const double t = t0 + (i + 0.5) * (t_end - t0) / n;
    const double v = t < t0 + edge ? (t - t0) / edge : t > t0 + width ? (t_end - t) / edge : 1.0;
    area += v;
    kept += v * std::exp(-(at - t) / tau);
  }
  return kept / area;
}

// map_layer of the masked weights, then the pruned pairs at the off state.
circuit::LayerMapping program_layer(const Eigen::MatrixXf& w, const Eigen::MatrixXf& mask, double amplitude,
                                    const config::Config& cfg, Rng& programming, int index, std::uint64_t device_seed) {
  const nn::Dense d{w.cwiseProduct(mask).cast<double>(), Eigen::VectorXd::Zero(w.rows())};
  circuit::LayerMapping m =
      circuit::map_layer(d, -1.0, amplitude, cfg.circuit.crossbar, programming, index, &cfg.locations, device_seed);
  const auto& pc = cfg.prime.circuit;
  const std::uint64_t seed = derive_seed(device_seed, "prime-off-state");
  for (Eigen::Index j = 0; j < w.rows(); ++j)
    for (Eigen::Index i = 0; i < w.cols(); ++i) {
      if (mask(j, i) != 0.0f) continue;
      const auto cell = static_cast<std::uint64_t>(j * w.cols() + i);
      m.g_plus(j, i) =
          pc.g_off * std::exp(pc.g_off_spread * counter_normal(seed, static_cast<std::uint64_t>(index), cell, 0));
      m.g_minus(j, i) =
          pc.g_off * std::exp(pc.g_off_spread * counter_normal(seed, static_cast<std::uint64_t>(index), cell, 1));
    }
  m.w_effective = -(m.g_plus - m.g_minus) / m.g_unit;
  return m;
}

}  // namespace

LifDesign lif_design(const config::Config& cfg, double beta, double threshold, double g_unit) {
  const auto& pc = cfg.prime.circuit;
  LifDesign d;
  d.step = pc.step;
  d.edge = pc.edge;
  d.v_threshold = pc.v_threshold;
  const double D = pc.step;
  const double tau_over_c = D / std::log(1.0 / beta);  // R_leak C_mem
  const double f1 = beta < 1 ? leak_factor(0.1 * D, pc.pulse_width, pc.edge, d.strobe_end * D, tau_over_c) : 1.0;
  const double k_membrane = pc.v_threshold / threshold;
  d.c_mem = f1 * g_unit * pc.pulse_amplitude * pc.pulse_width / k_membrane;
  d.r_leak = tau_over_c / d.c_mem;
  return d;
}

circuit::Environment prime_environment(const config::Config& cfg) {
  const auto& cc = cfg.circuit;
  circuit::Environment env{cc.supply.vdd, cc.supply.vss, cc.opamp, cc.crossbar.cell, cc.relu.knee};
  if (flow::uses_transistor_level(cfg)) env.transistor = flow::transistor_environment(cfg);
  return env;
}

void add_clocks(circuit::Circuit& c, const LifDesign& d, double pulse_width, int steps, bool transistor,
                const circuit::Environment& env) {
  const double D = d.step, edge = d.edge;
  const double lo = transistor ? env.vss : 0.0, hi = transistor ? env.vdd : 1.0;
  auto& clocks = c.block(
      "clocks", {std::string("clks: strobe 0.40-0.45 step; clko: spike pulse at 0.5 step; clkr: reset 0.5-0.95 step") +
                 (transistor ? "; rail levels, clksb = not clks." : ".")});
  // A clock between off and on with one window [start, end] (fractions of the step) per step.
  auto window = [&](double start, double end, double off, double on) {
    circuit::Pwl p;
    for (int t = 0; t < steps; ++t) add_pulse(p, (t + start) * D, (end - start) * D, edge, on - off);
    for (auto& v : p.v) v += off;
    return circuit::SourceValue{off, p};
  };
  circuit::voltage(c, clocks, "clks", "clks", window(d.strobe_start, d.strobe_end, lo, hi));
  if (transistor) circuit::voltage(c, clocks, "clksb", "clksb", window(d.strobe_start, d.strobe_end, hi, lo));
  circuit::voltage(c, clocks, "clko", "clko", [&] {
    circuit::Pwl p;
    for (int t = 0; t < steps; ++t) add_pulse(p, (t + 0.5) * D, pulse_width, edge, 1.0);
    return circuit::SourceValue{0.0, p};
  }());
  circuit::voltage(c, clocks, "clkr", "clkr", window(d.reset_start, d.reset_end, lo, hi));
}

LifNodes add_lif_neuron(circuit::Circuit& c, circuit::Block& b, const std::string& j, const std::string& col,
                        const LifDesign& d, const config::Config& cfg, const circuit::Environment& env) {
  const auto& cc = cfg.circuit;
  const auto& pc = cfg.prime.circuit;
  const auto level = cc.level_of(cc.blocks.integrator);
  const std::string mem = "mem" + j;
  circuit::opamp(c, b, "lif" + j, "0", col, mem, level, env);
  c.add(b, circuit::Capacitor{"Cmem" + j, col, mem, d.c_mem});
  c.add(b, circuit::Resistor{"Rleak" + j, col, mem, d.r_leak});
  if (level == config::Level::transistor) {
    const bool have_vth = std::any_of(b.elements().begin(), b.elements().end(),
                                      [](const circuit::Element& e) { return circuit::element_name(e) == "Vvth"; });
    if (!have_vth) circuit::voltage(c, b, "vth", "vth", circuit::SourceValue{d.v_threshold});
    const std::string spk = "spk" + j;
    circuit::transistor_lif(c, b, "lifc" + j, circuit::LifNodes{mem, "vth", col, "clks", "clksb", "clkr", spk}, env);
    return LifNodes{mem, spk, env.vss, env.vdd};
  }
  const std::string cmp = "cmp" + j, hold = "lat" + j;
  const double c_hold = 1e-12, g_strobe = 20 * c_hold / (0.05 * d.step);  // settles in a twentieth of the strobe
  c.add(b, circuit::BehavioralVoltage{
               "Bcmp" + j, cmp, "0",
               Expr::num(0.5) + Expr::num(0.5) * Expr::call("tanh", {(Expr::v(mem) - Expr::num(d.v_threshold)) /
                                                                     Expr::num(pc.comparator_width)})});
  c.add(b, circuit::Capacitor{"Clat" + j, hold, "0", c_hold});
  // A DC path for the latch node (the strobe current is 0 at t = 0, so the
  // node floats at the operating point and ngspice's gmin and source stepping
  // fail before its transient op succeeds, ~3 s per image); 1 Gohm * 1 pF =
  // 1 ms, so a latched 1 loses 0.1 % over a 1 us step.
  c.add(b, circuit::Resistor{"Rlat" + j, hold, "0", 1e9});
  c.add(b, circuit::BehavioralCurrent{"Blat" + j, "0", hold,
                                      Expr::num(g_strobe) * Expr::v("clks") * (Expr::v(cmp) - Expr::v(hold))});
  c.add(b, circuit::BehavioralCurrent{
               "Brst" + j, mem, col,
               Expr::num(pc.reset_conductance) * Expr::v(hold) * Expr::v("clkr") * Expr::v(mem, col)});
  return LifNodes{mem, hold, 0.0, 1.0};
}

PrimeCircuit build_circuit(const config::Config& cfg, const SpikingNet& net, const Eigen::MatrixXf& spikes,
                           bool use_klu) {
  const auto& cc = cfg.circuit;
  const auto& pc = cfg.prime.circuit;
  PrimeCircuit pcirc;
  pcirc.step = pc.step;
  pcirc.steps = static_cast<int>(spikes.cols());
  const double D = pc.step, A = pc.pulse_amplitude, pw = pc.pulse_width, edge = pc.edge;
  const int T = pcirc.steps;
  const circuit::Environment env = prime_environment(cfg);
  const bool transistor = cc.level_of(cc.blocks.integrator) == config::Level::transistor;
  circuit::Circuit& c = pcirc.circuit;
  c.title = "memcosim " + cfg.name + " PRIME spiking network";
  c.header = {"Generated by memcosim " MEMCOSIM_VERSION "; do not edit (regenerate with `memcosim netlist`).",
              "Spiking network " + std::to_string(net.inputs()) + "-" + std::to_string(net.hidden()) + "-" +
                  std::to_string(net.outputs()) + ", " + std::to_string(T) + " steps of " + spice_number(D) +
                  " s; read pulses " + spice_number(A) + " V x " + spice_number(pw) + " s."};

  const std::uint64_t device_seed =
      cc.crossbar.device_seed ? *cc.crossbar.device_seed : derive_seed(cfg.seed, "circuit");
  Rng programming(derive_seed(device_seed, "programming"));

  // ---- input spikes as read pulses ---------------------------------------
  auto& in = c.block("input spikes", {"Row pair i: +A / -A read pulses at 0.1 step of every step pixel i spikes."});
  std::vector<std::pair<std::string, std::string>> rows;
  std::vector<std::string> names;
  for (Eigen::Index i = 0; i < net.inputs(); ++i) {
    circuit::Pwl pp, pn;
    for (int t = 0; t < T; ++t)
      if (spikes(i, t) != 0.0f) {
        add_pulse(pp, (t + 0.1) * D, pw, edge, A);
        add_pulse(pn, (t + 0.1) * D, pw, edge, -A);
      }
    const std::string p = "x" + idx(i) + "p", n = "x" + idx(i) + "n";
    circuit::voltage(c, in, "in" + idx(i) + "p", p,
                     pp.t.empty() ? circuit::SourceValue{} : circuit::SourceValue{0.0, pp});
    circuit::voltage(c, in, "in" + idx(i) + "n", n,
                     pn.t.empty() ? circuit::SourceValue{} : circuit::SourceValue{0.0, pn});
    rows.emplace_back(p, n);
    names.push_back("x" + idx(i));
  }
  pcirc.hidden_layer = program_layer(net.w1, net.m1, A, cfg, programming, 0, device_seed);
  const auto& m1 = pcirc.hidden_layer;
  const LifDesign design = lif_design(cfg, net.beta, net.threshold, m1.g_unit);
  add_clocks(c, design, pw, T, transistor, env);

  // ---- layer 1 and the LIF neurons ----------------------------------------
  circuit::add_crossbar(c, 0, m1, rows, names, false, cc, env);
  pcirc.k_membrane = pc.v_threshold / net.threshold;
  auto& lif = c.block("LIF neurons",
                      {"C_mem = " + spice_number(design.c_mem) + " F, R_leak = " + spice_number(design.r_leak) +
                       " ohm (beta = " + spice_number(net.beta) + " per step), threshold " +
                       spice_number(pc.v_threshold) + " V = " + spice_number(net.threshold) + " units" +
                       (transistor ? "; transistor comparator, latch and reset (lif_cmos)." : "; latch C 1e-12 F.")});
  rows.clear();
  names.clear();
  for (Eigen::Index j = 0; j < net.hidden(); ++j) {
    const LifNodes n = add_lif_neuron(c, lif, idx(j), "l1_c" + idx(j), design, cfg, env);
    // The spike read pulse: the latch's level scaled to 0..1 times clko.
    const Expr on = transistor ? (Expr::v(n.latch) - Expr::num(n.latch_low)) / Expr::num(n.latch_high - n.latch_low)
                               : Expr::v(n.latch);
    const std::string hp = "h" + idx(j) + "p", hn = "h" + idx(j) + "n";
    c.add(lif, circuit::BehavioralVoltage{"Bsp" + idx(j), hp, "0", Expr::num(A) * on * Expr::v("clko")});
    c.add(lif, circuit::BehavioralVoltage{"Bsn" + idx(j), hn, "0", Expr::num(-A) * on * Expr::v("clko")});
    pcirc.membrane.push_back(n.membrane);
    pcirc.latch.push_back(n.latch);
    pcirc.latch_low = n.latch_low;
    pcirc.latch_high = n.latch_high;
    rows.emplace_back(hp, hn);
    names.push_back("h" + idx(j));
  }

  // ---- layer 2 and the output integrators ----------------------------------
  pcirc.output_layer = program_layer(net.w2, net.m2, A, cfg, programming, 1, device_seed);
  const auto& m2 = pcirc.output_layer;
  circuit::add_crossbar(c, 1, m2, rows, names, false, cc, env);
  pcirc.k_output = pc.output_volts;
  const double c_out = m2.g_unit * A * pw / pcirc.k_output;
  auto& outs = c.block("output integrators", {"C_out = " + spice_number(c_out) +
                                              " F; V(yK) = " + spice_number(pc.output_volts) + " V per unit of O_K."});
  for (Eigen::Index k = 0; k < net.outputs(); ++k) {
    const std::string col = "l2_c" + idx(k), y = "y" + idx(k);
    circuit::opamp(c, outs, "oint" + idx(k), "0", col, y, cc.level_of(cc.blocks.integrator), env);
    c.add(outs, circuit::Capacitor{"Cout" + idx(k), col, y, c_out});
    if (net.output_beta < 1)
      c.add(outs, circuit::Resistor{"Rout" + idx(k), col, y, D / std::log(1.0 / net.output_beta) / c_out});
    pcirc.outputs.push_back(y);
  }

  // ---- analysis -------------------------------------------------------------
  for (const auto* nodes : {&pcirc.outputs, &pcirc.membrane, &pcirc.latch})
    for (const auto& n : *nodes) c.save(n);
  circuit::add_transient(c, cfg.simulation, T * D, use_klu);
  const double max_step = pc.max_step > 0 ? pc.max_step : edge;
  c.tran = circuit::TranAnalysis{max_step, T * D, max_step};
  return pcirc;
}

}  // namespace memcosim::tasks::prime
