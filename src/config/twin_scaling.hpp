// twin.scaling: the volts per unit of the twin circuit's signals
// (src/tasks/twin/circuit.hpp). Each is chosen from the trained network and
// the ranges its software solution visits on the test cases, unless given;
// the chosen values are written into config.resolved.yaml of a run.
#pragma once

#include <vector>

#include "config/reflect.hpp"

namespace memcosim::config {

struct TwinScalingConfig {
  double row_swing = 0.15;
  double rate_swing = 0.3;
  std::vector<double> state;
  std::vector<double> drive;
  std::vector<double> rate;
  double hidden = 0.0;
  double margin = 1.25;
  template <class V>
  void fields(V& v) {
    v("row_swing", row_swing,
      "Automatic scaling: the largest voltage a crossbar row may carry (states, drives, hidden activations) at "
      "margin x the largest value seen (V). Small keeps the behavioural cells' sinh I-V nearly linear.",
      gt(0));
    v("rate_swing", rate_swing,
      "Automatic scaling: the largest output-TIA voltage (the rate dx/dt into the integrators) at margin x the "
      "largest rate seen (V).",
      gt(0));
    v("state", state, "Volts per unit of each state dimension; empty = automatic.", gt(0));
    v("drive", drive, "Volts per unit of each drive input; empty = automatic.", gt(0));
    v("rate", rate, "Volts per unit of dx_d/dt at the output TIAs, per dimension; empty = automatic.", gt(0));
    v("hidden", hidden, "Volts per unit of the hidden activations; 0 = automatic.", ge(0));
    v("margin", margin, "Automatic scaling: headroom factor over the largest value seen.", ge(1));
  }
};

}  // namespace memcosim::config
