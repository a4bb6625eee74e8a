// Energy from a transistor-level transient, by block, and the shape of every
// task's speed/energy projection table (each task fills its own:
// tasks/*/projection).
//
// Every independent voltage source and behavioural voltage source of the
// circuit's top-level blocks is a meter; its energy over the transient is
// E = -integral V(t) I(t) dt (I into its + node, SPICE's sign: a source
// that delivers power has I < 0). Meters are grouped by the block they sit
// in, and each group is one of two kinds:
//   supply  the per-block rails of the transistor-level op-amps
//           (circuit/transistor.hpp) and the crossbars' word-line and bulk
//           sources, i.e. the sources with a supply role (circuit::Role):
//           energy drawn from the 1.8 V supply;
//   source  ideal sources standing in for circuits that are not at
//           transistor level (bias rows, embedding DACs, behavioural
//           rectifiers): the energy they deliver into the circuit, a lower
//           bound on what a real driver would draw.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "circuit/ir.hpp"
#include "config/config.hpp"
#include "spice/plot.hpp"

namespace memcosim::flow {

struct EnergyMeter {
  std::string group;                  // block title
  bool supply = false;                // a source with a supply role (circuit::is_supply), else an ideal source
  std::string current;                // vector of its current: "i(vdd_x)" or "@bname[i]"
  std::string node_plus, node_minus;  // voltage across it when `constant` is false
  bool constant = true;
  double volts = 0.0;  // its DC value when constant
};

// The meters of a circuit (top-level blocks only).
std::vector<EnergyMeter> energy_meters(const circuit::Circuit& c);

// Adds the vectors the meters need to the circuit's .save lines and returns
// their names (for spice::Job::vectors).
std::vector<std::string> save_energy_vectors(circuit::Circuit& c, const std::vector<EnergyMeter>& meters);

// The rails of the circuit's top-level blocks (circuit::Block::supply_pair),
// in block order.
std::vector<circuit::SupplyPair> supply_rails(const circuit::Circuit& c);
// The vectors of their currents: i(positive), i(negative) for each pair.
std::vector<std::string> supply_vectors(const std::vector<circuit::SupplyPair>& rails);
// The power (W) drawn from them at an operating point (the plot's first
// point): the sum over pairs of -vdd I(positive) - vss I(negative).
double supply_power(const spice::Plot& op, const std::vector<circuit::SupplyPair>& rails, double vdd, double vss);

// Energy (J) per group over the plot's time span (trapezoidal rule).
// Throws SimulationError if a vector is missing.
std::map<std::string, double> energy_by_group(const spice::Plot& plot, const std::vector<EnergyMeter>& meters);

// The projection table as JSON and as printed lines; every assumption is
// printed with its figure.
struct Projection {
  nlohmann::json json;
  std::vector<std::string> lines;
};

}  // namespace memcosim::flow
