// Block builders: each adds one analogue block to a Circuit at the level the
// config asks for. They know circuits, not networks: the solver builder
// (tasks/diffusion/circuit.hpp) decides what each block computes.
//
// Levels (DESIGN.md §3):
//   ideal       ideal elements: a VCVS op-amp, linear RRAM conductances,
//               an ideal rectifier;
//   behavioral  finite DC gain and a GBW pole, clamped output swing, input
//               offset, output resistance; RRAM cells with a sinh read I-V;
//               a rectifier with a rounded knee that stops at the rail;
//   transistor  180 nm CMOS (circuit/transistor.hpp): op-amps are two-stage
//               Miller OTAs with their own bias and per-block supplies;
//               rectifiers are super-diodes; cells are 1T1R (access NMOS +
//               RRAM element). Multipliers have no transistor level
//               (std::invalid_argument).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "circuit/ir.hpp"
#include "circuit/transistor.hpp"
#include "config/config.hpp"

namespace memcosim::circuit {

using config::Level;

// Everything a block needs to know about the analogue environment.
struct Environment {
  Environment() = default;
  Environment(double vdd_, double vss_, config::OpampConfig opamp_, config::CellConfig cell_, double relu_knee_)
      : vdd(vdd_), vss(vss_), opamp(opamp_), cell(cell_), relu_knee(relu_knee_) {}
  double vdd = 0.9, vss = -0.9;
  config::OpampConfig opamp;
  config::CellConfig cell;
  double relu_knee = 1e-3;
  // Models, sizing and the measured access-transistor I-V; needed by
  // transistor-level blocks only.
  std::shared_ptr<const TransistorEnvironment> transistor;
  // Output swing limits of a behavioral op-amp.
  double v_high() const { return vdd - opamp.headroom; }
  double v_low() const { return vss + opamp.headroom; }
};

// Op-amp out = A (inp - inn). Ideal: VCVS + 1 mOhm output resistance (so
// that .ic can hold an integrator output; see integrator()). Behavioral: an
// instance of the shared subcircuit "opamp_beh" (defined on first use).
// Transistor: an instance of "opamp_cmos" on its block's supplies.
void opamp(Circuit& c, Block& b, const std::string& name, const std::string& inp, const std::string& inn,
           const std::string& out, Level level, const Environment& env);

// Inverting transimpedance amplifier: out = -rf * I(into vg); vg is held at
// virtual ground.
void tia(Circuit& c, Block& b, const std::string& name, const std::string& vg, const std::string& out, double rf,
         Level level, const Environment& env);

// Unity inverter: out = -in.
void inverter(Circuit& c, Block& b, const std::string& name, const std::string& in, const std::string& out, double r,
              Level level, const Environment& env);

// The nodes that hold an integrator's state.
struct IntegratorNodes {
  std::string output;
  std::string virtual_ground;
  std::string opamp_state;  // the behavioral op-amp's pole node ("x<name>.n1"); "" when ideal
};

// Inverting integrator: C dV(out)/dt = -sum_k V(in_k) / R_k.
IntegratorNodes integrator(Circuit& c, Block& b, const std::string& name,
                           const std::vector<std::pair<std::string, double>>& inputs, const std::string& out,
                           double cap, Level level, const Environment& env);

// Sets the integrator's starting output voltage: .ic on the output (volts),
// its virtual ground (0) and, for a behavioral op-amp, its pole node
// (volts), so the capacitor starts at exactly that voltage, the op-amp
// starts where it will be, and the rest of the circuit gets a true
// operating point. (Without the pole node the output collapses towards 0 for
// tens of ns at release, a glitch that can end the transient with
// "timestep too small".)
void initial_state(Circuit& c, const IntegratorNodes& nodes, double volts);

// out = max(in, 0) (ideal), the behavioral rounded rectifier that stops at
// the positive rail, or the transistor-level super-diode (an instance of
// "relu_cmos" on its block's supplies, circuit/transistor.hpp).
void relu(Circuit& c, Block& b, const std::string& name, const std::string& in, const std::string& out, Level level,
          const Environment& env);

// out = V(gain) * V(in): the time-varying integrator gain of the
// variable_gain schedule form (behavioral adds the output clamp).
void multiplier(Circuit& c, Block& b, const std::string& name, const std::string& in, const std::string& gain,
                const std::string& out, Level level, const Environment& env);

// One RRAM cell from row to column with conductance g. Ideal: a resistor.
// Behavioral: I = i0 exp(-gap/g0) sinh(V/v0), the gap programmed so that
// I(verify_voltage) = g * verify_voltage (the netlist holds the amplitude
// i0 exp(-gap/g0); cell_gap() gives the gap).
void cell(Circuit& c, Block& b, const std::string& name, const std::string& row, const std::string& col, double g,
          Level level, const Environment& env);
// Linearising row driver: an inverting op-amp stage (at opamp_level) with
// 1 / g_replica from `in` to its virtual ground and a replica cell of
// conductance g_replica (at cell_level) from `out` to it, oriented as an array
// cell (row at out, column at virtual ground). The replica carries
// g_replica V(in) out of the virtual ground, so every array cell whose I-V is
// the replica's, scaled by its conductance g, passes -g V(in) from a row
// driven at `out`: the read characteristic is undone (exactly for
// behavioral cells, whose I/g is one function s(V); for 1T1R cells exactly at
// g_replica only). With ideal cells it is a unity inverter.
void row_driver(Circuit& c, Block& b, const std::string& name, const std::string& in, const std::string& out,
                double g_replica, Level opamp_level, Level cell_level, const Environment& env);

// The programmed gap of a behavioral cell of conductance g (m).
double cell_gap(double g, const config::CellConfig& cell);

// The behavioural cell's sinh(u), u = V/v0, as written into the netlist:
// sinh(c) + cosh(L) (u - c) with c = min(max(u, -L), L), i.e. exactly
// sinh(u) for |u| <= L (the second term is cosh(L) * 0, value and slope
// unchanged) and continued linearly with matched value and slope beyond.
// L = cell_sinh_limit(env) lies beyond any voltage a cell can see (twice the
// supply span), so the circuit's solutions do not change. Why: a Newton
// iterate of ngspice can put a crossbar row at hundreds of volts; sinh then
// overflows ("out of range for sinh"), the iteration is abandoned, and with
// many such iterates gmin and source stepping fail on the DC operating point
// (measured with the 28 transistor-level rectifiers, whose outputs drive
// rows and, unlike the behavioural rectifier's, are unbounded in an iterate).
// The guard is written only when the circuit has transistor-level blocks
// (env.transistor set); otherwise the bare sinh(u), which every behavioural
// circuit's operating point converged with and ngspice evaluates ~4x faster.
Expr cell_sinh(const Expr& u, const Environment& env);
// L of cell_sinh: max(20, 2 (vdd - vss) / v0), at most 700 (sinh(710) overflows).
double cell_sinh_limit(const Environment& env);

// A DC or piecewise-linear voltage source to ground.
void voltage(Circuit& c, Block& b, const std::string& name, const std::string& node, SourceValue value);
// A behavioural voltage source to ground (analytic waveforms of time).
void voltage(Circuit& c, Block& b, const std::string& name, const std::string& node, Expr expr);

}  // namespace memcosim::circuit
