#include "circuit/blocks.hpp"
#include "util/numbers.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace memcosim::circuit {

namespace {

constexpr const char* kBehavioralOpamp = "opamp_beh";
// Output resistance of the ideal op-amp: negligible against any load here,
// but it lets .ic hold the node it drives.
constexpr double kIdealRout = 1e-3;

// Blocks without a transistor-level circuit (the multiplier).
void require_level(Level level, const std::string& name) {
  if (level == Level::transistor)
    throw std::invalid_argument(name + ": this block has no transistor level (use behavioral)");
}

// The behavioral op-amp, defined once per circuit:
//   offset source, transconductance gm into R1 || C1 (dominant pole at
//   gbw/a0, DC gain gm R1 = a0), a stiff current that holds the internal
//   node inside [v_low, v_high] (no integrator wind-up when saturated),
//   a unity buffer and the output resistance.
void define_behavioral_opamp(Circuit& c, const Environment& env) {
  for (const auto& s : c.subcircuits())
    if (s.name() == kBehavioralOpamp) return;
  const auto& o = env.opamp;
  const double r1 = 1e3;
  const double gm = o.a0 / r1;
  const double c1 = o.a0 / (2.0 * std::numbers::pi * o.gbw * r1);
  auto& sub =
      c.subcircuit(kBehavioralOpamp, {"inp", "inn", "out"},
                   {"Behavioral op-amp: A0 = " + spice_number(o.a0) + ", GBW = " + spice_number(o.gbw) +
                        " Hz (pole at " + spice_number(o.gbw / o.a0) + " Hz), offset " + spice_number(o.offset) + " V,",
                    "swing [" + spice_number(env.v_low()) + ", " + spice_number(env.v_high()) + "] V, Rout " +
                        spice_number(o.rout) + " ohm."});
  c.add(sub, VoltageSource{"Vos", "inp", "ip", {o.offset, std::nullopt}});
  c.add(sub, Vccs{"Gin", "0", "n1", "ip", "inn", gm});
  c.add(sub, Resistor{"R1", "n1", "0", r1});
  c.add(sub, Capacitor{"C1", "n1", "0", c1});
  const double g_clamp = 1.0;  // S: beyond the swing limits n1 moves ~gm*vin/g_clamp
  c.add(sub, BehavioralCurrent{"Bclamp", "n1", "0",
                               Expr::num(g_clamp) * (Expr::call("uramp", {Expr::v("n1") - Expr::num(env.v_high())}) -
                                                     Expr::call("uramp", {Expr::num(env.v_low()) - Expr::v("n1")}))});
  c.add(sub, Vcvs{"Ebuf", "no", "0", "n1", "0", 1.0});
  c.add(sub, Resistor{"Rout", "no", "out", o.rout});
}

}  // namespace

void opamp(Circuit& c, Block& b, const std::string& name, const std::string& inp, const std::string& inn,
           const std::string& out, Level level, const Environment& env) {
  if (level == Level::transistor) {
    transistor_opamp(c, b, name, inp, inn, out, env);
    return;
  }
  if (level == Level::ideal) {
    const std::string internal = name + "_o";
    c.add(b, Vcvs{"E" + name, internal, "0", inp, inn, env.opamp.ideal_gain});
    c.add(b, Resistor{"R" + name + "_out", internal, out, kIdealRout});
  } else {
    define_behavioral_opamp(c, env);
    c.add(b, Instance{"X" + name, {inp, inn, out}, kBehavioralOpamp});
  }
}

void tia(Circuit& c, Block& b, const std::string& name, const std::string& vg, const std::string& out, double rf,
         Level level, const Environment& env) {
  opamp(c, b, name, "0", vg, out, level, env);
  c.add(b, Resistor{"R" + name + "_f", vg, out, rf});
}

void inverter(Circuit& c, Block& b, const std::string& name, const std::string& in, const std::string& out, double r,
              Level level, const Environment& env) {
  const std::string vg = name + "_vg";
  c.add(b, Resistor{"R" + name + "_in", in, vg, r});
  c.add(b, Resistor{"R" + name + "_f", vg, out, r});
  opamp(c, b, name, "0", vg, out, level, env);
}

IntegratorNodes integrator(Circuit& c, Block& b, const std::string& name,
                           const std::vector<std::pair<std::string, double>>& inputs, const std::string& out,
                           double cap, Level level, const Environment& env) {
  const std::string vg = name + "_vg";
  for (std::size_t k = 0; k < inputs.size(); ++k)
    c.add(b, Resistor{"R" + name + "_in" + std::to_string(k), inputs[k].first, vg, inputs[k].second});
  c.add(b, Capacitor{"C" + name, vg, out, cap});
  opamp(c, b, name, "0", vg, out, level, env);
  // ngspice names a subcircuit's internal node <instance>.<node>.
  return {out, vg, level == Level::behavioral ? "x" + name + ".n1" : std::string()};
}

void initial_state(Circuit& c, const IntegratorNodes& nodes, double volts) {
  c.initial_condition(nodes.output, volts);
  c.initial_condition(nodes.virtual_ground, 0.0);
  if (!nodes.opamp_state.empty()) c.initial_condition(nodes.opamp_state, volts);
}

void relu(Circuit& c, Block& b, const std::string& name, const std::string& in, const std::string& out, Level level,
          const Environment& env) {
  if (level == Level::transistor) {
    transistor_relu(c, b, name, in, out, env);
    return;
  }
  const Expr v = Expr::v(in);
  if (level == Level::ideal) {
    c.add(b, BehavioralVoltage{"B" + name, out, "0", Expr::call("uramp", {v})});
    return;
  }
  // 0.5 (v + sqrt(v^2 + k^2)): 0 for v << -k, v for v >> k, k/2 at v = 0;
  // then limited by the positive swing.
  const Expr k2 = Expr::num(env.relu_knee * env.relu_knee);
  const Expr smooth = Expr::num(0.5) * (v + Expr::call("sqrt", {v * v + k2}));
  c.add(b, BehavioralVoltage{"B" + name, out, "0", Expr::call("min", {smooth, Expr::num(env.v_high())})});
}

void multiplier(Circuit& c, Block& b, const std::string& name, const std::string& in, const std::string& gain,
                const std::string& out, Level level, const Environment& env) {
  require_level(level, name);
  const Expr product = Expr::v(gain) * Expr::v(in);
  if (level == Level::ideal) {
    c.add(b, BehavioralVoltage{"B" + name, out, "0", product});
    return;
  }
  c.add(b, BehavioralVoltage{
               "B" + name, out, "0",
               Expr::call("max", {Expr::call("min", {product, Expr::num(env.v_high())}), Expr::num(env.v_low())})});
}

double cell_gap(double g, const config::CellConfig& cell) {
  // i0 exp(-gap/g0) sinh(Vv/v0) = g Vv
  const double vv = cell.verify_voltage;
  return -cell.g0 * std::log(g * vv / (cell.i0 * std::sinh(vv / cell.v0)));
}

double cell_sinh_limit(const Environment& env) {
  return std::min(700.0, std::max(20.0, 2.0 * (env.vdd - env.vss) / env.cell.v0));
}

Expr cell_sinh(const Expr& u, const Environment& env) {
  // Without transistor-level blocks the bare sinh: every operating point of
  // the behavioural circuits converged with it, and the guard costs ngspice
  // ~4x the CPU time on the behavioural ring (2.1 s vs 0.55 s).
  if (!env.transistor) return Expr::call("sinh", {u});
  const double limit = cell_sinh_limit(env);
  const Expr c = Expr::call("min", {Expr::call("max", {u, Expr::num(-limit)}), Expr::num(limit)});
  // cosh(L), a constant: u - c is 0 wherever c is not +-L, so the slope
  // term is the same function as cosh(c) (u - c) and its derivative too,
  // and ngspice evaluates it ~5x faster (measured on netlists/ring.cir).
  return Expr::call("sinh", {c}) + Expr::num(std::cosh(limit)) * (u - c);
}

void cell(Circuit& c, Block& b, const std::string& name, const std::string& row, const std::string& col, double g,
          Level level, const Environment& env) {
  if (!(g > 0) || !std::isfinite(g)) throw std::invalid_argument(name + ": conductance must be > 0");
  if (level == Level::transistor) {
    transistor_cell(c, b, name, row, col, g, env);
    return;
  }
  if (level == Level::ideal) {
    c.add(b, Resistor{"R" + name, row, col, 1.0 / g});
    return;
  }
  // The amplitude i0 exp(-gap/g0) is evaluated here, not in every Newton
  // iteration of the simulator; the crossbar block notes give the gaps.
  const auto& p = env.cell;
  const double amplitude = p.i0 * std::exp(-cell_gap(g, p) / p.g0);
  c.add(b, BehavioralCurrent{"B" + name, row, col,
                             Expr::num(amplitude) * cell_sinh(Expr::v(row, col) / Expr::num(p.v0), env)});
}

void row_driver(Circuit& c, Block& b, const std::string& name, const std::string& in, const std::string& out,
                double g_replica, Level opamp_level, Level cell_level, const Environment& env) {
  const std::string vg = name + "_vg";
  c.add(b, Resistor{"R" + name + "_in", in, vg, 1.0 / g_replica});
  cell(c, b, name + "_rep", out, vg, g_replica, cell_level, env);
  opamp(c, b, name, "0", vg, out, opamp_level, env);
}

void voltage(Circuit& c, Block& b, const std::string& name, const std::string& node, SourceValue value) {
  c.add(b, VoltageSource{"V" + name, node, "0", std::move(value)});
}

void voltage(Circuit& c, Block& b, const std::string& name, const std::string& node, Expr expr) {
  c.add(b, BehavioralVoltage{"B" + name, node, "0", std::move(expr)});
}

}  // namespace memcosim::circuit
