// RRAM non-idealities of the solver circuit: programming (write) error,
// stuck cells, read noise during the transient, and crossbar wire
// resistance. Every random number is counter-based (util/random.hpp), keyed
// by (seed, trajectory, cell, ...): the same seed gives byte-identical
// waveforms and netlists in any process on any machine, independent of the
// order in which cells or trajectories are built. ngspice's own transient
// noise sources are not used: their generator is seeded by the process id.
//
// Programming, per cell (map_layer in network.cpp calls program_conductance):
//   G = quantise(G_target)                       crossbar.levels
//   G <- G (1 + programming_error z1)            relative part (the stream map_layer has always used)
//   G <- G + programming_error_abs z2            absolute part: sigma(G)^2 = (rel G)^2 + abs^2
//   z1, z2 ~ N(0, 1), redrawn beyond +-programming_truncation (0: not truncated)
//   G <- clip(G, g_min, g_max)
//   stuck_at_min / stuck_at_max of the cells are g_min / g_max whatever the target.
//
// Read noise (crossbar.read_noise), as a relative conductance fluctuation
// n(t) = dG/G of each cell, so that a cell conducts G (1 + n(t)) at its I-V:
//   white    one-sided PSD white^2 (1/Hz), flat up to the grid's Nyquist frequency;
//   1/f      one-sided PSD flicker / f from flicker_fmin to the Nyquist frequency,
//            a sum of Ornstein-Uhlenbeck (Lorentzian) processes, three per decade,
//            each sampled exactly (AR(1)) on the grid;
//   RTN      cells with an active trap (a per-chip draw, rtn_fraction) lose
//            rtn_amplitude of their conductance while the trap is filled; the trap
//            is a two-state Markov process with exponential dwell times
//            (rtn_tau_empty, rtn_tau_filled), started from its stationary law;
//   thermal  4 k T G current noise of every cell (additive, independent of the
//            signal): the sum over a column is again white Gaussian noise with
//            PSD 4 k T sum(G), so one source per column is exact.
//
// Representation and its trade-off. Every waveform is sampled on one shared
// grid of read_noise.points points over the run (step h = run time /
// (points - 1)) and written as a behavioural pwl() of time into the cell's
// own current expression, I = I_cell(V) * (1 + pwl(time/h; 0, n_0; 1, n_1; ..)),
// with integer knots and values rounded to 4 significant digits (both keep the
// text short and are exact by construction, so the netlist is the record of
// the noise). A pwl() inside a B source adds no circuit node, no matrix
// entry and no simulator breakpoint, so the cost of noise is evaluation, not
// matrix size. The netlist grows as cells x points (~12 bytes a point: the
// ring's 564 cells at 200 points add ~1.4 MB per trajectory), and the noise is
// band-limited to (points - 1) / (2 run time): choose points so that this
// covers the read-out bandwidth of interest (the integrators average
// everything faster than tau0). Multiplicative (conductance) noise has to be
// per cell: its current depends on each cell's own row voltage. Additive
// thermal noise is aggregated per column, which is exact.
//
// Wire resistance (crossbar.wire_resistance, ohm per segment): each row is a
// wire driven at its first column, each column a wire read at its last row
// by the TIA; every cell sits between its own row node and column node, and
// neighbouring nodes are joined by one segment.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "circuit/blocks.hpp"
#include "circuit/ir.hpp"
#include "config/config.hpp"
#include "util/random.hpp"

namespace memcosim::circuit {

// Seeds of the non-ideal streams, derived from the circuit's device seed.
struct DeviceSeeds {
  std::uint64_t absolute, truncation, stuck, trap, white, flicker, rtn, thermal;
  explicit DeviceSeeds(std::uint64_t device_seed);
};

// One cell's programmed conductance (S). `rng` is the sequential stream of
// the relative error (used only when programming_error > 0, as it always
// was); the other parts are counter-based on (layer, cell). cell numbers the
// cells of a layer in the order they are programmed.
double program_conductance(double target, const config::CrossbarConfig& xb, Rng& rng, const DeviceSeeds& seeds,
                           int layer, std::uint64_t cell);

// Read noise of one trajectory on the shared grid.
class ReadNoise {
 public:
  ReadNoise(const config::ReadNoiseConfig& cfg, const DeviceSeeds& seeds, std::uint64_t trajectory, double duration);

  int points() const { return cfg_.points; }
  double step() const { return step_; }
  // Whether cells fluctuate (white, 1/f or RTN on).
  bool per_cell() const { return cfg_.per_cell(); }
  // Whether the cell has an active RTN trap (a property of the chip: the
  // same in every trajectory).
  bool trap_active(int layer, std::uint64_t cell) const;
  // dG/G of the cell at the grid points (points() values).
  std::vector<double> cell_fluctuation(int layer, std::uint64_t cell) const;
  // The parts, for tests.
  std::vector<double> white(int layer, std::uint64_t cell) const;
  std::vector<double> flicker(int layer, std::uint64_t cell) const;
  std::vector<double> telegraph(int layer, std::uint64_t cell) const;  // 0 (empty) or 1 (filled)
  // Thermal current noise (A) of a column whose cells sum to g_sum (S).
  std::vector<double> column_current(int layer, std::uint64_t column, double g_sum) const;
  // Corner frequencies (Hz) of the Lorentzians that make up the 1/f noise,
  // and the variance of each.
  const std::vector<double>& flicker_corners() const { return corners_; }
  double flicker_component_variance() const { return component_variance_; }

  // The waveform as an expression of simulation time: pwl(time/h; k, v_k),
  // values rounded to 4 significant digits.
  Expr waveform(const std::vector<double>& values) const;

 private:
  std::uint64_t uid(int layer, std::uint64_t cell) const;
  config::ReadNoiseConfig cfg_;
  DeviceSeeds seeds_;
  std::uint64_t trajectory_;
  double duration_, step_;
  std::vector<double> corners_;
  double component_variance_ = 0;
};

// Rounds to `digits` significant decimal digits (the value the netlist text
// then carries exactly).
double round_significant(double x, int digits);

// Comment lines for a crossbar block describing the non-idealities that are
// on (none when all are off).
std::vector<std::string> device_notes(const config::CrossbarConfig& xb, const ReadNoise* noise);

// cell() whose conductance fluctuates: I = I_cell(V(row, col)) * (1 + fluctuation),
// a behavioural current source at either level (ideal: linear g).
void fluctuating_cell(Circuit& c, Block& b, const std::string& name, const std::string& row, const std::string& col,
                      double g, Level level, const Environment& env, const Expr& fluctuation);

// Node names of a crossbar with resistive wires. rows x columns cells; row r
// is driven from row_driver[r] at column 0, column j is read at `column_out[j]`
// after its last row.
struct CrossbarWires {
  std::string prefix;  // e.g. "l1"
  int rows = 0, columns = 0;
  std::string row_node(int r, int j) const { return prefix + "_rw" + std::to_string(r) + "_" + std::to_string(j); }
  std::string column_node(int j, int r) const { return prefix + "_cw" + std::to_string(j) + "_" + std::to_string(r); }
};
// Adds every wire segment (resistance r_segment each) to the block.
void add_crossbar_wires(Circuit& c, Block& b, const CrossbarWires& w, const std::vector<std::string>& row_driver,
                        const std::vector<std::string>& column_out, double r_segment);

}  // namespace memcosim::circuit
